// The real armature-planner-arm binary with an LLM chain whose OpenAI-compatible provider is a
// loopback fake server in this test, and the API key in the process environment. The key must
// reach the provider and nothing else: no log line, no response, no /metrics sample.
#include <signal.h>
#include <stdlib.h>

#include <algorithm>
#include <chrono>
#include <fstream>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "armature/v1/arm_info.grpc.pb.h"
#include "armature/v1/planner.grpc.pb.h"
#include "gmock/gmock.h"
#include "grpcpp/create_channel.h"
#include "gtest/gtest.h"
#include "nlohmann/json.hpp"
#include "tests/e2e/e2e_env.h"
#include "tests/testing/fake_http_server.h"

namespace armature::e2e {
namespace {

using ::armature::testing::FakeHttpServer;
using nlohmann::json;
using ::testing::AllOf;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::Not;
using ::testing::SizeIs;

constexpr char kKeyVariable[] = "OPENAI_API_KEY";
constexpr char kKey[] = "sk-test-DO-NOT-LOG-1234567890";
constexpr char kProvider[] = "openai:gpt-4o-mini";

// Sets an environment variable for as long as it lives, then restores the old value.
class ScopedEnv {
 public:
  ScopedEnv(const char* name, const char* value) : name_(name) {
    if (const char* old = getenv(name)) old_ = old;
    setenv(name, value, 1);
  }
  ~ScopedEnv() {
    if (old_) {
      setenv(name_.c_str(), old_->c_str(), 1);
    } else {
      unsetenv(name_.c_str());
    }
  }
  ScopedEnv(const ScopedEnv&) = delete;
  ScopedEnv& operator=(const ScopedEnv&) = delete;

 private:
  std::string name_;
  std::optional<std::string> old_;
};

std::string OpenAiReply(const std::string& content) {
  return json{{"id", "chatcmpl-e2e"},
              {"object", "chat.completion"},
              {"created", 1700000000},
              {"model", "gpt-4o-mini-2024-07-18"},
              {"choices", json::array({{{"index", 0},
                                        {"message", {{"role", "assistant"}, {"content", content}}},
                                        {"finish_reason", "stop"}}})},
              {"usage", {{"prompt_tokens", 700}, {"completion_tokens", 250}}}}
      .dump();
}

// An error body that echoes the key, as OpenAI's 401 does ("Incorrect API key provided: sk-...").
std::string ErrorEchoingKey(const std::string& what) {
  return json{{"error",
               {{"message", absl::StrCat(what, ": ", kKey)},
                {"type", "invalid_request_error"},
                {"code", "invalid_api_key"}}}}
      .dump();
}

json Step(int step, const std::string& action, const std::string& arm, std::vector<int> deps) {
  return json{{"step", step},
              {"action", action},
              {"required_arm", arm},
              {"acceptance_criteria", {absl::StrCat("Step ", step, " is done")}},
              {"depends_on", deps},
              {"estimated_cost_tier", 2},
              {"estimated_duration_seconds", 120}};
}

std::string ValidPlanJson() {
  return json{
      {"subtasks", json::array({
                       Step(1, "Read the payment provider's API documentation", "retriever", {}),
                       Step(2, "Write the checkout client against the API", "coder", {1}),
                       Step(3, "Verify checkout works end to end", "judge", {2}),
                   })},
      {"rationale", "Learn the API, write the client, verify it."},
      {"confidence", 0.8},
      {"complexity_score", 0.4}}
      .dump();
}

// What the planner arm guarantees for every plan, checked from outside: 3-7 steps numbered
// 1..N, registry arms, 1-5 criteria, dependencies on earlier steps only, tiers 1-5, positive
// durations, a closing judge step.
std::vector<std::string> StructuralProblems(const v1::Plan& plan) {
  static const std::set<std::string> kArms = {"planner",  "retriever", "coder",
                                              "executor", "judge",     "guardian"};
  std::vector<std::string> problems;
  const int n = plan.subtasks_size();
  if (n < 3 || n > 7) problems.push_back(absl::StrCat(n, " steps"));
  for (int i = 0; i < n; ++i) {
    const v1::SubTask& t = plan.subtasks(i);
    const std::string at = absl::StrCat("step ", i + 1, ": ");
    if (t.step() != i + 1) problems.push_back(absl::StrCat(at, "numbered ", t.step()));
    if (t.action().empty()) problems.push_back(at + "no action");
    if (!kArms.contains(t.required_arm())) problems.push_back(at + "arm " + t.required_arm());
    if (t.acceptance_criteria_size() < 1 || t.acceptance_criteria_size() > 5) {
      problems.push_back(at + "criteria");
    }
    for (int dep : t.depends_on()) {
      if (dep < 1 || dep > i) problems.push_back(absl::StrCat(at, "depends on ", dep));
    }
    if (t.estimated_cost_tier() < 1 || t.estimated_cost_tier() > 5) problems.push_back(at + "tier");
    if (t.estimated_duration_seconds() < 1) problems.push_back(at + "duration");
  }
  if (n > 0 && plan.subtasks(n - 1).required_arm() != "judge") problems.push_back("no final judge");
  if (plan.confidence() < 0 || plan.confidence() > 1) problems.push_back("confidence");
  return problems;
}

class PlannerLlmE2eTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string dir = ::testing::TempDir() + "/planner-llm-XXXXXX";
    ASSERT_NE(mkdtemp(dir.data()), nullptr);
    config_path_ = dir + "/llm.yaml";
  }

