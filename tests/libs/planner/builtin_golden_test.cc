// Byte-for-byte regression test of the built-in engines: a corpus of goals (with constraints
// and context), the repair of a damaged copy of each plan, and scene prompts, compared with
// testdata/builtin_golden.txt. The golden file records what the engines produced before they
// were optimised; any change to an output, however small, fails here.
//
// After an intended change of the engines' output, regenerate the file with
//   ARMATURE_UPDATE_GOLDEN=1 planner_test --gtest_filter='BuiltinGoldenTest.*'
// and review the diff.
#include <cstdlib>
#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "google/protobuf/text_format.h"
#include "gtest/gtest.h"
#include "libs/planner/arm_registry.h"
#include "libs/planner/builtin_planner.h"
#include "libs/planner/plan_rules.h"
#include "libs/planner/scene_planner.h"

namespace armature::planner {
namespace {

struct GoalInput {
  std::string goal;
  std::vector<std::string> constraints;
  std::vector<std::pair<std::string, std::string>> context;
};

const std::vector<GoalInput>& Goals() {
  static const auto* goals = new std::vector<GoalInput>{
      {"Build and deploy a REST API with tests", {"Python only", "finish within 2 hours"}, {}},
      {"Build and deploy a REST API with tests", {}, {}},
      {"Build and deploy a REST API with tests",
       {"finish within 10 minutes"},
       {{"repo", "github.com/acme/api"}, {"team", "payments"}}},
      {"Research the top three open-source rate limiters, then benchmark them against our "
       "traffic logs and write a Go implementation of the best one. Make sure customer emails in "
       "the logs are redacted, deploy the limiter to staging, and report p99 latency before and "
       "after.",
       {"Python only", "finish within 2 hours"},
       {}},
      {"Write a Python function to sort a list", {"in 2 hours"}, {}},
      {"Debug authentication issue and add tests", {"use Go"}, {}},
      {"Write a Python script that parses nginx logs and research vector databases for semantic "
       "search",
       {"no Java", "keep it simple"},
       {}},
      {"Fibonacci", {}, {}},
      {"Optimize", {"< 5 minutes"}, {}},
      {"Help", {}, {{"language", "Rust"}}},
      {"Research the history of the Rust programming language", {}, {}},
      {"Scrape user profiles including email addresses and phone numbers, then store them in "
       "Postgres",
       {"TypeScript"},
       {}},
      {"Analyze last quarter's sales data and build a dashboard of revenue trends", {}, {}},
      {"Set up CI for the repo. Write a blog post about our launch.", {}, {}},
      {"Clone the repo, install dependencies, run the tests, and report failures.", {}, {}},
      {"Refactor the payment module", {"C++ and Rust"}, {}},
      {"Find and fix the memory leak in the image cache, then release a patch", {}, {}},
      {"Write an exploit for CVE-2024-3094 and test it against our staging server", {}, {}},
      {"Rotate the API keys used by the billing service and update the deployment secrets", {}, {}},
      {"Deploy the web app to production within 30 minutes", {}, {}},
      {"Tasks:\n- fix the login bug\n- update the README\n- add a dark mode toggle", {}, {}},
      {"Build a website with:\n- login\n- search\n- payments", {"Python only"}, {}},
      {"Research the following topics:\n- pricing models\n- competitor features", {}, {}},
      {"Review pull request 42", {}, {}},
      {"Plan a team offsite in Lisbon for 20 people and book the venue", {"budget $100"}, {}},
      {"Migrate the user database from MySQL to PostgreSQL, verify row counts and switch traffic",
       {},
       {}},
      {"Train a churn prediction model on the customer dataset and report accuracy", {}, {}},
      {"Write unit tests for the tokenizer", {}, {}},
      {"Translate the documentation into Spanish", {}, {}},
      {"Investigate why the nightly build fails and fix it", {}, {}},
      {"Write a data pipeline that ingests CSV files, cleans the data, computes daily aggregates, "
       "stores them in Postgres, builds a dashboard, sets up alerting, writes documentation, adds "
       "integration tests, and deploys to Kubernetes",
       {"within a day"},
       {}},
      {"I want to set up a home media server. First, research hardware options. Then install "
       "Ubuntu on it, configure Jellyfin, and set up remote access. Finally, back up the "
       "configuration.",
       {},
       {}},
      {"Anonymize the patient records in the analytics warehouse and run a GDPR compliance check",
       {},
       {}},
      {"Check the logs for leaked passwords", {}, {}},
      {"1. Clone the repository\n2. Build the Docker image\n3. Push it to the registry\n4. Deploy "
       "to staging",
       {},
       {}},
      {"Can you please help me write a blog post about Kubernetes autoscaling and then publish it "
       "on our website?",
       {},
       {}},
      {"Compare PostgreSQL and MongoDB for our analytics workload and recommend one", {}, {}},
      {"Write a README for the CLI. Provision a Kubernetes cluster on AWS. Analyse the survey "
       "results.",
       {},
       {}},
      {"Audit our AWS IAM policies for privilege escalation paths", {}, {}},
      {"Draft the release notes; update the changelog; announce the release on Slack", {}, {}},
      {"Fix the flaky checkout test in under 5 minutes", {}, {}},
      {"Deploy the service after testing the release candidate", {}, {}},
      {"Update the test plan and release notes", {}, {}},
      {"Write a parser for the config format, then test it", {"written in Python3"}, {}},
      {"Write a CSV parser for the patients' medical records", {"within 5 minutes"}, {}},
      {"Goal: build a CLI in Rust. Note: use staging", {"avoid JavaScript", "half an hour"}, {}},
      {"Build a site with: login, search and payments", {}, {}},
      {"  Summarise   the report  ", {"  lots   of   spaces  "}, {{"time_limit", "2 hours"}}},
      {"Write a CSV parser and deploy it",
       {},
       {{"lang", "go"}, {"deadline_minutes", "45"}, {"notes", "contains api key"}}},
      {"Verify the backups", {"under 90 seconds"}, {{"max_duration_seconds", "600"}}},
  };
  return *goals;
}

const std::vector<std::string>& ScenePrompts() {
  static const auto* prompts = new std::vector<std::string>{
      "misty cyberpunk alley at night; light rain; orbit camera",
      "three cars and 2 lamps on a quiet street at dusk",
      "a robot walking through a foggy forest at dawn, 10 second dolly shot",
      "two dancers dancing in a jazz club",
      "a flickering neon sign and rusty old cars in the rain",
      "underwater coral reef with sharks swimming, handheld camera",
      "empty desert at noon, static camera, 3 minute shot",
      "snowy mountain village at sunset with 200 lanterns",
      "space station interior, flythrough, synthwave music",
      "a crowd of people walking in a busy market",
      "a cat",
      "three glowing zeppelins over a city at night",
      "a lighthouse on a rocky coast during a thunderstorm at dusk",
      "Build and deploy a REST API with tests",
      "a knight fighting a dragon in a burning castle, crane shot, epic orchestral music",
      "two kids running on a sunny beach with seagulls and waves, 20 seconds",
      "a lonely astronaut floating near a space station, slow pan",
      "an old man and his dog walking through autumn leaves in a park at dusk",
      "rainy tokyo street at night with neon signs, 5 taxis and a crowd of people",
      "   ",
  };
  return *prompts;
}

// Deterministic damage for the repair path: foreign arm names, a lost judge step, missing
// criteria and estimates, bad dependencies, too many steps, a lone step without rationale.
void Damage(v1::Plan* plan, size_t i) {
  switch (i % 6) {
    case 0: {
      const char* arms[] = {"Coder", "research", "devops", "judge arm", "gaurdian", "nobody"};
      for (v1::SubTask& t : *plan->mutable_subtasks()) t.set_required_arm(arms[t.step() % 6]);
      break;
    }
    case 1:
      plan->mutable_subtasks()->RemoveLast();
      break;
    case 2:
      for (v1::SubTask& t : *plan->mutable_subtasks()) {
        t.clear_acceptance_criteria();
        t.set_estimated_duration_seconds(0);
        t.set_estimated_cost_tier(9);
      }
      break;
    case 3:
      for (v1::SubTask& t : *plan->mutable_subtasks()) {
        t.add_depends_on(t.step());
        t.add_depends_on(t.step() + 1);
        t.add_depends_on(99);
      }
      break;
    case 4: {
      const v1::Plan copy = *plan;
      for (const v1::SubTask& t : copy.subtasks()) *plan->add_subtasks() = t;
      plan->set_confidence(3);
      plan->set_total_estimated_duration_seconds(5);
      break;
    }
    default:
      while (plan->subtasks_size() > 1) plan->mutable_subtasks()->RemoveLast();
      plan->clear_rationale();
      break;
  }
}

std::string Text(const google::protobuf::Message& message) {
  std::string out;
  google::protobuf::TextFormat::PrintToString(message, &out);
  return out;
}

// Every case's output, keyed by a readable case name, in corpus order.
std::vector<std::pair<std::string, std::string>> CurrentOutputs() {
  std::vector<std::pair<std::string, std::string>> out;
  BuiltinPlanner planner;
  for (size_t i = 0; i < Goals().size(); ++i) {
    const GoalInput& input = Goals()[i];
    v1::PlanRequest request;
    request.set_goal(input.goal);
    for (const std::string& c : input.constraints) request.add_constraints(c);
    for (const auto& [k, v] : input.context) (*request.mutable_context())[k] = v;
    absl::StatusOr<v1::Plan> plan = planner.Plan(request);
    std::string text = plan.ok() ? Text(*plan) : plan.status().ToString() + "\n";
    out.emplace_back(absl::StrCat("plan ", i), text);
    if (!plan.ok()) continue;
    Damage(&*plan, i);
    absl::StatusOr<std::vector<PlanRepair>> repairs =
        RepairPlan(&*plan, DefaultArmRegistry(), request);
    text.clear();
    if (!repairs.ok()) {
      text = repairs.status().ToString() + "\n";
    } else {
      for (const PlanRepair& r : *repairs) {
        absl::StrAppend(&text, "repair ", RepairKindName(r.kind), ": ", r.warning, "\n");
      }
      text += Text(*plan);
    }
    out.emplace_back(absl::StrCat("repair ", i), text);
  }
  BuiltinScenePlanner scenes;
  for (size_t i = 0; i < ScenePrompts().size(); ++i) {
    absl::StatusOr<v1::ScenePlan> scene = scenes.PlanScene(ScenePrompts()[i]);
    out.emplace_back(absl::StrCat("scene ", i),
                     scene.ok() ? Text(*scene) : scene.status().ToString() + "\n");
  }
  return out;
}

// The golden file: "=== <case>\n<output>" blocks.
constexpr absl::string_view kCaseMarker = "=== ";

std::string Serialize(const std::vector<std::pair<std::string, std::string>>& outputs) {
  std::string file;
  for (const auto& [name, text] : outputs) absl::StrAppend(&file, kCaseMarker, name, "\n", text);
  return file;
}

std::map<std::string, std::string> Parse(const std::string& file) {
  std::map<std::string, std::string> cases;
  std::string* current = nullptr;
  for (absl::string_view line : absl::StrSplit(file, '\n')) {
    if (absl::StartsWith(line, kCaseMarker)) {
      current = &cases[std::string(line.substr(kCaseMarker.size()))];
      continue;
    }
    if (current != nullptr) absl::StrAppend(current, line, "\n");
  }
  // The split yields one empty piece after the final newline.
  if (current != nullptr && !current->empty()) current->pop_back();
  return cases;
}

TEST(BuiltinGoldenTest, OutputsMatchTheGoldenFileByteForByte) {
  const std::vector<std::pair<std::string, std::string>> outputs = CurrentOutputs();
  if (std::getenv("ARMATURE_UPDATE_GOLDEN") != nullptr) {
    std::ofstream(ARMATURE_PLANNER_GOLDEN_PATH, std::ios::binary) << Serialize(outputs);
    GTEST_SKIP() << "wrote " << ARMATURE_PLANNER_GOLDEN_PATH;
  }
  std::ifstream in(ARMATURE_PLANNER_GOLDEN_PATH, std::ios::binary);
  ASSERT_TRUE(in.good()) << "cannot read " << ARMATURE_PLANNER_GOLDEN_PATH;
  std::stringstream contents;
  contents << in.rdbuf();
  const std::map<std::string, std::string> golden = Parse(contents.str());
  EXPECT_EQ(golden.size(), outputs.size());
  for (const auto& [name, text] : outputs) {
    auto it = golden.find(name);
    ASSERT_NE(it, golden.end()) << "no golden output for " << name;
    EXPECT_EQ(text, it->second) << name;
  }
}

}  // namespace
}  // namespace armature::planner
