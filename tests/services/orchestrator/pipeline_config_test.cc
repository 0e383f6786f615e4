#include "services/orchestrator/pipeline_config.h"

#include <filesystem>
#include <fstream>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace armature::orchestrator {
namespace {

using ::testing::HasSubstr;

TEST(PipelineConfigTest, TheShippedFileEqualsTheBuiltInDefault) {
  auto file = LoadPipelineConfig(ARMATURE_SOURCE_DIR "/config/pipelines/default.yaml");
  ASSERT_TRUE(file.ok()) << file.status();
  const PipelineConfig& builtin = DefaultPipelineConfig();
  EXPECT_EQ(builtin.source, "built-in");
  for (v1::TaskKind kind : {v1::GOAL, v1::SCENE, v1::PRODUCTION}) {
    const auto a = file->EnabledStages(kind);
    const auto b = builtin.EnabledStages(kind);
    ASSERT_EQ(a.size(), b.size());
    for (size_t i = 0; i < a.size(); ++i) {
      EXPECT_EQ(a[i].op, b[i].op);
      EXPECT_EQ(a[i].timeout, b[i].timeout);
      EXPECT_EQ(a[i].attempts, b[i].attempts);
    }
  }
  ASSERT_EQ(builtin.EnabledStages(v1::PRODUCTION).size(), 2u);
  EXPECT_EQ(builtin.EnabledStages(v1::PRODUCTION)[0].op, StageOp::kPlan);
  EXPECT_EQ(builtin.EnabledStages(v1::PRODUCTION)[1].op, StageOp::kBuildManifest);
  EXPECT_EQ(builtin.EnabledStages(v1::PRODUCTION)[1].timeout, absl::Seconds(60));
  EXPECT_EQ(builtin.tasks.default_deadline, absl::Seconds(300));
  EXPECT_EQ(builtin.tasks.wait_initial, absl::Milliseconds(500));
  EXPECT_EQ(builtin.arms.at("planner").breaker.minimum_calls, 10);
  EXPECT_EQ(builtin.arms.at("planner").breaker.name, "planner arm");
  EXPECT_EQ(builtin.arms.at("manifest").retry.backoff.max, absl::Seconds(2));
}

TEST(PipelineConfigTest, ReadsEveryField) {
  auto config = ParsePipelineConfig(R"(
tasks: {default_deadline_seconds: 30, max_deadline_seconds: 60, wait_initial_ms: 5, wait_max_ms: 9}
arms:
  planner:
    breaker: {failure_rate_threshold: 0.25, window_seconds: 4, window_buckets: 4, minimum_calls: 2,
              open_wait_seconds: 1.5, half_open_max_calls: 2, successes_to_close: 2,
              half_open_permit_timeout_seconds: 3}
    retry: {max_attempts: 5, initial_backoff_ms: 7, max_backoff_ms: 70, backoff_multiplier: 3,
            jitter: 0.5}
    retry_budget: {max_tokens: 20, token_ratio: 0.5}
pipelines:
  GOAL:
    - {stage: plan, arm: planner, timeout_seconds: 2.5, attempts: 2}
  SCENE:
    - {stage: plan_scene, arm: planner}
  PRODUCTION:
    - {stage: plan, arm: planner, enabled: false}
    - {stage: build_manifest, arm: manifest}
)",
                                    "t.yaml");
  ASSERT_TRUE(config.ok()) << config.status();
  EXPECT_EQ(config->tasks.default_deadline, absl::Seconds(30));
  EXPECT_EQ(config->tasks.max_deadline, absl::Seconds(60));
  EXPECT_EQ(config->tasks.wait_max, absl::Milliseconds(9));
  const ArmSettings& p = config->arms.at("planner");
  EXPECT_DOUBLE_EQ(p.breaker.failure_rate_threshold, 0.25);
  EXPECT_EQ(p.breaker.window_ms, 4000);
  EXPECT_EQ(p.breaker.window_buckets, 4);
  EXPECT_EQ(p.breaker.minimum_calls, 2);
  EXPECT_EQ(p.breaker.open_wait_ms, 1500);
  EXPECT_EQ(p.breaker.half_open_max_calls, 2);
  EXPECT_EQ(p.breaker.successes_to_close, 2);
  EXPECT_EQ(p.breaker.half_open_permit_timeout_ms, 3000);
  EXPECT_EQ(p.retry.max_attempts, 5);
  EXPECT_EQ(p.retry.backoff.initial, absl::Milliseconds(7));
  EXPECT_EQ(p.retry.backoff.max, absl::Milliseconds(70));
  EXPECT_DOUBLE_EQ(p.retry.backoff.multiplier, 3);
  EXPECT_DOUBLE_EQ(p.retry.backoff.jitter, 0.5);
  EXPECT_DOUBLE_EQ(p.retry_budget.max_tokens, 20);
  EXPECT_DOUBLE_EQ(p.retry_budget.token_ratio, 0.5);
  // The manifest arm was not mentioned: defaults.
  EXPECT_EQ(config->arms.at("manifest").breaker.minimum_calls, 10);
  const auto goal = config->EnabledStages(v1::GOAL);
  ASSERT_EQ(goal.size(), 1u);
  EXPECT_EQ(goal[0].timeout, absl::Milliseconds(2500));
  EXPECT_EQ(goal[0].attempts, 2);
  EXPECT_EQ(goal[0].line, 13);
  // A disabled stage is skipped.
  const auto production = config->EnabledStages(v1::PRODUCTION);
  ASSERT_EQ(production.size(), 1u);
  EXPECT_EQ(production[0].op, StageOp::kBuildManifest);
  EXPECT_EQ(config->pipelines.at(v1::PRODUCTION).size(), 2u);
}

