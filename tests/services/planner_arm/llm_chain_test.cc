// PlannerCore over the real LLM chain: LoadLlmConfig-style YAML, BuildProviderChain, the real
// OpenAiCompatibleProvider and AnthropicProvider talking HTTP to loopback fake servers that
// speak the OpenAI chat-completions and Anthropic Messages wire formats. Time is a recording
// manual clock, so retries and Retry-After waits are asserted exactly and never slept.
//
// Every plan the core returns is checked with ValidatePlanForRequest: no invalid plan may
// leave the core, whatever the endpoints answer.
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "armature/v1/planner.pb.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "libs/clock/clock.h"
#include "libs/llm/llm_config.h"
#include "libs/llm/prompt_template.h"
#include "libs/llm/provider_chain.h"
#include "libs/llm/retrying_provider.h"
#include "libs/planner/arm_registry.h"
#include "libs/planner/plan_rules.h"
#include "nlohmann/json.hpp"
#include "services/planner_arm/planner_core.h"
#include "tests/testing/fake_http_server.h"

namespace armature::planner_arm {
namespace {

using ::armature::testing::FakeHttpServer;
using ::armature::testing::RecordedRequest;
using ::armature::testing::ScriptedResponse;
using nlohmann::json;
using ::testing::AllOf;
using ::testing::AnyOf;
using ::testing::ElementsAre;
using ::testing::Eq;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::Not;
using ::testing::SizeIs;

constexpr char kOpenAiKey[] = "sk-openai-FAKE-0123456789abcdef";
constexpr char kAnthropicKey[] = "sk-ant-FAKE-fedcba9876543210";
constexpr char kOpenAiName[] = "openai:gpt-4o-mini";
constexpr char kAnthropicName[] = "anthropic:claude-3-5-sonnet-20240620";
constexpr char kGoal[] = "Build a REST API for a todo list and write tests for it";

std::string SourcePath(const std::string& relative) {
  return absl::StrCat(ARMATURE_SOURCE_DIR, "/", relative);
}

// A ManualClock that remembers every SleepFor (the retry waits).
class RecordingClock final : public Clock {
 public:
  absl::Time Now() const override { return clock_.Now(); }
  void SleepFor(absl::Duration d) override {
    {
      std::lock_guard<std::mutex> lock(mu_);
      sleeps_.push_back(d);
    }
    clock_.Advance(d);
  }
  std::vector<absl::Duration> sleeps() const {
    std::lock_guard<std::mutex> lock(mu_);
    return sleeps_;
  }

 private:
  ManualClock clock_;
  mutable std::mutex mu_;
  std::vector<absl::Duration> sleeps_;
};

// ---- Wire formats ------------------------------------------------------------------------

// A chat-completions response as OpenAI sends it.
std::string OpenAiReply(const std::string& content) {
  return json{
      {"id", "chatcmpl-9xYz"},
      {"object", "chat.completion"},
      {"created", 1700000000},
      {"model", "gpt-4o-mini-2024-07-18"},
      {"choices", json::array({{{"index", 0},
                                {"message", {{"role", "assistant"}, {"content", content}}},
                                {"logprobs", nullptr},
                                {"finish_reason", "stop"}}})},
      {"usage", {{"prompt_tokens", 812}, {"completion_tokens", 304}, {"total_tokens", 1116}}},
      {"system_fingerprint", "fp_0123"}}
      .dump();
}

// An OpenAI error body.
std::string OpenAiError(const std::string& message, const std::string& type,
                        const std::string& code) {
  return json{{"error", {{"message", message}, {"type", type}, {"param", nullptr}, {"code", code}}}}
      .dump();
}

// A Messages response as Anthropic sends it.
std::string AnthropicReply(const std::string& text) {
  return json{{"id", "msg_01XFDUDYJgAACzvnptvVoYEL"},
              {"type", "message"},
              {"role", "assistant"},
              {"model", "claude-3-5-sonnet-20240620"},
              {"content", json::array({{{"type", "text"}, {"text", text}}})},
              {"stop_reason", "end_turn"},
              {"stop_sequence", nullptr},
              {"usage", {{"input_tokens", 790}, {"output_tokens", 298}}}}
      .dump();
}

// An Anthropic error body.
std::string AnthropicError(const std::string& type, const std::string& message) {
  return json{{"type", "error"}, {"error", {{"type", type}, {"message", message}}}}.dump();
}

// ---- Plans as an LLM writes them ---------------------------------------------------------

json Step(int step, const std::string& action, const std::string& arm, std::vector<int> deps,
          int tier, int seconds) {
  return json{{"step", step},
              {"action", action},
              {"required_arm", arm},
              {"acceptance_criteria", json::array({absl::StrCat("Step ", step, " output exists")})},
              {"depends_on", deps},
              {"estimated_cost_tier", tier},
              {"estimated_duration_seconds", seconds}};
}

// A plan for kGoal that is valid as written (no repair needed).
json ValidPlan() {
  return json{
      {"subtasks",
       json::array({
           Step(1, "Collect the todo list API requirements and conventions", "retriever", {}, 1,
                120),
           Step(2, "Write the REST API endpoints for todo items", "coder", {1}, 3, 600),
           Step(3, "Write tests for the todo REST API endpoints", "coder", {1}, 3, 400),
           Step(4, "Run the test suite against the API", "executor", {2, 3}, 2, 120),
           Step(5, "Verify the REST API and its tests meet the goal", "judge", {4}, 2, 60),
       })},
      {"rationale", "Gather requirements, build and test in parallel, run the tests, verify."},
      {"confidence", 0.8},
      {"total_estimated_duration_seconds", 900},
      {"complexity_score", 0.5}};
}

std::vector<std::string> Actions(const v1::Plan& plan) {
  std::vector<std::string> out;
  for (const auto& t : plan.subtasks()) out.push_back(t.action());
  return out;
}

std::vector<std::string> ValidActions() {
  const json plan = ValidPlan();
  std::vector<std::string> out;
  for (const auto& s : plan["subtasks"]) out.push_back(s["action"].get<std::string>());
  return out;
}

v1::PlanRequest GoalRequest(const std::string& goal = kGoal) {
  v1::PlanRequest request;
  request.set_goal(goal);
  return request;
}

// ---- The fixture -------------------------------------------------------------------------

// How the chain is configured for one test.
struct ChainSetup {
  bool builtin_fallback = true;
  int openai_attempts = 2;
  int anthropic_attempts = 2;
  int64_t openai_timeout_ms = 5000;
  int64_t max_retry_after_ms = 10000;
};

class LlmChainTest : public ::testing::Test {
 protected:
  // The YAML a deployment would write, pointing at the fake servers.
  std::string ConfigYaml(const ChainSetup& setup) const {
    return absl::StrCat(
        "builtin_fallback: ", setup.builtin_fallback ? "true" : "false", "\n", "providers:\n",
        "  - kind: openai\n", "    base_url: ", openai_.base_url(), "/v1\n",
        "    model: gpt-4o-mini\n", "    api_key_env: OPENAI_API_KEY\n",
        "    timeout_ms: ", setup.openai_timeout_ms, "\n", "    connect_timeout_ms: 2000\n",
        "    max_attempts: ", setup.openai_attempts, "\n",
        "    backoff: {initial_ms: 100, multiplier: 2.0, max_ms: 1000, jitter: 0}\n",
        "    max_retry_after_ms: ", setup.max_retry_after_ms, "\n", "  - kind: anthropic\n",
        "    base_url: ", anthropic_.base_url(), "\n", "    model: claude-3-5-sonnet-20240620\n",
        "    api_key_env: ANTHROPIC_API_KEY\n", "    timeout_ms: 5000\n",
        "    max_attempts: ", setup.anthropic_attempts, "\n",
        "    backoff: {initial_ms: 200, multiplier: 2.0, max_ms: 1000, jitter: 0}\n");
  }