  void TearDown() override {
    if (process_ == nullptr || process_->WaitExit(std::chrono::milliseconds(0))) return;
    process_->Signal(SIGTERM);
    EXPECT_EQ(process_->WaitExit(std::chrono::seconds(20)), 0) << process_->Stderr();
    EXPECT_THAT(process_->Stderr(), Not(HasSubstr(kKey)));  // Shutdown logs included.
  }

  // Starts the planner arm with one OpenAI-compatible provider: the fake server.
  void StartPlanner(bool builtin_fallback) {
    std::ofstream(config_path_) << "builtin_fallback: " << (builtin_fallback ? "true" : "false")
                                << "\nproviders:\n"
                                << "  - kind: openai\n"
                                << "    base_url: " << fake_.base_url() << "/v1\n"
                                << "    model: gpt-4o-mini\n"
                                << "    api_key_env: " << kKeyVariable << "\n"
                                << "    timeout_ms: 5000\n"
                                << "    max_attempts: 2\n"
                                << "    backoff: {initial_ms: 10, multiplier: 2.0, max_ms: 50, "
                                   "jitter: 0}\n";
    {
      // The child inherits the environment at start; the test process forgets the key after.
      ScopedEnv key(kKeyVariable, kKey);
      process_ =
          StartBinary("armature-planner-arm", {"--llm_config=" + config_path_,
                                               "--prompts_dir=" + SourcePath("config/prompts"),
                                               "--plan_cache_size=0", "--log_format=json"});
    }
    ASSERT_FALSE(process_->grpc_address().empty()) << process_->Stderr();
    channel_ = grpc::CreateChannel(process_->grpc_address(), grpc::InsecureChannelCredentials());
  }

  grpc::Status Plan(const std::string& goal, v1::PlanResponse* response) {
    auto stub = v1::PlannerArm::NewStub(channel_);
    grpc::ClientContext context;
    context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(30));
    v1::PlanRequest request;
    request.set_goal(goal);
    return stub->Plan(&context, request, response);
  }

  // The JSON log lines of `event` (every stderr line must be one JSON object).
  std::vector<json> LogEvents(const std::string& event) {
    std::vector<json> out;
    for (absl::string_view line : absl::StrSplit(process_->Stderr(), '\n', absl::SkipEmpty())) {
      json parsed = json::parse(line, nullptr, /*allow_exceptions=*/false);
      EXPECT_FALSE(parsed.is_discarded()) << line;
      if (!parsed.is_discarded() && parsed.value("event", "") == event) out.push_back(parsed);
    }
    return out;
  }

  // Every place the key could leak to, besides the responses the test checks itself.
  void ExpectKeyNowhere() {
    const std::string stderr_text = process_->Stderr();
    ASSERT_FALSE(stderr_text.empty());
    int line_number = 0;
    for (absl::string_view line : absl::StrSplit(stderr_text, '\n')) {
      ++line_number;
      EXPECT_THAT(std::string(line), Not(HasSubstr(kKey))) << "stderr line " << line_number;
    }
    EXPECT_THAT(process_->Stdout(), Not(HasSubstr(kKey)));
    absl::StatusOr<std::string> metrics = testing::HttpGet(process_->metrics_address(), "/metrics");
    ASSERT_TRUE(metrics.ok()) << metrics.status();
    EXPECT_THAT(*metrics, Not(HasSubstr(kKey)));
    EXPECT_THAT(*metrics, HasSubstr(absl::StrCat("provider=\"", kProvider, "\"")));

    auto info = v1::ArmInfo::NewStub(channel_);
    grpc::ClientContext context;
    v1::GetCapabilitiesResponse capabilities;
    ASSERT_TRUE(info->GetCapabilities(&context, v1::GetCapabilitiesRequest(), &capabilities).ok());
    EXPECT_THAT(capabilities.DebugString(), Not(HasSubstr(kKey)));
    EXPECT_THAT(capabilities.DebugString(), HasSubstr(kProvider));
  }

  FakeHttpServer fake_;
  std::string config_path_;
  std::unique_ptr<testing::BinaryProcess> process_;
  std::shared_ptr<grpc::Channel> channel_;
};

