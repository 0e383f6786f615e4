// The planner arm's gRPC layer in-process: success, every error path, cache, metrics,
// ArmInfo and readiness, with the built-in engines and with a scripted LLM chain.
#include "services/planner_arm/planner_service.h"

#include <map>
#include <string>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "libs/llm/llm_config.h"
#include "libs/llm/llm_provider.h"
#include "libs/planner/plan_rules.h"
#include "nlohmann/json.hpp"
#include "tests/testing/fake_http_server.h"
#include "tests/testing/process.h"
#include "tests/testing/service_fixture.h"

namespace armature::planner_arm {
namespace {

using ::testing::Contains;
using ::testing::HasSubstr;

// A provider that answers from a script (one reply or error per call, the last repeats).
class ScriptedProvider final : public llm::LlmProvider {
 public:
  explicit ScriptedProvider(std::vector<absl::StatusOr<std::string>> script)
      : script_(std::move(script)) {}
  absl::StatusOr<llm::LlmReply> Complete(const llm::LlmRequest& /*request*/) override {
    std::lock_guard<std::mutex> lock(mu_);
    const auto& next = script_[std::min(calls_++, script_.size() - 1)];
    if (!next.ok()) return next.status();
    llm::LlmReply reply;
    reply.text = *next;
    reply.model = "scripted";
    return reply;
  }
  std::string name() const override { return "fake:scripted"; }
  llm::ProviderKind kind() const override { return llm::ProviderKind::kOther; }

 private:
  std::mutex mu_;
  std::vector<absl::StatusOr<std::string>> script_;
  size_t calls_ = 0;
};

llm::PromptTemplate Prompt(const std::string& user) {
  auto t = llm::PromptTemplate::Parse("system: plan\nuser: \"" + user + "\"\n", "test.yaml",
                                      {"goal", "constraints", "context", "arms", "prompt"});
  EXPECT_TRUE(t.ok()) << t.status();
  return *t;
}

LlmBackend ScriptedBackend(std::vector<absl::StatusOr<std::string>> script) {
  std::vector<llm::ChainEntry> entries;
  entries.push_back(llm::ChainEntry::Usable(std::make_unique<ScriptedProvider>(std::move(script))));
  return LlmBackend{.chain = std::make_unique<llm::ProviderChain>(std::move(entries)),
                    .plan_prompt = Prompt("{goal}"),
                    .scene_prompt = Prompt("{prompt}"),
                    .fingerprint = "fake:scripted"};
}

constexpr char kValidLlmPlan[] = R"({"subtasks": [
  {"step": 1, "action": "Research rate limiting options", "required_arm": "retriever",
   "acceptance_criteria": ["Three options compared"], "depends_on": [],
   "estimated_cost_tier": 1, "estimated_duration_seconds": 120},
  {"step": 2, "action": "Implement the token bucket", "required_arm": "coder",
   "acceptance_criteria": ["Unit tests pass"], "depends_on": [1],
   "estimated_cost_tier": 3, "estimated_duration_seconds": 600},
  {"step": 3, "action": "Verify the limiter under load", "required_arm": "judge",
   "acceptance_criteria": ["p99 under 5 ms at 1k rps"], "depends_on": [2],
   "estimated_cost_tier": 2, "estimated_duration_seconds": 180}],
 "rationale": "research, build, verify", "confidence": 0.8})";

class PlannerServiceTest : public testing::ServiceFixture {
 protected:
  void Start(std::optional<LlmBackend> llm = std::nullopt, PlannerCoreOptions options = {}) {
    core_ = std::make_unique<PlannerCore>(planner::DefaultArmRegistry(), std::move(llm), options);
    pool_ = std::make_unique<runtime::WorkerPool>(runtime::WorkerPool::Options{.threads = 2});
    info_ = std::make_unique<PlannerArmInfo>(core_.get());
    SetArmInfoProvider(info_.get());
    registry_ = std::make_shared<prometheus::Registry>();
    service_ = std::make_unique<PlannerArmService>(core_.get(), pool_.get(), *registry_);
    RegisterService(service_.get(), "armature.v1.PlannerArm");
    StartServer();
    stub_ = MakeStub<v1::PlannerArm>();
  }

