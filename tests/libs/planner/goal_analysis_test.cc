#include "libs/planner/goal_analysis.h"

#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/libs/planner/plan_test_util.h"

namespace armature::planner {
namespace {

using ::armature::planner::testing::Request;
using ::testing::ElementsAre;
using ::testing::IsEmpty;

std::vector<std::string> Texts(const std::vector<GoalPart>& parts) {
  std::vector<std::string> out;
  for (const GoalPart& p : parts) out.push_back(p.text);
  return out;
}

TEST(SplitGoalTest, SharedObjectAcrossAndJoinedVerbs) {
  SplitSignals signals;
  const std::vector<GoalPart> parts = SplitGoal("Build and deploy a REST API", &signals);
  EXPECT_THAT(Texts(parts), ElementsAre("Build a REST API", "Deploy the REST API"));
  EXPECT_EQ(parts[0].kind, WorkKind::kCode);
  EXPECT_EQ(parts[1].kind, WorkKind::kDeploy);
  EXPECT_THAT(signals, ElementsAre("clauses joined by \"and\"/\"then\""));
}

TEST(SplitGoalTest, NounsJoinedByAndStayTogether) {
  EXPECT_THAT(Texts(SplitGoal("Write unit tests and integration tests for the parser", nullptr)),
              ElementsAre("Write unit tests and integration tests for the parser"));
  EXPECT_THAT(Texts(SplitGoal("Update the test plan and release notes", nullptr)),
              ElementsAre("Update the test plan and release notes"));
}

TEST(SplitGoalTest, ThenMarksOrderAndPronounsReferBack) {
  const std::vector<GoalPart> parts =
      SplitGoal("Write a parser for the config format, then test it", nullptr);
  ASSERT_EQ(parts.size(), 2u);
  EXPECT_EQ(parts[1].text, "Test the parser for the config format");
  EXPECT_TRUE(parts[1].after_previous);
  EXPECT_TRUE(parts[1].refers_back);
}

TEST(SplitGoalTest, AfterGerundReversesOrder) {
  const std::vector<GoalPart> parts =
      SplitGoal("Deploy the service after testing the release candidate", nullptr);
  EXPECT_THAT(Texts(parts), ElementsAre("Test the release candidate", "Deploy the service"));
  EXPECT_TRUE(parts[1].after_previous);
}

TEST(SplitGoalTest, FillersAndTimePhrasesAreRemoved) {
  EXPECT_THAT(Texts(SplitGoal("Could you please deploy the app within 20 minutes?", nullptr)),
              ElementsAre("Deploy the app"));
  EXPECT_THAT(Texts(SplitGoal("I want to write a 10 minute talk about Rust", nullptr)),
              ElementsAre("Write a 10 minute talk about Rust"));
}

TEST(SplitGoalTest, BulletsNumberedListsAndHeaders) {
  std::vector<GoalPart> parts = SplitGoal("- fix the login bug\n* update the docs", nullptr);
  EXPECT_THAT(Texts(parts), ElementsAre("Fix the login bug", "Update the docs"));
  EXPECT_FALSE(parts[1].after_previous);

  parts = SplitGoal("1. Clone the repo\n2) Build it", nullptr);
  ASSERT_EQ(parts.size(), 2u);
  EXPECT_TRUE(parts[1].after_previous);

  parts = SplitGoal("Write tests for:\n- the lexer\n- the parser", nullptr);
  EXPECT_THAT(Texts(parts), ElementsAre("Write tests for the lexer", "Write tests for the parser"));
  EXPECT_EQ(parts[0].list_group, parts[1].list_group);
  EXPECT_GE(parts[0].list_group, 0);
}

TEST(SplitGoalTest, InlineColonList) {
  EXPECT_THAT(Texts(SplitGoal("Build an app with: login, search and payments", nullptr)),
              ElementsAre("Build an app", "Implement login for the app",
                          "Implement search for the app", "Implement payments for the app"));
}

TEST(SplitGoalTest, WithTestsBecomesATestPart) {
  const std::vector<GoalPart> parts =
      SplitGoal("Implement a URL shortener with unit tests", nullptr);
  EXPECT_THAT(Texts(parts),
              ElementsAre("Implement a URL shortener", "Write tests for the URL shortener"));
  EXPECT_EQ(parts[1].kind, WorkKind::kWriteTests);
}

TEST(SplitGoalTest, ProblemStatementBecomesAFix) {
  const std::vector<GoalPart> parts = SplitGoal("The login page crashes on Safari", nullptr);
  ASSERT_EQ(parts.size(), 1u);
  EXPECT_EQ(parts[0].kind, WorkKind::kDebug);
  EXPECT_EQ(parts[0].text, "Fix the problem where the login page crashes on Safari");
}

TEST(ClassifyActionTest, RecognisesWhatEachActionNeeds) {
  EXPECT_EQ(ClassifyAction("Write a Python script that parses logs"), WorkKind::kCode);
  EXPECT_EQ(ClassifyAction("Fix the race condition in the scheduler"), WorkKind::kDebug);
  EXPECT_EQ(ClassifyAction("Find the bug in checkout"), WorkKind::kDebug);
  EXPECT_EQ(ClassifyAction("Refactor the billing module"), WorkKind::kRefactor);
  EXPECT_EQ(ClassifyAction("Add integration tests for the API"), WorkKind::kWriteTests);
  EXPECT_EQ(ClassifyAction("Run the unit tests"), WorkKind::kRunTests);
  EXPECT_EQ(ClassifyAction("Research vector databases"), WorkKind::kResearch);
  EXPECT_EQ(ClassifyAction("Summarise the findings"), WorkKind::kSummarize);
  EXPECT_EQ(ClassifyAction("Write a blog post about the launch"), WorkKind::kWriteProse);
  EXPECT_EQ(ClassifyAction("Call the Stripe API to refund the order"), WorkKind::kExecute);
  EXPECT_EQ(ClassifyAction("Set up a Kubernetes cluster"), WorkKind::kExecute);
  EXPECT_EQ(ClassifyAction("Deploy the service to production"), WorkKind::kDeploy);
  EXPECT_EQ(ClassifyAction("Analyse the survey responses"), WorkKind::kAnalyze);
  EXPECT_EQ(ClassifyAction("Redact personal data from the export"), WorkKind::kSecurity);
  EXPECT_EQ(ClassifyAction("Store the customers' credit card numbers"), WorkKind::kSecurity);
  EXPECT_EQ(ClassifyAction("Verify the backup can be restored"), WorkKind::kValidate);
  EXPECT_EQ(ClassifyAction("Plan the Q3 roadmap"), WorkKind::kPlan);
  EXPECT_EQ(ClassifyAction("Make a sandwich"), WorkKind::kUnknown);
}

TEST(SensitivityTest, FindsPersonalDataSecretsAndExploitation) {
  Sensitivity s = DetectSensitivity("Export the users' Email Addresses and phone numbers");
  EXPECT_TRUE(s.personal_data);
  EXPECT_FALSE(s.secrets);
  EXPECT_THAT(s.terms, ElementsAre("Email Addresses", "phone numbers"));

  s = DetectSensitivity("Move the API keys and passwords into Vault");
  EXPECT_TRUE(s.secrets);
  EXPECT_THAT(s.terms, ElementsAre("API keys", "passwords"));

  s = DetectSensitivity("Reproduce CVE-2021-44228 on the test box");
  EXPECT_TRUE(s.exploitation);
  EXPECT_THAT(s.terms, ElementsAre("CVE-2021-44228"));

  EXPECT_FALSE(DetectSensitivity("Write a tokenizer for the secretary app").any());
  EXPECT_FALSE(DetectSensitivity("Build a hackathon landing page").any());
}

TEST(TimeLimitTest, ParsesCommonForms) {
  EXPECT_EQ(ParseTimeLimitSeconds("finish within 30 minutes", true), 1800);
  EXPECT_EQ(ParseTimeLimitSeconds("Complete in <2 minutes", true), 120);
  EXPECT_EQ(ParseTimeLimitSeconds("in 2 hours", true), 7200);
  EXPECT_EQ(ParseTimeLimitSeconds("under 90s", true), 90);
  EXPECT_EQ(ParseTimeLimitSeconds("no more than 1.5 hours", true), 5400);
  EXPECT_EQ(ParseTimeLimitSeconds("within half an hour", true), 1800);
  EXPECT_EQ(ParseTimeLimitSeconds("deadline: 3 days", true), 259200);
  EXPECT_EQ(ParseTimeLimitSeconds("30-minute limit", false), 1800);
  // Several limits: the tightest wins.
  EXPECT_EQ(ParseTimeLimitSeconds("within 2 hours, ideally in 45 minutes", true), 2700);
  // Durations that are not limits.
  EXPECT_EQ(ParseTimeLimitSeconds("Write a 10 minute talk", true), 0);
  EXPECT_EQ(ParseTimeLimitSeconds("Fix the 5 failing tests", true), 0);
  EXPECT_EQ(ParseTimeLimitSeconds("", false), 0);
}

TEST(LanguageTest, DetectsRequestedLanguagesOnly) {
  EXPECT_THAT(DetectLanguages("Python only"), ElementsAre("Python"));
  EXPECT_THAT(DetectLanguages("use Go"), ElementsAre("Go"));
  EXPECT_THAT(DetectLanguages("written in C++ or Rust"), ElementsAre("C++", "Rust"));
  EXPECT_THAT(DetectLanguages("TypeScript"), ElementsAre("TypeScript"));
  EXPECT_THAT(DetectLanguages("do not use Java"), IsEmpty());
  EXPECT_THAT(DetectLanguages("go fast and keep it simple"), IsEmpty());
  EXPECT_THAT(DetectLanguages("no external dependencies"), IsEmpty());
}

TEST(AnalyzeGoalTest, CollectsConstraintEffectsAndContext) {
  v1::PlanRequest request =
      Request("Build a web scraper", {"Python only", "within 45 minutes", "no paid APIs"});
  (*request.mutable_context())["zone"] = "eu";
  (*request.mutable_context())["deadline"] = "30 minutes";
  const GoalAnalysis analysis = AnalyzeGoal(request);
  EXPECT_THAT(analysis.constraints.languages, ElementsAre("Python"));
  EXPECT_EQ(analysis.constraints.time_limit_seconds, 1800);  // the context's is tighter
  EXPECT_THAT(analysis.constraints.other, ElementsAre("no paid APIs"));
  EXPECT_THAT(analysis.constraints.context_keys, ElementsAre("deadline", "zone"));
  EXPECT_FALSE(analysis.sensitivity.any());
  EXPECT_EQ(analysis.summary, "Build a web scraper");
}

TEST(AnalyzeGoalTest, SummaryIsOneShortLine) {
  const GoalAnalysis analysis =
      AnalyzeGoal(Request("Please do the following:\n- write the parser\n- write the lexer"));
  EXPECT_EQ(analysis.summary, "Do the following: write the parser; write the lexer");
  const GoalAnalysis long_goal = AnalyzeGoal(Request(absl::StrCat(std::string(500, 'x'), " y")));
  EXPECT_LE(long_goal.summary.size(), 100u);
}

TEST(FormatDurationTest, PicksTheLargestWholeUnit) {
  EXPECT_EQ(FormatDuration(90), "90 seconds");
  EXPECT_EQ(FormatDuration(1800), "30 minutes");
  EXPECT_EQ(FormatDuration(7200), "2 hours");
  EXPECT_EQ(FormatDuration(86400), "1 day");
  EXPECT_EQ(FormatDuration(1), "1 second");
}

// The tokens are read case-insensitively, with "<", "≤" and '-' splitting words (the results of
// the engine before its tokenizer was rewritten).
TEST(ConstraintTest, TimeLimitTokens) {
  const std::vector<std::pair<std::string, int64_t>> triggered = {
      {"finish in 2H", 7200},      {"done \xE2\x89\xA4 2h", 7200},
      {"within <2 minutes", 120},  {"a 30-minute slot", 0},
      {"in half an hour", 1800},   {"in 1.5 hours", 5400},
      {"within 1e1 minutes", 600}, {"in an hour and a half", 3600},
      {"takes 2 M", 120},          {"in a m", 0},
      {"within 3 WEEKS", 1814400}, {"max 45min.", 2700},
      {"(within 2 days)", 172800}, {"in 0 minutes", 0},
      {"\xE2\x89\xA5 2 hours", 0},  // another character starting with the same byte
  };
  for (const auto& [text, seconds] : triggered) {
    EXPECT_EQ(ParseTimeLimitSeconds(text, true), seconds) << text;
  }
  EXPECT_EQ(ParseTimeLimitSeconds("a 30-minute slot", false), 1800);
  EXPECT_EQ(ParseTimeLimitSeconds("\xE2\x89\xA5 2 hours", false), 7200);
}

// Without a digit a limit needs a unit word, looked for sixteen characters at a time: a unit at
// every offset of those blocks is found, in either case.
TEST(ConstraintTest, UnitWordsWithoutDigitsAtEveryOffset) {
  for (size_t k = 0; k <= 40; ++k) {
    const std::string filler(k, 'x');
    EXPECT_EQ(ParseTimeLimitSeconds(filler + " within an hour", true), 3600) << k;
    EXPECT_EQ(ParseTimeLimitSeconds(filler + " within an HOUR", true), 3600) << k;
    EXPECT_EQ(ParseTimeLimitSeconds(filler + " in a Day", true), 86400) << k;
    EXPECT_EQ(ParseTimeLimitSeconds(filler + " in a week", true), 604800) << k;
    EXPECT_EQ(ParseTimeLimitSeconds(filler + " within a minute", true), 60) << k;
    EXPECT_EQ(ParseTimeLimitSeconds(filler + " in a sec", true), 1) << k;
    EXPECT_EQ(ParseTimeLimitSeconds(filler + " within a hr", true), 3600) << k;
    EXPECT_EQ(ParseTimeLimitSeconds(filler + " within an hxur", true), 0) << k;
    EXPECT_EQ(ParseTimeLimitSeconds(filler + " within an h", true), 0) << k;
    EXPECT_EQ(ParseTimeLimitSeconds("within an hour " + filler, true), 3600) << k;
    EXPECT_EQ(ParseTimeLimitSeconds("within 2 hours " + filler, true), 7200) << k;
    EXPECT_EQ(ParseTimeLimitSeconds(filler + " within 2 hours", true), 7200) << k;
  }
}

TEST(ConstraintTest, AppendDurationMatchesFormatDuration) {
  for (int64_t seconds : {1, 59, 60, 61, 90, 120, 3600, 5400, 7200, 86400, 172800, 90000}) {
    std::string out = "x ";
    AppendDuration(seconds, &out);
    EXPECT_EQ(out, "x " + FormatDuration(seconds));
  }
}

}  // namespace
}  // namespace armature::planner