  // Builds core_ from ConfigYaml(setup) with the repo's prompt files.
  void MakeCore(const ChainSetup& setup = {}) {
    const llm::EnvLookup env = [](const std::string& name) -> std::optional<std::string> {
      if (name == "OPENAI_API_KEY") return std::string(kOpenAiKey);
      if (name == "ANTHROPIC_API_KEY") return std::string(kAnthropicKey);
      return std::nullopt;
    };
    absl::StatusOr<llm::LlmConfig> config =
        llm::ParseLlmConfig(ConfigYaml(setup), "test.yaml", env);
    ASSERT_TRUE(config.ok()) << config.status();
    ASSERT_THAT(config->providers, SizeIs(2));
    ASSERT_TRUE(config->providers[0].available) << config->providers[0].unavailable_reason;
    ASSERT_TRUE(config->providers[1].available) << config->providers[1].unavailable_reason;

    auto plan_prompt = llm::LoadPromptTemplate(SourcePath("config/prompts/planner.yaml"),
                                               {"goal", "constraints", "context", "arms"});
    ASSERT_TRUE(plan_prompt.ok()) << plan_prompt.status();
    auto scene_prompt =
        llm::LoadPromptTemplate(SourcePath("config/prompts/scene.yaml"), {"prompt"});
    ASSERT_TRUE(scene_prompt.ok()) << scene_prompt.status();

    llm::ChainDeps deps;
    deps.clock = &clock_;
    deps.random = [] { return 0.5; };  // Irrelevant with jitter 0, but never real randomness.
    deps.on_retry = [this](const llm::RetryEvent& e) { retries_.push_back(e); };
    deps.on_call = [this](const llm::CallRecord& r) { calls_.push_back(r); };

    PlannerCoreOptions options;
    options.builtin_fallback = config->builtin_fallback;
    LlmBackend backend{.chain = llm::BuildProviderChain(*config, std::move(deps)),
                       .plan_prompt = *std::move(plan_prompt),
                       .scene_prompt = *std::move(scene_prompt),
                       .fingerprint = "test-chain"};
    core_ = std::make_unique<PlannerCore>(planner::DefaultArmRegistry(), std::move(backend),
                                          options, clock_);
  }

  void OpenAiAnswers(const std::string& content) { openai_.EnqueueJson(200, OpenAiReply(content)); }
  void AnthropicAnswers(const std::string& text) {
    anthropic_.EnqueueJson(200, AnthropicReply(text));
  }
  // A non-retryable refusal: the chain moves on to the next provider at once.
  void OpenAiRefuses() {
    openai_.EnqueueJson(401, OpenAiError("Incorrect API key provided.", "invalid_request_error",
                                         "invalid_api_key"));
  }

  // Plans `request`, requires success and a valid plan.
  v1::Plan PlanOk(const v1::PlanRequest& request = GoalRequest()) {
    absl::StatusOr<PlanOutcome> outcome = core_->Plan(request);
    EXPECT_TRUE(outcome.ok()) << outcome.status();
    if (!outcome.ok()) return v1::Plan();
    ExpectValid(outcome->plan, request);
    return outcome->plan;
  }

  static void ExpectValid(const v1::Plan& plan, const v1::PlanRequest& request) {
    EXPECT_THAT(planner::ValidatePlanForRequest(plan, request, planner::DefaultArmRegistry()),
                IsEmpty())
        << plan.DebugString();
    EXPECT_GE(plan.subtasks_size(), 3);
    EXPECT_LE(plan.subtasks_size(), 7);
    ExpectNoKey(absl::StrCat(plan.DebugString()));
  }

