#include "libs/planner/plan_json.h"

#include <string>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "libs/planner/arm_registry.h"
#include "libs/planner/json_extract.h"
#include "libs/planner/plan_rules.h"
#include "tests/libs/planner/plan_test_util.h"

namespace armature::planner {
namespace {

using ::armature::planner::testing::Request;
using ::testing::Contains;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;

constexpr char kPlanJson[] = R"({
  "subtasks": [
    {"step": 1, "action": "Write the CSV parser", "required_arm": "coder",
     "acceptance_criteria": ["Handles quoted fields"], "depends_on": [],
     "estimated_cost_tier": 3, "estimated_duration_seconds": 600},
    {"step": 2, "action": "Verify the parser", "required_arm": "judge",
     "acceptance_criteria": ["All criteria checked"], "depends_on": [1],
     "estimated_cost_tier": 2, "estimated_duration_seconds": 120}
  ],
  "rationale": "Write it, then check it.",
  "confidence": 0.8,
  "total_estimated_duration_seconds": 720,
  "complexity_score": 0.3
})";

TEST(ParsePlanJsonTest, ParsesTheDesignFieldNames) {
  absl::StatusOr<v1::Plan> plan = ParsePlanJson(kPlanJson);
  ASSERT_TRUE(plan.ok()) << plan.status();
  ASSERT_EQ(plan->subtasks_size(), 2);
  const v1::SubTask& first = plan->subtasks(0);
  EXPECT_EQ(first.step(), 1);
  EXPECT_EQ(first.action(), "Write the CSV parser");
  EXPECT_EQ(first.required_arm(), "coder");
  EXPECT_THAT(first.acceptance_criteria(), ElementsAre("Handles quoted fields"));
  EXPECT_EQ(first.estimated_cost_tier(), 3);
  EXPECT_EQ(first.estimated_duration_seconds(), 600);
  EXPECT_THAT(plan->subtasks(1).depends_on(), ElementsAre(1));
  EXPECT_EQ(plan->rationale(), "Write it, then check it.");
  EXPECT_DOUBLE_EQ(plan->confidence(), 0.8);
  EXPECT_EQ(plan->total_estimated_duration_seconds(), 720);
  EXPECT_DOUBLE_EQ(plan->complexity_score(), 0.3);
  EXPECT_THAT(plan->warnings(), IsEmpty());
}

TEST(ParsePlanJsonTest, StripsCodeFencesAndProse) {
  const std::string fenced = std::string("Here is the plan:\n```json\n") + kPlanJson +
                             "\n```\nLet me know if you need changes.";
  absl::StatusOr<v1::Plan> plan = ParsePlanJson(fenced);
  ASSERT_TRUE(plan.ok()) << plan.status();
  EXPECT_EQ(plan->subtasks_size(), 2);

  plan = ParsePlanJson(absl::StrCat("```\n", kPlanJson, "\n```"));
  ASSERT_TRUE(plan.ok()) << plan.status();

  plan = ParsePlanJson(absl::StrCat("Sure! ", kPlanJson, " Hope this helps {:"));
  ASSERT_TRUE(plan.ok()) << plan.status();

  // A reply cut off after the fence opened still parses when the object is complete.
  plan = ParsePlanJson(std::string("```json\n") + kPlanJson);
  ASSERT_TRUE(plan.ok()) << plan.status();
}

TEST(ParsePlanJsonTest, AcceptsAliasesAndNumbersAsStrings) {
  absl::StatusOr<v1::Plan> plan = ParsePlanJson(R"({
    "plan": [
      {"step": "1", "description": "Research caching", "arm": "retriever",
       "criteria": "Three sources listed", "dependencies": [],
       "cost_tier": "1", "duration_seconds": "120s"},
      {"step": "2", "task": "Implement the cache", "arm": "coder",
       "criteria": ["Cache hit rate logged"], "dependencies": ["step 1"],
       "cost_tier": 3.0, "estimated_duration": "600"}
    ],
    "reasoning": "Research first.",
    "confidence": "85%",
    "total_estimated_duration": "720"
  })");
  ASSERT_TRUE(plan.ok()) << plan.status();
  ASSERT_EQ(plan->subtasks_size(), 2);
  EXPECT_EQ(plan->subtasks(0).action(), "Research caching");
  EXPECT_EQ(plan->subtasks(0).required_arm(), "retriever");
  EXPECT_THAT(plan->subtasks(0).acceptance_criteria(), ElementsAre("Three sources listed"));
  EXPECT_EQ(plan->subtasks(0).estimated_duration_seconds(), 120);
  EXPECT_EQ(plan->subtasks(1).action(), "Implement the cache");
  EXPECT_THAT(plan->subtasks(1).depends_on(), ElementsAre(1));
  EXPECT_EQ(plan->subtasks(1).estimated_cost_tier(), 3);
  EXPECT_EQ(plan->subtasks(1).estimated_duration_seconds(), 600);
  EXPECT_EQ(plan->rationale(), "Research first.");
  EXPECT_DOUBLE_EQ(plan->confidence(), 0.85);
  EXPECT_EQ(plan->total_estimated_duration_seconds(), 720);
}

