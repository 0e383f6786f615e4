#include "libs/planner/arm_registry.h"

#include <algorithm>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace armature::planner {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

std::string ReadFile(const std::string& path) {
  std::ifstream in(path);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

std::string WriteTemp(const std::string& name, const std::string& content) {
  const std::string path = absl::StrCat(::testing::TempDir(), "/", name);
  std::ofstream(path) << content;
  return path;
}

constexpr char kMinimalArms[] = R"(arms:
  - {id: planner, description: p, capabilities: [a], cost_tier: 2, default_duration_seconds: 60}
  - {id: retriever, description: r, capabilities: [a], cost_tier: 1, default_duration_seconds: 60}
  - {id: coder, description: c, capabilities: [a], cost_tier: 3, default_duration_seconds: 60}
  - {id: executor, description: e, capabilities: [a], cost_tier: 2, default_duration_seconds: 60}
  - {id: judge, description: j, capabilities: [a], cost_tier: 2, default_duration_seconds: 60}
  - {id: guardian, description: g, capabilities: [a], cost_tier: 1, default_duration_seconds: 60}
)";

TEST(ArmRegistryTest, DefaultRegistryEqualsTheConfigFile) {
  EXPECT_EQ(DefaultArmRegistryYaml(), ReadFile(ARMATURE_ARMS_YAML_PATH));
  absl::StatusOr<ArmRegistry> loaded = LoadArmRegistry(ARMATURE_ARMS_YAML_PATH);
  ASSERT_TRUE(loaded.ok()) << loaded.status();
  EXPECT_EQ(loaded->arms(), DefaultArmRegistry().arms());
}

TEST(ArmRegistryTest, DefaultRegistryHasTheSixArms) {
  const ArmRegistry& registry = DefaultArmRegistry();
  EXPECT_THAT(registry.ids(),
              ElementsAre("planner", "retriever", "coder", "executor", "judge", "guardian"));
  for (const ArmSpec& arm : registry.arms()) {
    EXPECT_FALSE(arm.description.empty()) << arm.id;
    EXPECT_FALSE(arm.capabilities.empty()) << arm.id;
    EXPECT_GE(arm.cost_tier, 1);
    EXPECT_LE(arm.cost_tier, 5);
    EXPECT_GE(arm.default_duration_seconds, 1);
  }
  EXPECT_EQ(registry.Find("coder")->cost_tier, 3);
  EXPECT_EQ(registry.Find("nobody"), nullptr);
}

TEST(ArmRegistryTest, GetFindsCoreArmsByConstantAndByName) {
  const ArmRegistry& registry = DefaultArmRegistry();
  for (absl::string_view id :
       {kPlannerArm, kRetrieverArm, kCoderArm, kExecutorArm, kJudgeArm, kGuardianArm}) {
    EXPECT_EQ(registry.Get(id).id, id);
    const std::string copy(id);  // the same id elsewhere in memory
    EXPECT_EQ(&registry.Get(copy), registry.Find(copy)) << id;
  }
  // Any other id falls back to the first arm.
  EXPECT_EQ(&registry.Get("nobody"), &registry.arms().front());
  // A copy answers from its own arms.
  const ArmRegistry copy = registry;
  EXPECT_EQ(&copy.Get(kCoderArm), copy.Find("coder"));
  // Registries with the arms in another order.
  std::vector<ArmSpec> arms(registry.arms().rbegin(), registry.arms().rend());
  arms[0].cost_tier = arms[0].cost_tier == 5 ? 4 : 5;
  absl::StatusOr<ArmRegistry> reversed = ArmRegistry::Create(arms);
  ASSERT_TRUE(reversed.ok()) << reversed.status();
  for (absl::string_view id :
       {kPlannerArm, kRetrieverArm, kCoderArm, kExecutorArm, kJudgeArm, kGuardianArm}) {
    EXPECT_EQ(&reversed->Get(id), reversed->Find(id)) << id;
  }
}

TEST(ArmRegistryTest, ParsesAMinimalFile) {
  absl::StatusOr<ArmRegistry> registry = ParseArmRegistryYaml(kMinimalArms, "mini.yaml");
  ASSERT_TRUE(registry.ok()) << registry.status();
  EXPECT_EQ(registry->arms().size(), 6u);
  EXPECT_TRUE(registry->arms()[0].aliases.empty());
}

TEST(ArmRegistryTest, MissingFileNamesThePath) {
  absl::StatusOr<ArmRegistry> registry = LoadArmRegistry("/nonexistent/arms.yaml");
  ASSERT_FALSE(registry.ok());
  EXPECT_EQ(registry.status().code(), absl::StatusCode::kNotFound);
  EXPECT_THAT(registry.status().message(), HasSubstr("/nonexistent/arms.yaml"));
}

