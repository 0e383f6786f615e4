// armature.v1.Orchestrator over gRPC: every RPC's success and error paths.
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/services/orchestrator/orchestrator_test_util.h"

namespace armature::orchestrator::testing {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

class OrchestratorServiceTest : public OrchestratorHarness {};

void ExpectInvalid(grpc::Status status, const std::string& field) {
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT) << status.error_message();
  EXPECT_THAT(status.error_message(), HasSubstr(field));
}

TEST_F(OrchestratorServiceTest, SubmitRejectsBadRequestsNamingTheField) {
  StartOrchestrator();
  v1::SubmitTaskResponse response;
  ExpectInvalid(Submit(Request(v1::TASK_KIND_UNSPECIFIED, "goal"), &response), "kind");
  ExpectInvalid(Submit(Request(static_cast<v1::TaskKind>(42), "goal"), &response), "kind");
  ExpectInvalid(Submit(Request(v1::GOAL, "   \n"), &response), "text: must not be empty");
  ExpectInvalid(Submit(Request(v1::GOAL, std::string(10001, 'g')), &response),
                "text: a GOAL must be at most 10000");
  ExpectInvalid(Submit(Request(v1::SCENE, std::string(4001, 's')), &response),
                "text: a SCENE prompt must be at most 4000");
  ExpectInvalid(Submit(Request(v1::PRODUCTION, std::string(100001, 't')), &response),
                "text: a PRODUCTION treatment must be at most 100000 bytes");

  v1::SubmitTaskRequest many = Request(v1::GOAL, "goal");
  for (int i = 0; i < 21; ++i) many.add_constraints("c");
  ExpectInvalid(Submit(many, &response), "constraints");

  v1::SubmitTaskRequest long_constraint = Request(v1::GOAL, "goal");
  long_constraint.add_constraints("ok");
  long_constraint.add_constraints(std::string(1001, 'c'));
  ExpectInvalid(Submit(long_constraint, &response), "constraints[1]");

  v1::SubmitTaskRequest context = Request(v1::GOAL, "goal");
  (*context.mutable_context())["repo"] = std::string(5000, 'v');
  ExpectInvalid(Submit(context, &response), "context[\"repo\"]");

  v1::SubmitTaskRequest duration = Request(v1::PRODUCTION, "## Scene 1\nNarration: hi");
  (*duration.mutable_context())["duration_seconds"] = "soon";
  ExpectInvalid(Submit(duration, &response), "context[\"duration_seconds\"]");

  v1::SubmitTaskRequest key = Request(v1::GOAL, "goal");
  key.set_idempotency_key(std::string(129, 'k'));
  ExpectInvalid(Submit(key, &response), "idempotency_key");

  v1::SubmitTaskRequest negative = Request(v1::GOAL, "goal");
  negative.set_deadline_seconds(-1);
  ExpectInvalid(Submit(negative, &response), "deadline_seconds");
  v1::SubmitTaskRequest huge = Request(v1::GOAL, "goal");
  huge.set_deadline_seconds(3601);
  ExpectInvalid(Submit(huge, &response), "deadline_seconds: must be 0 (the default, 60s) to 3600");

  // Nothing was persisted or sent to an arm.
  auto page = store_->ListTasks({}, 0, "");
  ASSERT_TRUE(page.ok());
  EXPECT_TRUE(page->tasks.empty());
  EXPECT_EQ(planner_.script.calls(), 0);
}

