// The task engine through the service: outages, deadlines, cancellation at each stage, and
// resuming unfinished tasks after a restart.
#include <filesystem>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/services/orchestrator/orchestrator_test_util.h"

namespace armature::orchestrator::testing {
namespace {

using ::testing::HasSubstr;

class TaskEngineTest : public OrchestratorHarness {
 protected:
  v1::Task Cancel(const std::string& id, const std::string& reason, grpc::Status* status) {
    grpc::ClientContext context;
    v1::CancelTaskRequest request;
    request.set_id(id);
    request.set_reason(reason);
    v1::CancelTaskResponse response;
    *status = stub_->CancelTask(&context, request, &response);
    return response.task();
  }
};

TEST_F(TaskEngineTest, TasksWaitWhileTheArmIsDownAndFinishWhenItIsBack) {
  StartOrchestrator();
  planner_.script.FailWith(grpc::StatusCode::UNAVAILABLE, "planner restarting");
  std::vector<std::string> ids;
  for (int i = 0; i < 3; ++i) ids.push_back(SubmitId(Request(v1::GOAL, absl::StrCat("goal ", i))));

  // The tasks stay at their stage, retrying, with the reason on record; the breaker opens.
  ASSERT_TRUE(Eventually(
      [&] { return app_->planner().breaker()->State() == resilience::CircuitState::kOpen; }));
  ASSERT_TRUE(Eventually([&] {
    const v1::Task t = Get(ids[0]);
    return t.attempts() >= 2 && !t.last_error().empty();
  }));
  for (const std::string& id : ids) {
    const v1::Task t = Get(id);
    EXPECT_EQ(t.status(), v1::PLANNING);
    EXPECT_EQ(t.stage(), "plan");
  }
  const v1::Task waiting = Get(ids[0]);
  EXPECT_THAT(waiting.last_error(), HasSubstr("UNAVAILABLE"));
  EXPECT_EQ(Metric("armature_downstream_breaker_state", "state=\"OPEN\",target=\"planner\""), 1);
  EXPECT_GT(Metric("armature_orchestrator_stage_waits_total",
                   "code=\"UNAVAILABLE\",kind=\"GOAL\",stage=\"plan\""),
            0);
  // The orchestrator itself stays ready.
  EXPECT_TRUE(server_->arm_info().Readiness().ready());

  planner_.script.Succeed();
  for (const std::string& id : ids) EXPECT_TRUE(WaitForStatus(id, v1::SUCCEEDED)) << id;
  EXPECT_TRUE(Eventually(
      [&] { return app_->planner().breaker()->State() == resilience::CircuitState::kClosed; }));
  EXPECT_EQ(Metric("armature_downstream_breaker_transitions_total",
                   "from=\"HALF_OPEN\",target=\"planner\",to=\"CLOSED\""),
            1);
  const v1::Task done = Get(ids[0]);
  EXPECT_TRUE(done.last_error().empty());
  EXPECT_GE(done.attempts(), 3);

  // The waits were recorded as events a watcher can show.
  auto events = store_->ListEvents(ids[0], 0);
  ASSERT_TRUE(events.ok());
  bool saw_retry_message = false;
  for (const auto& e : *events) {
    saw_retry_message |= absl::StrContains(e.message(), "planner call failed: UNAVAILABLE") &&
                         absl::StrContains(e.message(), "retrying in");
  }
  EXPECT_TRUE(saw_retry_message);
}

TEST_F(TaskEngineTest, AnOpenBreakerRefusesWithoutCallingTheArm) {
  StartOrchestrator();
  planner_.script.FailWith(grpc::StatusCode::UNAVAILABLE);
  const std::string id = SubmitId(Request(v1::GOAL, "goal"));
  ASSERT_TRUE(Eventually(
      [&] { return app_->planner().breaker()->State() == resilience::CircuitState::kOpen; }));
  EXPECT_TRUE(Eventually([&] {
    return Metric("armature_downstream_breaker_refusals_total",
                  "reason=\"open\",target=\"planner\"") > 0;
  }));
  EXPECT_EQ(Get(id).status(), v1::PLANNING);
}

TEST_F(TaskEngineTest, ATaskWhoseDeadlinePassesWhileWaitingFailsWithStageAndReason) {
  StartOrchestrator();
  planner_.script.FailWith(grpc::StatusCode::UNAVAILABLE, "planner is down");
  v1::SubmitTaskRequest request = Request(v1::GOAL, "goal", true);
  request.set_deadline_seconds(1);
  v1::SubmitTaskResponse response;
  ASSERT_TRUE(Submit(request, &response).ok());
  const v1::Task& task = response.task();
  EXPECT_EQ(task.status(), v1::FAILED);
  EXPECT_EQ(task.error().stage(), "plan");
  EXPECT_EQ(task.error().code(), "DEADLINE_EXCEEDED");
  EXPECT_THAT(task.error().reason(), HasSubstr("deadline passed at stage plan"));
  EXPECT_THAT(task.error().reason(), HasSubstr("planner is down"));
}

TEST_F(TaskEngineTest, ANonRetryableErrorFailsTheTaskAtOnce) {
  StartOrchestrator();
  planner_.script.FailWith(grpc::StatusCode::INVALID_ARGUMENT, "goal: too vague");
  v1::SubmitTaskResponse response;
  ASSERT_TRUE(Submit(Request(v1::GOAL, "?", true), &response).ok());
  EXPECT_EQ(response.task().status(), v1::FAILED);
  EXPECT_EQ(response.task().error().stage(), "plan");
  EXPECT_EQ(response.task().error().code(), "INVALID_ARGUMENT");
  EXPECT_THAT(response.task().error().reason(), HasSubstr("goal: too vague"));
  EXPECT_EQ(planner_.script.calls(), 1);
  // Failing requests are the caller's fault: the breaker stays closed.
  EXPECT_EQ(app_->planner().breaker()->State(), resilience::CircuitState::kClosed);
}

TEST_F(TaskEngineTest, AStageRetriesWithinItsAttemptsBeforeTheTaskWaits) {
  StartOrchestrator([](OrchestratorOptions& o) {
    o.pipeline.pipelines[v1::GOAL][0].attempts = 4;
    o.pipeline.arms["planner"].breaker.minimum_calls = 100;
  });
  planner_.script.FailWith(grpc::StatusCode::UNAVAILABLE);
  const std::string id = SubmitId(Request(v1::GOAL, "goal"));
  ASSERT_TRUE(Eventually([&] { return Get(id).attempts() >= 4; }));
  // Each round of the stage is one call of up to 4 attempts: attempts grow in steps of 4.
  auto events = store_->ListEvents(id, 0);
  ASSERT_TRUE(events.ok());
  for (const auto& e : *events) {
    if (absl::StrContains(e.message(), "retrying in")) {
      EXPECT_EQ(e.task().attempts() % 4, 0);
    }
  }
}

TEST_F(TaskEngineTest, CancelWhileQueued) {
  StartOrchestrator([](OrchestratorOptions& o) { o.engine.workers = 1; });
  planner_.script.Hold();
  const std::string first = SubmitId(Request(v1::GOAL, "first"));
  ASSERT_TRUE(Eventually([&] { return planner_.script.waiting() == 1; }));
  const std::string queued = SubmitId(Request(v1::GOAL, "second"));
  grpc::Status status;
  const v1::Task cancelled = Cancel(queued, "changed my mind", &status);
  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_EQ(cancelled.status(), v1::CANCELLED);
  EXPECT_EQ(cancelled.error().stage(), "queued");
  EXPECT_EQ(cancelled.error().reason(), "changed my mind");
  planner_.script.Release();
  ASSERT_TRUE(WaitForStatus(first, v1::SUCCEEDED));
  EXPECT_EQ(planner_.script.calls(), 1);  // the cancelled task never reached the planner
  EXPECT_EQ(Get(queued).status(), v1::CANCELLED);
}

TEST_F(TaskEngineTest, CancelWhilePlanningAbandonsTheCall) {
  StartOrchestrator();
  planner_.script.Hold();
  const std::string id = SubmitId(Request(v1::GOAL, "long job"));
  ASSERT_TRUE(Eventually([&] { return planner_.script.waiting() == 1; }));
  grpc::Status status;
  const v1::Task cancelled = Cancel(id, "", &status);
  ASSERT_TRUE(status.ok());
  EXPECT_EQ(cancelled.status(), v1::CANCELLED);
  EXPECT_EQ(cancelled.error().stage(), "plan");
  EXPECT_EQ(cancelled.error().reason(), "cancelled by a caller");
  // The call in flight is cancelled on the wire, and nothing overwrites the cancellation.
  EXPECT_TRUE(Eventually([&] { return planner_.script.cancelled() == 1; }));
  EXPECT_TRUE(Eventually([&] { return app_->engine().running() == 0; }));
  EXPECT_EQ(Get(id).status(), v1::CANCELLED);
  EXPECT_EQ(app_->planner().breaker()->Stats().failures, 0u);
  Cancel(id, "", &status);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::FAILED_PRECONDITION);
  EXPECT_THAT(status.error_message(), HasSubstr("already ended: CANCELLED"));
}

TEST_F(TaskEngineTest, CancelWhileWaitingForAnUnavailableArm) {
  StartOrchestrator();
  planner_.script.FailWith(grpc::StatusCode::UNAVAILABLE);
  const std::string id = SubmitId(Request(v1::GOAL, "goal"));
  ASSERT_TRUE(Eventually([&] { return Get(id).attempts() >= 2; }));
  grpc::Status status;
  EXPECT_EQ(Cancel(id, "", &status).status(), v1::CANCELLED);
  ASSERT_TRUE(status.ok());
  EXPECT_TRUE(Eventually([&] { return app_->engine().running() == 0; }));
  EXPECT_EQ(Get(id).status(), v1::CANCELLED);
}

TEST_F(TaskEngineTest, CancelWhileBuildingTheManifest) {
  StartOrchestrator();
  manifest_.script.Hold();
  const std::string id = SubmitId(Request(v1::PRODUCTION, "Narration: hi"));
  ASSERT_TRUE(WaitForStatus(id, v1::BUILDING_MANIFEST));
  ASSERT_TRUE(Eventually([&] { return manifest_.script.waiting() == 1; }));
  grpc::Status status;
  const v1::Task cancelled = Cancel(id, "budget cut", &status);
  ASSERT_TRUE(status.ok());
  EXPECT_EQ(cancelled.error().stage(), "build_manifest");
  EXPECT_TRUE(cancelled.has_plan());  // what was done is kept
  EXPECT_TRUE(Eventually([&] { return manifest_.script.cancelled() == 1; }));
  EXPECT_TRUE(Eventually([&] { return app_->engine().running() == 0; }));
  EXPECT_EQ(Get(id).status(), v1::CANCELLED);
}

class ResumeTest : public TaskEngineTest {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::path(::testing::TempDir()) /
           absl::StrCat("orchestrator_resume_", getpid(), "_",
                        ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::remove_all(dir_);
    std::filesystem::create_directories(dir_);
    store_url_ = absl::StrCat("sqlite://", (dir_ / "tasks.db").string());
    TaskEngineTest::SetUp();
  }
  void TearDown() override {
    TaskEngineTest::TearDown();
    std::filesystem::remove_all(dir_);
  }
  std::filesystem::path dir_;
};

TEST_F(ResumeTest, ARestartResumesEveryUnfinishedTaskFromWhereItWas) {
  StartOrchestrator();
  planner_.script.Hold();
  manifest_.script.Hold();
  const std::string goal = SubmitId(Request(v1::GOAL, "resume me"));
  const std::string production = SubmitId(Request(v1::PRODUCTION, "Narration: resume me too"));
  ASSERT_TRUE(Eventually([&] { return planner_.script.waiting() == 2; }));
  // Let the production task get past planning only.
  planner_.script.Release();
  ASSERT_TRUE(WaitForStatus(goal, v1::SUCCEEDED));
  ASSERT_TRUE(WaitForStatus(production, v1::BUILDING_MANIFEST));
  planner_.script.Hold();
  const std::string pending = SubmitId(Request(v1::SCENE, "rainy street"));
  ASSERT_TRUE(Eventually([&] { return planner_.script.waiting() == 1; }));
  const int planner_calls = planner_.script.calls();

  // "Crash": stop the orchestrator with calls in flight; reopen the same database.
  StopOrchestrator();
  store_.reset();
  auto reopened = store::OpenTaskStore(store_url_);
  ASSERT_TRUE(reopened.ok());
  store_ = *std::move(reopened);
  EXPECT_EQ(store_->GetTask(production)->status(), v1::BUILDING_MANIFEST);
  EXPECT_EQ(store_->GetTask(pending)->status(), v1::PLANNING);

  planner_.script.Release();
  manifest_.script.Release();
  StartOrchestrator();
  EXPECT_TRUE(WaitForStatus(production, v1::SUCCEEDED));
  EXPECT_TRUE(WaitForStatus(pending, v1::SUCCEEDED));
  // The production task was not planned twice: only the scene task called the planner again.
  EXPECT_EQ(planner_.script.calls(), planner_calls + 1);
  for (const std::string& id : {goal, production, pending}) {
    auto events = store_->ListEvents(id, 0);
    ASSERT_TRUE(events.ok());
    int succeeded = 0;
    for (const auto& e : *events) succeeded += e.status() == v1::SUCCEEDED;
    EXPECT_EQ(succeeded, 1) << id;
  }
  EXPECT_EQ(Metric("armature_orchestrator_tasks", "kind=\"PRODUCTION\",status=\"SUCCEEDED\""), 1);
  EXPECT_EQ(
      Metric("armature_orchestrator_tasks", "kind=\"PRODUCTION\",status=\"BUILDING_MANIFEST\""), 0);
}

TEST_F(ResumeTest, ATaskWhoseDeadlinePassedWhileTheOrchestratorWasDownFails) {
  StartOrchestrator();
  planner_.script.Hold();
  v1::SubmitTaskRequest request = Request(v1::GOAL, "short-lived");
  request.set_deadline_seconds(1);
  const std::string id = SubmitId(request);
  ASSERT_TRUE(Eventually([&] { return planner_.script.waiting() == 1; }));
  StopOrchestrator();
  planner_.script.Release();
  // Let the deadline pass (wall time: the deadline is stored as a timestamp).
  ASSERT_TRUE(Eventually(
      [&] {
        return absl::Now() > absl::FromUnixSeconds(store_->GetTask(id)->deadline().seconds() + 1);
      },
      absl::Seconds(5)));
  StartOrchestrator();
  ASSERT_TRUE(WaitForStatus(id, v1::FAILED));
  EXPECT_EQ(Get(id).error().code(), "DEADLINE_EXCEEDED");
}

}  // namespace
}  // namespace armature::orchestrator::testing
