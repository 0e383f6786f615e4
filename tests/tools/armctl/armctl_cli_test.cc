// The real armctl binary against a scripted in-process armature.v1.Orchestrator: what it sends,
// what it prints (text and --json), and its exit codes.
#include <stdio.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fstream>
#include <sstream>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "nlohmann/json.hpp"
#include "tests/testing/process.h"
#include "tests/testing/service_fixture.h"
#include "tests/tools/armctl/fake_orchestrator.h"

namespace armature::armctl {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::Not;
using ::testing::Pair;
using ::testing::UnorderedElementsAre;
using v1::Task;
using v1::TaskEvent;

// 2024-05-01T12:00:03Z.
constexpr int64_t kCreatedSeconds = 1714564803;

v1::Plan SamplePlan() {
  v1::Plan plan;
  auto* s1 = plan.add_subtasks();
  s1->set_step(1);
  s1->set_action("Survey REST frameworks");
  s1->set_required_arm("researcher");
  s1->add_acceptance_criteria("framework chosen with reasons");
  s1->set_estimated_cost_tier(2);
  s1->set_estimated_duration_seconds(600);
  auto* s2 = plan.add_subtasks();
  s2->set_step(2);
  s2->set_action("Implement the endpoints");
  s2->set_required_arm("coder");
  s2->add_acceptance_criteria("all tests pass");
  s2->add_depends_on(1);
  s2->set_estimated_cost_tier(3);
  s2->set_estimated_duration_seconds(3600);
  plan.set_rationale("Research first, then build.");
  plan.set_confidence(0.82);
  plan.set_total_estimated_duration_seconds(4200);
  plan.set_complexity_score(0.4);
  plan.set_backend("builtin");
  return plan;
}

v1::ScenePlan SampleScene() {
  v1::ScenePlan scene;
  scene.mutable_environment()->set_theme("cyberpunk");
  scene.mutable_environment()->set_weather("light rain");
  scene.mutable_environment()->set_time_of_day("night");
  auto* sign = scene.add_objects();
  sign->set_type("neon_sign");
  sign->set_count(3);
  sign->add_tags("flicker");
  scene.mutable_camera()->set_path("orbit");
  scene.mutable_camera()->set_duration_seconds(12);
  scene.mutable_audio()->set_music("synthwave");
  scene.mutable_audio()->add_sfx("rain");
  scene.set_backend("builtin-scene");
  return scene;
}

void SetSampleManifest(Task* task) {
  auto* m = task->mutable_manifest();
  m->set_id("m-42");
  m->mutable_metadata()->set_title("Quarterly");
  m->mutable_metadata()->set_duration_seconds(12);
  auto* s1 = m->add_scenes();
  s1->set_id("s1");
  s1->set_purpose("hook");
  s1->set_start_at_seconds(0);
  s1->set_duration_seconds(3);
  s1->set_narration("Step one: pick footage.");
  auto* s2 = m->add_scenes();
  s2->set_id("s2");
  s2->set_purpose("proof");
  s2->set_start_at_seconds(3);
  s2->set_duration_seconds(9);
  s2->set_narration("Sales grew.");
  auto* tts = task->add_jobs();
  tts->set_id("tts-s1");
  tts->set_type(v1::TTS);
  auto* chart = task->add_jobs();
  chart->set_id("chart-s2");
  chart->set_type(v1::GENERATE_CHART);
  auto* render = task->add_jobs();
  render->set_id("render");
  render->set_type(v1::RENDER);
  render->add_depends_on("tts-s1");
  render->add_depends_on("chart-s2");
}

// Finishes a task SUCCEEDED with the result of its kind.
void Succeed(Task* task) {
  task->set_status(v1::SUCCEEDED);
  switch (task->kind()) {
    case v1::GOAL:
      task->set_stage("plan");
      *task->mutable_plan() = SamplePlan();
      break;
    case v1::SCENE:
      task->set_stage("plan_scene");
      *task->mutable_scene_plan() = SampleScene();
      break;
    default:
      task->set_stage("build_manifest");
      *task->mutable_plan() = SamplePlan();
      SetSampleManifest(task);
  }
}

void FailAtPlan(Task* task) {
  task->set_status(v1::FAILED);
  task->set_stage("plan");
  task->set_attempts(4);
  task->mutable_error()->set_stage("plan");
  task->mutable_error()->set_code("UNAVAILABLE");
  task->mutable_error()->set_reason("planner arm circuit open");
}

Task MakeTask(const std::string& id, v1::TaskKind kind, v1::TaskStatus status,
              const std::string& text) {
  Task t;
  t.set_id(id);
  t.set_kind(kind);
  t.set_status(status);
  t.set_text(text);
  t.mutable_created_at()->set_seconds(kCreatedSeconds);
  return t;
}

TaskEvent MakeEvent(const Task& task, int64_t sequence, v1::TaskStatus status,
                    const std::string& stage, const std::string& message) {
  TaskEvent e;
  e.set_task_id(task.id());
  e.set_sequence(sequence);
  e.set_status(status);
  e.set_stage(stage);
  e.set_message(message);
  *e.mutable_task() = task;
  e.mutable_task()->set_status(status);
  e.mutable_task()->set_stage(stage);
  return e;
}

// Lines of `text` (without the newlines).
std::vector<std::string> Lines(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  return lines;
}

class ArmctlCliTest : public testing::ServiceFixture {
 protected:
  void SetUp() override {
    RegisterService(&fake_, "armature.v1.Orchestrator");
    StartServer();
  }