  static void ExpectNoKey(const std::string& text) {
    EXPECT_THAT(text, Not(HasSubstr(kOpenAiKey)));
    EXPECT_THAT(text, Not(HasSubstr(kAnthropicKey)));
  }

  // Names of the providers called, in order.
  std::vector<std::string> CalledProviders() const {
    std::vector<std::string> out;
    for (const auto& c : calls_) out.push_back(c.provider);
    return out;
  }

  static std::string AllWarnings(const v1::Plan& plan) {
    return absl::StrJoin(plan.warnings(), "\n");
  }

  FakeHttpServer openai_;
  FakeHttpServer anthropic_;
  RecordingClock clock_;
  std::vector<llm::RetryEvent> retries_;
  std::vector<llm::CallRecord> calls_;
  std::unique_ptr<PlannerCore> core_;
};

// ---- Replies that parse -----------------------------------------------------------------

TEST_F(LlmChainTest, ValidJsonFromOpenAiIsUsedAsIs) {
  MakeCore();
  OpenAiAnswers(ValidPlan().dump());

  const v1::Plan plan = PlanOk();

  EXPECT_EQ(plan.backend(), kOpenAiName);
  EXPECT_THAT(plan.warnings(), IsEmpty());
  EXPECT_EQ(Actions(plan), ValidActions());
  EXPECT_EQ(plan.subtasks(1).required_arm(), "coder");
  EXPECT_THAT(plan.subtasks(3).depends_on(), ElementsAre(2, 3));
  EXPECT_EQ(plan.total_estimated_duration_seconds(), 900);
  EXPECT_THAT(CalledProviders(), ElementsAre(kOpenAiName));
  EXPECT_THAT(anthropic_.requests(), IsEmpty());
  EXPECT_THAT(clock_.sleeps(), IsEmpty());
}

TEST_F(LlmChainTest, OpenAiRequestUsesTheChatCompletionsWireFormat) {
  MakeCore();
  OpenAiAnswers(ValidPlan().dump());
  v1::PlanRequest request = GoalRequest();
  request.add_constraints("Python only");
  (*request.mutable_context())["repo"] = "github.com/acme/todo";
  PlanOk(request);

  ASSERT_THAT(openai_.requests(), SizeIs(1));
  const RecordedRequest req = openai_.requests()[0];
  EXPECT_EQ(req.method, "POST");
  EXPECT_EQ(req.path, "/v1/chat/completions");
  EXPECT_EQ(req.headers.at("authorization"), absl::StrCat("Bearer ", kOpenAiKey));
  EXPECT_THAT(req.headers.at("content-type"), HasSubstr("application/json"));
  const json body = json::parse(req.body);
  EXPECT_EQ(body["model"], "gpt-4o-mini");
  EXPECT_EQ(body["response_format"]["type"], "json_object");
  ASSERT_EQ(body["messages"].size(), 2u);
  EXPECT_EQ(body["messages"][0]["role"], "system");
  EXPECT_THAT(body["messages"][0]["content"].get<std::string>(),
              AllOf(HasSubstr("planner arm"), HasSubstr("- guardian:")));  // {arms} rendered
  EXPECT_EQ(body["messages"][1]["role"], "user");
  EXPECT_THAT(body["messages"][1]["content"].get<std::string>(),
              AllOf(HasSubstr(kGoal), HasSubstr("- Python only"),
                    HasSubstr("- repo: github.com/acme/todo")));
}

TEST_F(LlmChainTest, AnthropicRequestUsesTheMessagesWireFormat) {
  MakeCore();
  OpenAiRefuses();
  AnthropicAnswers(ValidPlan().dump());
  PlanOk();

  ASSERT_THAT(anthropic_.requests(), SizeIs(1));
  const RecordedRequest req = anthropic_.requests()[0];
  EXPECT_EQ(req.method, "POST");
  EXPECT_EQ(req.path, "/v1/messages");
  EXPECT_EQ(req.headers.at("x-api-key"), kAnthropicKey);
  EXPECT_EQ(req.headers.at("anthropic-version"), "2023-06-01");
  EXPECT_EQ(req.headers.count("authorization"), 0u);
  const json body = json::parse(req.body);
  EXPECT_EQ(body["model"], "claude-3-5-sonnet-20240620");
  EXPECT_EQ(body["max_tokens"], 2000);
  EXPECT_THAT(body["system"].get<std::string>(), HasSubstr("planner arm"));
  ASSERT_EQ(body["messages"].size(), 1u);
  EXPECT_EQ(body["messages"][0]["role"], "user");
  EXPECT_THAT(body["messages"][0]["content"].get<std::string>(), HasSubstr(kGoal));
}

TEST_F(LlmChainTest, FencedJsonIsUnwrapped) {
  MakeCore();
  OpenAiAnswers(absl::StrCat("```json\n", ValidPlan().dump(2), "\n```"));

  const v1::Plan plan = PlanOk();

  EXPECT_EQ(plan.backend(), kOpenAiName);
  EXPECT_EQ(Actions(plan), ValidActions());
  EXPECT_THAT(plan.warnings(), IsEmpty());
}

TEST_F(LlmChainTest, ProseAroundJsonIsIgnored) {
  MakeCore();
  OpenAiRefuses();
  AnthropicAnswers(absl::StrCat("Sure! Here is a plan for your goal:\n\n", ValidPlan().dump(2),
                                "\n\nLet me know if you want me to adjust any step."));

  const v1::Plan plan = PlanOk();

  EXPECT_EQ(plan.backend(), kAnthropicName);
  EXPECT_EQ(Actions(plan), ValidActions());
  // The only warning is the skipped provider, not a repair.
  ASSERT_THAT(plan.warnings(), SizeIs(1));
  EXPECT_THAT(plan.warnings(0), HasSubstr("provider skipped: openai:gpt-4o-mini: UNAUTHENTICATED"));
}

// ---- Replies that do not parse ----------------------------------------------------------

TEST_F(LlmChainTest, MalformedJsonMovesOnToTheNextProviderWithoutRetrying) {
  MakeCore();
  std::string truncated = ValidPlan().dump();
  truncated.resize(truncated.size() / 2);  // Cut off mid-reply, as with max_tokens.
  OpenAiAnswers(truncated);
  AnthropicAnswers(ValidPlan().dump());

  const v1::Plan plan = PlanOk();

  EXPECT_EQ(plan.backend(), kAnthropicName);
  EXPECT_THAT(CalledProviders(), ElementsAre(kOpenAiName, kAnthropicName));
  EXPECT_EQ(calls_[0].outcome, llm::CallRecord::Outcome::kRejected);
  EXPECT_THAT(openai_.requests(), SizeIs(1));  // A bad reply is not a transport error.
  EXPECT_THAT(retries_, IsEmpty());
  ASSERT_THAT(plan.warnings(), SizeIs(1));
  EXPECT_THAT(plan.warnings(0), AllOf(HasSubstr("provider skipped: openai:gpt-4o-mini"),
                                      HasSubstr("reply rejected")));
}

TEST_F(LlmChainTest, WrongSchemaFromEveryProviderEndsInTheBuiltinEngine) {
  MakeCore();
  // Valid JSON, but not a plan.
  OpenAiAnswers(R"({"answer": "Use Flask and pytest.", "confidence": 0.9})");
  AnthropicAnswers(R"({"subtasks": []})");

  const v1::Plan plan = PlanOk();

  EXPECT_EQ(plan.backend(), "builtin");
  EXPECT_THAT(CalledProviders(), ElementsAre(kOpenAiName, kAnthropicName));
  ASSERT_THAT(plan.warnings(), Not(IsEmpty()));
  const std::string last = plan.warnings(plan.warnings_size() - 1);
  EXPECT_THAT(last, HasSubstr("LLM providers failed, plan made by the built-in engine"));
  EXPECT_THAT(last, HasSubstr("no \"subtasks\""));
  EXPECT_THAT(last, HasSubstr("subtasks list is empty"));
  // Named in chain order.
  EXPECT_LT(last.find(kOpenAiName), last.find(kAnthropicName));
}

// ---- Replies that need repair ------------------------------------------------------------

struct RepairCase {
  std::string name;
  // Turns ValidPlan() into a reply needing the repair.
  std::function<void(json&)> damage;
  // A warning the repair must leave on the plan.
  std::string warning;
  // Checks on the repaired plan.
  std::function<void(const v1::Plan&)> check;
};

class RepairTest : public LlmChainTest, public ::testing::WithParamInterface<RepairCase> {};

TEST_P(RepairTest, RepairedReplyIsAcceptedWithItsWarning) {
  MakeCore();
  json reply = ValidPlan();
  GetParam().damage(reply);
  OpenAiAnswers(reply.dump());

  const v1::Plan plan = PlanOk();

  EXPECT_EQ(plan.backend(), kOpenAiName);
  EXPECT_THAT(plan.warnings(), ::testing::Contains(HasSubstr(GetParam().warning)))
      << AllWarnings(plan);
  EXPECT_THAT(AllWarnings(plan), Not(HasSubstr("provider skipped")));
  EXPECT_THAT(anthropic_.requests(), IsEmpty());
  GetParam().check(plan);
}

json NineSteps() {
  json steps = json::array();
  for (int i = 1; i <= 8; ++i) {
    steps.push_back(Step(i, absl::StrCat("Write API endpoint group ", i, " for todo items"),
                         "coder", i == 1 ? std::vector<int>{} : std::vector<int>{i - 1}, 3, 300));
  }
  steps.push_back(Step(9, "Verify the REST API meets the goal", "judge", {8}, 2, 60));
  return steps;
}

INSTANTIATE_TEST_SUITE_P(
    EachRepair, RepairTest,
    ::testing::Values(
        RepairCase{"ForwardDependency",
                   [](json& p) {
                     p["subtasks"][1]["depends_on"] = {1, 4};
                   },
                   "step 2: dropped dependency on later step 4",
                   [](const v1::Plan& plan) {
                     EXPECT_THAT(plan.subtasks(1).depends_on(), ElementsAre(1));
                   }},
        RepairCase{"SelfDependency",
                   [](json& p) {
                     p["subtasks"][2]["depends_on"] = {1, 3};
                   },
                   "step 3: dropped dependency on itself",
                   [](const v1::Plan& plan) {
                     EXPECT_THAT(plan.subtasks(2).depends_on(), ElementsAre(1));
                   }},
        RepairCase{"MissingJudgeStep", [](json& p) { p["subtasks"].erase(4); },
                   "added a final judge verification step",
                   [](const v1::Plan& plan) {
                     ASSERT_EQ(plan.subtasks_size(), 5);
                     EXPECT_EQ(plan.subtasks(4).required_arm(), "judge");
                     EXPECT_THAT(plan.subtasks(4).depends_on(), ElementsAre(4));
                   }},
        RepairCase{"MoreThanSevenSteps",
                   [](json& p) {
                     p["subtasks"] = NineSteps();
                     p["total_estimated_duration_seconds"] = 0;
                   },
                   "to stay within 7 steps",
                   [](const v1::Plan& plan) {
                     EXPECT_EQ(plan.subtasks_size(), 7);
                     EXPECT_EQ(plan.subtasks(6).required_arm(), "judge");
                   }},
        RepairCase{"UnknownArm", [](json& p) { p["subtasks"][1]["required_arm"] = "wizard"; },
                   "step 2: required_arm \"wizard\" is not a registered arm; assigned",
                   [](const v1::Plan& plan) {
                     EXPECT_THAT(plan.subtasks(1).required_arm(),
                                 AnyOf(Eq("planner"), Eq("retriever"), Eq("coder"), Eq("executor"),
                                       Eq("judge"), Eq("guardian")));
                   }},
        RepairCase{
            "AliasArm", [](json& p) { p["subtasks"][2]["required_arm"] = "Developer"; },
            "step 3: required_arm \"Developer\" mapped to \"coder\"",
            [](const v1::Plan& plan) { EXPECT_EQ(plan.subtasks(2).required_arm(), "coder"); }},
        RepairCase{
            "TierAboveRange", [](json& p) { p["subtasks"][1]["estimated_cost_tier"] = 9; },
            "step 2: estimated_cost_tier 9 clamped to 5",
            [](const v1::Plan& plan) { EXPECT_EQ(plan.subtasks(1).estimated_cost_tier(), 5); }},
        RepairCase{
            "TierBelowRange", [](json& p) { p["subtasks"][0]["estimated_cost_tier"] = -2; },
            "step 1: estimated_cost_tier -2 clamped to 1",
            [](const v1::Plan& plan) { EXPECT_EQ(plan.subtasks(0).estimated_cost_tier(), 1); }},
        RepairCase{"DuplicateStepNumbers",
                   [](json& p) {
                     // 1, 2, 2, 3, 4: the second "2" is really step 3.
                     p["subtasks"][2]["step"] = 2;
                     p["subtasks"][3]["step"] = 3;
                     p["subtasks"][3]["depends_on"] = {2};
                     p["subtasks"][4]["step"] = 4;
                     p["subtasks"][4]["depends_on"] = {3};
                   },
                   "renumbered steps 1..5 (were 1, 2, 2, 3, 4)",
                   [](const v1::Plan& plan) {
                     for (int i = 0; i < plan.subtasks_size(); ++i) {
                       EXPECT_EQ(plan.subtasks(i).step(), i + 1);
                     }
                     EXPECT_EQ(plan.subtasks(4).required_arm(), "judge");
                   }}),
    [](const ::testing::TestParamInfo<RepairCase>& info) { return info.param.name; });

// ---- Transport failures and retries ------------------------------------------------------

TEST_F(LlmChainTest, RateLimitWaitsTheRetryAfterThenSucceeds) {
  MakeCore();
  openai_.EnqueueJson(429,
                      OpenAiError("Rate limit reached for gpt-4o-mini on requests per min (RPM).",
                                  "requests", "rate_limit_exceeded"),
                      {{"Retry-After", "3"}});
  OpenAiAnswers(ValidPlan().dump());

  const v1::Plan plan = PlanOk();

  EXPECT_EQ(plan.backend(), kOpenAiName);
  EXPECT_THAT(plan.warnings(), IsEmpty());
  EXPECT_THAT(clock_.sleeps(), ElementsAre(absl::Seconds(3)));
  ASSERT_THAT(retries_, SizeIs(1));
  EXPECT_EQ(retries_[0].provider, kOpenAiName);
  EXPECT_TRUE(retries_[0].from_retry_after);
  EXPECT_EQ(retries_[0].delay, absl::Seconds(3));
  EXPECT_EQ(retries_[0].error.code(), absl::StatusCode::kResourceExhausted);
  EXPECT_THAT(openai_.requests(), SizeIs(2));
  EXPECT_THAT(anthropic_.requests(), IsEmpty());
}

TEST_F(LlmChainTest, RetryAfterIsCappedByTheConfiguredMaximum) {
  MakeCore({.max_retry_after_ms = 1500});
  openai_.EnqueueJson(429, OpenAiError("Rate limit reached.", "requests", "rate_limit_exceeded"),
                      {{"Retry-After", "120"}});
  OpenAiAnswers(ValidPlan().dump());

  EXPECT_EQ(PlanOk().backend(), kOpenAiName);
  EXPECT_THAT(clock_.sleeps(), ElementsAre(absl::Milliseconds(1500)));
}

TEST_F(LlmChainTest, AnthropicRateLimitHonoursRetryAfterToo) {
  MakeCore();
  OpenAiRefuses();
  anthropic_.EnqueueJson(
      429, AnthropicError("rate_limit_error", "Number of request tokens has exceeded your limit."),
      {{"retry-after", "2"}});
  AnthropicAnswers(ValidPlan().dump());

  const v1::Plan plan = PlanOk();

  EXPECT_EQ(plan.backend(), kAnthropicName);
  EXPECT_THAT(clock_.sleeps(), ElementsAre(absl::Seconds(2)));
  ASSERT_THAT(retries_, SizeIs(1));
  EXPECT_EQ(retries_[0].provider, kAnthropicName);
  EXPECT_TRUE(retries_[0].from_retry_after);
}

TEST_F(LlmChainTest, ServerErrorIsRetriedWithBackoffThenSucceeds) {
  MakeCore();
  openai_.EnqueueJson(500, OpenAiError("The server had an error while processing your request.",
                                       "server_error", "internal_error"));
  OpenAiAnswers(ValidPlan().dump());

  const v1::Plan plan = PlanOk();

  EXPECT_EQ(plan.backend(), kOpenAiName);
  EXPECT_THAT(plan.warnings(), IsEmpty());
  // No Retry-After: the configured backoff (initial_ms 100, jitter 0).
  EXPECT_THAT(clock_.sleeps(), ElementsAre(absl::Milliseconds(100)));
  ASSERT_THAT(retries_, SizeIs(1));
  EXPECT_FALSE(retries_[0].from_retry_after);
  EXPECT_EQ(retries_[0].error.code(), absl::StatusCode::kUnavailable);
  EXPECT_THAT(calls_, SizeIs(1));
  EXPECT_EQ(calls_[0].attempts, 2);
}

TEST_F(LlmChainTest, ReplySlowerThanTheTimeoutMovesOnToTheNextProvider) {
  MakeCore({.openai_attempts = 1, .openai_timeout_ms = 250});
  // The reply would come after 30 s; the provider gives up after 250 ms (the fake server
  // stops waiting as soon as the client hangs up).
  openai_.Enqueue(ScriptedResponse{200,
                                   {{"Content-Type", "application/json"}},
                                   OpenAiReply(ValidPlan().dump()),
                                   absl::Seconds(30)});
  AnthropicAnswers(ValidPlan().dump());

  const absl::Time start = absl::Now();
  const v1::Plan plan = PlanOk();
  const absl::Duration elapsed = absl::Now() - start;

  EXPECT_EQ(plan.backend(), kAnthropicName);
  EXPECT_LT(elapsed, absl::Seconds(10));  // Far below the 30 s reply.
  ASSERT_THAT(calls_, SizeIs(2));
  EXPECT_EQ(calls_[0].status.code(), absl::StatusCode::kDeadlineExceeded) << calls_[0].status;
  ASSERT_THAT(plan.warnings(), SizeIs(1));
  EXPECT_THAT(plan.warnings(0),
              HasSubstr("provider skipped: openai:gpt-4o-mini: DEADLINE_EXCEEDED"));
}

TEST_F(LlmChainTest, TimeoutIsRetriedWhenAttemptsRemain) {
  MakeCore({.openai_attempts = 2, .openai_timeout_ms = 250});
  openai_.Enqueue(ScriptedResponse{200,
                                   {{"Content-Type", "application/json"}},
                                   OpenAiReply(ValidPlan().dump()),
                                   absl::Seconds(30)});
  OpenAiAnswers(ValidPlan().dump());

  EXPECT_EQ(PlanOk().backend(), kOpenAiName);
  ASSERT_THAT(retries_, SizeIs(1));
  EXPECT_EQ(retries_[0].error.code(), absl::StatusCode::kDeadlineExceeded);
  EXPECT_THAT(clock_.sleeps(), ElementsAre(absl::Milliseconds(100)));
}

// ---- The end of the chain ----------------------------------------------------------------

TEST_F(LlmChainTest, FallbackOrderIsOpenAiThenAnthropicThenBuiltin) {
  MakeCore();
  // Error bodies that echo the keys, as some servers do: they must not reach the plan.
  for (int i = 0; i < 2; ++i) {
    openai_.EnqueueJson(503, OpenAiError(absl::StrCat("Overloaded; key ", kOpenAiKey),
                                         "server_error", "overloaded"));
    anthropic_.EnqueueJson(
        529,
        AnthropicError("overloaded_error", absl::StrCat("Overloaded (key ", kAnthropicKey, ")")));
  }

  const v1::Plan plan = PlanOk();

  EXPECT_EQ(plan.backend(), "builtin");
  EXPECT_THAT(CalledProviders(), ElementsAre(kOpenAiName, kAnthropicName));
  EXPECT_THAT(openai_.requests(), SizeIs(2));
  EXPECT_THAT(anthropic_.requests(), SizeIs(2));
  // OpenAI's backoff (100 ms), then Anthropic's (200 ms).
  EXPECT_THAT(clock_.sleeps(), ElementsAre(absl::Milliseconds(100), absl::Milliseconds(200)));
  ASSERT_THAT(plan.warnings(), Not(IsEmpty()));
  const std::string warning = plan.warnings(plan.warnings_size() - 1);
  EXPECT_THAT(warning, HasSubstr("LLM providers failed, plan made by the built-in engine"));
  EXPECT_THAT(warning, HasSubstr("openai:gpt-4o-mini: UNAVAILABLE: HTTP 503"));
  EXPECT_THAT(warning, HasSubstr("anthropic:claude-3-5-sonnet-20240620: UNAVAILABLE: HTTP 529"));
  EXPECT_LT(warning.find(kOpenAiName), warning.find(kAnthropicName));
  ExpectNoKey(warning);

  // ArmInfo's view: both providers degraded, the built-in engine answered.
  const std::vector<v1::Backend> backends = core_->Backends();
  ASSERT_EQ(backends.size(), 3u);
  EXPECT_EQ(backends[0].name(), kOpenAiName);
  EXPECT_EQ(backends[0].state(), v1::BACKEND_STATE_DEGRADED);
  EXPECT_EQ(backends[1].name(), kAnthropicName);
  EXPECT_EQ(backends[1].state(), v1::BACKEND_STATE_DEGRADED);
  EXPECT_EQ(backends[2].name(), "builtin");
  EXPECT_EQ(backends[2].calls_total(), 1u);
  for (const auto& b : backends) ExpectNoKey(b.DebugString());
}

TEST_F(LlmChainTest, WithoutBuiltinFallbackEveryProviderFailingIsUnavailable) {
  MakeCore({.builtin_fallback = false});
  openai_.EnqueueJson(401, OpenAiError(absl::StrCat("Incorrect API key provided: ", kOpenAiKey),
                                       "invalid_request_error", "invalid_api_key"));
  for (int i = 0; i < 2; ++i) {
    anthropic_.EnqueueJson(
        500, AnthropicError("api_error", absl::StrCat("Internal error for key ", kAnthropicKey)));
  }

  absl::StatusOr<PlanOutcome> outcome = core_->Plan(GoalRequest());

  ASSERT_FALSE(outcome.ok());
  EXPECT_EQ(outcome.status().code(), absl::StatusCode::kUnavailable);
  const std::string message(outcome.status().message());
  EXPECT_THAT(message, HasSubstr("no planning backend produced a plan"));
  EXPECT_THAT(message, HasSubstr("openai:gpt-4o-mini: UNAUTHENTICATED: HTTP 401"));
  EXPECT_THAT(message, HasSubstr("anthropic:claude-3-5-sonnet-20240620: UNAVAILABLE: HTTP 500"));
  ExpectNoKey(message);
  ExpectNoKey(outcome.status().ToString());  // Payloads included.
  EXPECT_EQ(core_->Backends().back().state(), v1::BACKEND_STATE_UNAVAILABLE);
  std::string detail;
  EXPECT_TRUE(core_->HasUsableBackend(&detail)) << detail;  // The providers may recover.
}

TEST_F(LlmChainTest, WithoutBuiltinFallbackAValidReplyStillSucceeds) {
  MakeCore({.builtin_fallback = false});
  OpenAiAnswers(ValidPlan().dump());
  EXPECT_EQ(PlanOk().backend(), kOpenAiName);
}

TEST_F(LlmChainTest, CachedPlanIsServedWithoutCallingProviders) {
  MakeCore();
  OpenAiAnswers(ValidPlan().dump());
  const v1::Plan first = PlanOk();

  absl::StatusOr<PlanOutcome> again = core_->Plan(GoalRequest());

  ASSERT_TRUE(again.ok()) << again.status();
  EXPECT_TRUE(again->cached);
  EXPECT_EQ(again->plan.SerializeAsString(), first.SerializeAsString());
  EXPECT_THAT(openai_.requests(), SizeIs(1));
}

// Whatever a misbehaving endpoint answers (both providers answer the same), the core returns
// a valid plan: repaired from the reply or made by the built-in engine.
struct BadReply {
  std::string name;
  std::string content;
  // Whether repair can make a plan of it (else the built-in engine answers).
  bool repairable = false;
};

class MisbehavingEndpointTest : public LlmChainTest,
                                public ::testing::WithParamInterface<BadReply> {};

TEST_P(MisbehavingEndpointTest, NoInvalidPlanLeavesTheCore) {
  MakeCore();
  OpenAiAnswers(GetParam().content);
  AnthropicAnswers(GetParam().content);

  const v1::Plan plan = PlanOk();
  RecordProperty("backend", plan.backend());

  if (GetParam().repairable) {
    EXPECT_EQ(plan.backend(), kOpenAiName);
    EXPECT_THAT(plan.warnings(), Not(IsEmpty()));  // Every repair is listed.
    EXPECT_THAT(anthropic_.requests(), IsEmpty());
  } else {
    EXPECT_EQ(plan.backend(), "builtin");
    EXPECT_THAT(CalledProviders(), ElementsAre(kOpenAiName, kAnthropicName));
    EXPECT_THAT(AllWarnings(plan), AllOf(HasSubstr(kOpenAiName), HasSubstr(kAnthropicName)));
  }
}

std::string Dump(const json& j) { return j.dump(); }

INSTANTIATE_TEST_SUITE_P(
    Replies, MisbehavingEndpointTest,
    ::testing::Values(
        BadReply{"Empty", ""}, BadReply{"Null", "null"}, BadReply{"EmptyObject", "{}"},
        BadReply{"EmptyArray", "[]"}, BadReply{"NumberArray", "[1, 2, 3]"},
        BadReply{"Prose", "I'm sorry, I can't help with planning that."},
        BadReply{"Html", "<html><body><h1>502 Bad Gateway</h1></body></html>"},
        BadReply{"SubtasksIsAString", R"({"subtasks": "do everything"})"},
        BadReply{"StepsWithoutActions", R"({"subtasks": [{"step": 1}, {"step": 2}]})"},
        BadReply{"OneStep", R"({"subtasks": [{"action": "Write the todo API"}]})", true},
        BadReply{"WildDependencies",
                 R"({"subtasks": [{"action": "Write the todo API", "depends_on": [1, 2, 99, -4]},
                                  {"action": "Test it", "depends_on": "step 7"}]})",
                 true},
        BadReply{"NonsenseValues",
                 R"({"subtasks": [{"step": "first", "action": "Deploy the API",
                                   "required_arm": null, "estimated_cost_tier": "high",
                                   "estimated_duration_seconds": -5,
                                   "acceptance_criteria": [null, "", 7]}],
                    "confidence": 1e300, "complexity_score": -3})",
                 true},
        BadReply{"HugeNumbers",
                 Dump(json{{"subtasks", json::array({{{"step", 2147483647},
                                                      {"action", "Write the todo API"},
                                                      {"required_arm", "coder"},
                                                      {"depends_on", {2147483647}},
                                                      {"estimated_cost_tier", 1e12},
                                                      {"estimated_duration_seconds", 1e15}}})},
                           {"total_estimated_duration_seconds", -1}}),
                 true},
        BadReply{"FiftySteps",
                 [] {
                   json steps = json::array();
                   for (int i = 1; i <= 50; ++i) {
                     steps.push_back(Step(i, absl::StrCat("Write part ", i, " of the todo API"),
                                          i % 2 ? "coder" : "nobody", {i + 1}, 3, 60));
                   }
                   return Dump(json{{"subtasks", steps}});
                 }(),
                 true},
        BadReply{"WrappedPlan", Dump(json{{"plan", {{"steps", ValidPlan()["subtasks"]}}}}), true},
        BadReply{
            "Unicode",
            R"({"subtasks": [{"action": "Écrire l'API 📋 des tâches", "required_arm": "código"}]})",
            true}),
    [](const ::testing::TestParamInfo<BadReply>& info) { return info.param.name; });