  grpc::Status Plan(const v1::PlanRequest& request, v1::PlanResponse* response) {
    grpc::ClientContext ctx;
    return stub_->Plan(&ctx, request, response);
  }
  grpc::Status PlanScene(const std::string& prompt, v1::PlanSceneResponse* response) {
    grpc::ClientContext ctx;
    v1::PlanSceneRequest request;
    request.set_prompt(prompt);
    return stub_->PlanScene(&ctx, request, response);
  }
  static v1::PlanRequest Goal(const std::string& goal) {
    v1::PlanRequest r;
    r.set_goal(goal);
    return r;
  }
  // The value of the counter `name` with exactly `labels`; -1 when there is no such series.
  double Counter(const std::string& name, const std::map<std::string, std::string>& labels) {
    for (const auto& f : registry_->Collect()) {
      if (f.name != name) continue;
      for (const auto& m : f.metric) {
        std::map<std::string, std::string> got;
        for (const auto& l : m.label) got[l.name] = l.value;
        if (got == labels) return m.counter.value;
      }
    }
    return -1;
  }
  double Plans(const std::string& backend, const std::string& cached, const std::string& outcome) {
    return Counter("armature_planner_plans_total",
                   {{"backend", backend}, {"cached", cached}, {"outcome", outcome}});
  }
  double Scenes(const std::string& backend, const std::string& outcome) {
    return Counter("armature_planner_scene_plans_total",
                   {{"backend", backend}, {"outcome", outcome}});
  }
  double Repairs(const std::string& kind) {
    return Counter("armature_planner_plan_repairs_total", {{"kind", kind}});
  }
  // Sum of every series of `name`.
  double Total(const std::string& name) {
    double sum = 0;
    for (const auto& f : registry_->Collect()) {
      if (f.name != name) continue;
      for (const auto& m : f.metric) sum += m.counter.value;
    }
    return sum;
  }

  std::unique_ptr<PlannerCore> core_;
  std::unique_ptr<runtime::WorkerPool> pool_;
  std::unique_ptr<PlannerArmInfo> info_;
  std::shared_ptr<prometheus::Registry> registry_;
  std::unique_ptr<PlannerArmService> service_;
  std::unique_ptr<v1::PlannerArm::Stub> stub_;
};

TEST_F(PlannerServiceTest, PlansAGoalWithTheBuiltinEngine) {
  Start();
  v1::PlanRequest request = Goal("Build and deploy a REST API with tests");
  request.set_request_id("caller-7");
  v1::PlanResponse response;
  ASSERT_TRUE(Plan(request, &response).ok());
  EXPECT_EQ(response.request_id(), "caller-7");
  EXPECT_FALSE(response.cached());
  const v1::Plan& plan = response.plan();
  EXPECT_EQ(plan.backend(), "builtin");
  EXPECT_GE(plan.subtasks_size(), 3);
  EXPECT_LE(plan.subtasks_size(), 7);
  EXPECT_EQ(plan.subtasks(plan.subtasks_size() - 1).required_arm(), "judge");
  EXPECT_THAT(planner::ValidatePlanForRequest(plan, request, core_->registry()),
              ::testing::IsEmpty());
}

TEST_F(PlannerServiceTest, RequestIdDefaultsToTheCallsId) {
  Start();
  grpc::ClientContext ctx;
  ctx.AddMetadata("x-request-id", "from-metadata");
  v1::PlanResponse response;
  ASSERT_TRUE(stub_->Plan(&ctx, Goal("Write a haiku"), &response).ok());
  EXPECT_EQ(response.request_id(), "from-metadata");
}

TEST_F(PlannerServiceTest, SecondIdenticalRequestIsServedFromTheCache) {
  Start();
  v1::PlanResponse first, second;
  ASSERT_TRUE(Plan(Goal("Analyse sales data and report trends"), &first).ok());
  ASSERT_TRUE(Plan(Goal("  Analyse   sales data and report trends "), &second).ok());
  EXPECT_FALSE(first.cached());
  EXPECT_TRUE(second.cached());
  EXPECT_EQ(first.plan().SerializeAsString(), second.plan().SerializeAsString());
  EXPECT_EQ(core_->cache().hits(), 1);
}