TEST_F(OrchestratorServiceTest, GoalWithWaitReturnsThePlanAndRecordsEveryTransition) {
  StartOrchestrator();
  v1::SubmitTaskRequest request = Request(v1::GOAL, "Write a parser and then test it", true);
  request.add_constraints("Python only");
  (*request.mutable_context())["repo"] = "parsers";
  v1::SubmitTaskResponse response;
  ASSERT_TRUE(Submit(request, &response).ok());
  const v1::Task& task = response.task();
  EXPECT_EQ(task.status(), v1::SUCCEEDED);
  EXPECT_EQ(task.kind(), v1::GOAL);
  EXPECT_EQ(task.stage(), "plan");
  EXPECT_EQ(task.plan().subtasks_size(), 3);
  EXPECT_EQ(task.plan().backend(), "fake");
  EXPECT_EQ(task.attempts(), 1);
  EXPECT_FALSE(response.deduplicated());
  EXPECT_EQ(planner_.last_goal(), "Write a parser and then test it");
  EXPECT_GT(task.deadline().seconds(), task.created_at().seconds() + 50);

  auto events = store_->ListEvents(task.id(), 0);
  ASSERT_TRUE(events.ok());
  std::vector<v1::TaskStatus> statuses;
  for (const auto& e : *events) statuses.push_back(e.status());
  EXPECT_THAT(statuses, ElementsAre(v1::PENDING, v1::PLANNING, v1::PLANNED, v1::SUCCEEDED));

  EXPECT_EQ(Metric("armature_orchestrator_tasks", "kind=\"GOAL\",status=\"SUCCEEDED\""), 1);
  EXPECT_EQ(Metric("armature_orchestrator_tasks", "kind=\"GOAL\",status=\"PENDING\""), 0);
  EXPECT_EQ(
      Metric("armature_orchestrator_task_transitions_total", "kind=\"GOAL\",status=\"PLANNED\""),
      1);
  EXPECT_EQ(
      Metric("armature_downstream_calls_total", "code=\"OK\",method=\"Plan\",target=\"planner\""),
      1);
}

TEST_F(OrchestratorServiceTest, SceneAndProductionRunTheirPipelines) {
  StartOrchestrator();
  v1::SubmitTaskResponse scene;
  ASSERT_TRUE(Submit(Request(v1::SCENE, "misty alley at night; orbit camera", true), &scene).ok());
  EXPECT_EQ(scene.task().status(), v1::SUCCEEDED);
  EXPECT_EQ(scene.task().stage(), "plan_scene");
  EXPECT_EQ(scene.task().scene_plan().camera().path(), "orbit");
  EXPECT_FALSE(scene.task().has_plan());

  v1::SubmitTaskRequest production =
      Request(v1::PRODUCTION, "## Scene 1 — Hook\nNarration: Bees dance.", true);
  (*production.mutable_context())["duration_seconds"] = "45";
  v1::SubmitTaskResponse response;
  ASSERT_TRUE(Submit(production, &response).ok());
  const v1::Task& task = response.task();
  EXPECT_EQ(task.status(), v1::SUCCEEDED);
  EXPECT_EQ(task.stage(), "build_manifest");
  EXPECT_EQ(task.plan().subtasks_size(), 3);
  EXPECT_EQ(task.manifest().scenes_size(), 1);
  EXPECT_EQ(task.jobs_size(), 2);
  EXPECT_EQ(manifest_.last_duration(), 45);
  EXPECT_THAT(planner_.last_goal(),
              HasSubstr("Produce the video described in this treatment: ## Scene 1"));

  auto events = store_->ListEvents(task.id(), 0);
  ASSERT_TRUE(events.ok());
  std::vector<v1::TaskStatus> statuses;
  for (const auto& e : *events) statuses.push_back(e.status());
  EXPECT_THAT(statuses, ElementsAre(v1::PENDING, v1::PLANNING, v1::PLANNED, v1::BUILDING_MANIFEST,
                                    v1::SUCCEEDED));

  grpc::ClientContext context;
  v1::GetManifestRequest get;
  get.set_task_id(task.id());
  v1::GetManifestResponse manifest;
  ASSERT_TRUE(stub_->GetManifest(&context, get, &manifest).ok());
  EXPECT_EQ(manifest.manifest().scenes(0).id(), "s1");
  EXPECT_EQ(manifest.jobs_size(), 2);
}

TEST_F(OrchestratorServiceTest, TheSameIdempotencyKeyAlwaysReturnsTheSameTask) {
  StartOrchestrator();
  v1::SubmitTaskRequest request = Request(v1::GOAL, "Deploy the service", true);
  request.set_idempotency_key("deploy-42");
  v1::SubmitTaskResponse first;
  ASSERT_TRUE(Submit(request, &first).ok());
  EXPECT_FALSE(first.deduplicated());

  // Concurrent resubmissions: one task, one plan.
  std::vector<std::thread> threads;
  std::vector<v1::SubmitTaskResponse> again(8);
  for (int i = 0; i < 8; ++i) {
    threads.emplace_back([&, i] { EXPECT_TRUE(Submit(request, &again[i]).ok()); });
  }
  for (auto& t : threads) t.join();
  for (const auto& r : again) {
    EXPECT_TRUE(r.deduplicated());
    EXPECT_EQ(r.task().id(), first.task().id());
    EXPECT_EQ(r.task().status(), v1::SUCCEEDED);
  }
  EXPECT_EQ(planner_.script.calls(), 1);
}