TEST_F(PlannerLlmE2eTest, KeyReachesTheProviderAndNothingElse) {
  ASSERT_NO_FATAL_FAILURE(StartPlanner(/*builtin_fallback=*/true));

  // 1. A server error (echoing the key) is retried; the second attempt answers.
  fake_.EnqueueJson(500, ErrorEchoingKey("The server had an error processing key"));
  fake_.EnqueueJson(200, OpenAiReply(ValidPlanJson()));
  v1::PlanResponse from_llm;
  grpc::Status status = Plan("Integrate the payment provider's API into checkout", &from_llm);
  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_EQ(from_llm.plan().backend(), kProvider);
  EXPECT_THAT(StructuralProblems(from_llm.plan()), IsEmpty()) << from_llm.DebugString();
  EXPECT_EQ(from_llm.plan().subtasks(0).action(), "Read the payment provider's API documentation");
  EXPECT_THAT(from_llm.DebugString(), Not(HasSubstr(kKey)));

  // The key did go to the provider, as a bearer token.
  ASSERT_THAT(fake_.requests(), SizeIs(2));
  EXPECT_EQ(fake_.requests()[0].path, "/v1/chat/completions");
  EXPECT_EQ(fake_.requests()[1].headers.at("authorization"), absl::StrCat("Bearer ", kKey));

  // 2. A refusal (401, echoing the key): the built-in engine answers, the warning names the
  //    provider and its error, without the key.
  fake_.EnqueueJson(401, ErrorEchoingKey("Incorrect API key provided"));
  v1::PlanResponse from_builtin;
  status = Plan("Write a script that backs up the database and then upload it", &from_builtin);
  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_EQ(from_builtin.plan().backend(), "builtin");
  EXPECT_THAT(StructuralProblems(from_builtin.plan()), IsEmpty()) << from_builtin.DebugString();
  const std::string warnings = absl::StrJoin(from_builtin.plan().warnings(), "\n");
  EXPECT_THAT(warnings, HasSubstr("openai:gpt-4o-mini: UNAUTHENTICATED: HTTP 401"));
  EXPECT_THAT(warnings, HasSubstr("Incorrect API key provided"));
  EXPECT_THAT(from_builtin.DebugString(), Not(HasSubstr(kKey)));

  // 3. PlanScene through buf curl (reflection): the provider answers.
  fake_.EnqueueJson(200, OpenAiReply(R"({"environment": {"theme": "cyberpunk",
      "weather": "light rain", "time_of_day": "night"}, "camera": {"path": "orbit"}})"));
  const testing::CommandResult scene =
      BufCurl(process_->grpc_address(),
              {"-d", R"({"prompt": "misty cyberpunk alley at night; light rain; orbit camera"})",
               "http://" + process_->grpc_address() + "/armature.v1.PlannerArm/PlanScene"});
  ASSERT_EQ(scene.exit_code, 0) << scene.output;
  const json scene_json = json::parse(scene.output);
  EXPECT_EQ(scene_json["scene"]["backend"], kProvider);
  EXPECT_EQ(scene_json["scene"]["environment"]["theme"], "cyberpunk");
  EXPECT_THAT(scene.output, Not(HasSubstr(kKey)));

  // The failures were logged, with the echoed key redacted.
  const std::vector<json> retries = LogEvents("llm_retry");
  ASSERT_THAT(retries, SizeIs(1));
  EXPECT_EQ(retries[0]["provider"], kProvider);
  EXPECT_THAT(retries[0]["error"].get<std::string>(),
              AllOf(HasSubstr("HTTP 500"), HasSubstr("[REDACTED]")));
  const std::vector<json> failures = LogEvents("llm_call_failed");
  ASSERT_THAT(failures, SizeIs(1));
  EXPECT_EQ(failures[0]["code"], "UNAUTHENTICATED");
  EXPECT_THAT(failures[0]["error"].get<std::string>(),
              AllOf(HasSubstr("HTTP 401"), HasSubstr("[REDACTED]")));
  ExpectKeyNowhere();
}