// ---- Scene plans -------------------------------------------------------------------------

constexpr char kScenePrompt[] = "misty cyberpunk alley at night; light rain; orbit camera";

TEST_F(LlmChainTest, SceneFromTheChain) {
  MakeCore();
  OpenAiAnswers(
      json{{"environment",
            {{"theme", "cyberpunk"}, {"weather", "light rain"}, {"time_of_day", "night"}}},
           {"objects",
            json::array({{{"type", "neon sign"}, {"count", 3}, {"tags", {"flickering", "pink"}}}})},
           {"characters", json::array({{{"rig", "humanoid"}, {"motion", "walk"}}})},
           {"camera", {{"path", "orbit"}, {"duration_seconds", 12}}},
           {"audio", {{"music", "synthwave"}, {"sfx", {"rain", "distant traffic"}}}}}
          .dump());

  absl::StatusOr<v1::ScenePlan> scene = core_->PlanScene(kScenePrompt);

  ASSERT_TRUE(scene.ok()) << scene.status();
  EXPECT_EQ(scene->backend(), kOpenAiName);
  EXPECT_EQ(scene->environment().theme(), "cyberpunk");
  EXPECT_EQ(scene->environment().time_of_day(), "night");
  ASSERT_EQ(scene->objects_size(), 1);
  EXPECT_EQ(scene->objects(0).type(), "neon sign");
  EXPECT_EQ(scene->objects(0).count(), 3);
  EXPECT_EQ(scene->camera().path(), "orbit");
  EXPECT_DOUBLE_EQ(scene->camera().duration_seconds(), 12);
  EXPECT_THAT(scene->audio().sfx(), ElementsAre("rain", "distant traffic"));
  EXPECT_THAT(scene->warnings(), IsEmpty());
  ASSERT_THAT(openai_.requests(), SizeIs(1));
  const json body = json::parse(openai_.requests()[0].body);
  EXPECT_THAT(body["messages"][0]["content"].get<std::string>(), HasSubstr("3D scene planner"));
  EXPECT_THAT(body["messages"][1]["content"].get<std::string>(), HasSubstr(kScenePrompt));
}