TEST_F(OrchestratorServiceTest, WaitAnswersBeforeTheCallersDeadlineWithTheTaskAsItIs) {
  StartOrchestrator();
  planner_.script.Hold();
  v1::SubmitTaskResponse response;
  const grpc::Status status =
      Submit(Request(v1::GOAL, "Index the archive", true), &response, absl::Milliseconds(600));
  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_EQ(response.task().status(), v1::PLANNING);
  planner_.script.Release();
  EXPECT_TRUE(WaitForStatus(response.task().id(), v1::SUCCEEDED));
}

TEST_F(OrchestratorServiceTest, GetTaskErrors) {
  StartOrchestrator();
  grpc::ClientContext c1;
  v1::GetTaskRequest request;
  v1::GetTaskResponse response;
  ExpectInvalid(stub_->GetTask(&c1, request, &response), "id: required");
  request.set_id(std::string(200, 'x'));
  grpc::ClientContext c2;
  ExpectInvalid(stub_->GetTask(&c2, request, &response), "id: must be at most 128");
  request.set_id("no-such-task");
  grpc::ClientContext c3;
  const grpc::Status missing = stub_->GetTask(&c3, request, &response);
  EXPECT_EQ(missing.error_code(), grpc::StatusCode::NOT_FOUND);
  EXPECT_THAT(missing.error_message(), HasSubstr("no-such-task"));
}

TEST_F(OrchestratorServiceTest, ListTasksFiltersAndPages) {
  StartOrchestrator();
  std::vector<std::string> ids;
  for (int i = 0; i < 5; ++i) {
    v1::SubmitTaskResponse r;
    ASSERT_TRUE(
        Submit(Request(i % 2 ? v1::SCENE : v1::GOAL, absl::StrCat("task ", i), true), &r).ok());
    ids.push_back(r.task().id());
  }
  std::vector<std::string> seen;
  std::string token;
  int pages = 0;
  do {
    grpc::ClientContext context;
    v1::ListTasksRequest request;
    request.set_page_size(2);
    request.set_page_token(token);
    v1::ListTasksResponse response;
    ASSERT_TRUE(stub_->ListTasks(&context, request, &response).ok());
    for (const auto& t : response.tasks()) seen.push_back(t.id());
    token = response.next_page_token();
    ++pages;
  } while (!token.empty() && pages < 10);
  EXPECT_EQ(pages, 3);
  EXPECT_THAT(seen, ElementsAre(ids[4], ids[3], ids[2], ids[1], ids[0]));  // newest first

  grpc::ClientContext context;
  v1::ListTasksRequest scenes;
  scenes.set_kind(v1::SCENE);
  scenes.set_status(v1::SUCCEEDED);
  v1::ListTasksResponse response;
  ASSERT_TRUE(stub_->ListTasks(&context, scenes, &response).ok());
  ASSERT_EQ(response.tasks_size(), 2);
  EXPECT_EQ(response.tasks(0).id(), ids[3]);

  auto list_error = [&](const v1::ListTasksRequest& r) {
    grpc::ClientContext c;
    v1::ListTasksResponse out;
    return stub_->ListTasks(&c, r, &out);
  };
  v1::ListTasksRequest bad;
  bad.set_page_size(1001);
  ExpectInvalid(list_error(bad), "page_size");
  bad.set_page_size(-1);
  ExpectInvalid(list_error(bad), "page_size");
  v1::ListTasksRequest bad_token;
  bad_token.set_page_token("not-a-token");
  ExpectInvalid(list_error(bad_token), "page_token");
  v1::ListTasksRequest bad_status;
  bad_status.set_status(static_cast<v1::TaskStatus>(99));
  ExpectInvalid(list_error(bad_status), "status");
  v1::ListTasksRequest bad_kind;
  bad_kind.set_kind(static_cast<v1::TaskKind>(99));
  ExpectInvalid(list_error(bad_kind), "kind");
}