TEST(ParsePlanJsonTest, AcceptsAWrappedPlanAndABareArray) {
  absl::StatusOr<v1::Plan> wrapped = ParsePlanJson(
      R"({"plan": {"subtasks": [{"action": "Do it", "arm": "coder"}], "rationale": "r"}})");
  ASSERT_TRUE(wrapped.ok()) << wrapped.status();
  EXPECT_EQ(wrapped->subtasks(0).action(), "Do it");
  EXPECT_EQ(wrapped->rationale(), "r");
  absl::StatusOr<v1::Plan> bare = ParsePlanJson(R"([{"action": "Do it"}, {"action": "Check"}])");
  ASSERT_TRUE(bare.ok()) << bare.status();
  EXPECT_EQ(bare->subtasks_size(), 2);
}

TEST(ParsePlanJsonTest, BracesInsideStringsDoNotConfuseExtraction) {
  absl::StatusOr<v1::Plan> plan = ParsePlanJson(
      R"(Plan {draft}: {"subtasks": [{"action": "Print \"}\" and {x}", "required_arm": "coder"}]})");
  ASSERT_TRUE(plan.ok()) << plan.status();
  EXPECT_EQ(plan->subtasks(0).action(), "Print \"}\" and {x}");
}

TEST(ParsePlanJsonTest, NotesValuesItHadToIgnore) {
  absl::StatusOr<v1::Plan> plan = ParsePlanJson(
      R"({"subtasks": [{"action": "Do it", "estimated_cost_tier": "high", "depends_on": "none"}]})");
  ASSERT_TRUE(plan.ok()) << plan.status();
  EXPECT_EQ(plan->subtasks(0).estimated_cost_tier(), 0);
  EXPECT_THAT(plan->warnings(), Contains(HasSubstr("subtasks[0].estimated_cost_tier")));
  EXPECT_THAT(plan->warnings(), Contains(HasSubstr("subtasks[0].depends_on")));
}

struct BadReply {
  std::string reply;
  std::string message;
};

class ParsePlanJsonErrorTest : public ::testing::TestWithParam<BadReply> {};

TEST_P(ParsePlanJsonErrorTest, ExplainsWhyItCannotParse) {
  absl::StatusOr<v1::Plan> plan = ParsePlanJson(GetParam().reply);
  ASSERT_FALSE(plan.ok());
  EXPECT_EQ(plan.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(plan.status().message(), HasSubstr(GetParam().message));
}

INSTANTIATE_TEST_SUITE_P(
    Replies, ParsePlanJsonErrorTest,
    ::testing::Values(
        BadReply{"", "contains no JSON object"},
        BadReply{"I cannot help with that.", "contains no JSON object"},
        BadReply{R"({"subtasks": [{"action": "x"})", "unterminated JSON object"},
        BadReply{R"({"subtasks": [{"action": 'x'}]})", "invalid JSON"},
        BadReply{R"({"steps_list": []})", "no \"subtasks\" (or \"plan\") list"},
        BadReply{R"({"subtasks": "do everything"})", "no \"subtasks\" (or \"plan\") list"},
        BadReply{R"({"subtasks": []})", "subtasks list is empty"},
        BadReply{R"({"subtasks": [{"action": "x"}, 7]})", "subtasks[1]: expected an object"},
        BadReply{R"({"subtasks": [{"action": {"text": "x"}}]})",
                 "subtasks[0].action: expected a string"},
        BadReply{"\"just a string\"", "contains no JSON object"}));

TEST(ParsePlanJsonTest, TooLargeRepliesAreRejected) {
  const std::string huge(kMaxLlmReplyBytes + 1, ' ');
  absl::StatusOr<v1::Plan> plan = ParsePlanJson(huge);
  ASSERT_FALSE(plan.ok());
  EXPECT_THAT(plan.status().message(), HasSubstr("too large"));
}

TEST(ParsePlanJsonTest, ParsedAndRepairedRepliesAreValid) {
  const v1::PlanRequest request = Request("Add caching to the product API and deploy it");
  for (const std::string& reply : {std::string(kPlanJson), std::string(R"(```json
{"plan": [{"step": 4, "action": "Deploy the API", "arm": "devops", "depends_on": [9]},
          {"step": 2, "action": "Add caching to the product API", "arm": "programmer"}]}
```)"),
                                   std::string(R"({"subtasks": [{"action": "Add caching"}]})")}) {
    absl::StatusOr<v1::Plan> plan = ParsePlanJson(reply);
    ASSERT_TRUE(plan.ok()) << plan.status();
    absl::StatusOr<std::vector<PlanRepair>> repairs =
        RepairPlan(&*plan, DefaultArmRegistry(), request);
    ASSERT_TRUE(repairs.ok()) << repairs.status();
    EXPECT_THAT(ValidatePlanForRequest(*plan, request, DefaultArmRegistry()), IsEmpty());
  }
}

TEST(ExtractJsonTest, ReturnsTheFirstParsableValue) {
  absl::StatusOr<std::string> json = ExtractJson("noise [not json] {\"a\": 1} {\"b\": 2}");
  ASSERT_TRUE(json.ok()) << json.status();
  EXPECT_EQ(*json, "{\"a\": 1}");
  json = ExtractJson("```js\n{\"a\": [1, 2]}\n```");
  ASSERT_TRUE(json.ok());
  EXPECT_EQ(*json, "{\"a\": [1, 2]}");
}

}  // namespace
}  // namespace armature::planner