TEST_F(PlannerServiceTest, InvalidPlanRequestsNameTheField) {
  Start();
  struct Case {
    v1::PlanRequest request;
    std::string field;
  };
  std::vector<Case> cases;
  cases.push_back({Goal(""), "goal"});
  cases.push_back({Goal("   \n\t "), "goal"});
  cases.push_back({Goal(std::string(10001, 'x')), "goal"});
  {
    v1::PlanRequest r = Goal("ok");
    for (int i = 0; i < 21; ++i) r.add_constraints("c");
    cases.push_back({r, "constraints"});
  }
  {
    v1::PlanRequest r = Goal("ok");
    r.add_constraints(std::string(1001, 'c'));
    cases.push_back({r, "constraints"});
  }
  {
    v1::PlanRequest r = Goal("ok");
    for (int i = 0; i < 51; ++i) (*r.mutable_context())["k" + std::to_string(i)] = "v";
    cases.push_back({r, "context"});
  }
  {
    v1::PlanRequest r = Goal("ok");
    (*r.mutable_context())["k"] = std::string(4097, 'v');
    cases.push_back({r, "context"});
  }
  for (const Case& c : cases) {
    v1::PlanResponse response;
    const grpc::Status status = Plan(c.request, &response);
    EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT) << c.field;
    EXPECT_THAT(status.error_message(), HasSubstr(c.field));
  }
}

TEST_F(PlannerServiceTest, PlansAScene) {
  Start();
  v1::PlanSceneResponse response;
  ASSERT_TRUE(
      PlanScene("misty cyberpunk alley at night; light rain; orbit camera", &response).ok());
  EXPECT_EQ(response.scene().environment().time_of_day(), "night");
  EXPECT_EQ(response.scene().camera().path(), "orbit");
  EXPECT_EQ(response.scene().backend(), "builtin");
  EXPECT_FALSE(response.request_id().empty());
}

TEST_F(PlannerServiceTest, EmptyOrOversizedScenePromptIsInvalid) {
  Start();
  for (const std::string& prompt : {std::string(""), std::string("  "), std::string(4001, 'a')}) {
    v1::PlanSceneResponse response;
    const grpc::Status status = PlanScene(prompt, &response);
    EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT) << prompt.size();
    EXPECT_THAT(status.error_message(), HasSubstr("prompt"));
  }
}

TEST_F(PlannerServiceTest, CapabilitiesListTheBuiltinBackendAndItsCalls) {
  Start();
  v1::PlanResponse response;
  ASSERT_TRUE(Plan(Goal("Fix the login bug"), &response).ok());
  auto arm_info = MakeStub<v1::ArmInfo>();
  grpc::ClientContext ctx;
  v1::GetCapabilitiesResponse caps;
  ASSERT_TRUE(arm_info->GetCapabilities(&ctx, {}, &caps).ok());
  EXPECT_EQ(caps.arm_id(), "planner");
  EXPECT_THAT(caps.capabilities(), Contains("task_decomposition"));
  EXPECT_THAT(caps.capabilities(), Contains("scene_planning"));
  ASSERT_EQ(caps.backends_size(), 1);
  EXPECT_EQ(caps.backends(0).name(), "builtin");
  EXPECT_EQ(caps.backends(0).state(), v1::BACKEND_STATE_AVAILABLE);
  EXPECT_EQ(caps.backends(0).calls_total(), 1u);
  EXPECT_TRUE(server().arm_info().Readiness().ready());
}

TEST_F(PlannerServiceTest, MetricsCountPlansByBackendAndCacheResult) {
  Start();
  v1::PlanResponse response;
  ASSERT_TRUE(Plan(Goal("Summarise the incident report"), &response).ok());
  ASSERT_TRUE(Plan(Goal("Summarise the incident report"), &response).ok());
  EXPECT_EQ(Plans("builtin", "false", "ok"), 1);
  EXPECT_EQ(Plans("builtin", "true", "ok"), 1);
  EXPECT_EQ(Plans("none", "false", "invalid_argument"), 0);
  EXPECT_EQ(Plans("none", "false", "failed"), 0);
  EXPECT_EQ(Total("armature_planner_plans_total"), 2);
  EXPECT_EQ(Counter("armature_planner_cache_lookups_total", {{"result", "hit"}}), 1);
  EXPECT_EQ(Counter("armature_planner_cache_lookups_total", {{"result", "miss"}}), 1);
  // The built-in engine's plans are valid as made: no repair is counted.
  EXPECT_EQ(Total("armature_planner_plan_repairs_total"), 0);
}