TEST_F(OrchestratorServiceTest, GetManifestErrors) {
  StartOrchestrator();
  auto get = [&](const std::string& id) {
    grpc::ClientContext context;
    v1::GetManifestRequest request;
    request.set_task_id(id);
    v1::GetManifestResponse response;
    return stub_->GetManifest(&context, request, &response);
  };
  ExpectInvalid(get(""), "task_id: required");
  EXPECT_EQ(get("missing").error_code(), grpc::StatusCode::NOT_FOUND);

  v1::SubmitTaskResponse goal;
  ASSERT_TRUE(Submit(Request(v1::GOAL, "Plan a trip", true), &goal).ok());
  const grpc::Status wrong_kind = get(goal.task().id());
  EXPECT_EQ(wrong_kind.error_code(), grpc::StatusCode::FAILED_PRECONDITION);
  EXPECT_THAT(wrong_kind.error_message(), HasSubstr("only PRODUCTION tasks have a manifest"));

  manifest_.script.Hold();
  const std::string id = SubmitId(Request(v1::PRODUCTION, "Narration: hello"));
  ASSERT_TRUE(WaitForStatus(id, v1::BUILDING_MANIFEST));
  const grpc::Status not_yet = get(id);
  EXPECT_EQ(not_yet.error_code(), grpc::StatusCode::NOT_FOUND);
  EXPECT_THAT(not_yet.error_message(), HasSubstr("no manifest yet (status BUILDING_MANIFEST)"));
}

TEST_F(OrchestratorServiceTest, WatchTaskStreamsTheCurrentStateThenEveryChangeToEachWatcher) {
  StartOrchestrator();
  planner_.script.Hold();
  const std::string id = SubmitId(Request(v1::GOAL, "Refactor the billing module"));
  ASSERT_TRUE(Eventually([&] { return planner_.script.waiting() == 1; }));

  constexpr int kWatchers = 3;
  std::vector<std::vector<v1::TaskEvent>> seen(kWatchers);
  std::vector<grpc::Status> ends(kWatchers);
  std::vector<std::unique_ptr<grpc::ClientContext>> contexts;
  std::vector<std::unique_ptr<grpc::ClientReader<v1::WatchTaskResponse>>> readers;
  v1::WatchTaskRequest request;
  request.set_id(id);
  for (int i = 0; i < kWatchers; ++i) {
    contexts.push_back(std::make_unique<grpc::ClientContext>());
    readers.push_back(stub_->WatchTask(contexts.back().get(), request));
    v1::WatchTaskResponse first;
    ASSERT_TRUE(readers.back()->Read(&first));
    seen[i].push_back(first.event());
  }
  planner_.script.Release();
  for (int i = 0; i < kWatchers; ++i) {
    v1::WatchTaskResponse message;
    while (readers[i]->Read(&message)) seen[i].push_back(message.event());
    ends[i] = readers[i]->Finish();
  }
  for (int i = 0; i < kWatchers; ++i) {
    EXPECT_TRUE(ends[i].ok()) << ends[i].error_message();
    std::vector<v1::TaskStatus> statuses;
    std::vector<int64_t> sequences;
    for (const auto& e : seen[i]) {
      statuses.push_back(e.status());
      sequences.push_back(e.sequence());
      EXPECT_EQ(e.task_id(), id);
      EXPECT_EQ(e.task().status(), e.status());
    }
    EXPECT_THAT(statuses, ElementsAre(v1::PLANNING, v1::PLANNED, v1::SUCCEEDED));
    EXPECT_THAT(sequences, ElementsAre(2, 3, 4));
    EXPECT_EQ(seen[i].back().task().plan().subtasks_size(), 3);
  }

  // A watcher arriving after the end gets the final state and the stream ends.
  grpc::ClientContext late;
  auto reader = stub_->WatchTask(&late, request);
  v1::WatchTaskResponse message;
  ASSERT_TRUE(reader->Read(&message));
  EXPECT_EQ(message.event().status(), v1::SUCCEEDED);
  EXPECT_FALSE(reader->Read(&message));
  EXPECT_TRUE(reader->Finish().ok());
}

TEST_F(OrchestratorServiceTest, WatchTaskErrors) {
  StartOrchestrator();
  auto watch = [&](const std::string& id) {
    grpc::ClientContext context;
    v1::WatchTaskRequest request;
    request.set_id(id);
    auto reader = stub_->WatchTask(&context, request);
    v1::WatchTaskResponse message;
    EXPECT_FALSE(reader->Read(&message));
    return reader->Finish();
  };
  ExpectInvalid(watch(""), "id: required");
  const grpc::Status missing = watch("nope");
  EXPECT_EQ(missing.error_code(), grpc::StatusCode::NOT_FOUND);
}