  // Runs armctl against the fake with `args`, `input` on stdin.
  testing::CommandResult Armctl(std::vector<std::string> args, const std::string& input = "") {
    args.insert(args.begin(), {ARMCTL_PATH, "--target=" + server().grpc_address()});
    return testing::RunCommand(args, input, std::chrono::seconds(30));
  }

  std::string TempFile(const std::string& name, const std::string& contents) {
    // Unique per process and test: other tests (and the docs examples) write files of the same
    // name in the shared temp directory at the same time.
    const std::string path =
        absl::StrCat(::testing::TempDir(), "/armctl_cli_", getpid(), "_",
                     ::testing::UnitTest::GetInstance()->current_test_info()->name(), "_", name);
    std::ofstream(path, std::ios::binary) << contents;
    return path;
  }

  FakeOrchestrator fake_;
};

// --- submit ---------------------------------------------------------------------------------

TEST_F(ArmctlCliTest, SubmitSendsEverythingAndPrintsTheIdAndStatus) {
  auto r = Armctl({"submit", "Build a REST API", "--constraint", "Python only",
                   "--constraint=no Docker", "--context", "team=core", "--context=env=prod=eu",
                   "--idempotency_key=key-1", "--deadline_seconds", "90"});
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_EQ(r.output, "task t-1 PENDING\n");
  const auto submits = fake_.submits();
  ASSERT_EQ(submits.size(), 1u);
  const auto& req = submits[0];
  EXPECT_EQ(req.kind(), v1::GOAL);
  EXPECT_EQ(req.text(), "Build a REST API");
  EXPECT_THAT(req.constraints(), ElementsAre("Python only", "no Docker"));
  EXPECT_THAT(req.context(), UnorderedElementsAre(Pair("team", "core"), Pair("env", "prod=eu")));
  EXPECT_EQ(req.idempotency_key(), "key-1");
  EXPECT_EQ(req.deadline_seconds(), 90);
  EXPECT_FALSE(req.wait());
}

TEST_F(ArmctlCliTest, SubmitEachKindWithoutWait) {
  for (const auto& [name, kind] : std::vector<std::pair<std::string, v1::TaskKind>>{
           {"goal", v1::GOAL}, {"scene", v1::SCENE}, {"PRODUCTION", v1::PRODUCTION}}) {
    auto r = Armctl({"submit", "--kind=" + name, "some text"});
    ASSERT_EQ(r.exit_code, 0) << name << ": " << r.output;
    EXPECT_THAT(r.output, HasSubstr("PENDING")) << name;
    EXPECT_EQ(fake_.submits().back().kind(), kind) << name;
    EXPECT_FALSE(fake_.submits().back().wait()) << name;
  }
}

TEST_F(ArmctlCliTest, SubmitGoalAndWaitPrintsThePlan) {
  fake_.SetWaitOutcome(Succeed);
  auto r = Armctl({"submit", "--wait", "Build a REST API"});
  ASSERT_EQ(r.exit_code, 0) << r.output;
  ASSERT_EQ(fake_.submits().size(), 1u);
  EXPECT_TRUE(fake_.submits()[0].wait());
  EXPECT_THAT(r.output, HasSubstr("Task t-1 (GOAL): SUCCEEDED"));
  EXPECT_THAT(r.output, HasSubstr(" 1. [researcher] Survey REST frameworks"));
  EXPECT_THAT(r.output, HasSubstr(" 2. [coder] Implement the endpoints"));
  EXPECT_THAT(r.output, HasSubstr("after: 1   cost tier 3   ~1h00m"));
  EXPECT_THAT(r.output, HasSubstr("- all tests pass"));
  EXPECT_THAT(r.output, HasSubstr("Rationale: Research first, then build."));
  EXPECT_THAT(r.output,
              HasSubstr("backend builtin, 2 steps, critical path 1h10m, confidence 0.82"));
}

TEST_F(ArmctlCliTest, SubmitSceneAndWaitPrintsTheScenePlan) {
  fake_.SetWaitOutcome(Succeed);
  auto r = Armctl({"submit", "--kind", "scene", "--wait", "misty alley at night"});
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_EQ(fake_.submits()[0].kind(), v1::SCENE);
  EXPECT_THAT(r.output, HasSubstr("Task t-1 (SCENE): SUCCEEDED"));
  EXPECT_THAT(r.output, HasSubstr("environment: cyberpunk, light rain, night"));
  EXPECT_THAT(r.output, HasSubstr("object:      3 x neon_sign (flicker)"));
  EXPECT_THAT(r.output, HasSubstr("camera:      orbit for 12.0s"));
  EXPECT_THAT(r.output, Not(HasSubstr("Rationale")));
}

TEST_F(ArmctlCliTest, SubmitProductionFromAtFileSendsTheFileAndPrintsTheManifest) {
  const std::string treatment =
      "## Scene 1 - Hook (3s)\nNarration: Step one: pick footage.\n\n## Scene 2\nVO: Sales "
      "grew — 40%.\nChart: Q1: 10, Q2: 14\n";
  const std::string path = TempFile("treatment.md", treatment);
  fake_.SetWaitOutcome(Succeed);
  auto r = Armctl({"submit", "--kind=production", "--wait", "@" + path});
  ASSERT_EQ(r.exit_code, 0) << r.output;
  ASSERT_EQ(fake_.submits().size(), 1u);
  EXPECT_EQ(fake_.submits()[0].kind(), v1::PRODUCTION);
  EXPECT_EQ(fake_.submits()[0].text(), treatment);
  EXPECT_THAT(r.output, HasSubstr("Manifest m-42 \"Quarterly\": 12.0s"));
  EXPECT_THAT(r.output, HasSubstr("s1      0.0s-   3.0s  hook"));
  EXPECT_THAT(r.output, HasSubstr("narration: Step one: pick footage."));
  EXPECT_THAT(r.output, HasSubstr("s2      3.0s-  12.0s  proof"));
  EXPECT_THAT(r.output, HasSubstr("Jobs (DAG):"));
  EXPECT_THAT(r.output, HasSubstr("after: tts-s1, chart-s2"));

  // --file and "@-" (stdin) read the same way.
  auto f = Armctl({"submit", "--kind=production", "--file", path});
  ASSERT_EQ(f.exit_code, 0) << f.output;
  EXPECT_EQ(fake_.submits().back().text(), treatment);
  auto in = Armctl({"submit", "--kind=production", "@-"}, treatment);
  ASSERT_EQ(in.exit_code, 0) << in.output;
  EXPECT_EQ(fake_.submits().back().text(), treatment);
}

TEST_F(ArmctlCliTest, AtIsLiteralForAGoal) {
  auto r = Armctl({"submit", "@team ship it"});
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_EQ(fake_.submits()[0].text(), "@team ship it");
}

TEST_F(ArmctlCliTest, SubmitWithTheSameKeyIsDeduplicated) {
  auto first = Armctl({"submit", "goal", "--idempotency_key=k"});
  ASSERT_EQ(first.exit_code, 0) << first.output;
  EXPECT_EQ(first.output, "task t-1 PENDING\n");
  auto second = Armctl({"submit", "goal", "--idempotency_key=k"});
  ASSERT_EQ(second.exit_code, 0) << second.output;
  EXPECT_EQ(second.output, "task t-1 PENDING (deduplicated)\n");
  ASSERT_EQ(fake_.submits().size(), 2u);
  EXPECT_EQ(fake_.submits()[1].idempotency_key(), "k");
}

TEST_F(ArmctlCliTest, SubmitWaitThatFailsExitsOneWithTheError) {
  fake_.SetWaitOutcome(FailAtPlan);
  auto r = Armctl({"submit", "--wait", "Build a REST API"});
  EXPECT_EQ(r.exit_code, 1) << r.output;
  EXPECT_THAT(r.output, HasSubstr("Task t-1 (GOAL): FAILED"));
  EXPECT_THAT(r.output,
              HasSubstr("error:       stage plan, UNAVAILABLE: planner arm circuit open"));
}

TEST_F(ArmctlCliTest, SubmitWaitThatEndsUnfinishedExitsOne) {
  // The default outcome leaves the task PENDING: the wait ended at its deadline.
  auto r = Armctl({"submit", "--wait", "Build a REST API"});
  EXPECT_EQ(r.exit_code, 1) << r.output;
  EXPECT_THAT(r.output, HasSubstr("is still PENDING"));
}

// --- get ------------------------------------------------------------------------------------

TEST_F(ArmctlCliTest, GetPrintsTheTaskAndItsResult) {
  Task t = MakeTask("t-9", v1::GOAL, v1::SUCCEEDED, "Build a REST API");
  Succeed(&t);
  t.add_constraints("Python only");
  (*t.mutable_context())["team"] = "core";
  t.set_attempts(2);
  t.set_last_error("planner call failed: UNAVAILABLE");
  t.mutable_updated_at()->set_seconds(kCreatedSeconds + 60);
  fake_.AddTask(t);
  auto r = Armctl({"get", "t-9"});
  ASSERT_EQ(r.exit_code, 0) << r.output;
  ASSERT_EQ(fake_.gets().size(), 1u);
  EXPECT_EQ(fake_.gets()[0].id(), "t-9");
  EXPECT_THAT(r.output, HasSubstr("Task t-9 (GOAL): SUCCEEDED"));
  EXPECT_THAT(r.output, HasSubstr("text:        Build a REST API"));
  EXPECT_THAT(r.output, HasSubstr("constraints: Python only"));
  EXPECT_THAT(r.output, HasSubstr("context:     team=core"));
  EXPECT_THAT(r.output, HasSubstr("stage:       plan"));
  EXPECT_THAT(r.output, HasSubstr("attempts:    2"));
  EXPECT_THAT(r.output, HasSubstr("last error:  planner call failed: UNAVAILABLE"));
  EXPECT_THAT(r.output, HasSubstr("created:     2024-05-01T12:00:03Z"));
  EXPECT_THAT(r.output, HasSubstr("updated:     2024-05-01T12:01:03Z"));
  EXPECT_THAT(r.output, HasSubstr("deadline:    -"));
  EXPECT_THAT(r.output, HasSubstr("[coder] Implement the endpoints"));
}

TEST_F(ArmctlCliTest, GetOfAFailedTaskShowsTheError) {
  Task t = MakeTask("t-3", v1::PRODUCTION, v1::FAILED, "# treatment");
  FailAtPlan(&t);
  fake_.AddTask(t);
  auto r = Armctl({"get", "t-3"});
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_THAT(r.output, HasSubstr("Task t-3 (PRODUCTION): FAILED"));
  EXPECT_THAT(r.output, HasSubstr("stage plan, UNAVAILABLE: planner arm circuit open"));
}

TEST_F(ArmctlCliTest, NotFoundExitsOneWithTheMessage) {
  for (const std::string command : {"get", "watch", "cancel", "manifest-of"}) {
    auto r = Armctl({command, "nope"});
    EXPECT_EQ(r.exit_code, 1) << command << ": " << r.output;
    EXPECT_THAT(r.output, HasSubstr("NOT_FOUND: task \"nope\" not found")) << command;
    EXPECT_THAT(r.output, HasSubstr(server().grpc_address())) << command;
  }
  EXPECT_EQ(fake_.gets().size(), 1u);
  EXPECT_EQ(fake_.watches().size(), 1u);
  EXPECT_EQ(fake_.cancels().size(), 1u);
  EXPECT_EQ(fake_.manifest_gets().size(), 1u);
}

// --- watch ----------------------------------------------------------------------------------

class ArmctlWatchTest : public ArmctlCliTest {
 protected:
  // Three events for task t-5: PENDING, PLANNING with a retry, then `last`.
  void Script(v1::TaskStatus last) {
    Task t = MakeTask("t-5", v1::GOAL, v1::PENDING, "Build a REST API");
    Task done = t;
    if (last == v1::SUCCEEDED) {
      Succeed(&done);
    } else {
      FailAtPlan(&done);
    }
    fake_.SetEvents("t-5",
                    {MakeEvent(t, 1, v1::PENDING, "", "accepted"),
                     MakeEvent(t, 2, v1::PLANNING, "plan",
                               "planner call failed: UNAVAILABLE; retrying in 400ms"),
                     MakeEvent(done, 3, last, "plan", last == v1::SUCCEEDED ? "done" : "gave up")});
  }
};

TEST_F(ArmctlWatchTest, PrintsALinePerEventAndTheResult) {
  Script(v1::SUCCEEDED);
  auto r = Armctl({"watch", "t-5"});
  ASSERT_EQ(r.exit_code, 0) << r.output;
  ASSERT_EQ(fake_.watches().size(), 1u);
  EXPECT_EQ(fake_.watches()[0].id(), "t-5");
  const auto lines = Lines(r.output);
  ASSERT_GE(lines.size(), 4u) << r.output;
  EXPECT_EQ(lines[0], "#1 PENDING stage=-  accepted");
  EXPECT_EQ(lines[1],
            "#2 PLANNING stage=plan  planner call failed: UNAVAILABLE; retrying in 400ms");
  EXPECT_EQ(lines[2], "#3 SUCCEEDED stage=plan  done");
  EXPECT_THAT(r.output, HasSubstr("Task t-5 (GOAL): SUCCEEDED"));
  EXPECT_THAT(r.output, HasSubstr("[coder] Implement the endpoints"));
}

TEST_F(ArmctlWatchTest, AFailedEndingExitsOne) {
  Script(v1::FAILED);
  auto r = Armctl({"watch", "t-5"});
  EXPECT_EQ(r.exit_code, 1) << r.output;
  EXPECT_THAT(r.output, HasSubstr("#3 FAILED stage=plan  gave up"));
  EXPECT_THAT(r.output, HasSubstr("stage plan, UNAVAILABLE: planner arm circuit open"));
}

TEST_F(ArmctlWatchTest, AStreamThatEndsBeforeTheTaskExitsOne) {
  Task t = MakeTask("t-6", v1::GOAL, v1::PLANNING, "x");
  fake_.SetEvents("t-6", {MakeEvent(t, 1, v1::PLANNING, "plan", "")});
  auto r = Armctl({"watch", "t-6"});
  EXPECT_EQ(r.exit_code, 1) << r.output;
  EXPECT_THAT(r.output, HasSubstr("#1 PLANNING stage=plan"));
  EXPECT_THAT(r.output, HasSubstr("ended before the task did (last status PLANNING)"));
}

TEST_F(ArmctlWatchTest, JsonIsOneObjectPerEventPerLine) {
  Script(v1::SUCCEEDED);
  auto r = Armctl({"watch", "t-5", "--json"});
  ASSERT_EQ(r.exit_code, 0) << r.output;
  const auto lines = Lines(r.output);
  ASSERT_EQ(lines.size(), 3u) << r.output;
  for (size_t i = 0; i < lines.size(); ++i) {
    const auto j = nlohmann::json::parse(lines[i]);
    EXPECT_EQ(j["event"]["task_id"], "t-5");
    EXPECT_EQ(j["event"]["sequence"], std::to_string(i + 1));  // int64 is a JSON string
  }
  EXPECT_EQ(nlohmann::json::parse(lines[2])["event"]["status"], "SUCCEEDED");
  EXPECT_EQ(nlohmann::json::parse(lines[2])["event"]["task"]["plan"]["backend"], "builtin");
}

TEST_F(ArmctlWatchTest, EachEventIsPrintedAsItArrives) {
  Script(v1::SUCCEEDED);
  // The fake holds the stream after the first event; armctl must have printed it by then.
  fake_.HoldAfterFirstEvent(std::chrono::seconds(20));
  const std::string command =
      std::string("'") + ARMCTL_PATH + "' watch t-5 --target=" + server().grpc_address() + " 2>&1";
  FILE* out = popen(command.c_str(), "r");
  ASSERT_NE(out, nullptr);
  char line[512];
  ASSERT_NE(fgets(line, sizeof(line), out), nullptr);
  EXPECT_STREQ(line, "#1 PENDING stage=-  accepted\n");
  EXPECT_TRUE(fake_.holding()) << "the first event was printed only after the hold ended";
  fake_.Release();
  std::string rest;
  while (fgets(line, sizeof(line), out) != nullptr) rest += line;
  const int status = pclose(out);
  ASSERT_TRUE(WIFEXITED(status));
  EXPECT_EQ(WEXITSTATUS(status), 0) << rest;
  EXPECT_THAT(rest, HasSubstr("#3 SUCCEEDED"));
}

// --- list -----------------------------------------------------------------------------------

class ArmctlListTest : public ArmctlCliTest {
 protected:
  void SetUp() override {
    ArmctlCliTest::SetUp();
    fake_.AddTask(MakeTask("t-5", v1::GOAL, v1::PENDING, "five"));
    Task planning = MakeTask("t-4", v1::SCENE, v1::PLANNING, "four");
    planning.set_stage("plan_scene");
    fake_.AddTask(planning);
    fake_.AddTask(MakeTask(
        "t-3", v1::PRODUCTION, v1::SUCCEEDED,
        "# A long treatment\n\nwhose first forty characters are all that the table shows"));
    fake_.AddTask(MakeTask("t-2", v1::SCENE, v1::SUCCEEDED, "two"));
    fake_.AddTask(MakeTask("t-1", v1::GOAL, v1::FAILED, "one"));
  }
};

TEST_F(ArmctlListTest, PrintsATableAndTheNextPageToken) {
  auto r = Armctl({"list", "--page_size=2"});
  ASSERT_EQ(r.exit_code, 0) << r.output;
  const auto lines = Lines(r.output);
  ASSERT_EQ(lines.size(), 4u) << r.output;
  EXPECT_THAT(lines[0], HasSubstr("ID   KIND   STATUS    STAGE       CREATED"));
  EXPECT_THAT(lines[1], HasSubstr("t-5  GOAL   PENDING   -           2024-05-01T12:00:03Z  five"));
  EXPECT_THAT(lines[2], HasSubstr("t-4  SCENE  PLANNING  plan_scene"));
  EXPECT_EQ(lines[3], "next page token: 2");
  ASSERT_EQ(fake_.lists().size(), 1u);
  EXPECT_EQ(fake_.lists()[0].page_size(), 2);
  EXPECT_EQ(fake_.lists()[0].page_token(), "");
}

TEST_F(ArmctlListTest, PageTokenAndTruncatedText) {
  auto r = Armctl({"list", "--page_size=2", "--page_token=2"});
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_EQ(fake_.lists()[0].page_token(), "2");
  EXPECT_THAT(r.output, HasSubstr("# A long treatment whose first forty cha..."));
  EXPECT_THAT(r.output, Not(HasSubstr("characters are")));
  EXPECT_THAT(r.output, HasSubstr("next page token: 4"));
  auto last = Armctl({"list", "--page_size=2", "--page_token=4"});
  ASSERT_EQ(last.exit_code, 0) << last.output;
  EXPECT_THAT(last.output, HasSubstr("t-1"));
  EXPECT_THAT(last.output, Not(HasSubstr("next page token")));
}

TEST_F(ArmctlListTest, AllWalksEveryPage) {
  auto r = Armctl({"list", "--all", "--page_size", "2"});
  ASSERT_EQ(r.exit_code, 0) << r.output;
  const auto lines = Lines(r.output);
  ASSERT_EQ(lines.size(), 6u) << r.output;  // header and five tasks, no token
  for (int i = 1; i <= 5; ++i) EXPECT_THAT(lines[i], HasSubstr("t-" + std::to_string(6 - i)));
  const auto lists = fake_.lists();
  ASSERT_EQ(lists.size(), 3u);
  EXPECT_EQ(lists[0].page_token(), "");
  EXPECT_EQ(lists[1].page_token(), "2");
  EXPECT_EQ(lists[2].page_token(), "4");
}

TEST_F(ArmctlListTest, FiltersAreSent) {
  auto r = Armctl({"list", "--status=succeeded", "--kind=scene"});
  ASSERT_EQ(r.exit_code, 0) << r.output;
  ASSERT_EQ(fake_.lists().size(), 1u);
  EXPECT_EQ(fake_.lists()[0].status(), v1::SUCCEEDED);
  EXPECT_EQ(fake_.lists()[0].kind(), v1::SCENE);
  EXPECT_THAT(r.output, HasSubstr("t-2"));
  EXPECT_THAT(r.output, Not(HasSubstr("t-3")));
  auto none = Armctl({"list", "--status=building-manifest"});
  ASSERT_EQ(none.exit_code, 0) << none.output;
  EXPECT_EQ(fake_.lists()[1].status(), v1::BUILDING_MANIFEST);
  EXPECT_EQ(none.output, "(no tasks)\n");
}

TEST_F(ArmctlListTest, JsonWithAllMergesThePages) {
  auto r = Armctl({"list", "--all", "--page_size=2", "--json"});
  ASSERT_EQ(r.exit_code, 0) << r.output;
  const auto j = nlohmann::json::parse(r.output);
  ASSERT_EQ(j["tasks"].size(), 5u);
  EXPECT_EQ(j["tasks"][0]["id"], "t-5");
  EXPECT_EQ(j["tasks"][4]["status"], "FAILED");
  EXPECT_EQ(j["next_page_token"], "");
}

// --- cancel, manifest-of --------------------------------------------------------------------

TEST_F(ArmctlCliTest, CancelSendsTheReason) {
  Task t = MakeTask("t-7", v1::GOAL, v1::PLANNING, "x");
  t.set_stage("plan");
  fake_.AddTask(t);
  auto r = Armctl({"cancel", "t-7", "--reason", "changed my mind"});
  ASSERT_EQ(r.exit_code, 0) << r.output;
  ASSERT_EQ(fake_.cancels().size(), 1u);
  EXPECT_EQ(fake_.cancels()[0].id(), "t-7");
  EXPECT_EQ(fake_.cancels()[0].reason(), "changed my mind");
  EXPECT_THAT(r.output, HasSubstr("Task t-7 (GOAL): CANCELLED"));
  auto again = Armctl({"cancel", "t-7"});
  EXPECT_EQ(again.exit_code, 1) << again.output;
  EXPECT_THAT(again.output, HasSubstr("FAILED_PRECONDITION: task \"t-7\" already ended CANCELLED"));
}

TEST_F(ArmctlCliTest, ManifestOfPrintsTheManifestLikeTheManifestCommand) {
  Task t = MakeTask("t-8", v1::PRODUCTION, v1::SUCCEEDED, "# treatment");
  Succeed(&t);
  fake_.AddTask(t);
  for (const std::string command : {"manifest-of", "get-manifest"}) {
    auto r = Armctl({command, "t-8"});
    ASSERT_EQ(r.exit_code, 0) << command << ": " << r.output;
    EXPECT_THAT(r.output, HasSubstr("Manifest m-42 \"Quarterly\"")) << command;
    EXPECT_THAT(r.output, HasSubstr("narration: Sales grew.")) << command;
    EXPECT_THAT(r.output, HasSubstr("render")) << command;
  }
  ASSERT_EQ(fake_.manifest_gets().size(), 2u);
  EXPECT_EQ(fake_.manifest_gets()[1].task_id(), "t-8");
}

// --- JSON -----------------------------------------------------------------------------------

TEST_F(ArmctlCliTest, JsonOutputsParseWithProtoFieldNames) {
  fake_.SetWaitOutcome(Succeed);
  auto submit = Armctl({"submit", "--json", "--kind=production", "--wait", "# treatment"});
  ASSERT_EQ(submit.exit_code, 0) << submit.output;
  const auto s = nlohmann::json::parse(submit.output);
  EXPECT_EQ(s["task"]["id"], "t-1");
  EXPECT_EQ(s["task"]["kind"], "PRODUCTION");
  EXPECT_EQ(s["task"]["status"], "SUCCEEDED");
  EXPECT_EQ(s["deduplicated"], false);

  auto get = Armctl({"get", "t-1", "--json"});
  ASSERT_EQ(get.exit_code, 0) << get.output;
  const auto g = nlohmann::json::parse(get.output);
  EXPECT_EQ(g["task"]["plan"]["subtasks"][1]["required_arm"], "coder");
  EXPECT_EQ(g["task"]["plan"]["subtasks"][1]["depends_on"][0], 1);
  EXPECT_EQ(g["task"]["created_at"], "2024-05-01T12:00:03Z");

  auto manifest = Armctl({"manifest-of", "t-1", "--json"});
  ASSERT_EQ(manifest.exit_code, 0) << manifest.output;
  const auto m = nlohmann::json::parse(manifest.output);
  EXPECT_EQ(m["manifest"]["scenes"][0]["start_at_seconds"], 0);
  EXPECT_EQ(m["jobs"][2]["depends_on"][1], "chart-s2");

  fake_.AddTask(MakeTask("t-9", v1::SCENE, v1::PENDING, "x"));
  auto cancel = Armctl({"cancel", "t-9", "--json"});
  ASSERT_EQ(cancel.exit_code, 0) << cancel.output;
  EXPECT_EQ(nlohmann::json::parse(cancel.output)["task"]["status"], "CANCELLED");
}

// --- usage ----------------------------------------------------------------------------------

TEST_F(ArmctlCliTest, UsageErrorsExitTwoNamingTheProblemAndCallNothing) {
  const std::vector<std::pair<std::vector<std::string>, std::string>> cases = {
      {{"submit", "--kind=epic", "x"}, "unknown --kind \"epic\""},
      {{"submit"}, "missing TEXT"},
      {{"submit", "  "}, "the text is empty"},
      {{"submit", "a", "b"}, "one TEXT argument"},
      {{"submit", "x", "--bogus"}, "unknown flag --bogus"},
      {{"submit", "x", "--context=novalue"}, "--context: want KEY=VALUE"},
      {{"submit", "x", "--deadline_seconds=-1"}, "--deadline_seconds: must be >= 0"},
      {{"submit", "x", "--deadline_seconds=soon"}, "--deadline_seconds"},
      {{"submit", "--kind=production", "@/no/such/file"}, "cannot read treatment file"},
      {{"submit", "x", "--file=/tmp/t"}, "give the text or --file, not both"},
      {{"get"}, "get takes exactly one argument, the task id"},
      {{"get", "t-1", "--wait"}, "--wait does not apply to get"},
      {{"watch", "a", "b"}, "watch takes exactly one argument"},
      {{"cancel"}, "cancel takes exactly one argument"},
      {{"list", "extra"}, "list takes no arguments"},
      {{"list", "--status=done"}, "unknown --status \"done\""},
      {{"list", "--kind=epic"}, "unknown --kind \"epic\""},
      {{"list", "--page_size=5000"}, "--page_size: must be 1-1000"},
      {{"list", "--page_token"}, "--page_token needs a value"},
      {{"list", "--page_token", "--all"}, "--page_token needs a value"},
      {{"frobnicate"}, "unknown command \"frobnicate\""},
  };
  for (const auto& [args, message] : cases) {
    auto r = Armctl(args);
    EXPECT_EQ(r.exit_code, 2) << ::testing::PrintToString(args) << ": " << r.output;
    EXPECT_THAT(r.output, HasSubstr(message)) << ::testing::PrintToString(args);
  }
  EXPECT_EQ(fake_.calls(), 0u);
}

TEST(ArmctlHelpTest, HelpDocumentsEveryCommandAndExitsZero) {
  auto r = testing::RunCommand({ARMCTL_PATH, "--help"});
  ASSERT_EQ(r.exit_code, 0) << r.output;
  for (const std::string usage :
       {"health [SERVICE]", "ready", "capabilities", "plan GOAL", "scene PROMPT", "manifest FILE",
        "submit TEXT [--kind=goal|scene|production]", "get ID", "watch ID", "list [--status=S]",
        "cancel ID [--reason=R]", "manifest-of ID", "get-manifest", "--idempotency_key",
        "--deadline_seconds", "--page_token", "Exit codes:"}) {
    EXPECT_THAT(r.output, HasSubstr(usage));
  }
}

TEST(ArmctlErrorsTest, AnUnreachableOrchestratorIsExitOneWithTheCode) {
  auto r = testing::RunCommand(
      {ARMCTL_PATH, "get", "t-1", "--target=127.0.0.1:1", "--timeout_seconds=5"});
  EXPECT_EQ(r.exit_code, 1) << r.output;
  EXPECT_THAT(r.output, HasSubstr("Orchestrator/GetTask on 127.0.0.1:1 failed: UNAVAILABLE"));
}

}  // namespace
}  // namespace armature::armctl