TEST_F(PlannerServiceTest, EveryRepairKindIsExportedFromStartUp) {
  Start();
  for (planner::RepairKind kind : planner::AllRepairKinds()) {
    EXPECT_EQ(Repairs(std::string(planner::RepairKindName(kind))), 0)
        << planner::RepairKindName(kind);
  }
  EXPECT_EQ(Scenes("none", "invalid_argument"), 0);
  EXPECT_EQ(Scenes("none", "failed"), 0);
}

TEST_F(PlannerServiceTest, InvalidRequestsAreCountedOnceAsInvalidArgument) {
  Start();
  v1::PlanResponse response;
  EXPECT_EQ(Plan(Goal(""), &response).error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(Plan(Goal(std::string(10001, 'x')), &response).error_code(),
            grpc::StatusCode::INVALID_ARGUMENT);
  v1::PlanSceneResponse scene;
  EXPECT_EQ(PlanScene("  ", &scene).error_code(), grpc::StatusCode::INVALID_ARGUMENT);

  EXPECT_EQ(Plans("none", "false", "invalid_argument"), 2);
  EXPECT_EQ(Plans("none", "false", "failed"), 0);
  EXPECT_EQ(Total("armature_planner_plans_total"), 2);
  EXPECT_EQ(Scenes("none", "invalid_argument"), 1);
  EXPECT_EQ(Total("armature_planner_scene_plans_total"), 1);
  // Refused before the cache: no lookup is counted.
  EXPECT_EQ(Counter("armature_planner_cache_lookups_total", {{"result", "miss"}}), 0);
}

TEST_F(PlannerServiceTest, ScenePlansAreCountedByBackend) {
  Start();
  v1::PlanSceneResponse response;
  ASSERT_TRUE(PlanScene("a quiet beach at sunrise", &response).ok());
  ASSERT_TRUE(PlanScene("a storm over the harbour at night", &response).ok());
  EXPECT_EQ(Scenes("builtin", "ok"), 2);
  EXPECT_EQ(Total("armature_planner_scene_plans_total"), 2);
}

TEST_F(PlannerServiceTest, AnLlmPlanIsRepairedAndNamesItsProvider) {
  // Step 2 depends on a later step and there is no closing judge step: both get repaired.
  Start(ScriptedBackend({R"(```json
{"subtasks": [
 {"step": 1, "action": "Collect requirements", "required_arm": "retriever",
  "acceptance_criteria": ["List agreed"], "depends_on": [2]},
 {"step": 2, "action": "Write the parser", "required_arm": "coder",
  "acceptance_criteria": ["Tests pass"], "depends_on": [1]},
 {"step": 3, "action": "Ship it", "required_arm": "executor",
  "acceptance_criteria": ["Deployed"], "depends_on": [2]}],
 "rationale": "r", "confidence": 0.7}
```)"}));
  v1::PlanRequest request = Goal("Write and ship a parser");
  v1::PlanResponse response;
  ASSERT_TRUE(Plan(request, &response).ok());
  EXPECT_EQ(response.plan().backend(), "fake:scripted");
  EXPECT_FALSE(response.plan().warnings().empty());
  EXPECT_EQ(response.plan().subtasks(response.plan().subtasks_size() - 1).required_arm(), "judge");
  EXPECT_THAT(planner::ValidatePlanForRequest(response.plan(), request, core_->registry()),
              ::testing::IsEmpty());
  EXPECT_THAT(response.plan().warnings(),
              Contains("step 1: dropped dependency on later step 2 (dependencies must point "
                       "backwards)"));
  EXPECT_THAT(response.plan().warnings(), Contains("added a final judge verification step"));

  // One count per repair, by kind; the plan counted once under its provider.
  EXPECT_EQ(Repairs("drop_forward_dependency"), 1);
  EXPECT_EQ(Repairs("add_verification_step"), 1);
  EXPECT_EQ(Repairs("fill_cost_tier"), 3);  // the reply gives no tiers
  EXPECT_EQ(Repairs("fill_duration"), 3);   // nor durations
  EXPECT_EQ(Repairs("renumber_steps"), 0);
  EXPECT_EQ(Total("armature_planner_plan_repairs_total"), response.plan().warnings_size());
  EXPECT_EQ(Plans("fake:scripted", "false", "ok"), 1);
  EXPECT_EQ(Total("armature_planner_plans_total"), 1);

  // The same plan from the cache is counted as a cached plan, its repairs not again.
  v1::PlanResponse again;
  ASSERT_TRUE(Plan(request, &again).ok());
  EXPECT_TRUE(again.cached());
  EXPECT_EQ(Plans("fake:scripted", "true", "ok"), 1);
  EXPECT_EQ(Repairs("drop_forward_dependency"), 1);
  EXPECT_EQ(Total("armature_planner_plan_repairs_total"), response.plan().warnings_size());
}

TEST_F(PlannerServiceTest, AnUnusableLlmReplyFallsBackToTheBuiltinEngine) {
  Start(ScriptedBackend({std::string("I cannot help with that.")}));
  v1::PlanResponse response;
  ASSERT_TRUE(Plan(Goal("Refactor the billing module"), &response).ok());
  EXPECT_EQ(response.plan().backend(), "builtin");
  EXPECT_THAT(response.plan().warnings(), Contains(HasSubstr("LLM providers failed")));
  // The fallback's warning is not a repair.
  EXPECT_EQ(Total("armature_planner_plan_repairs_total"), 0);
  EXPECT_EQ(Plans("builtin", "false", "ok"), 1);
}

TEST_F(PlannerServiceTest, WithoutBuiltinFallbackEveryProviderFailingIsUnavailable) {
  PlannerCoreOptions options;
  options.builtin_fallback = false;
  Start(ScriptedBackend({absl::UnavailableError("upstream 503")}), options);
  v1::PlanResponse response;
  const grpc::Status status = Plan(Goal("Refactor the billing module"), &response);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::UNAVAILABLE);
  EXPECT_THAT(status.error_message(), HasSubstr("fake:scripted"));
  // Readiness stays true while the provider is usable (it failed, it is not unusable).
  EXPECT_TRUE(server().arm_info().Readiness().ready());

  v1::PlanSceneResponse scene;
  EXPECT_EQ(PlanScene("a lighthouse in fog", &scene).error_code(), grpc::StatusCode::UNAVAILABLE);
  EXPECT_EQ(Plans("none", "false", "failed"), 1);
  EXPECT_EQ(Total("armature_planner_plans_total"), 1);
  EXPECT_EQ(Scenes("none", "failed"), 1);
  EXPECT_EQ(Total("armature_planner_scene_plans_total"), 1);
  // The failed plan missed the cache first.
  EXPECT_EQ(Counter("armature_planner_cache_lookups_total", {{"result", "miss"}}), 1);
}

TEST_F(PlannerServiceTest, LlmScenePlanNamesItsProviderAndRepairsBounds) {
  Start(ScriptedBackend({std::string(
      R"({"environment": {"theme": "forest", "weather": "fog", "time_of_day": "dawn"},
          "objects": [{"type": "tree", "count": 5000, "tags": ["old"]}],
          "characters": [{"rig": "quadruped", "motion": "run"}],
          "camera": {"path": "dolly", "duration_seconds": 999},
          "audio": {"music": "ambient", "sfx": ["birds"]}})")}));
  v1::PlanSceneResponse response;
  ASSERT_TRUE(PlanScene("a deer running through a foggy forest at dawn", &response).ok());
  EXPECT_EQ(response.scene().backend(), "fake:scripted");
  EXPECT_LE(response.scene().objects(0).count(), 100);
  EXPECT_LE(response.scene().camera().duration_seconds(), 120);
  EXPECT_FALSE(response.scene().warnings().empty());
  EXPECT_EQ(Scenes("fake:scripted", "ok"), 1);
}

// The whole path over HTTP: gRPC -> service -> core -> the real OpenAI-compatible provider ->
// a loopback server speaking the chat-completions wire format -> repair -> metrics.
TEST_F(PlannerServiceTest, RepairsOfAnLlmPlanOverHttpAreCountedByKind) {
  testing::FakeHttpServer openai;
  const std::string yaml = absl::StrCat(
      "providers:\n  - kind: openai\n    base_url: ", openai.base_url(),
      "/v1\n    model: gpt-4o-mini\n    api_key_env: OPENAI_API_KEY\n    max_attempts: 1\n");
  absl::StatusOr<llm::LlmConfig> config =
      llm::ParseLlmConfig(yaml, "test.yaml", [](const std::string&) -> std::optional<std::string> {
        return std::string("sk-test-0123456789");
      });
  ASSERT_TRUE(config.ok()) << config.status();
  // Steps numbered 2, 3, 4; a self dependency; a tier of 9; no judge step.
  const nlohmann::json plan = {
      {"subtasks", nlohmann::json::array({{{"step", 2},
                                           {"action", "Collect the parser requirements"},
                                           {"required_arm", "retriever"},
                                           {"acceptance_criteria", {"Requirements listed"}},
                                           {"estimated_cost_tier", 1},
                                           {"estimated_duration_seconds", 120}},
                                          {{"step", 3},
                                           {"action", "Write the parser"},
                                           {"required_arm", "coder"},
                                           {"acceptance_criteria", {"Unit tests pass"}},
                                           {"depends_on", {2, 3}},
                                           {"estimated_cost_tier", 9},
                                           {"estimated_duration_seconds", 600}},
                                          {{"step", 4},
                                           {"action", "Run the parser on the sample files"},
                                           {"required_arm", "executor"},
                                           {"acceptance_criteria", {"All samples parse"}},
                                           {"depends_on", {3}},
                                           {"estimated_cost_tier", 2},
                                           {"estimated_duration_seconds", 60}}})},
      {"rationale", "collect, write, run"}};
  const nlohmann::json reply = {
      {"id", "chatcmpl-1"},
      {"object", "chat.completion"},
      {"model", "gpt-4o-mini"},
      {"choices",
       nlohmann::json::array({{{"index", 0},
                               {"message", {{"role", "assistant"}, {"content", plan.dump()}}},
                               {"finish_reason", "stop"}}})}};
  openai.EnqueueJson(200, reply.dump());
  PlannerCoreOptions options;
  options.builtin_fallback = false;
  Start(LlmBackend{.chain = llm::BuildProviderChain(*config),
                   .plan_prompt = Prompt("{goal}"),
                   .scene_prompt = Prompt("{prompt}"),
                   .fingerprint = "openai"},
        options);

  v1::PlanRequest request = Goal("Write a parser for the sample files");
  v1::PlanResponse response;
  ASSERT_TRUE(Plan(request, &response).ok());
  ASSERT_EQ(openai.requests().size(), 1u);
  EXPECT_EQ(response.plan().backend(), "openai:gpt-4o-mini");
  EXPECT_THAT(planner::ValidatePlanForRequest(response.plan(), request, core_->registry()),
              ::testing::IsEmpty());
  EXPECT_THAT(response.plan().warnings(),
              ::testing::ElementsAre("renumbered steps 1..3 (were 2, 3, 4)",
                                     "step 2: dropped dependency on itself",
                                     "step 2: estimated_cost_tier 9 clamped to 5",
                                     "added a final judge verification step"));
  EXPECT_EQ(Repairs("renumber_steps"), 1);
  EXPECT_EQ(Repairs("drop_self_dependency"), 1);
  EXPECT_EQ(Repairs("clamp_cost_tier"), 1);
  EXPECT_EQ(Repairs("add_verification_step"), 1);
  EXPECT_EQ(Total("armature_planner_plan_repairs_total"), 4);
  EXPECT_EQ(Plans("openai:gpt-4o-mini", "false", "ok"), 1);
  EXPECT_EQ(Total("armature_planner_plans_total"), 1);

  // An invalid request never reaches the provider and is counted as such.
  EXPECT_EQ(Plan(Goal(" "), &response).error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(openai.requests().size(), 1u);
  EXPECT_EQ(Plans("none", "false", "invalid_argument"), 1);
  EXPECT_EQ(Total("armature_planner_plans_total"), 2);
}

}  // namespace
}  // namespace armature::planner_arm