TEST_F(OrchestratorServiceTest, ShutdownEndsWatchStreamsWithUnavailable) {
  StartOrchestrator();
  planner_.script.Hold();
  const std::string id = SubmitId(Request(v1::GOAL, "Audit the logs"));
  grpc::ClientContext context;
  v1::WatchTaskRequest request;
  request.set_id(id);
  auto reader = stub_->WatchTask(&context, request);
  v1::WatchTaskResponse message;
  ASSERT_TRUE(reader->Read(&message));
  app_->ReleaseFollowers();
  while (reader->Read(&message)) {
  }
  const grpc::Status end = reader->Finish();
  EXPECT_EQ(end.error_code(), grpc::StatusCode::UNAVAILABLE);
  EXPECT_THAT(end.error_message(), HasSubstr("shutting down"));
}

TEST_F(OrchestratorServiceTest, AWaitCutShortByShutdownSaysSoAndNamesTheTask) {
  StartOrchestrator();
  planner_.script.Hold();
  v1::SubmitTaskResponse response;
  grpc::Status status;
  std::thread waiter(
      [&] { status = Submit(Request(v1::GOAL, "Migrate the database", true), &response); });
  ASSERT_TRUE(Eventually([&] { return planner_.script.waiting() == 1; }));
  app_->ReleaseFollowers();
  waiter.join();
  EXPECT_EQ(status.error_code(), grpc::StatusCode::UNAVAILABLE);
  EXPECT_THAT(status.error_message(), HasSubstr("shutting down; task "));
  EXPECT_THAT(status.error_message(), HasSubstr("is kept and resumes"));
}

TEST_F(OrchestratorServiceTest, CancelErrors) {
  StartOrchestrator();
  auto cancel = [&](const std::string& id, const std::string& reason) {
    grpc::ClientContext context;
    v1::CancelTaskRequest request;
    request.set_id(id);
    request.set_reason(reason);
    v1::CancelTaskResponse response;
    return stub_->CancelTask(&context, request, &response);
  };
  ExpectInvalid(cancel("", ""), "id: required");
  ExpectInvalid(cancel("x", std::string(1001, 'r')), "reason");
  EXPECT_EQ(cancel("missing", "").error_code(), grpc::StatusCode::NOT_FOUND);
  v1::SubmitTaskResponse done;
  ASSERT_TRUE(Submit(Request(v1::GOAL, "Summarise the report", true), &done).ok());
  const grpc::Status ended = cancel(done.task().id(), "");
  EXPECT_EQ(ended.error_code(), grpc::StatusCode::FAILED_PRECONDITION);
  EXPECT_THAT(ended.error_message(), HasSubstr("already ended: SUCCEEDED"));
}

TEST_F(OrchestratorServiceTest, SubmitIsRefusedWhenTooManyTasksAreActive) {
  StartOrchestrator([](OrchestratorOptions& o) { o.engine.max_active_tasks = 2; });
  planner_.script.Hold();
  SubmitId(Request(v1::GOAL, "one"));
  SubmitId(Request(v1::GOAL, "two"));
  v1::SubmitTaskResponse response;
  const grpc::Status refused = Submit(Request(v1::GOAL, "three"), &response);
  EXPECT_EQ(refused.error_code(), grpc::StatusCode::RESOURCE_EXHAUSTED);
  EXPECT_THAT(refused.error_message(), HasSubstr("limit 2"));
}

TEST_F(OrchestratorServiceTest, ReadinessNamesTheArmsButStaysReadyWhenOneIsDown) {
  StartOrchestrator([](OrchestratorOptions& o) { o.planner_target = "127.0.0.1:1"; });
  const v1::GetReadinessResponse readiness = server_->arm_info().Readiness();
  EXPECT_TRUE(readiness.ready());
  bool saw_planner = false;
  for (const auto& check : readiness.checks()) {
    if (check.name() == "arm:planner") {
      saw_planner = true;
      EXPECT_FALSE(check.ok());
      EXPECT_FALSE(check.critical());
      EXPECT_THAT(check.detail(), HasSubstr("unreachable"));
      EXPECT_THAT(check.detail(), HasSubstr("circuit CLOSED"));
    }
    if (check.name() == "arm:manifest") {
      EXPECT_TRUE(check.ok()) << check.detail();
    }
    if (check.name() == "store") {
      EXPECT_TRUE(check.ok());
      EXPECT_TRUE(check.critical());
    }
  }
  EXPECT_TRUE(saw_planner);
}

}  // namespace
}  // namespace armature::orchestrator::testing