TEST_F(LlmChainTest, SceneOutOfBoundsIsRepaired) {
  MakeCore();
  OpenAiAnswers(R"({"environment": {"theme": "cyberpunk", "time_of_day": "midnight"},
                    "objects": [{"type": "crate", "count": 5000}],
                    "camera": {"path": "orbit", "duration_seconds": 900}})");

  absl::StatusOr<v1::ScenePlan> scene = core_->PlanScene(kScenePrompt);

  ASSERT_TRUE(scene.ok()) << scene.status();
  EXPECT_EQ(scene->backend(), kOpenAiName);
  ASSERT_EQ(scene->objects_size(), 1);
  EXPECT_EQ(scene->objects(0).count(), 100);
  EXPECT_DOUBLE_EQ(scene->camera().duration_seconds(), 120);
  EXPECT_EQ(scene->environment().time_of_day(), "night");
  EXPECT_THAT(scene->warnings(), Not(IsEmpty()));
}

TEST_F(LlmChainTest, InvalidSceneRepliesEndInTheBuiltinEngine) {
  MakeCore();
  OpenAiAnswers("A moody alley, rain, neon. Camera orbits slowly.");
  AnthropicAnswers(R"({"environment": ["cyberpunk", "rain"], "objects": 7})");

  absl::StatusOr<v1::ScenePlan> scene = core_->PlanScene(kScenePrompt);

  ASSERT_TRUE(scene.ok()) << scene.status();
  EXPECT_EQ(scene->backend(), "builtin");
  EXPECT_THAT(CalledProviders(), ElementsAre(kOpenAiName, kAnthropicName));
  EXPECT_FALSE(scene->environment().theme().empty());
  EXPECT_FALSE(scene->camera().path().empty());
  ASSERT_THAT(scene->warnings(), Not(IsEmpty()));
  EXPECT_THAT(scene->warnings(scene->warnings_size() - 1),
              AllOf(HasSubstr("LLM providers failed, scene planned by the built-in engine"),
                    HasSubstr(kOpenAiName), HasSubstr(kAnthropicName)));
}

TEST_F(LlmChainTest, SceneWithoutBuiltinFallbackIsUnavailableWhenEveryProviderFails) {
  MakeCore({.builtin_fallback = false});
  OpenAiAnswers("no JSON here");
  AnthropicAnswers("nor here");

  absl::StatusOr<v1::ScenePlan> scene = core_->PlanScene(kScenePrompt);

  ASSERT_FALSE(scene.ok());
  EXPECT_EQ(scene.status().code(), absl::StatusCode::kUnavailable);
  EXPECT_THAT(scene.status().message(),
              AllOf(HasSubstr("no planning backend produced a scene plan"), HasSubstr(kOpenAiName),
                    HasSubstr(kAnthropicName)));
  ExpectNoKey(scene.status().ToString());
}

}  // namespace
}  // namespace armature::planner_arm
