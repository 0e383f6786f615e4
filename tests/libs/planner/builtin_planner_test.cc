#include "libs/planner/builtin_planner.h"

#include <random>
#include <set>
#include <string>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "gmock/gmock.h"
#include "google/protobuf/arena.h"
#include "gtest/gtest.h"
#include "libs/planner/arm_registry.h"
#include "libs/planner/plan_rules.h"
#include "libs/planner/request_validation.h"
#include "libs/planner/text.h"
#include "tests/libs/planner/plan_test_util.h"

namespace armature::planner {
namespace {

using ::armature::planner::testing::DependsOn;
using ::armature::planner::testing::Describe;
using ::armature::planner::testing::FindStep;
using ::armature::planner::testing::Request;
using ::testing::AllOf;
using ::testing::Contains;
using ::testing::HasSubstr;
using ::testing::Not;

// One goal and what a person would expect of its plan. Steps are named by a piece of their
// action text.
struct GoalCase {
  std::string name;
  std::string goal;
  std::vector<std::string> constraints;
  // Arms that must (and must not) appear.
  std::vector<std::string> arms;
  std::vector<std::string> absent_arms;
  // The first step is a guardian step.
  bool guardian_first = false;
  // {a, b}: the step containing b runs after the step containing a.
  std::vector<std::pair<std::string, std::string>> ordered;
  // {a, b}: neither step waits for the other.
  std::vector<std::pair<std::string, std::string>> parallel;
  // Pieces of text some action must contain (the goal's own words).
  std::vector<std::string> actions;
  // Pieces of text no action may contain.
  std::vector<std::string> absent_actions;
  // Exact number of steps (0: any of 3-7).
  int steps = 0;
};

std::string CaseName(const ::testing::TestParamInfo<GoalCase>& info) { return info.param.name; }

class BuiltinPlannerGoalTest : public ::testing::TestWithParam<GoalCase> {
 protected:
  BuiltinPlanner planner_;
};

TEST_P(BuiltinPlannerGoalTest, ProducesTheExpectedValidPlan) {
  const GoalCase& c = GetParam();
  const v1::PlanRequest request = Request(c.goal, c.constraints);
  absl::StatusOr<v1::Plan> plan = planner_.Plan(request);
  ASSERT_TRUE(plan.ok()) << plan.status();
  SCOPED_TRACE(Describe(*plan));

  // Structure every plan shares.
  EXPECT_THAT(ValidatePlanForRequest(*plan, request, DefaultArmRegistry()), ::testing::IsEmpty());
  ASSERT_GE(plan->subtasks_size(), 3);
  ASSERT_LE(plan->subtasks_size(), 7);
  if (c.steps > 0) {
    EXPECT_EQ(plan->subtasks_size(), c.steps);
  }
  EXPECT_EQ(plan->backend(), "builtin");
  EXPECT_EQ(plan->subtasks().rbegin()->required_arm(), "judge");
  EXPECT_FALSE(plan->rationale().empty());
  EXPECT_GT(plan->confidence(), 0.0);
  EXPECT_LE(plan->confidence(), 1.0);
  EXPECT_GE(plan->complexity_score(), 0.0);
  EXPECT_LE(plan->complexity_score(), 1.0);
  EXPECT_EQ(plan->total_estimated_duration_seconds(), CriticalPathSeconds(*plan));
  // Actions are in the goal's own words: each shares a content word with the goal.
  const std::vector<std::string> goal_words = ContentStems(c.goal);
  for (const v1::SubTask& t : plan->subtasks()) {
    bool shares = false;
    for (const std::string& w : ContentStems(t.action())) {
      if (std::find(goal_words.begin(), goal_words.end(), w) != goal_words.end()) shares = true;
    }
    EXPECT_TRUE(shares) << "step " << t.step() << " \"" << t.action()
                        << "\" shares no word with the goal";
    EXPECT_GE(t.acceptance_criteria_size(), 1);
    EXPECT_LE(t.acceptance_criteria_size(), 5);
    // Estimates follow the registry: the arm's tier, durations near its default.
    const ArmSpec* arm = DefaultArmRegistry().Find(t.required_arm());
    ASSERT_NE(arm, nullptr);
    EXPECT_EQ(t.estimated_cost_tier(), arm->cost_tier) << t.action();
  }

  std::set<std::string> arms;
  for (const v1::SubTask& t : plan->subtasks()) arms.insert(t.required_arm());
  for (const std::string& arm : c.arms) EXPECT_TRUE(arms.count(arm)) << "missing arm " << arm;
  for (const std::string& arm : c.absent_arms) EXPECT_FALSE(arms.count(arm)) << "arm " << arm;
  if (c.guardian_first) {
    EXPECT_EQ(plan->subtasks(0).required_arm(), "guardian");
  } else {
    EXPECT_NE(plan->subtasks(0).required_arm(), "guardian");
  }
  for (const auto& [a, b] : c.ordered) {
    const int ia = FindStep(*plan, a);
    const int ib = FindStep(*plan, b);
    ASSERT_GE(ia, 0) << "no step with \"" << a << "\"";
    ASSERT_GE(ib, 0) << "no step with \"" << b << "\"";
    EXPECT_TRUE(DependsOn(*plan, ib, ia)) << "\"" << b << "\" should wait for \"" << a << "\"";
  }
  for (const auto& [a, b] : c.parallel) {
    const int ia = FindStep(*plan, a);
    const int ib = FindStep(*plan, b);
    ASSERT_GE(ia, 0) << "no step with \"" << a << "\"";
    ASSERT_GE(ib, 0) << "no step with \"" << b << "\"";
    EXPECT_NE(ia, ib);
    EXPECT_FALSE(DependsOn(*plan, ib, ia) || DependsOn(*plan, ia, ib))
        << "\"" << a << "\" and \"" << b << "\" should be independent";
  }
  for (const std::string& text : c.actions) {
    EXPECT_GE(FindStep(*plan, text), 0) << "no action mentions \"" << text << "\"";
  }
  for (const std::string& text : c.absent_actions) {
    EXPECT_EQ(FindStep(*plan, text), -1) << "an action mentions \"" << text << "\"";
  }
}

INSTANTIATE_TEST_SUITE_P(
    Goals, BuiltinPlannerGoalTest,
    ::testing::Values(
        GoalCase{.name = "BuildAndDeployRestApiWithTests",
                 .goal = "Build and deploy a REST API with tests",
                 .arms = {"coder", "executor", "judge"},
                 .ordered = {{"Build a REST API", "Write tests for the REST API"},
                             {"Write tests", "Deploy the REST API"}},
                 .steps = 4},
        GoalCase{.name = "SingleCodingTask",
                 .goal = "Write a Python function to sort a list",
                 .arms = {"coder", "executor"},
                 .ordered = {{"Write a Python function", "Run the tests"}},
                 .steps = 3},
        GoalCase{.name = "DebugThenTests",
                 .goal = "Debug authentication issue and add tests",
                 .arms = {"coder"},
                 .ordered = {{"Debug authentication issue", "Add tests"}},
                 .actions = {"tests for the authentication issue"}},
        GoalCase{.name = "IndependentCodeAndResearch",
                 .goal = "Write a Python script that parses nginx logs and research vector "
                         "databases for semantic search",
                 .arms = {"coder", "retriever"},
                 .parallel = {{"parses nginx logs", "Research vector databases"}},
                 .steps = 3},
        GoalCase{.name = "OneWordGoal",
                 .goal = "Fibonacci",
                 .arms = {"retriever", "planner"},
                 .ordered = {{"Find out what", "Define the scope"}},
                 .actions = {"Fibonacci"},
                 .steps = 3},
        GoalCase{.name = "SingleResearchTask",
                 .goal = "Research the history of the Rust programming language",
                 .arms = {"retriever"},
                 .absent_arms = {"coder", "guardian"},
                 .ordered = {{"Research the history", "Summarise the findings"}}},
        GoalCase{.name = "PersonalDataScrapeThenStore",
                 .goal = "Scrape user profiles including email addresses and phone numbers, "
                         "then store them in Postgres",
                 .arms = {"guardian", "coder", "executor"},
                 .guardian_first = true,
                 .ordered = {{"email addresses and phone numbers involved", "Scrape user"},
                             {"Scrape user profiles", "Store"}},
                 .actions = {"in Postgres"}},
        GoalCase{.name = "AnalysisFeedsDashboard",
                 .goal = "Analyze last quarter's sales data and build a dashboard of revenue "
                         "trends",
                 .arms = {"coder"},
                 .ordered = {{"Analyze last quarter's sales data", "Build a dashboard"}}},
        GoalCase{.name = "TwoIndependentSentences",
                 .goal = "Set up CI for the repo. Write a blog post about our launch.",
                 .arms = {"executor", "retriever"},
                 .parallel = {{"Set up CI", "Write a blog post"}},
                 .steps = 3},
        GoalCase{.name = "CommandSequence",
                 .goal = "Clone the repo, install dependencies, run the tests, and report "
                         "failures.",
                 .arms = {"executor"},
                 .ordered = {{"Clone the repo", "Install dependencies"},
                             {"Install dependencies", "Run the tests"},
                             {"Run the tests", "Report failures"}},
                 .steps = 5},
        GoalCase{.name = "SingleRefactor",
                 .goal = "Refactor the payment module",
                 .arms = {"coder", "executor"},
                 .ordered = {{"passing baseline", "Refactor the payment module"}}},
        GoalCase{.name = "FindFixThenRelease",
                 .goal = "Find and fix the memory leak in the image cache, then release a patch",
                 .arms = {"coder", "executor"},
                 .ordered = {{"Find and fix the memory leak", "Release a patch"}}},
        GoalCase{.name = "ExploitNeedsGuardianFirst",
                 .goal = "Write an exploit for CVE-2024-3094 and test it against our staging "
                         "server",
                 .arms = {"guardian", "coder", "executor"},
                 .guardian_first = true,
                 .ordered = {{"Write an exploit", "against our staging server"}},
                 .actions = {"CVE-2024-3094"}},
        GoalCase{.name = "SecretsRotation",
                 .goal = "Rotate the API keys used by the billing service and update the "
                         "deployment secrets",
                 .arms = {"guardian"},
                 .guardian_first = true,
                 .ordered = {{"Rotate the API keys", "Update the deployment secrets"}}},
        GoalCase{.name = "DeployWithinTimeLimit",
                 .goal = "Deploy the web app to production within 30 minutes",
                 .arms = {"executor"},
                 .actions = {"Deploy the web app to production"},
                 .absent_actions = {"30 minutes"}},
        GoalCase{.name = "BulletedTasksStayParallel",
                 .goal = "Tasks:\n- fix the login bug\n- update the README\n- add a dark mode "
                         "toggle",
                 .arms = {"coder", "retriever"},
                 .parallel = {{"Fix the login bug", "Update the README"},
                              {"Fix the login bug", "dark mode toggle"},
                              {"Update the README", "dark mode toggle"}},
                 .steps = 4},
        GoalCase{.name = "FeatureListUnderHeader",
                 .goal = "Build a website with:\n- login\n- search\n- payments",
                 .arms = {"coder"},
                 .ordered = {{"Build a website", "Implement login"},
                             {"Build a website", "Implement payments"}},
                 .parallel = {{"Implement login", "Implement search"},
                              {"Implement search", "Implement payments"}},
                 .steps = 5},
        GoalCase{.name = "ResearchTopicsUnderHeader",
                 .goal = "Research the following topics:\n- pricing models\n- competitor "
                         "features",
                 .arms = {"retriever"},
                 .parallel = {{"Research pricing models", "Research competitor features"}}},
        GoalCase{.name = "ReviewClosesWithJudge",
                 .goal = "Review pull request 42",
                 .arms = {"retriever", "planner", "judge"},
                 .actions = {"Review pull request 42"},
                 .steps = 3},
        GoalCase{.name = "OneWordVerb",
                 .goal = "Optimize",
                 .arms = {"retriever", "coder"},
                 .ordered = {{"Find out what", "Optimize"}},
                 .steps = 3},
        GoalCase{.name = "PlanThenBook",
                 .goal = "Plan a team offsite in Lisbon for 20 people and book the venue",
                 .arms = {"planner", "executor"},
                 .ordered = {{"Plan a team offsite", "Book the venue"}}},
        GoalCase{.name = "MigrationVerifiedBeforeSwitch",
                 .goal = "Migrate the user database from MySQL to PostgreSQL, verify row counts "
                         "and switch traffic",
                 .arms = {"executor", "judge"},
                 .ordered = {{"Migrate the user database", "Verify row counts"},
                             {"Verify row counts", "Switch traffic"}}},
        GoalCase{.name = "TrainThenReport",
                 .goal = "Train a churn prediction model on the customer dataset and report "
                         "accuracy",
                 .arms = {"coder", "retriever"},
                 .ordered = {{"Train a churn prediction model", "Report accuracy"}}},
        GoalCase{.name = "WriteUnitTests",
                 .goal = "Write unit tests for the tokenizer",
                 .arms = {"coder", "executor"},
                 .ordered = {{"Write unit tests", "Run the unit tests"}}},
        GoalCase{.name = "Translation",
                 .goal = "Translate the documentation into Spanish",
                 .arms = {"retriever"},
                 .absent_arms = {"coder"},
                 .actions = {"Translate the documentation into Spanish"}},
        GoalCase{.name = "InvestigateAndFixIt",
                 .goal = "Investigate why the nightly build fails and fix it",
                 .arms = {"coder", "executor"},
                 .ordered = {{"Reproduce", "Investigate why the nightly build fails and fix it"}},
                 .steps = 3},
        GoalCase{.name = "LongPipelineMergesToSeven",
                 .goal = "Write a data pipeline that ingests CSV files, cleans the data, "
                         "computes daily aggregates, stores them in Postgres, builds a dashboard, "
                         "sets up alerting, writes documentation, adds integration tests, and "
                         "deploys to Kubernetes",
                 .arms = {"coder", "executor", "retriever"},
                 .ordered = {{"Write a data pipeline", "Deploy to Kubernetes"}},
                 .actions = {"Store daily aggregates in Postgres", "Write documentation"},
                 .steps = 7},
        GoalCase{.name = "OverviewThenFirstSteps",
                 .goal = "I want to set up a home media server. First, research hardware "
                         "options. Then install Ubuntu on it, configure Jellyfin, and set up "
                         "remote access. Finally, back up the configuration.",
                 .arms = {"retriever", "executor"},
                 .ordered = {{"Research hardware options", "Install Ubuntu"},
                             {"Install Ubuntu", "Configure Jellyfin"},
                             {"Configure Jellyfin", "Set up remote access"},
                             {"Set up remote access", "Back up the configuration"}},
                 .absent_actions = {"Set up a home media server"}},
        GoalCase{.name = "AnonymizePatientRecords",
                 .goal = "Anonymize the patient records in the analytics warehouse and run a "
                         "GDPR compliance check",
                 .arms = {"guardian"},
                 .guardian_first = true,
                 .ordered = {{"Anonymize the patient records", "GDPR compliance check"}}},
        GoalCase{.name = "LeakedPasswords",
                 .goal = "Check the logs for leaked passwords",
                 .arms = {"guardian"},
                 .guardian_first = true},
        GoalCase{.name = "NumberedStepsRunInOrder",
                 .goal = "1. Clone the repository\n2. Build the Docker image\n3. Push it to the "
                         "registry\n4. Deploy to staging",
                 .arms = {"executor"},
                 .ordered = {{"Clone the repository", "Build the Docker image"},
                             {"Build the Docker image", "Push the Docker image"},
                             {"Push the Docker image", "Deploy to staging"}},
                 .steps = 5},
        GoalCase{.name = "PoliteRequestWriteThenPublish",
                 .goal = "Can you please help me write a blog post about Kubernetes autoscaling "
                         "and then publish it on our website?",
                 .arms = {"retriever", "executor"},
                 .ordered = {{"Write a blog post", "Publish the blog post"}},
                 .absent_actions = {"Can you", "please"}},
        GoalCase{.name = "CompareThenRecommend",
                 .goal = "Compare PostgreSQL and MongoDB for our analytics workload and "
                         "recommend one",
                 .arms = {"retriever", "planner"},
                 .ordered = {{"Compare PostgreSQL and MongoDB", "Recommend one"}}},
        GoalCase{.name = "ThreeUnrelatedSentences",
                 .goal = "Write a README for the CLI. Provision a Kubernetes cluster on AWS. "
                         "Analyse the survey results.",
                 .arms = {"retriever", "executor", "coder"},
                 .parallel = {{"Write a README", "Provision a Kubernetes cluster"},
                              {"Provision a Kubernetes cluster", "Analyse the survey results"},
                              {"Write a README", "Analyse the survey results"}},
                 .steps = 4},
        GoalCase{.name = "SecurityAudit",
                 .goal = "Audit our AWS IAM policies for privilege escalation paths",
                 .arms = {"guardian"},
                 .guardian_first = true,
                 .actions = {"IAM policies"}},
        GoalCase{.name = "SemicolonSeparatedReleaseWork",
                 .goal = "Draft the release notes; update the changelog; announce the release "
                         "on Slack",
                 .arms = {"retriever"},
                 .actions = {"Draft the release notes", "Update the changelog",
                             "Announce the release on Slack"}}),
    CaseName);

TEST(BuiltinPlannerTest, SameRequestSamePlanByteForByte) {
  v1::PlanRequest request =
      Request("Build and deploy a REST API with tests", {"Python only", "finish within 2 hours"});
  (*request.mutable_context())["repo"] = "github.com/acme/api";
  (*request.mutable_context())["team"] = "payments";
  BuiltinPlanner a;
  BuiltinPlanner b;
  absl::StatusOr<v1::Plan> first = a.Plan(request);
  absl::StatusOr<v1::Plan> second = a.Plan(request);
  absl::StatusOr<v1::Plan> other_instance = b.Plan(request);
  ASSERT_TRUE(first.ok() && second.ok() && other_instance.ok());
  EXPECT_EQ(first->SerializeAsString(), second->SerializeAsString());
  EXPECT_EQ(first->SerializeAsString(), other_instance->SerializeAsString());
  // Context inserted in another order is the same request.
  v1::PlanRequest reordered = Request(request.goal(), {"Python only", "finish within 2 hours"});
  (*reordered.mutable_context())["team"] = "payments";
  (*reordered.mutable_context())["repo"] = "github.com/acme/api";
  absl::StatusOr<v1::Plan> third = b.Plan(reordered);
  ASSERT_TRUE(third.ok());
  EXPECT_EQ(first->SerializeAsString(), third->SerializeAsString());
}

TEST(BuiltinPlannerTest, RejectsInvalidRequestNamingTheField) {
  BuiltinPlanner planner;
  absl::StatusOr<v1::Plan> plan = planner.Plan(Request("   "));
  ASSERT_FALSE(plan.ok());
  EXPECT_EQ(plan.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(plan.status().message(), HasSubstr("goal"));
  std::vector<std::string> many(21, "be quick");
  plan = planner.Plan(Request("Write a parser", many));
  ASSERT_FALSE(plan.ok());
  EXPECT_THAT(plan.status().message(), HasSubstr("constraints"));
}

TEST(BuiltinPlannerTest, TimeLimitScalesEstimatesAndIsStated) {
  BuiltinPlanner planner;
  const std::string goal = "Build and deploy a REST API with tests";
  absl::StatusOr<v1::Plan> free = planner.Plan(Request(goal));
  absl::StatusOr<v1::Plan> limited = planner.Plan(Request(goal, {"finish within 10 minutes"}));
  ASSERT_TRUE(free.ok() && limited.ok());
  ASSERT_GT(free->total_estimated_duration_seconds(), 600);
  EXPECT_LE(limited->total_estimated_duration_seconds(), 600);
  ASSERT_EQ(free->subtasks_size(), limited->subtasks_size());
  for (int i = 0; i < free->subtasks_size(); ++i) {
    EXPECT_LT(limited->subtasks(i).estimated_duration_seconds(),
              free->subtasks(i).estimated_duration_seconds());
    EXPECT_GE(limited->subtasks(i).estimated_duration_seconds(), 1);
  }
  EXPECT_THAT(limited->rationale(), HasSubstr("10 minutes"));
  EXPECT_THAT(limited->warnings(), Contains(HasSubstr("10 minutes")));
  EXPECT_THAT(limited->subtasks().rbegin()->acceptance_criteria(),
              Contains(HasSubstr("within 10 minutes")));
}

TEST(BuiltinPlannerTest, TimeLimitInTheGoalCountsToo) {
  BuiltinPlanner planner;
  absl::StatusOr<v1::Plan> plan =
      planner.Plan(Request("Fix the flaky checkout test in under 5 minutes"));
  ASSERT_TRUE(plan.ok());
  EXPECT_LE(plan->total_estimated_duration_seconds(), 300);
  EXPECT_THAT(plan->rationale(), HasSubstr("5 minutes"));
}

TEST(BuiltinPlannerTest, GenerousTimeLimitKeepsEstimatesAndSaysItFits) {
  BuiltinPlanner planner;
  const std::string goal = "Write a Python function to sort a list";
  absl::StatusOr<v1::Plan> free = planner.Plan(Request(goal));
  absl::StatusOr<v1::Plan> limited = planner.Plan(Request(goal, {"in 2 hours"}));
  ASSERT_TRUE(free.ok() && limited.ok());
  EXPECT_EQ(free->total_estimated_duration_seconds(), limited->total_estimated_duration_seconds());
  EXPECT_THAT(limited->rationale(), HasSubstr("fits the time limit of 2 hours"));
  EXPECT_THAT(limited->warnings(), Not(Contains(HasSubstr("scaled"))));
}

TEST(BuiltinPlannerTest, LanguageConstraintReachesCoderActionsAndCriteria) {
  BuiltinPlanner planner;
  absl::StatusOr<v1::Plan> plan =
      planner.Plan(Request("Build a CSV parser and deploy it to staging", {"Python only"}));
  ASSERT_TRUE(plan.ok());
  SCOPED_TRACE(Describe(*plan));
  int coder_steps = 0;
  for (const v1::SubTask& t : plan->subtasks()) {
    if (t.required_arm() == "coder") {
      ++coder_steps;
      EXPECT_THAT(t.action(), HasSubstr("Python"));
      EXPECT_THAT(t.acceptance_criteria(), Contains(HasSubstr("Python only")));
    }
    if (t.required_arm() == "executor") {
      EXPECT_THAT(t.action(), Not(HasSubstr("Python")));
    }
  }
  EXPECT_GE(coder_steps, 1);
  EXPECT_THAT(plan->rationale(), HasSubstr("Python only"));
}

TEST(BuiltinPlannerTest, ConflictingLanguageIsWarned) {
  BuiltinPlanner planner;
  absl::StatusOr<v1::Plan> plan =
      planner.Plan(Request("Build a CLI tool in Go that syncs S3 buckets", {"Python only"}));
  ASSERT_TRUE(plan.ok());
  EXPECT_THAT(plan->warnings(), Contains(AllOf(HasSubstr("Go"), HasSubstr("Python"))));
}

TEST(BuiltinPlannerTest, LanguageFromContext) {
  BuiltinPlanner planner;
  v1::PlanRequest request = Request("Implement a rate limiter for the gateway");
  (*request.mutable_context())["language"] = "Rust";
  absl::StatusOr<v1::Plan> plan = planner.Plan(request);
  ASSERT_TRUE(plan.ok());
  EXPECT_THAT(plan->subtasks(0).action(), HasSubstr("in Rust"));
  EXPECT_THAT(plan->rationale(), HasSubstr("language"));
}

TEST(BuiltinPlannerTest, OtherConstraintsAreCheckedByTheJudge) {
  BuiltinPlanner planner;
  absl::StatusOr<v1::Plan> plan =
      planner.Plan(Request("Write a markdown to HTML converter", {"no external dependencies"}));
  ASSERT_TRUE(plan.ok());
  EXPECT_THAT(plan->subtasks().rbegin()->acceptance_criteria(),
              Contains(HasSubstr("no external dependencies")));
  EXPECT_THAT(plan->rationale(), HasSubstr("no external dependencies"));
}

TEST(BuiltinPlannerTest, ManyPartsMergeToAtMostSevenSteps) {
  std::string goal;
  const std::vector<std::string> tasks = {
      "Write the parser",       "Research caching strategies",   "Deploy the billing service",
      "Analyse the churn data", "Draft the launch email",        "Refactor the auth module",
      "Set up the CI pipeline", "Fix the flaky upload test",     "Plan the Q3 roadmap",
      "Benchmark the database", "Translate the FAQ into German", "Install Grafana on staging"};
  for (int round = 0; round < 4; ++round) {
    for (const std::string& t : tasks) absl::StrAppend(&goal, t, " number ", round, ". ");
  }
  BuiltinPlanner planner;
  const v1::PlanRequest request = Request(goal);
  absl::StatusOr<v1::Plan> plan = planner.Plan(request);
  ASSERT_TRUE(plan.ok());
  EXPECT_EQ(plan->subtasks_size(), 7);
  EXPECT_THAT(ValidatePlanForRequest(*plan, request, DefaultArmRegistry()), ::testing::IsEmpty());
  EXPECT_THAT(plan->warnings(), Contains(HasSubstr("merged")));
  EXPECT_THAT(plan->rationale(), HasSubstr("merged"));
}

TEST(BuiltinPlannerTest, LongestAllowedGoalStillPlans) {
  std::string goal;
  while (Utf8Length(goal) < 9900) goal += "Investigate the slow résumé upload and fix it. ";
  goal = goal.substr(0, 9990);
  BuiltinPlanner planner;
  const v1::PlanRequest request = Request(goal);
  absl::StatusOr<v1::Plan> plan = planner.Plan(request);
  ASSERT_TRUE(plan.ok()) << plan.status();
  EXPECT_THAT(ValidatePlanForRequest(*plan, request, DefaultArmRegistry()), ::testing::IsEmpty());
  for (const v1::SubTask& t : plan->subtasks()) EXPECT_LE(Utf8Length(t.action()), 300u);
}

TEST(BuiltinPlannerTest, VagueGoalsHaveLowerConfidenceThanClearOnes) {
  BuiltinPlanner planner;
  absl::StatusOr<v1::Plan> vague = planner.Plan(Request("stuff"));
  absl::StatusOr<v1::Plan> clear = planner.Plan(Request("Write a Python function to sort a list"));
  ASSERT_TRUE(vague.ok() && clear.ok());
  EXPECT_LT(vague->confidence(), clear->confidence());
  EXPECT_THAT(vague->warnings(), Contains(HasSubstr("too short")));
}

TEST(BuiltinPlannerTest, ComplexityGrowsWithTheGoal) {
  BuiltinPlanner planner;
  absl::StatusOr<v1::Plan> small = planner.Plan(Request("Summarize the attached paper"));
  absl::StatusOr<v1::Plan> large = planner.Plan(Request(
      "Scrape competitor prices, analyse the price trends, build a pricing API, write tests for "
      "it and deploy it to production"));
  ASSERT_TRUE(small.ok() && large.ok());
  EXPECT_LT(small->complexity_score(), large->complexity_score());
  EXPECT_LT(small->total_estimated_duration_seconds(), large->total_estimated_duration_seconds());
}

TEST(BuiltinPlannerTest, EstimatesFollowTheRegistry) {
  std::vector<ArmSpec> arms = DefaultArmRegistry().arms();
  for (ArmSpec& arm : arms) {
    if (arm.id == "coder") {
      arm.cost_tier = 5;
      arm.default_duration_seconds = 3000;
    }
  }
  absl::StatusOr<ArmRegistry> registry = ArmRegistry::Create(arms);
  ASSERT_TRUE(registry.ok());
  BuiltinPlanner custom(*registry);
  BuiltinPlanner standard;
  const v1::PlanRequest request = Request("Implement a rate limiter for the gateway");
  absl::StatusOr<v1::Plan> a = custom.Plan(request);
  absl::StatusOr<v1::Plan> b = standard.Plan(request);
  ASSERT_TRUE(a.ok() && b.ok());
  const int coder_a = FindStep(*a, "Implement a rate limiter");
  const int coder_b = FindStep(*b, "Implement a rate limiter");
  ASSERT_GE(coder_a, 0);
  ASSERT_GE(coder_b, 0);
  EXPECT_EQ(a->subtasks(coder_a).estimated_cost_tier(), 5);
  EXPECT_EQ(a->subtasks(coder_a).estimated_duration_seconds(),
            5 * b->subtasks(coder_b).estimated_duration_seconds());
}

TEST(BuiltinPlannerTest, ContextKeysAreMentionedInTheRationale) {
  BuiltinPlanner planner;
  v1::PlanRequest request = Request("Fix the login bug");
  (*request.mutable_context())["service"] = "auth";
  (*request.mutable_context())["environment"] = "staging";
  absl::StatusOr<v1::Plan> plan = planner.Plan(request);
  ASSERT_TRUE(plan.ok());
  EXPECT_THAT(plan->rationale(), HasSubstr("Context considered: environment, service."));
}

// PlanValidRequest(request, plan) builds straight into a message on an arena; the result is the
// plan the heap form returns, byte for byte.
TEST(BuiltinPlannerTest, PlanValidRequestIntoAnArenaMessageEqualsTheHeapPlan) {
  BuiltinPlanner planner;
  std::vector<v1::PlanRequest> requests = {
      Request("Build and deploy a REST API with tests", {"Python only", "finish within 2 hours"}),
      Request("Research the top three open-source rate limiters, then benchmark them against our "
              "traffic logs and write a Go implementation of the best one. Make sure customer "
              "emails in the logs are redacted, deploy the limiter to staging, and report p99 "
              "latency before and after.",
              {"Python only", "finish within 2 hours"}),
      Request("Fibonacci"),
      Request("Tasks:\n- fix the login bug\n- update the README\n- add a dark mode toggle"),
      Request("Write an exploit for CVE-2024-3094 and test it against our staging server",
              {"keep it simple", "under 90 seconds"}),
      Request("Write a data pipeline that ingests CSV files, cleans the data, computes daily "
              "aggregates, stores them in Postgres, builds a dashboard, sets up alerting, writes "
              "documentation, adds integration tests, and deploys to Kubernetes",
              {"within a day"}),
  };
  v1::PlanRequest with_context = Request("Write a CSV parser and deploy it");
  testing::SetContext(&with_context, "lang", "go");
  testing::SetContext(&with_context, "deadline_minutes", "45");
  requests.push_back(with_context);
  for (const v1::PlanRequest& request : requests) {
    ASSERT_TRUE(ValidatePlanRequest(request, PlanLimits()).ok()) << request.goal();
    const std::string heap = planner.PlanValidRequest(request).SerializeAsString();
    google::protobuf::Arena arena;
    v1::Plan* plan = google::protobuf::Arena::CreateMessage<v1::Plan>(&arena);
    planner.PlanValidRequest(request, plan);
    EXPECT_EQ(plan->GetArena(), &arena);
    EXPECT_EQ(plan->SerializeAsString(), heap) << request.goal();
    // The heap form into a message of its own, too.
    v1::Plan on_heap;
    planner.PlanValidRequest(request, &on_heap);
    EXPECT_EQ(on_heap.SerializeAsString(), heap) << request.goal();
  }
}

}  // namespace
}  // namespace armature::planner

namespace armature::planner {
namespace {

// Any text a user types yields a valid plan: goals assembled from a vocabulary of verbs, nouns,
// connectives, list markers, punctuation, sensitive words and non-ASCII text.
TEST(BuiltinPlannerPropertyTest, GeneratedGoalsAlwaysGiveValidPlans) {
  const std::vector<std::string> vocabulary = {"write",
                                               "build",
                                               "deploy",
                                               "test",
                                               "fix",
                                               "and",
                                               "then",
                                               "research",
                                               "analyse",
                                               "the",
                                               "a",
                                               "data",
                                               "API",
                                               "service",
                                               "PII",
                                               "passwords",
                                               ",",
                                               ".",
                                               ";",
                                               ":",
                                               "\n- ",
                                               "\n1. ",
                                               "it",
                                               "them",
                                               "with tests",
                                               "in Python",
                                               "within 5 minutes",
                                               "find",
                                               "run",
                                               "set up",
                                               "plan",
                                               "review",
                                               "verify",
                                               "secrets",
                                               "\xF0\x9F\x9A\x80",
                                               "\xE6\x97\xA5\xE6\x9C\xAC",
                                               "r\xC3\xA9sum\xC3\xA9",
                                               "\"",
                                               "(",
                                               ")",
                                               "users",
                                               "email addresses",
                                               "exploit",
                                               "CVE-2024-1",
                                               "kubernetes",
                                               "report",
                                               "summarize",
                                               "draft",
                                               "publish",
                                               "login",
                                               "bug",
                                               "crash",
                                               "after testing",
                                               "followed by",
                                               "First,"};
  std::mt19937 random(20240611);
  BuiltinPlanner planner;
  for (int i = 0; i < 400; ++i) {
    std::string goal;
    const int words = 1 + static_cast<int>(random() % 40);
    for (int w = 0; w < words; ++w) {
      absl::StrAppend(&goal, w == 0 ? "" : " ", vocabulary[random() % vocabulary.size()]);
    }
    std::vector<std::string> constraints;
    if (random() % 3 == 0) constraints.push_back("Python only");
    if (random() % 4 == 0) constraints.push_back("finish in 2 minutes");
    const v1::PlanRequest request = Request(goal, constraints);
    absl::StatusOr<v1::Plan> plan = planner.Plan(request);
    if (absl::StripAsciiWhitespace(goal).empty()) {
      EXPECT_FALSE(plan.ok());
      continue;
    }
    ASSERT_TRUE(plan.ok()) << goal << ": " << plan.status();
    EXPECT_THAT(ValidatePlanForRequest(*plan, request, DefaultArmRegistry()), ::testing::IsEmpty())
        << "goal: " << goal << "\n"
        << Describe(*plan);
  }
}

}  // namespace
}  // namespace armature::planner