TEST(ArmRegistryTest, BadYamlNamesTheFileAndLine) {
  const std::string path = WriteTemp("bad_arms.yaml", "arms:\n  - id: planner\n    bad: [\n");
  absl::StatusOr<ArmRegistry> registry = LoadArmRegistry(path);
  ASSERT_FALSE(registry.ok());
  EXPECT_EQ(registry.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(registry.status().message(), HasSubstr(path));
  EXPECT_THAT(registry.status().message(), HasSubstr("line"));
}

struct BadRegistry {
  std::string yaml;
  std::string message;
};

class ArmRegistryErrorTest : public ::testing::TestWithParam<BadRegistry> {};

TEST_P(ArmRegistryErrorTest, ReportsTheProblem) {
  absl::StatusOr<ArmRegistry> registry = ParseArmRegistryYaml(GetParam().yaml, "arms.yaml");
  ASSERT_FALSE(registry.ok());
  EXPECT_EQ(registry.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(registry.status().message(), HasSubstr("arms.yaml: "));
  EXPECT_THAT(registry.status().message(), HasSubstr(GetParam().message));
}

std::string Replace(std::string text, const std::string& from, const std::string& to) {
  text.replace(text.find(from), from.size(), to);
  return text;
}

INSTANTIATE_TEST_SUITE_P(
    Problems, ArmRegistryErrorTest,
    ::testing::Values(
        BadRegistry{"agents: []", "expected a mapping with an `arms:` list"},
        BadRegistry{"arms: {planner: 1}", "arms: must be a list"},
        BadRegistry{Replace(kMinimalArms, "cost_tier: 3", "cost_tier: 9"),
                    "arms[2] (coder).cost_tier: must be between 1 and 5 (got 9)"},
        BadRegistry{Replace(kMinimalArms, "cost_tier: 3", "cost_tier: high"),
                    "arms[2] (coder).cost_tier: must be an integer"},
        BadRegistry{Replace(kMinimalArms, "id: judge", "id: coder"),
                    "arms[4] (coder).id: duplicate arm id"},
        BadRegistry{Replace(kMinimalArms, "id: guardian", "id: watcher"),
                    "missing required arm(s) guardian"},
        BadRegistry{Replace(kMinimalArms, "id: planner,", "id: Planner!,"),
                    "arms[0].id: \"Planner!\" must start with a lower-case letter"},
        BadRegistry{Replace(kMinimalArms, "description: c,", "descripton: c,"),
                    "unknown key \"descripton\""},
        BadRegistry{Replace(kMinimalArms,
                            "capabilities: [a], cost_tier: 1, "
                            "default_duration_seconds: 60}\n  - {id: coder",
                            "capabilities: [], cost_tier: 1, default_duration_seconds: "
                            "60}\n  - {id: coder"),
                    "(retriever).capabilities: must list at least one capability"},
        BadRegistry{Replace(kMinimalArms, "cost_tier: 3, default_duration_seconds: 60",
                            "cost_tier: 3, default_duration_seconds: 0"),
                    "(coder).default_duration_seconds: must be between 1 and 86400 (got 0)"},
        BadRegistry{Replace(kMinimalArms, ", cost_tier: 3", ""),
                    "arms[2].cost_tier: is required"}));

TEST(ArmRegistryTest, ResolvesLooseArmNames) {
  const ArmRegistry& registry = DefaultArmRegistry();
  EXPECT_EQ(registry.Resolve("coder"), "coder");
  EXPECT_EQ(registry.Resolve("Coder"), "coder");
  EXPECT_EQ(registry.Resolve("coder arm"), "coder");
  EXPECT_EQ(registry.Resolve("Code-Arm"), "coder");
  EXPECT_EQ(registry.Resolve("developer"), "coder");
  EXPECT_EQ(registry.Resolve("QA"), "judge");
  EXPECT_EQ(registry.Resolve("security"), "guardian");
  EXPECT_EQ(registry.Resolve("exector"), "executor");  // typo
  EXPECT_EQ(registry.Resolve("wizard"), "");
  EXPECT_EQ(registry.Resolve(""), "");
}

TEST(ArmRegistryTest, DescribesArmsForPrompts) {
  const std::string text = DescribeArmsForPrompt(DefaultArmRegistry());
  EXPECT_THAT(text, HasSubstr("- coder (cost tier 3): Writes, debugs"));
  EXPECT_THAT(text, HasSubstr("Capabilities: pii_detection, secret_scanning"));
  EXPECT_EQ(std::count(text.begin(), text.end(), '\n'), 6);
}

TEST(ArmRegistryTest, CreateValidatesToo) {
  std::vector<ArmSpec> arms = DefaultArmRegistry().arms();
  arms.pop_back();
  absl::StatusOr<ArmRegistry> registry = ArmRegistry::Create(arms);
  ASSERT_FALSE(registry.ok());
  EXPECT_THAT(registry.status().message(), HasSubstr("guardian"));
}

}  // namespace
}  // namespace armature::planner