TEST_F(PlannerLlmE2eTest, ErrorWithoutFallbackIsLoggedWithoutTheKey) {
  ASSERT_NO_FATAL_FAILURE(StartPlanner(/*builtin_fallback=*/false));
  fake_.EnqueueJson(401, ErrorEchoingKey("Incorrect API key provided"));

  v1::PlanResponse response;
  const grpc::Status status = Plan("Summarise the latest release notes", &response);

  ASSERT_EQ(status.error_code(), grpc::StatusCode::UNAVAILABLE) << status.error_message();
  EXPECT_THAT(status.error_message(), HasSubstr("openai:gpt-4o-mini: UNAUTHENTICATED: HTTP 401"));
  EXPECT_THAT(status.error_message(), Not(HasSubstr(kKey)));
  EXPECT_THAT(status.error_details(), Not(HasSubstr(kKey)));
  // The failed call and the failed RPC are logged with their errors, redacted.
  ASSERT_THAT(LogEvents("llm_call_failed"), SizeIs(1));
  const std::vector<json> rpcs = LogEvents("rpc");
  const auto plan_rpc = std::find_if(rpcs.begin(), rpcs.end(), [](const json& j) {
    return j.value("method", "") == "armature.v1.PlannerArm/Plan";
  });
  ASSERT_NE(plan_rpc, rpcs.end());
  EXPECT_EQ((*plan_rpc)["code"], "UNAVAILABLE");
  EXPECT_THAT((*plan_rpc)["error"].get<std::string>(),
              AllOf(HasSubstr("Incorrect API key provided"), HasSubstr("[REDACTED]")));
  ExpectKeyNowhere();
}

TEST_F(PlannerLlmE2eTest, GarbageFromTheProviderStillYieldsAValidPlan) {
  ASSERT_NO_FATAL_FAILURE(StartPlanner(/*builtin_fallback=*/true));

  // Not even a chat-completions body.
  fake_.EnqueueJson(200, "<html><body>upstream exploded</body></html>");
  v1::PlanResponse first;
  grpc::Status status = Plan("Debug the flaky login test and then fix it", &first);
  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_EQ(first.plan().backend(), "builtin");
  EXPECT_THAT(StructuralProblems(first.plan()), IsEmpty()) << first.DebugString();

  // A well-formed body whose content is garbage.
  fake_.EnqueueJson(200, OpenAiReply("{{{ \"subtasks\": [ nope ]"));
  v1::PlanResponse second;
  status = Plan("Analyse last month's sales data and report the trends", &second);
  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_EQ(second.plan().backend(), "builtin");
  EXPECT_THAT(StructuralProblems(second.plan()), IsEmpty()) << second.DebugString();
  EXPECT_THAT(absl::StrJoin(second.plan().warnings(), "\n"),
              HasSubstr("LLM providers failed, plan made by the built-in engine"));

  // Garbage is not retried: one request per plan, each logged as a failed call.
  EXPECT_THAT(fake_.requests(), SizeIs(2));
  EXPECT_THAT(LogEvents("llm_retry"), IsEmpty());
  const std::vector<json> failures = LogEvents("llm_call_failed");
  ASSERT_THAT(failures, SizeIs(2));
  EXPECT_EQ(failures[0]["outcome"], "error");     // Not a chat-completions body.
  EXPECT_EQ(failures[1]["outcome"], "rejected");  // Not a plan.
  ExpectKeyNowhere();
}

}  // namespace
}  // namespace armature::e2e