struct BadCase {
  const char* name;
  const char* yaml;
  const char* expected;  // substring of the message, which starts with "bad.yaml:<line>"
};

class PipelineConfigErrorTest : public ::testing::TestWithParam<BadCase> {};

constexpr char kGood[] = R"(pipelines:
  GOAL: [{stage: plan, arm: planner}]
  SCENE: [{stage: plan_scene, arm: planner}]
  PRODUCTION: [{stage: plan, arm: planner}, {stage: build_manifest, arm: manifest}]
)";

TEST_P(PipelineConfigErrorTest, NamesTheFileTheLineAndTheProblem) {
  auto config = ParsePipelineConfig(GetParam().yaml, "bad.yaml");
  ASSERT_FALSE(config.ok());
  EXPECT_EQ(config.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(config.status().message(), HasSubstr(GetParam().expected));
}

INSTANTIATE_TEST_SUITE_P(
    Cases, PipelineConfigErrorTest,
    ::testing::Values(
        BadCase{"Syntax", "pipelines: [unclosed", "bad.yaml:1:"},
        BadCase{"NotAMapping", "- 1\n- 2\n", "expected a mapping"},
        BadCase{"UnknownTopLevelKey", "pipeline: {}\n", "bad.yaml:1: pipeline: unknown field"},
        BadCase{"NoPipelines", "tasks: {}\n", "pipelines: required"},
        BadCase{"UnknownKind", "pipelines:\n  GOAL: [{stage: plan, arm: planner}]\n  CHORE: []\n",
                "bad.yaml:3: pipelines.CHORE: unknown field"},
        BadCase{"MissingKind", "pipelines:\n  GOAL: [{stage: plan, arm: planner}]\n",
                "pipelines.SCENE: missing"},
        BadCase{"UnknownStage",
                "pipelines:\n  GOAL:\n    - stage: plan\n      arm: planner\n    - stage: deploy\n"
                "      arm: planner\n",
                "bad.yaml:5: pipelines.GOAL[1].stage: unknown stage \"deploy\""},
        BadCase{"UnknownArm", "pipelines:\n  GOAL:\n    - {stage: plan, arm: coder}\n",
                "bad.yaml:3: pipelines.GOAL[0].arm: unknown arm \"coder\""},
        BadCase{"WrongArm", "pipelines:\n  GOAL:\n    - {stage: plan, arm: manifest}\n",
                "stage plan is served by the planner arm, not manifest"},
        BadCase{"StageTwice",
                "pipelines:\n  GOAL:\n    - {stage: plan, arm: planner}\n"
                "    - {stage: plan, arm: planner}\n",
                "bad.yaml:4: pipelines.GOAL[1].stage: stage plan is listed twice"},
        BadCase{"NoEnabledStage",
                "pipelines:\n  GOAL:\n    - {stage: plan, arm: planner, enabled: false}\n",
                "pipelines.GOAL: needs at least one enabled stage"},
        BadCase{"EmptyList", "pipelines:\n  GOAL: []\n", "needs at least one enabled stage"},
        BadCase{"StageKeyTypo",
                "pipelines:\n  GOAL:\n    - {stage: plan, arm: planner, timout: 3}\n",
                "bad.yaml:3: pipelines.GOAL[0].timout: unknown field"},
        BadCase{"MissingArm", "pipelines:\n  GOAL:\n    - {stage: plan}\n",
                "pipelines.GOAL[0].arm: required"},
        BadCase{"Attempts",
                "pipelines:\n  GOAL:\n    - {stage: plan, arm: planner, attempts: 11}\n",
                "pipelines.GOAL[0].attempts: must be 1-10, got 11"},
        BadCase{"Timeout",
                "pipelines:\n  GOAL:\n    - {stage: plan, arm: planner, timeout_seconds: soon}\n",
                "timeout_seconds: expected a number"},
        BadCase{"Enabled",
                "pipelines:\n  GOAL:\n    - {stage: plan, arm: planner, enabled: maybe}\n",
                "enabled: expected true or false"},
        BadCase{"Threshold", "arms:\n  planner:\n    breaker: {failure_rate_threshold: 2}\n",
                "bad.yaml:3: arms.planner.breaker.failure_rate_threshold: must be"},
        BadCase{"UnknownArmSettings", "arms:\n  judge: {}\n", "bad.yaml:2: arms.judge: unknown"},
        BadCase{"BackoffOrder",
                "arms:\n  manifest:\n    retry: {initial_backoff_ms: 100, max_backoff_ms: 10}\n",
                "arms.manifest.retry.max_backoff_ms: must not be less than initial_backoff_ms"},
        BadCase{"Deadlines", "tasks: {default_deadline_seconds: 100, max_deadline_seconds: 50}\n",
                "tasks.default_deadline_seconds: must not exceed"},
        BadCase{"Waits", "tasks: {wait_initial_ms: 100, wait_max_ms: 10}\n",
                "tasks.wait_max_ms: must not be less than"}),
    [](const ::testing::TestParamInfo<BadCase>& info) { return info.param.name; });

TEST(PipelineConfigTest, TheGoodBaseOfTheErrorCasesParses) {
  EXPECT_TRUE(ParsePipelineConfig(kGood, "good.yaml").ok());
}

TEST(PipelineConfigTest, LoadNamesAMissingFile) {
  auto config = LoadPipelineConfig("/nonexistent/pipelines.yaml");
  ASSERT_FALSE(config.ok());
  EXPECT_EQ(config.status().code(), absl::StatusCode::kNotFound);
  EXPECT_THAT(config.status().message(), HasSubstr("/nonexistent/pipelines.yaml"));
}

}  // namespace
}  // namespace armature::orchestrator
