#include "libs/planner/plan_rules.h"

#include <random>
#include <set>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "libs/planner/builtin_planner.h"
#include "tests/libs/planner/plan_test_util.h"

namespace armature::planner {
namespace {

using ::armature::planner::testing::DependsOn;
using ::armature::planner::testing::Describe;
using ::armature::planner::testing::Request;
using ::testing::Contains;
using ::testing::ElementsAre;
using ::testing::ElementsAreArray;
using ::testing::HasSubstr;
using ::testing::IsEmpty;

v1::SubTask* AddStep(v1::Plan* plan, int step, std::string action, std::string arm,
                     std::vector<int> deps = {}, int tier = 2, int duration = 60,
                     std::vector<std::string> criteria = {"It is done"}) {
  v1::SubTask* t = plan->add_subtasks();
  t->set_step(step);
  t->set_action(std::move(action));
  t->set_required_arm(std::move(arm));
  for (int d : deps) t->add_depends_on(d);
  t->set_estimated_cost_tier(tier);
  t->set_estimated_duration_seconds(duration);
  for (std::string& c : criteria) t->add_acceptance_criteria(std::move(c));
  return t;
}

// A valid three-step plan, as an LLM might return it.
v1::Plan ValidPlan() {
  v1::Plan plan;
  AddStep(&plan, 1, "Write the CSV parser", "coder", {}, 3, 600, {"Parser handles quotes"});
  AddStep(&plan, 2, "Run the parser's tests", "executor", {1}, 2, 120, {"Tests pass"});
  AddStep(&plan, 3, "Verify the parser against the goal", "judge", {2}, 2, 120,
          {"All criteria checked"});
  plan.set_rationale("Write, run, verify.");
  ComputePlanMetrics(&plan);
  return plan;
}

const v1::PlanRequest kRequest = Request("Write a CSV parser");

// Repairs `plan` for `request`, expects it valid afterwards and returns the repairs.
std::vector<PlanRepair> RepairAndCheck(v1::Plan* plan, const v1::PlanRequest& request = kRequest,
                                       const PlanRules& rules = {}) {
  absl::StatusOr<std::vector<PlanRepair>> repairs =
      RepairPlan(plan, DefaultArmRegistry(), request, rules);
  EXPECT_TRUE(repairs.ok()) << repairs.status();
  EXPECT_THAT(ValidatePlanForRequest(*plan, request, DefaultArmRegistry(), rules), IsEmpty())
      << Describe(*plan);
  // Every repair is reported in the plan too: its warnings end with these, in order.
  const std::vector<PlanRepair> out = repairs.value_or(std::vector<PlanRepair>{});
  const std::vector<std::string> warnings = RepairWarnings(out);
  EXPECT_GE(plan->warnings_size(), static_cast<int>(warnings.size()));
  if (plan->warnings_size() >= static_cast<int>(warnings.size())) {
    EXPECT_THAT(
        std::vector<std::string>(plan->warnings().end() - warnings.size(), plan->warnings().end()),
        ElementsAreArray(warnings));
  }
  return out;
}

// A repair of `kind` whose warning matches `warning`.
::testing::Matcher<const PlanRepair&> IsRepair(RepairKind kind,
                                               ::testing::Matcher<const std::string&> warning) {
  return ::testing::AllOf(::testing::Field("kind", &PlanRepair::kind, kind),
                          ::testing::Field("warning", &PlanRepair::warning, warning));
}

// The kinds of `repairs`, in order.
std::vector<RepairKind> Kinds(const std::vector<PlanRepair>& repairs) {
  std::vector<RepairKind> out;
  for (const PlanRepair& r : repairs) out.push_back(r.kind);
  return out;
}

TEST(ValidatePlanTest, BuiltinPlansAndTheSamplePlanAreValid) {
  EXPECT_THAT(ValidatePlan(ValidPlan(), DefaultArmRegistry()), IsEmpty());
  BuiltinPlanner planner;
  absl::StatusOr<v1::Plan> plan = planner.Plan(Request("Build and deploy a REST API with tests"));
  ASSERT_TRUE(plan.ok());
  EXPECT_THAT(ValidatePlan(*plan, DefaultArmRegistry()), IsEmpty());
}

TEST(ValidatePlanTest, FindsEveryKindOfProblem) {
  v1::Plan plan;
  AddStep(&plan, 1, "", "wizard", {1}, 0, 0, {});
  AddStep(&plan, 5, "Do it", "coder", {3, 9, 1, 1}, 7, 10, {"a", "b", "c", "d", "e", "f"});
  plan.set_confidence(1.5);
  plan.set_complexity_score(-0.1);
  plan.set_total_estimated_duration_seconds(3);
  const std::vector<std::string> problems = ValidatePlan(plan, DefaultArmRegistry());
  const std::vector<std::string> expected = {
      "subtasks: has 2 steps; a plan needs 3-7",
      "step 1: action must not be empty",
      "step 1: required_arm \"wizard\" is not a registered arm",
      "step 1: has 0 acceptance criteria; needs 1-5",
      "step 1: depends on itself",
      "step 1: estimated_cost_tier is 0; must be 1-5",
      "step 1: estimated_duration_seconds is 0",
      "step 2: numbered 5; steps must be numbered 1..N in order",
      "step 2: depends on step 3, which does not exist",
      "step 2: depends on step 9, which does not exist",
      "step 2: lists step 1 twice in depends_on",
      "step 2: has 6 acceptance criteria",
      "step 2: estimated_cost_tier is 7",
      "step 2: the last step must be a judge verification step (is \"coder\")",
      "confidence: 1.5 is outside 0-1",
      "complexity_score: -0.1 is outside 0-1",
      "total_estimated_duration_seconds: is 3 but the critical path is 10 s"};
  for (const std::string& e : expected) {
    EXPECT_THAT(problems, Contains(HasSubstr(e))) << e;
  }
  EXPECT_THAT(problems, Contains(HasSubstr("rationale: must not be empty")));
}

TEST(ValidatePlanTest, ForwardDependencyAndUncoveredJudge) {
  v1::Plan plan;
  AddStep(&plan, 1, "Write the parser", "coder", {2});
  AddStep(&plan, 2, "Write the docs", "retriever");
  AddStep(&plan, 3, "Verify", "judge", {2});
  plan.set_rationale("r");
  ComputePlanMetrics(&plan);
  const std::vector<std::string> problems = ValidatePlan(plan, DefaultArmRegistry());
  EXPECT_THAT(problems, Contains(HasSubstr("step 1: depends on later step 2")));
  EXPECT_THAT(problems, Contains(HasSubstr("it does not depend on step(s) 1")));
}

TEST(ValidatePlanForRequestTest, GuardianFirstAndTimeLimit) {
  v1::Plan plan = ValidPlan();
  const v1::PlanRequest request =
      Request("Write a CSV parser for the patients' medical records", {"within 5 minutes"});
  const std::vector<std::string> problems =
      ValidatePlanForRequest(plan, request, DefaultArmRegistry());
  EXPECT_THAT(problems, Contains(HasSubstr("step 1: must be a guardian step because the request "
                                           "involves medical records")));
  EXPECT_THAT(problems, Contains(HasSubstr("exceeds the time limit of 5 minutes")));
}

TEST(RepairPlanTest, ValidPlanNeedsNoRepair) {
  v1::Plan plan = ValidPlan();
  const std::string before = plan.SerializeAsString();
  EXPECT_THAT(RepairAndCheck(&plan), IsEmpty());
  EXPECT_EQ(plan.SerializeAsString(), before);
}

TEST(RepairPlanTest, RenumbersSteps) {
  v1::Plan plan = ValidPlan();
  plan.mutable_subtasks(0)->set_step(10);
  plan.mutable_subtasks(1)->set_step(20);
  plan.mutable_subtasks(1)->set_depends_on(0, 10);
  plan.mutable_subtasks(2)->set_step(30);
  plan.mutable_subtasks(2)->set_depends_on(0, 20);
  const std::vector<PlanRepair> repairs = RepairAndCheck(&plan);
  EXPECT_THAT(repairs, Contains(IsRepair(RepairKind::kRenumberSteps,
                                         "renumbered steps 1..3 (were 10, 20, 30)")));
  EXPECT_THAT(plan.subtasks(1).depends_on(), ElementsAre(1));
  EXPECT_THAT(plan.subtasks(2).depends_on(), ElementsAre(2));
}

TEST(RepairPlanTest, MissingStepNumbersMeanPositions) {
  v1::Plan plan = ValidPlan();
  for (v1::SubTask& t : *plan.mutable_subtasks()) t.set_step(0);
  RepairAndCheck(&plan);
  EXPECT_THAT(plan.subtasks(2).depends_on(), ElementsAre(2));
}

TEST(RepairPlanTest, DropsForwardSelfMissingAndDuplicateDependencies) {
  v1::Plan plan = ValidPlan();
  plan.mutable_subtasks(0)->add_depends_on(2);   // forward
  plan.mutable_subtasks(1)->add_depends_on(2);   // self
  plan.mutable_subtasks(1)->add_depends_on(1);   // duplicate
  plan.mutable_subtasks(1)->add_depends_on(42);  // missing
  const std::vector<PlanRepair> repairs = RepairAndCheck(&plan);
  EXPECT_THAT(repairs, Contains(IsRepair(RepairKind::kDropForwardDependency,
                                         HasSubstr("step 1: dropped dependency on later step 2"))));
  EXPECT_THAT(repairs, Contains(IsRepair(RepairKind::kDropSelfDependency,
                                         "step 2: dropped dependency on itself")));
  EXPECT_THAT(repairs, Contains(IsRepair(RepairKind::kDropDuplicateDependency,
                                         "step 2: dropped duplicate dependency on step 1")));
  EXPECT_THAT(repairs, Contains(IsRepair(RepairKind::kDropMissingDependency,
                                         "step 2: dropped dependency on missing step 42")));
  EXPECT_THAT(plan.subtasks(0).depends_on(), IsEmpty());
  EXPECT_THAT(plan.subtasks(1).depends_on(), ElementsAre(1));
  // One repair per dropped reference, nothing else, in the order applied.
  EXPECT_THAT(
      Kinds(repairs),
      ElementsAre(RepairKind::kDropForwardDependency, RepairKind::kDropSelfDependency,
                  RepairKind::kDropDuplicateDependency, RepairKind::kDropMissingDependency));
}

TEST(RepairPlanTest, MapsArmAliasesTyposAndUnknownArms) {
  v1::Plan plan;
  AddStep(&plan, 1, "Write the CSV parser", "Developer");
  AddStep(&plan, 2, "Deploy the parser service to staging", "wizard", {1});
  AddStep(&plan, 3, "Run the parser's tests", "exector", {2});
  AddStep(&plan, 4, "Check the result", "Judge Arm", {3});
  plan.set_rationale("r");
  const std::vector<PlanRepair> repairs = RepairAndCheck(&plan);
  EXPECT_THAT(repairs,
              Contains(IsRepair(RepairKind::kMapArm,
                                "step 1: required_arm \"Developer\" mapped to \"coder\"")));
  EXPECT_THAT(repairs, Contains(IsRepair(RepairKind::kAssignArm,
                                         "step 2: required_arm \"wizard\" is not a registered arm; "
                                         "assigned \"executor\" from the action")));
  EXPECT_THAT(repairs,
              Contains(IsRepair(RepairKind::kMapArm,
                                "step 3: required_arm \"exector\" mapped to \"executor\"")));
  EXPECT_THAT(repairs,
              Contains(IsRepair(RepairKind::kMapArm,
                                "step 4: required_arm \"Judge Arm\" mapped to \"judge\"")));
  EXPECT_EQ(plan.subtasks(0).required_arm(), "coder");
  EXPECT_EQ(plan.subtasks(1).required_arm(), "executor");
  EXPECT_EQ(plan.subtasks(3).required_arm(), "judge");
}

TEST(RepairPlanTest, ClampsCostTiersAndFillsMissingOnes) {
  v1::Plan plan = ValidPlan();
  plan.mutable_subtasks(0)->set_estimated_cost_tier(9);
  plan.mutable_subtasks(1)->set_estimated_cost_tier(-2);
  plan.mutable_subtasks(2)->set_estimated_cost_tier(0);
  const std::vector<PlanRepair> repairs = RepairAndCheck(&plan);
  EXPECT_THAT(repairs, Contains(IsRepair(RepairKind::kClampCostTier,
                                         "step 1: estimated_cost_tier 9 clamped to 5")));
  EXPECT_THAT(repairs, Contains(IsRepair(RepairKind::kClampCostTier,
                                         "step 2: estimated_cost_tier -2 clamped to 1")));
  EXPECT_THAT(repairs, Contains(IsRepair(
                           RepairKind::kFillCostTier,
                           "step 3: missing estimated_cost_tier set to the judge arm's tier 2")));
  EXPECT_EQ(plan.subtasks(0).estimated_cost_tier(), 5);
  EXPECT_EQ(plan.subtasks(1).estimated_cost_tier(), 1);
  EXPECT_EQ(plan.subtasks(2).estimated_cost_tier(), 2);
}

TEST(RepairPlanTest, FixesDurations) {
  v1::Plan plan = ValidPlan();
  plan.mutable_subtasks(0)->set_estimated_duration_seconds(0);
  plan.mutable_subtasks(1)->set_estimated_duration_seconds(100'000'000);
  const std::vector<PlanRepair> repairs = RepairAndCheck(&plan);
  EXPECT_THAT(repairs,
              Contains(IsRepair(RepairKind::kFillDuration,
                                HasSubstr("step 1: estimated_duration_seconds 0 replaced by the "
                                          "coder arm's estimate of 600 s"))));
  EXPECT_THAT(repairs,
              Contains(IsRepair(RepairKind::kClampDuration,
                                "step 2: estimated_duration_seconds 100000000 clamped to 604800")));
  EXPECT_EQ(plan.subtasks(0).estimated_duration_seconds(), 600);
}

TEST(RepairPlanTest, FillsEmptyActionsAndShortensLongOnes) {
  v1::Plan plan = ValidPlan();
  plan.mutable_subtasks(0)->set_action("   ");
  plan.mutable_subtasks(1)->set_action(absl::StrCat(std::string(400, 'a'), " tests"));
  const std::vector<PlanRepair> repairs = RepairAndCheck(&plan);
  EXPECT_THAT(repairs,
              Contains(IsRepair(RepairKind::kFillAction,
                                "step 1: empty action filled with a default for the coder arm")));
  EXPECT_THAT(repairs, Contains(IsRepair(RepairKind::kTruncateAction,
                                         "step 2: action shortened to 300 characters")));
  EXPECT_THAT(plan.subtasks(0).action(), HasSubstr("Write a CSV parser"));
  EXPECT_LE(plan.subtasks(1).action().size(), 300u);
}

TEST(RepairPlanTest, FillsTrimsAndCleansCriteria) {
  v1::Plan plan = ValidPlan();
  plan.mutable_subtasks(0)->clear_acceptance_criteria();
  v1::SubTask* second = plan.mutable_subtasks(1);
  second->clear_acceptance_criteria();
  for (const char* c : {"a", "b", "c", "d", "e", "f", "g"}) second->add_acceptance_criteria(c);
  v1::SubTask* third = plan.mutable_subtasks(2);
  third->add_acceptance_criteria(" ");
  third->add_acceptance_criteria("All criteria checked");
  const std::vector<PlanRepair> repairs = RepairAndCheck(&plan);
  EXPECT_THAT(repairs, Contains(IsRepair(RepairKind::kFillCriteria,
                                         HasSubstr("step 1: had no acceptance criteria; added"))));
  EXPECT_THAT(repairs, Contains(IsRepair(RepairKind::kTrimCriteria,
                                         "step 2: kept the first 5 of 7 acceptance criteria")));
  EXPECT_THAT(repairs,
              Contains(IsRepair(RepairKind::kDropCriteria,
                                "step 3: dropped 2 empty or duplicate acceptance criteria")));
  EXPECT_GE(plan.subtasks(0).acceptance_criteria_size(), 1);
  EXPECT_THAT(plan.subtasks(0).acceptance_criteria(0), HasSubstr("parser"));
  EXPECT_EQ(plan.subtasks(1).acceptance_criteria_size(), 5);
  EXPECT_THAT(plan.subtasks(2).acceptance_criteria(), ElementsAre("All criteria checked"));
}

TEST(RepairPlanTest, AddsTheMissingVerificationStep) {
  v1::Plan plan;
  AddStep(&plan, 1, "Write the CSV parser", "coder");
  AddStep(&plan, 2, "Write the docs for the parser", "retriever");
  AddStep(&plan, 3, "Run the parser's tests", "executor", {1});
  plan.set_rationale("r");
  const std::vector<PlanRepair> repairs = RepairAndCheck(&plan);
  EXPECT_THAT(repairs, Contains(IsRepair(RepairKind::kAddVerificationStep,
                                         "added a final judge verification step")));
  ASSERT_EQ(plan.subtasks_size(), 4);
  EXPECT_EQ(plan.subtasks(3).required_arm(), "judge");
  EXPECT_THAT(plan.subtasks(3).depends_on(), ElementsAre(2, 3));  // the ends of both branches
  EXPECT_THAT(plan.subtasks(3).action(), HasSubstr("Write a CSV parser"));
}

TEST(RepairPlanTest, VerificationStepMustComeAfterEverything) {
  v1::Plan plan;
  AddStep(&plan, 1, "Write the CSV parser", "coder");
  AddStep(&plan, 2, "Write the docs for the parser", "retriever");
  AddStep(&plan, 3, "Verify the parser", "judge", {1});
  plan.set_rationale("r");
  const std::vector<PlanRepair> repairs = RepairAndCheck(&plan);
  EXPECT_THAT(repairs,
              Contains(IsRepair(RepairKind::kExtendVerificationDependencies,
                                "step 3: the verification step now also depends on step(s) 2 "
                                "so it runs last")));
  EXPECT_THAT(plan.subtasks(2).depends_on(), ElementsAre(1, 2));
}

TEST(RepairPlanTest, AddsGuardianFirstForSensitiveRequests) {
  v1::Plan plan = ValidPlan();
  const v1::PlanRequest request = Request("Write a CSV parser for customer credit card numbers");
  const std::vector<PlanRepair> repairs = RepairAndCheck(&plan, request);
  EXPECT_THAT(repairs, Contains(IsRepair(RepairKind::kAddGuardianStep,
                                         "added a guardian step first because the request involves "
                                         "credit card numbers")));
  ASSERT_EQ(plan.subtasks_size(), 4);
  EXPECT_EQ(plan.subtasks(0).required_arm(), "guardian");
  for (int i = 1; i < 4; ++i) EXPECT_TRUE(DependsOn(plan, i, 0)) << Describe(plan);
}

TEST(RepairPlanTest, MergesPastTheMaximum) {
  v1::Plan plan;
  for (int i = 1; i <= 10; ++i) {
    AddStep(&plan, i, absl::StrCat("Write module ", i), i % 2 ? "coder" : "retriever",
            i > 1 ? std::vector<int>{i - 1} : std::vector<int>{});
  }
  AddStep(&plan, 11, "Verify all modules", "judge", {10});
  plan.set_rationale("r");
  const std::vector<PlanRepair> repairs = RepairAndCheck(&plan);
  EXPECT_EQ(plan.subtasks_size(), 7);
  EXPECT_THAT(repairs, Contains(IsRepair(RepairKind::kMergeExcessSteps,
                                         HasSubstr("to stay within 7 steps"))));
  EXPECT_EQ(plan.subtasks(6).action(), "Verify all modules");
  // Nothing was lost: every module is still named in some action.
  std::string all;
  for (const v1::SubTask& t : plan.subtasks()) absl::StrAppend(&all, t.action(), "\n");
  for (int i = 1; i <= 10; ++i) EXPECT_THAT(all, HasSubstr(absl::StrCat("module ", i)));
}

TEST(RepairPlanTest, PadsShortPlans) {
  v1::Plan plan;
  AddStep(&plan, 1, "Write the CSV parser", "coder", {}, 3, 600);
  plan.set_rationale("r");
  const std::vector<PlanRepair> repairs = RepairAndCheck(&plan);
  EXPECT_EQ(plan.subtasks_size(), 3);
  EXPECT_THAT(repairs, Contains(IsRepair(RepairKind::kPadSteps,
                                         HasSubstr("so the plan has at least 3 steps"))));
  EXPECT_THAT(repairs, Contains(IsRepair(RepairKind::kAddVerificationStep,
                                         "added a final judge verification step")));
}

TEST(RepairPlanTest, PadsAPlanThatIsOnlyAVerification) {
  v1::Plan plan;
  AddStep(&plan, 1, "Review pull request 42", "judge");
  plan.set_rationale("r");
  RepairAndCheck(&plan);
  EXPECT_EQ(plan.subtasks_size(), 3);
  EXPECT_EQ(plan.subtasks(2).action(), "Review pull request 42");
}

TEST(RepairPlanTest, FitsTheTimeLimit) {
  v1::Plan plan = ValidPlan();
  const v1::PlanRequest request = Request("Write a CSV parser", {"within 6 minutes"});
  const std::vector<PlanRepair> repairs = RepairAndCheck(&plan, request);
  EXPECT_THAT(repairs, Contains(IsRepair(RepairKind::kFitTimeLimit,
                                         HasSubstr("fits the time limit of 6 minutes"))));
  EXPECT_LE(plan.total_estimated_duration_seconds(), 360);
}

TEST(RepairPlanTest, RecomputesTotalsAndScores) {
  v1::Plan plan = ValidPlan();
  plan.set_total_estimated_duration_seconds(5);
  plan.set_confidence(7);
  plan.set_complexity_score(-3);
  const std::vector<PlanRepair> repairs = RepairAndCheck(&plan);
  EXPECT_THAT(repairs, Contains(IsRepair(
                           RepairKind::kRecomputeTotal,
                           "total_estimated_duration_seconds 5 replaced by the critical path of "
                           "840 s")));
  EXPECT_THAT(repairs, Contains(IsRepair(RepairKind::kRecomputeConfidence,
                                         HasSubstr("confidence 7 was outside 0-1"))));
  EXPECT_THAT(repairs, Contains(IsRepair(RepairKind::kRecomputeComplexity,
                                         HasSubstr("complexity_score -3 was outside 0-1"))));
  EXPECT_EQ(plan.total_estimated_duration_seconds(), 840);
}

TEST(RepairPlanTest, EveryRepairOfABadlyBrokenPlanHasItsKind) {
  v1::Plan plan;
  AddStep(&plan, 3, "Deploy it", "ops", {7, 3}, 11, -5, {});
  AddStep(&plan, 1, "Write the CSV parser", "code", {3});
  plan.set_confidence(-1);
  const std::vector<PlanRepair> repairs =
      RepairAndCheck(&plan, Request("Write a CSV parser and deploy it"));
  EXPECT_THAT(
      Kinds(repairs),
      ElementsAre(RepairKind::kRenumberSteps, RepairKind::kDropMissingDependency,
                  RepairKind::kDropSelfDependency, RepairKind::kMapArm, RepairKind::kClampCostTier,
                  RepairKind::kFillDuration, RepairKind::kFillCriteria, RepairKind::kMapArm,
                  RepairKind::kAddVerificationStep, RepairKind::kRecomputeConfidence,
                  RepairKind::kFillRationale));
}

TEST(RepairKindTest, NamesAreStableDistinctSnakeCase) {
  EXPECT_EQ(RepairKindName(RepairKind::kRenumberSteps), "renumber_steps");
  EXPECT_EQ(RepairKindName(RepairKind::kDropForwardDependency), "drop_forward_dependency");
  EXPECT_EQ(RepairKindName(RepairKind::kDropSelfDependency), "drop_self_dependency");
  EXPECT_EQ(RepairKindName(RepairKind::kDropMissingDependency), "drop_missing_dependency");
  EXPECT_EQ(RepairKindName(RepairKind::kClampCostTier), "clamp_cost_tier");
  EXPECT_EQ(RepairKindName(RepairKind::kAddVerificationStep), "add_verification_step");
  EXPECT_EQ(RepairKindName(RepairKind::kMergeExcessSteps), "merge_excess_steps");
  EXPECT_EQ(RepairKindName(RepairKind::kFillRationale), "fill_rationale");
  const std::vector<RepairKind>& all = AllRepairKinds();
  ASSERT_EQ(all.size(), 26u);
  EXPECT_EQ(all.front(), RepairKind::kRenumberSteps);
  EXPECT_EQ(all.back(), RepairKind::kFillRationale);
  std::set<std::string> names;
  for (RepairKind kind : all) {
    const std::string name(RepairKindName(kind));
    EXPECT_THAT(name, ::testing::MatchesRegex("[a-z]+(_[a-z]+)*"));
    EXPECT_NE(name, "unknown");
    EXPECT_TRUE(names.insert(name).second) << name << " is used twice";
  }
}

TEST(RepairPlanTest, FillsAnEmptyRationale) {
  v1::Plan plan = ValidPlan();
  plan.clear_rationale();
  const std::vector<PlanRepair> repairs = RepairAndCheck(&plan);
  EXPECT_THAT(repairs,
              Contains(IsRepair(RepairKind::kFillRationale,
                                "rationale was empty; filled with a summary of the plan")));
  EXPECT_THAT(plan.rationale(), HasSubstr("Write a CSV parser"));
}

TEST(RepairPlanTest, NothingToRepairFromIsAnError) {
  v1::Plan plan;
  AddStep(&plan, 1, "", "coder");
  AddStep(&plan, 2, "  ", "judge");
  absl::StatusOr<std::vector<PlanRepair>> repairs =
      RepairPlan(&plan, DefaultArmRegistry(), kRequest);
  ASSERT_FALSE(repairs.ok());
  EXPECT_EQ(repairs.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(repairs.status().message(), HasSubstr("no step has an action"));
  v1::Plan empty;
  EXPECT_FALSE(RepairPlan(&empty, DefaultArmRegistry(), kRequest).ok());
}

TEST(RepairPlanTest, RepairIsIdempotent) {
  v1::Plan plan;
  AddStep(&plan, 3, "Deploy it", "ops", {7, 3}, 11, -5, {});
  AddStep(&plan, 1, "Write the CSV parser", "code", {3});
  plan.set_confidence(-1);
  RepairAndCheck(&plan, Request("Write a CSV parser and deploy it", {"Python only"}));
  const std::string once = plan.SerializeAsString();
  absl::StatusOr<std::vector<PlanRepair>> again = RepairPlan(
      &plan, DefaultArmRegistry(), Request("Write a CSV parser and deploy it", {"Python only"}));
  ASSERT_TRUE(again.ok());
  EXPECT_THAT(*again, IsEmpty());
  EXPECT_EQ(plan.SerializeAsString(), once);
}

TEST(MetricsTest, CriticalPathFollowsTheLongestBranch) {
  v1::Plan plan;
  AddStep(&plan, 1, "a", "coder", {}, 1, 100);
  AddStep(&plan, 2, "b", "coder", {}, 1, 300);
  AddStep(&plan, 3, "c", "coder", {1}, 1, 50);
  AddStep(&plan, 4, "d", "judge", {2, 3}, 1, 10);
  EXPECT_EQ(CriticalPathSeconds(plan), 310);
  ComputePlanMetrics(&plan);
  EXPECT_EQ(plan.total_estimated_duration_seconds(), 310);
  EXPECT_GT(plan.confidence(), 0.0);
  EXPECT_LE(plan.confidence(), 0.95);
}

TEST(MetricsTest, FitToTimeLimitKeepsDurationsPositive) {
  v1::Plan plan = ValidPlan();
  EXPECT_DOUBLE_EQ(FitToTimeLimit(&plan, 100000), 1.0);
  EXPECT_LT(FitToTimeLimit(&plan, 2), 1.0);
  for (const v1::SubTask& t : plan.subtasks()) EXPECT_GE(t.estimated_duration_seconds(), 1);
}

}  // namespace
}  // namespace armature::planner

namespace armature::planner {
namespace {

// Whatever an LLM returns, repair yields a plan that passes validation (or says it cannot).
TEST(RepairPlanPropertyTest, RandomlyBrokenPlansAreAlwaysRepaired) {
  const std::vector<std::string> actions = {"Write the parser",
                                            "",
                                            "Deploy it",
                                            "Research the options",
                                            "Check the output",
                                            "Scan for leaked passwords",
                                            "   ",
                                            "Summarise the results",
                                            "Do the thing"};
  const std::vector<std::string> arms = {"coder",    "judge",     "wizard",   "Executor", "",
                                         "guardian", "retriever", "research", "planner"};
  const std::vector<v1::PlanRequest> requests = {
      Request("Write a parser and deploy it"),
      Request("Store the patients' medical records", {"within 10 minutes"}),
      Request("Summarise the report", {"Python only"})};
  std::mt19937 random(7);
  int repaired = 0;
  for (int i = 0; i < 300; ++i) {
    v1::Plan plan;
    const int steps = static_cast<int>(random() % 12);
    for (int s = 0; s < steps; ++s) {
      v1::SubTask* t = plan.add_subtasks();
      t->set_step(static_cast<int>(random() % 14) - 1);
      t->set_action(actions[random() % actions.size()]);
      t->set_required_arm(arms[random() % arms.size()]);
      for (int d = static_cast<int>(random() % 4); d > 0; --d) {
        t->add_depends_on(static_cast<int>(random() % 15) - 2);
      }
      t->set_estimated_cost_tier(static_cast<int>(random() % 12) - 3);
      t->set_estimated_duration_seconds(static_cast<int>(random() % 5000) - 100);
      for (int c = static_cast<int>(random() % 8); c > 0; --c) {
        t->add_acceptance_criteria(c % 3 ? "It works" : "");
      }
    }
    plan.set_confidence(static_cast<double>(random() % 300) / 100.0 - 1.0);
    const v1::PlanRequest& request = requests[random() % requests.size()];
    absl::StatusOr<std::vector<PlanRepair>> repairs =
        RepairPlan(&plan, DefaultArmRegistry(), request);
    if (!repairs.ok()) continue;  // no action at all: the caller moves on to the next provider
    ++repaired;
    EXPECT_THAT(ValidatePlanForRequest(plan, request, DefaultArmRegistry()), IsEmpty())
        << Describe(plan);
  }
  EXPECT_GT(repaired, 200);
}

}  // namespace
}  // namespace armature::planner
