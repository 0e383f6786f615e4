#include "libs/planner/step_templates.h"

#include <algorithm>
#include <random>
#include <set>
#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "libs/planner/arm_registry.h"
#include "tests/libs/planner/plan_test_util.h"

namespace armature::planner {
namespace {

using ::testing::ElementsAre;

std::vector<StepDraft> SampleDrafts() {
  std::vector<StepDraft> drafts(3);
  drafts[0].action = "Build the parser";
  drafts[0].arm = "coder";
  drafts[0].criteria = {"The parser builds", "Tests pass"};
  drafts[0].cost_tier = 3;
  drafts[0].duration_seconds = 600;
  drafts[1].action = "Run the tests for the parser and try it on sample inputs";
  drafts[1].arm = "executor";
  drafts[1].criteria = {"The test command exits with status 0"};
  drafts[1].depends_on = {0};
  drafts[1].duration_seconds = 120;
  drafts[2].action = "Verify the result";
  drafts[2].arm = "judge";
  drafts[2].depends_on = {0, 1};
  return drafts;
}

TEST(StepTemplatesTest, MoveDraftsToPlanWritesWhatWriteDraftsToPlanWrites) {
  const std::vector<StepDraft> drafts = SampleDrafts();
  v1::Plan written;
  WriteDraftsToPlan(drafts, &written);
  std::vector<StepDraft> moved_drafts = SampleDrafts();
  v1::Plan moved;
  MoveDraftsToPlan(&moved_drafts, &moved);
  EXPECT_EQ(moved.SerializeAsString(), written.SerializeAsString());
  // The drafts keep what the engine reads afterwards.
  EXPECT_THAT(moved_drafts[2].depends_on, ElementsAre(0, 1));
  EXPECT_EQ(moved_drafts[0].duration_seconds, 600);

  // One at a time, numbered by the caller.
  std::vector<StepDraft> one_by_one = SampleDrafts();
  v1::Plan appended;
  for (size_t i = 0; i < one_by_one.size(); ++i) {
    MoveDraftToPlan(&one_by_one[i], static_cast<int>(i) + 1, &appended);
  }
  EXPECT_EQ(appended.SerializeAsString(), written.SerializeAsString());
}

// Transitive reduction the plain way: a dependency stays unless another dependency of the same
// draft depends on it, directly or not; invalid ones (not on an earlier draft) go.
std::vector<std::vector<int>> ReducedByDefinition(const std::vector<StepDraft>& drafts) {
  const size_t n = drafts.size();
  std::vector<std::set<int>> ancestors(n);
  std::vector<std::vector<int>> out(n);
  for (size_t i = 0; i < n; ++i) {
    std::set<int> direct;
    for (int dep : drafts[i].depends_on) {
      if (dep >= 0 && static_cast<size_t>(dep) < i) direct.insert(dep);
    }
    for (int dep : direct) {
      ancestors[i].insert(dep);
      ancestors[i].insert(ancestors[dep].begin(), ancestors[dep].end());
    }
    for (int dep : direct) {
      bool implied = false;
      for (int other : direct) implied = implied || (other != dep && ancestors[other].count(dep));
      if (!implied) out[i].push_back(dep);
    }
  }
  return out;
}

TEST(StepTemplatesTest, ReduceDependenciesIsTheTransitiveReduction) {
  std::mt19937 random(3);
  for (size_t n : {0, 1, 2, 3, 5, 8, 20, 64, 65, 90}) {
    for (int trial = 0; trial < 20; ++trial) {
      std::vector<StepDraft> drafts(n);
      for (size_t i = 0; i < n; ++i) {
        const int deps = static_cast<int>(random() % 4);
        for (int k = 0; k < deps; ++k) {
          // Mostly earlier drafts; sometimes invalid, repeated or later ones.
          const int dep = static_cast<int>(random() % (n + 2)) - 1;
          drafts[i].depends_on.push_back(dep);
        }
      }
      const std::vector<std::vector<int>> expected = ReducedByDefinition(drafts);
      ReduceDependencies(&drafts);
      for (size_t i = 0; i < n; ++i) {
        EXPECT_EQ(std::vector<int>(drafts[i].depends_on.begin(), drafts[i].depends_on.end()),
                  expected[i])
            << "n=" << n << " draft " << i;
      }
    }
  }
}

TEST(StepTemplatesTest, CriteriaNameTheObjectOnlyWhereTheTemplateDoes) {
  GoalAnalysis analysis;
  EXPECT_THAT(
      CriteriaFor(WorkKind::kWriteTests, "the parser", "Write tests for the parser", analysis),
      ElementsAre("Tests cover the main path and at least three edge or error cases",
                  "All new tests pass", "Line coverage of the code under test is at least 80%"));
  EXPECT_THAT(CriteriaFor(WorkKind::kDeploy, "a web app to production",
                          "Deploy a web app to production", analysis),
              ElementsAre("The web app is deployed and its health check returns success",
                          "The deployed version or commit is recorded",
                          "A rollback procedure is documented and can be run in one command"));
  analysis.constraints.languages = {"Python", "Go"};
  EXPECT_THAT(CriteriaFor(WorkKind::kCode, "a parser", "Build a parser", analysis),
              ElementsAre("The parser is implemented and builds without errors or warnings",
                          "Automated tests cover the main path and at least two edge cases of "
                          "the parser, and pass",
                          "All code is written in Python and Go only"));
}

}  // namespace
}  // namespace armature::planner
