#include "libs/store/sqlite_task_store.h"

#include <algorithm>
#include <barrier>
#include <fstream>
#include <functional>
#include <memory>
#include <ostream>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "google/protobuf/util/message_differencer.h"
#include "gtest/gtest.h"
#include "libs/clock/clock.h"
#include "libs/store/open_task_store.h"
#include "libs/store/sqlite_migrations.h"
#include "tests/libs/store/temp_dir.h"

namespace armature::store {
namespace {

using ::google::protobuf::util::MessageDifferencer;
using ::testing::ElementsAre;
using ::testing::ElementsAreArray;
using ::testing::HasSubstr;
using ::testing::SizeIs;

::testing::AssertionResult ProtoEq(const google::protobuf::Message& actual,
                                   const google::protobuf::Message& expected) {
  MessageDifferencer differencer;
  std::string diff;
  differencer.ReportDifferencesToString(&diff);
  if (differencer.Compare(expected, actual)) return ::testing::AssertionSuccess();
  return ::testing::AssertionFailure() << "protos differ:\n" << diff;
}

std::string Message(const absl::Status& status) { return std::string(status.message()); }

v1::Task NewTask(v1::TaskKind kind, const std::string& text, const std::string& key = "") {
  v1::Task task;
  task.set_kind(kind);
  task.set_text(text);
  task.set_idempotency_key(key);
  return task;
}

v1::TaskEvent Event(const std::string& message) {
  v1::TaskEvent event;
  event.set_message(message);
  return event;
}

v1::Plan SamplePlan() {
  v1::Plan plan;
  v1::SubTask* step = plan.add_subtasks();
  step->set_step(1);
  step->set_action("research the topic");
  step->set_required_arm("research");
  step->add_acceptance_criteria("three sources");
  step->set_estimated_cost_tier(2);
  v1::SubTask* second = plan.add_subtasks();
  second->set_step(2);
  second->set_action("write it up");
  second->add_depends_on(1);
  plan.set_rationale("research first");
  plan.set_confidence(0.8);
  plan.set_backend("builtin");
  return plan;
}

v1::ProductionManifest SampleManifest() {
  v1::ProductionManifest manifest;
  manifest.set_id("m-1");
  manifest.mutable_metadata()->set_intent("explain tides");
  manifest.mutable_metadata()->set_duration_seconds(60);
  manifest.mutable_voice()->set_voice_id("narrator");
  manifest.mutable_consistency()->add_palette("#112233");
  return manifest;
}

v1::Job SampleJob(const std::string& id, v1::JobType type, int priority) {
  v1::Job job;
  job.set_id(id);
  job.set_type(type);
  job.set_priority(priority);
  job.set_provider("local");
  (*job.mutable_payload()->mutable_fields())["scene_id"].set_string_value("s1");
  (*job.mutable_payload()->mutable_fields())["seconds"].set_number_value(4.5);
  return job;
}

std::vector<std::string> Ids(const std::vector<v1::Task>& tasks) {
  std::vector<std::string> ids;
  for (const v1::Task& t : tasks) ids.push_back(t.id());
  return ids;
}

std::vector<int64_t> Sequences(const std::vector<v1::TaskEvent>& events) {
  std::vector<int64_t> seqs;
  for (const v1::TaskEvent& e : events) seqs.push_back(e.sequence());
  return seqs;
}

absl::Time ToTime(const google::protobuf::Timestamp& ts) {
  return absl::FromUnixSeconds(ts.seconds()) + absl::Nanoseconds(ts.nanos());
}

enum class Backend { kMemory, kFile };

void PrintTo(Backend backend, std::ostream* os) {
  *os << (backend == Backend::kMemory ? "Memory" : "File");
}

// Behaviour every database must have: run on a private in-memory database (one
// shared connection) and on a WAL file (separate reader connection).
class SqliteTaskStoreTest : public ::testing::TestWithParam<Backend> {
 protected:
  void SetUp() override {
    absl::StatusOr<std::unique_ptr<SqliteTaskStore>> store = OpenStore();
    ASSERT_TRUE(store.ok()) << store.status();
    store_ = *std::move(store);
  }

  absl::StatusOr<std::unique_ptr<SqliteTaskStore>> OpenStore(SqliteStoreOptions options = {}) {
    return SqliteTaskStore::Open(
        GetParam() == Backend::kMemory ? ":memory:" : dir_.File("armature.db"), options, clock_);
  }

  v1::Task Create(const v1::Task& task) {
    absl::StatusOr<CreateResult> result = store_->CreateTask(task);
    EXPECT_TRUE(result.ok()) << result.status();
    return result.ok() ? result->task : v1::Task();
  }

  v1::Task SetStatus(v1::Task task, v1::TaskStatus status, const std::string& stage = "") {
    task.set_status(status);
    task.set_stage(stage);
    absl::StatusOr<v1::TaskEvent> event = store_->UpdateTask(task, Event("now " + stage));
    EXPECT_TRUE(event.ok()) << event.status();
    return event.ok() ? event->task() : task;
  }

  TempDir dir_;
  ManualClock clock_;
  std::unique_ptr<SqliteTaskStore> store_;
};

INSTANTIATE_TEST_SUITE_P(Backends, SqliteTaskStoreTest,
                         ::testing::Values(Backend::kMemory, Backend::kFile),
                         [](const ::testing::TestParamInfo<Backend>& info) {
                           return info.param == Backend::kMemory ? "Memory" : "File";
                         });

TEST_P(SqliteTaskStoreTest, CreatePersistsPendingTaskWithFirstEvent) {
  v1::Task input = NewTask(v1::GOAL, "plan a launch");
  input.add_constraints("under budget");
  (*input.mutable_context())["team"] = "core";

  absl::StatusOr<CreateResult> created = store_->CreateTask(input);
  ASSERT_TRUE(created.ok()) << created.status();
  EXPECT_FALSE(created->deduplicated);
  const v1::Task& task = created->task;
  EXPECT_THAT(task.id(), SizeIs(36));  // a UUID
  EXPECT_EQ(task.status(), v1::PENDING);
  EXPECT_EQ(task.text(), "plan a launch");
  EXPECT_THAT(task.constraints(), ElementsAre("under budget"));
  EXPECT_EQ(task.context().at("team"), "core");
  EXPECT_EQ(ToTime(task.created_at()), clock_.Now());
  EXPECT_EQ(ToTime(task.updated_at()), clock_.Now());

  absl::StatusOr<v1::Task> read = store_->GetTask(task.id());
  ASSERT_TRUE(read.ok()) << read.status();
  EXPECT_TRUE(ProtoEq(*read, task));

  absl::StatusOr<std::vector<v1::TaskEvent>> events = store_->ListEvents(task.id(), 0);
  ASSERT_TRUE(events.ok()) << events.status();
  ASSERT_THAT(*events, SizeIs(1));
  EXPECT_EQ((*events)[0].sequence(), 1);
  EXPECT_EQ((*events)[0].task_id(), task.id());
  EXPECT_EQ((*events)[0].status(), v1::PENDING);
  EXPECT_EQ((*events)[0].message(), "task accepted");
  EXPECT_TRUE(ProtoEq((*events)[0].task(), task));

  // Two creates without a key are two tasks with different ids.
  EXPECT_NE(Create(input).id(), task.id());
}

TEST_P(SqliteTaskStoreTest, CreateValidatesInputNamingTheField) {
  absl::Status no_kind = store_->CreateTask(NewTask(v1::TASK_KIND_UNSPECIFIED, "x")).status();
  EXPECT_EQ(no_kind.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(Message(no_kind), HasSubstr("task.kind"));

  v1::Task running = NewTask(v1::GOAL, "x");
  running.set_status(v1::PLANNING);
  absl::Status status = store_->CreateTask(running).status();
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(Message(status), HasSubstr("task.status"));

  v1::Task dup_jobs = NewTask(v1::PRODUCTION, "x");
  *dup_jobs.add_jobs() = SampleJob("job_a", v1::TTS, 1);
  *dup_jobs.add_jobs() = SampleJob("job_a", v1::RENDER, 1);
  status = store_->CreateTask(dup_jobs).status();
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(Message(status), HasSubstr("task.jobs[1].id 'job_a'"));

  v1::Task empty_job = NewTask(v1::PRODUCTION, "x");
  empty_job.add_jobs();
  status = store_->CreateTask(empty_job).status();
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(Message(status), HasSubstr("task.jobs[0].id is empty"));

  absl::StatusOr<TaskStats> stats = store_->Stats();
  ASSERT_TRUE(stats.ok());
  EXPECT_EQ(stats->Total(), 0);
}

TEST_P(SqliteTaskStoreTest, CreateWithTakenIdIsAlreadyExists) {
  v1::Task task = NewTask(v1::GOAL, "first");
  task.set_id("task-1");
  EXPECT_EQ(Create(task).id(), "task-1");
  task.set_text("second");
  absl::Status status = store_->CreateTask(task).status();
  EXPECT_EQ(status.code(), absl::StatusCode::kAlreadyExists);
  EXPECT_THAT(Message(status), HasSubstr("task-1"));
  EXPECT_EQ(store_->GetTask("task-1")->text(), "first");
}

TEST_P(SqliteTaskStoreTest, GetTaskErrors) {
  absl::Status missing = store_->GetTask("no-such-task").status();
  EXPECT_EQ(missing.code(), absl::StatusCode::kNotFound);
  EXPECT_THAT(Message(missing), HasSubstr("no-such-task"));
  EXPECT_EQ(store_->GetTask("").status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(store_->ListEvents("no-such-task", 0).status().code(), absl::StatusCode::kNotFound);
}

TEST_P(SqliteTaskStoreTest, UpdatesAppendEventsInOrder) {
  const v1::Task created = Create(NewTask(v1::GOAL, "goal"));
  const absl::Time created_at = clock_.Now();

  clock_.Advance(absl::Seconds(1));
  v1::Task task = created;
  task.set_status(v1::PLANNING);
  task.set_stage("plan");
  task.set_attempts(1);
  *task.mutable_created_at() = google::protobuf::Timestamp();  // ignored: the store keeps it
  absl::StatusOr<v1::TaskEvent> planning = store_->UpdateTask(task, Event("calling planner"));
  ASSERT_TRUE(planning.ok()) << planning.status();
  EXPECT_EQ(planning->sequence(), 2);
  EXPECT_EQ(planning->task_id(), created.id());
  EXPECT_EQ(planning->status(), v1::PLANNING);
  EXPECT_EQ(planning->stage(), "plan");
  EXPECT_EQ(planning->message(), "calling planner");
  EXPECT_EQ(ToTime(planning->time()), clock_.Now());
  EXPECT_EQ(ToTime(planning->task().created_at()), created_at);
  EXPECT_EQ(ToTime(planning->task().updated_at()), clock_.Now());
  EXPECT_EQ(planning->task().attempts(), 1);

  clock_.Advance(absl::Seconds(1));
  task = planning->task();
  task.set_status(v1::PLANNED);
  *task.mutable_plan() = SamplePlan();
  absl::StatusOr<v1::TaskEvent> planned = store_->UpdateTask(task, Event("plan ready"));
  ASSERT_TRUE(planned.ok()) << planned.status();
  EXPECT_EQ(planned->sequence(), 3);

  clock_.Advance(absl::Seconds(1));
  task = planned->task();
  task.set_status(v1::SUCCEEDED);
  v1::TaskEvent with_time = Event("done");
  *with_time.mutable_time() = google::protobuf::Timestamp();
  with_time.mutable_time()->set_seconds(42);  // a caller-given time is kept
  absl::StatusOr<v1::TaskEvent> done = store_->UpdateTask(task, with_time);
  ASSERT_TRUE(done.ok()) << done.status();
  EXPECT_EQ(done->sequence(), 4);
  EXPECT_EQ(done->time().seconds(), 42);

  absl::StatusOr<v1::Task> read = store_->GetTask(created.id());
  ASSERT_TRUE(read.ok());
  EXPECT_TRUE(ProtoEq(*read, done->task()));
  EXPECT_TRUE(ProtoEq(read->plan(), SamplePlan()));

  absl::StatusOr<std::vector<v1::TaskEvent>> events = store_->ListEvents(created.id(), 0);
  ASSERT_TRUE(events.ok());
  EXPECT_THAT(Sequences(*events), ElementsAre(1, 2, 3, 4));
  std::vector<v1::TaskStatus> statuses;
  for (const v1::TaskEvent& e : *events) statuses.push_back(e.status());
  EXPECT_THAT(statuses, ElementsAre(v1::PENDING, v1::PLANNING, v1::PLANNED, v1::SUCCEEDED));
  EXPECT_TRUE(ProtoEq((*events)[2], *planned));

  absl::StatusOr<std::vector<v1::TaskEvent>> tail = store_->ListEvents(created.id(), 2);
  ASSERT_TRUE(tail.ok());
  EXPECT_THAT(Sequences(*tail), ElementsAre(3, 4));
  EXPECT_THAT(*store_->ListEvents(created.id(), 4), SizeIs(0));
}

// The event's task is put together from the row's blobs, not serialized again: it must still be
// the whole task, every part included.
TEST_P(SqliteTaskStoreTest, EventsHoldTheWholeTaskWithEveryPart) {
  v1::Task task = Create(NewTask(v1::PRODUCTION, "a treatment"));
  task.set_status(v1::BUILDING_MANIFEST);
  task.set_stage("manifest");
  *task.mutable_plan() = SamplePlan();
  task.mutable_scene_plan()->add_warnings("a scene plan warning");
  *task.mutable_manifest() = SampleManifest();
  *task.add_jobs() = SampleJob("job_tts_s1", v1::TTS, 5);
  *task.add_jobs() = SampleJob("job_render", v1::RENDER, 1);
  absl::StatusOr<v1::TaskEvent> stored = store_->UpdateTask(task, Event("manifest built"));
  ASSERT_TRUE(stored.ok()) << stored.status();
  EXPECT_TRUE(ProtoEq(stored->task().manifest(), task.manifest()));

  absl::StatusOr<std::vector<v1::TaskEvent>> events = store_->ListEvents(task.id(), 0);
  ASSERT_TRUE(events.ok()) << events.status();
  ASSERT_THAT(*events, SizeIs(2));
  const v1::TaskEvent& event = (*events)[1];
  EXPECT_TRUE(ProtoEq(event, *stored));
  EXPECT_EQ(event.message(), "manifest built");
  EXPECT_EQ(event.task().stage(), "manifest");
  EXPECT_TRUE(ProtoEq(event.task().plan(), task.plan()));
  EXPECT_EQ(event.task().scene_plan().warnings(0), "a scene plan warning");
  ASSERT_EQ(event.task().jobs_size(), 2);
  EXPECT_TRUE(ProtoEq(event.task().jobs(1), task.jobs(1)));
  absl::StatusOr<v1::Task> read = store_->GetTask(task.id());
  ASSERT_TRUE(read.ok()) << read.status();
  EXPECT_TRUE(ProtoEq(event.task(), *read));
}

TEST_P(SqliteTaskStoreTest, StoresPlansScenePlansManifestsAndJobs) {
  v1::Task production = Create(NewTask(v1::PRODUCTION, "a treatment"));
  production.set_status(v1::BUILDING_MANIFEST);
  *production.mutable_plan() = SamplePlan();
  *production.mutable_manifest() = SampleManifest();
  v1::Job render = SampleJob("job_render", v1::RENDER, 1);
  render.add_depends_on("job_tts_s1");
  render.add_depends_on("job_image_s1");
  *production.add_jobs() = SampleJob("job_tts_s1", v1::TTS, 5);
  *production.add_jobs() = SampleJob("job_image_s1", v1::GENERATE_IMAGE, 3);
  *production.add_jobs() = render;
  ASSERT_TRUE(store_->UpdateTask(production, Event("manifest built")).ok());

  absl::StatusOr<v1::Task> read = store_->GetTask(production.id());
  ASSERT_TRUE(read.ok()) << read.status();
  EXPECT_TRUE(ProtoEq(read->plan(), production.plan()));
  EXPECT_TRUE(ProtoEq(read->manifest(), production.manifest()));
  ASSERT_EQ(read->jobs_size(), 3);
  for (int i = 0; i < 3; ++i) EXPECT_TRUE(ProtoEq(read->jobs(i), production.jobs(i))) << i;
  EXPECT_FALSE(read->has_scene_plan());

  // Replacing the jobs replaces them exactly (order kept, removed ones gone).
  v1::Task fewer = *read;
  fewer.clear_jobs();
  *fewer.add_jobs() = render;
  *fewer.add_jobs() = SampleJob("job_tts_s1", v1::TTS, 9);
  ASSERT_TRUE(store_->UpdateTask(fewer, Event("jobs changed")).ok());
  read = store_->GetTask(production.id());
  ASSERT_TRUE(read.ok());
  ASSERT_EQ(read->jobs_size(), 2);
  EXPECT_EQ(read->jobs(0).id(), "job_render");
  EXPECT_EQ(read->jobs(1).priority(), 9);

  // Unchanged jobs are left as they are; a change inside a payload alone is still written, and
  // clearing the jobs removes them.
  v1::Task same = *read;
  ASSERT_TRUE(store_->UpdateTask(same, Event("same jobs")).ok());
  v1::Task payload = same;
  (*payload.mutable_jobs(1)->mutable_payload()->mutable_fields())["seconds"].set_number_value(6);
  ASSERT_TRUE(store_->UpdateTask(payload, Event("payload changed")).ok());
  read = store_->GetTask(production.id());
  ASSERT_TRUE(read.ok());
  ASSERT_EQ(read->jobs_size(), 2);
  EXPECT_TRUE(ProtoEq(read->jobs(0), payload.jobs(0)));
  EXPECT_EQ(read->jobs(1).payload().fields().at("seconds").number_value(), 6);
  v1::Task none = *read;
  none.clear_jobs();
  ASSERT_TRUE(store_->UpdateTask(none, Event("jobs dropped")).ok());
  read = store_->GetTask(production.id());
  ASSERT_TRUE(read.ok());
  EXPECT_EQ(read->jobs_size(), 0);

  v1::Task scene = Create(NewTask(v1::SCENE, "a rainy street at night"));
  scene.set_status(v1::PLANNED);
  scene.mutable_scene_plan()->mutable_environment()->set_weather("rain");
  v1::SceneObject* lamp = scene.mutable_scene_plan()->add_objects();
  lamp->set_type("street_lamp");
  lamp->set_count(4);
  ASSERT_TRUE(store_->UpdateTask(scene, Event("scene planned")).ok());
  read = store_->GetTask(scene.id());
  ASSERT_TRUE(read.ok());
  EXPECT_TRUE(ProtoEq(read->scene_plan(), scene.scene_plan()));
  EXPECT_FALSE(read->has_plan());
  EXPECT_FALSE(read->has_manifest());
  EXPECT_EQ(read->jobs_size(), 0);
}

TEST_P(SqliteTaskStoreTest, UpdateErrorsLeaveTheTaskUnchanged) {
  const v1::Task task = Create(NewTask(v1::GOAL, "goal", "key-1"));

  v1::Task unknown = task;
  unknown.set_id("ghost");
  unknown.set_status(v1::PLANNING);
  absl::Status status = store_->UpdateTask(unknown, Event("x")).status();
  EXPECT_EQ(status.code(), absl::StatusCode::kNotFound);
  EXPECT_THAT(Message(status), HasSubstr("ghost"));

  v1::Task no_status = task;
  no_status.set_status(v1::TASK_STATUS_UNSPECIFIED);
  status = store_->UpdateTask(no_status, Event("x")).status();
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(Message(status), HasSubstr("task.status"));

  v1::Task other_kind = task;
  other_kind.set_kind(v1::SCENE);
  status = store_->UpdateTask(other_kind, Event("x")).status();
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(Message(status), HasSubstr("task.kind cannot change"));

  v1::Task other_key = task;
  other_key.set_idempotency_key("key-2");
  status = store_->UpdateTask(other_key, Event("x")).status();
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(Message(status), HasSubstr("task.idempotency_key"));

  const v1::Task cancelled = SetStatus(task, v1::CANCELLED, "plan");
  v1::Task late = cancelled;
  late.set_status(v1::PLANNED);
  *late.mutable_plan() = SamplePlan();
  status = store_->UpdateTask(late, Event("plan ready")).status();
  EXPECT_EQ(status.code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(Message(status), HasSubstr("already ended as CANCELLED"));

  absl::StatusOr<v1::Task> read = store_->GetTask(task.id());
  ASSERT_TRUE(read.ok());
  EXPECT_TRUE(ProtoEq(*read, cancelled));
  EXPECT_THAT(Sequences(*store_->ListEvents(task.id(), 0)), ElementsAre(1, 2));
}

TEST_P(SqliteTaskStoreTest, SameIdempotencyKeyReturnsTheSameTask) {
  absl::StatusOr<CreateResult> first = store_->CreateTask(NewTask(v1::GOAL, "original", "k1"));
  ASSERT_TRUE(first.ok()) << first.status();
  EXPECT_FALSE(first->deduplicated);

  // Even after the task moved on, a resubmission returns it as it is now.
  const v1::Task planning = SetStatus(first->task, v1::PLANNING, "plan");
  absl::StatusOr<CreateResult> again = store_->CreateTask(NewTask(v1::GOAL, "resubmitted", "k1"));
  ASSERT_TRUE(again.ok()) << again.status();
  EXPECT_TRUE(again->deduplicated);
  EXPECT_TRUE(ProtoEq(again->task, planning));

  absl::StatusOr<CreateResult> other = store_->CreateTask(NewTask(v1::GOAL, "other", "k2"));
  ASSERT_TRUE(other.ok());
  EXPECT_FALSE(other->deduplicated);
  EXPECT_NE(other->task.id(), first->task.id());
  EXPECT_EQ(store_->Stats()->Total(), 2);
}

TEST_P(SqliteTaskStoreTest, ConcurrentCreatesWithOneKeyMakeExactlyOneTask) {
  constexpr int kThreads = 8;
  std::barrier start(kThreads);
  std::vector<absl::StatusOr<CreateResult>> results(kThreads, absl::UnknownError("not run"));
  std::vector<std::thread> threads;
  for (int i = 0; i < kThreads; ++i) {
    threads.emplace_back([&, i] {
      start.arrive_and_wait();
      results[i] = store_->CreateTask(NewTask(v1::GOAL, absl::StrCat("attempt ", i), "same-key"));
    });
  }
  for (std::thread& t : threads) t.join();

  std::set<std::string> ids;
  int created = 0;
  for (const auto& result : results) {
    ASSERT_TRUE(result.ok()) << result.status();
    ids.insert(result->task.id());
    if (!result->deduplicated) ++created;
  }
  EXPECT_THAT(ids, SizeIs(1));
  EXPECT_EQ(created, 1);
  absl::StatusOr<TaskPage> page = store_->ListTasks({}, 100, "");
  ASSERT_TRUE(page.ok());
  EXPECT_THAT(Ids(page->tasks), ElementsAre(*ids.begin()));
  EXPECT_THAT(*store_->ListEvents(*ids.begin(), 0), SizeIs(1));
}

TEST_P(SqliteTaskStoreTest, ListTasksFiltersByStatusAndKind) {
  const v1::Task goal_pending = Create(NewTask(v1::GOAL, "g1"));
  const v1::Task goal_done = SetStatus(Create(NewTask(v1::GOAL, "g2")), v1::SUCCEEDED);
  const v1::Task scene_pending = Create(NewTask(v1::SCENE, "s1"));
  const v1::Task prod_done = SetStatus(Create(NewTask(v1::PRODUCTION, "p1")), v1::SUCCEEDED);
  const v1::Task prod_failed = SetStatus(Create(NewTask(v1::PRODUCTION, "p2")), v1::FAILED);

  const auto list = [&](v1::TaskStatus status, v1::TaskKind kind) {
    absl::StatusOr<TaskPage> page = store_->ListTasks(TaskFilter{status, kind}, 100, "");
    EXPECT_TRUE(page.ok()) << page.status();
    EXPECT_EQ(page->next_page_token, "");
    return Ids(page->tasks);
  };
  EXPECT_THAT(list(v1::TASK_STATUS_UNSPECIFIED, v1::TASK_KIND_UNSPECIFIED),
              ElementsAre(prod_failed.id(), prod_done.id(), scene_pending.id(), goal_done.id(),
                          goal_pending.id()));
  EXPECT_THAT(list(v1::SUCCEEDED, v1::TASK_KIND_UNSPECIFIED),
              ElementsAre(prod_done.id(), goal_done.id()));
  EXPECT_THAT(list(v1::TASK_STATUS_UNSPECIFIED, v1::PRODUCTION),
              ElementsAre(prod_failed.id(), prod_done.id()));
  EXPECT_THAT(list(v1::PENDING, v1::GOAL), ElementsAre(goal_pending.id()));
  EXPECT_THAT(list(v1::PLANNING, v1::GOAL), ElementsAre());
}

TEST_P(SqliteTaskStoreTest, PagingVisitsEveryTaskOnceNewestFirst) {
  std::vector<std::string> created;
  for (int i = 0; i < 23; ++i) {
    created.push_back(Create(NewTask(i % 2 == 0 ? v1::GOAL : v1::SCENE, absl::StrCat(i))).id());
  }
  const std::vector<std::string> newest_first(created.rbegin(), created.rend());

  const auto walk = [&](const TaskFilter& filter, int page_size, std::vector<size_t>* sizes) {
    std::vector<std::string> seen;
    std::string token;
    do {
      absl::StatusOr<TaskPage> page = store_->ListTasks(filter, page_size, token);
      EXPECT_TRUE(page.ok()) << page.status();
      if (!page.ok()) break;
      sizes->push_back(page->tasks.size());
      for (const v1::Task& t : page->tasks) seen.push_back(t.id());
      token = page->next_page_token;
    } while (!token.empty());
    return seen;
  };

  std::vector<size_t> sizes;
  EXPECT_THAT(walk({}, 5, &sizes), ElementsAreArray(newest_first));
  EXPECT_THAT(sizes, ElementsAre(5, 5, 5, 5, 3));

  std::vector<std::string> goals;
  for (const std::string& id : newest_first) {
    if (store_->GetTask(id)->kind() == v1::GOAL) goals.push_back(id);
  }
  sizes.clear();
  EXPECT_THAT(walk(TaskFilter{v1::TASK_STATUS_UNSPECIFIED, v1::GOAL}, 4, &sizes),
              ElementsAreArray(goals));
  EXPECT_THAT(sizes, ElementsAre(4, 4, 4));  // 12 goals: the last page is full, no empty page

  sizes.clear();
  EXPECT_THAT(walk({}, 0, &sizes), ElementsAreArray(newest_first));  // default page size
  EXPECT_THAT(sizes, ElementsAre(23));
}

TEST_P(SqliteTaskStoreTest, PagingIsStableWhileTasksArrive) {
  std::vector<std::string> created;
  for (int i = 0; i < 6; ++i) created.push_back(Create(NewTask(v1::GOAL, absl::StrCat(i))).id());

  absl::StatusOr<TaskPage> first = store_->ListTasks({}, 3, "");
  ASSERT_TRUE(first.ok());
  EXPECT_THAT(Ids(first->tasks), ElementsAre(created[5], created[4], created[3]));
  Create(NewTask(v1::GOAL, "newer"));
  Create(NewTask(v1::GOAL, "newest"));
  absl::StatusOr<TaskPage> second = store_->ListTasks({}, 3, first->next_page_token);
  ASSERT_TRUE(second.ok()) << second.status();
  EXPECT_THAT(Ids(second->tasks), ElementsAre(created[2], created[1], created[0]));
  EXPECT_EQ(second->next_page_token, "");
}

TEST_P(SqliteTaskStoreTest, ListTasksRejectsBadArguments) {
  for (int i = 0; i < 3; ++i) Create(NewTask(v1::GOAL, absl::StrCat(i)));
  absl::StatusOr<TaskPage> page = store_->ListTasks({}, 1, "");
  ASSERT_TRUE(page.ok());
  ASSERT_FALSE(page->next_page_token.empty());

  absl::Status status = store_->ListTasks({}, 1, "not-a-token").status();
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(Message(status), HasSubstr("page_token"));

  std::string altered = page->next_page_token;
  altered[altered.size() / 2] = altered[altered.size() / 2] == 'A' ? 'B' : 'A';
  EXPECT_EQ(store_->ListTasks({}, 1, altered).status().code(), absl::StatusCode::kInvalidArgument);

  status =
      store_
          ->ListTasks(TaskFilter{v1::PENDING, v1::TASK_KIND_UNSPECIFIED}, 1, page->next_page_token)
          .status();
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(Message(status), HasSubstr("another filter"));

  for (int size : {-1, kMaxPageSize + 1}) {
    status = store_->ListTasks({}, size, "").status();
    EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument) << size;
    EXPECT_THAT(Message(status), HasSubstr("page_size"));
  }
  status = store_->ListTasks(TaskFilter{static_cast<v1::TaskStatus>(42), v1::GOAL}, 1, "").status();
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(Message(status), HasSubstr("status filter"));
}

TEST_P(SqliteTaskStoreTest, ListNonTerminalReturnsUnfinishedTasksOldestFirst) {
  const v1::Task pending = Create(NewTask(v1::GOAL, "a"));
  const v1::Task planning = SetStatus(Create(NewTask(v1::GOAL, "b")), v1::PLANNING, "plan");
  SetStatus(Create(NewTask(v1::GOAL, "c")), v1::SUCCEEDED);
  SetStatus(Create(NewTask(v1::GOAL, "d")), v1::FAILED);
  SetStatus(Create(NewTask(v1::GOAL, "e")), v1::CANCELLED);
  v1::Task building = Create(NewTask(v1::PRODUCTION, "f"));
  building.set_status(v1::BUILDING_MANIFEST);
  *building.add_jobs() = SampleJob("job_1", v1::TTS, 1);
  building = store_->UpdateTask(building, Event("building"))->task();

  absl::StatusOr<std::vector<v1::Task>> open = store_->ListNonTerminal();
  ASSERT_TRUE(open.ok()) << open.status();
  EXPECT_THAT(Ids(*open), ElementsAre(pending.id(), planning.id(), building.id()));
  EXPECT_TRUE(ProtoEq((*open)[2], building));  // complete, jobs included
}

TEST_P(SqliteTaskStoreTest, StatsCountByKindAndStatus) {
  Create(NewTask(v1::GOAL, "a"));
  Create(NewTask(v1::GOAL, "b"));
  SetStatus(Create(NewTask(v1::GOAL, "c")), v1::SUCCEEDED);
  SetStatus(Create(NewTask(v1::SCENE, "d")), v1::FAILED);
  absl::StatusOr<TaskStats> stats = store_->Stats();
  ASSERT_TRUE(stats.ok()) << stats.status();
  EXPECT_EQ(stats->Get(v1::GOAL, v1::PENDING), 2);
  EXPECT_EQ(stats->Get(v1::GOAL, v1::SUCCEEDED), 1);
  EXPECT_EQ(stats->Get(v1::SCENE, v1::FAILED), 1);
  EXPECT_EQ(stats->Get(v1::PRODUCTION, v1::PENDING), 0);
  EXPECT_EQ(stats->Total(), 4);
  EXPECT_THAT(stats->counts, SizeIs(3));
}

// Runs `calls` concurrently, released together by a barrier.
void RunTogether(const std::vector<std::function<void()>>& calls) {
  std::barrier start(static_cast<std::ptrdiff_t>(calls.size()));
  std::vector<std::thread> threads;
  for (const auto& call : calls) {
    threads.emplace_back([&start, &call] {
      start.arrive_and_wait();
      call();
    });
  }
  for (std::thread& t : threads) t.join();
}

// The writer waits (up to a bound far beyond any scheduling delay) until a batch
// is full, so these counts are exact rather than timing-dependent.
constexpr int64_t kWaitForFullBatchUs = 60'000'000;

TEST_P(SqliteTaskStoreTest, GroupCommitPutsConcurrentWritesInOneTransaction) {
  constexpr int kWriters = 8;
  store_.reset();
  absl::StatusOr<std::unique_ptr<SqliteTaskStore>> store =
      OpenStore({.max_batch = kWriters, .max_delay_us = kWaitForFullBatchUs});
  ASSERT_TRUE(store.ok()) << store.status();
  store_ = *std::move(store);
  const WriterStats before = store_->GetWriterStats();

  std::vector<v1::Task> tasks(kWriters);
  std::vector<std::function<void()>> creates;
  for (int i = 0; i < kWriters; ++i) {
    creates.push_back([&, i] { tasks[i] = Create(NewTask(v1::GOAL, absl::StrCat(i))); });
  }
  RunTogether(creates);
  WriterStats after_creates = store_->GetWriterStats();
  EXPECT_EQ(after_creates.transactions - before.transactions, 1u);
  EXPECT_EQ(after_creates.writes - before.writes, static_cast<uint64_t>(kWriters));

  std::vector<absl::StatusOr<v1::TaskEvent>> events(kWriters, absl::UnknownError("not run"));
  std::vector<std::function<void()>> updates;
  for (int i = 0; i < kWriters; ++i) {
    updates.push_back([&, i] {
      v1::Task t = tasks[i];
      t.set_status(v1::PLANNING);
      events[i] = store_->UpdateTask(t, Event("planning"));
    });
  }
  RunTogether(updates);
  const WriterStats after_updates = store_->GetWriterStats();
  EXPECT_EQ(after_updates.transactions - after_creates.transactions, 1u);
  for (int i = 0; i < kWriters; ++i) {
    ASSERT_TRUE(events[i].ok()) << events[i].status();
    EXPECT_EQ(events[i]->sequence(), 2);
    EXPECT_EQ(store_->GetTask(tasks[i].id())->status(), v1::PLANNING);  // committed
  }
}

TEST_P(SqliteTaskStoreTest, GroupCommitSplitsAtMaxBatch) {
  store_.reset();
  absl::StatusOr<std::unique_ptr<SqliteTaskStore>> store =
      OpenStore({.max_batch = 4, .max_delay_us = kWaitForFullBatchUs});
  ASSERT_TRUE(store.ok()) << store.status();
  store_ = *std::move(store);

  std::vector<std::function<void()>> creates;
  for (int i = 0; i < 16; ++i)
    creates.push_back([&, i] { Create(NewTask(v1::GOAL, absl::StrCat(i))); });
  RunTogether(creates);
  EXPECT_EQ(store_->GetWriterStats().transactions, 4u);
  EXPECT_EQ(store_->GetWriterStats().writes, 16u);
  EXPECT_EQ(store_->Stats()->Total(), 16);
}

TEST_P(SqliteTaskStoreTest, FailedWriteDoesNotUndoTheRestOfItsBatch) {
  store_.reset();
  absl::StatusOr<std::unique_ptr<SqliteTaskStore>> store =
      OpenStore({.max_batch = 4, .max_delay_us = kWaitForFullBatchUs});
  ASSERT_TRUE(store.ok()) << store.status();
  store_ = *std::move(store);

  std::vector<v1::Task> tasks(4);
  std::vector<std::function<void()>> creates;
  for (int i = 0; i < 4; ++i)
    creates.push_back([&, i] { tasks[i] = Create(NewTask(v1::GOAL, "t")); });
  RunTogether(creates);

  tasks[3].set_id("does-not-exist");  // this update fails inside the shared transaction
  std::vector<absl::Status> results(4);
  std::vector<std::function<void()>> updates;
  for (int i = 0; i < 4; ++i) {
    updates.push_back([&, i] {
      v1::Task t = tasks[i];
      t.set_status(v1::PLANNING);
      results[i] = store_->UpdateTask(t, Event("planning")).status();
    });
  }
  RunTogether(updates);
  EXPECT_EQ(store_->GetWriterStats().transactions, 2u);
  EXPECT_EQ(results[3].code(), absl::StatusCode::kNotFound);
  for (int i = 0; i < 3; ++i) {
    EXPECT_TRUE(results[i].ok()) << results[i];
    EXPECT_EQ(store_->GetTask(tasks[i].id())->status(), v1::PLANNING);
    EXPECT_THAT(Sequences(*store_->ListEvents(tasks[i].id(), 0)), ElementsAre(1, 2));
  }
}

TEST_P(SqliteTaskStoreTest, ConcurrentWritersAndReadersKeepSequencesContiguous) {
  constexpr int kWriters = 4;
  constexpr int kTasksPerWriter = 10;
  constexpr v1::TaskStatus kPath[] = {v1::PLANNING, v1::PLANNED, v1::SUCCEEDED};
  std::atomic<bool> writing{true};
  std::atomic<int> read_errors{0};
  std::vector<std::function<void()>> calls;
  for (int w = 0; w < kWriters; ++w) {
    calls.push_back([&] {
      for (int i = 0; i < kTasksPerWriter; ++i) {
        v1::Task t = Create(NewTask(v1::GOAL, "work"));
        for (v1::TaskStatus status : kPath) t = SetStatus(t, status);
      }
    });
  }
  calls.push_back([&] {
    // Keeps reading while the writers run; every snapshot must be consistent.
    while (writing.load()) {
      absl::StatusOr<TaskPage> page = store_->ListTasks({}, 1000, "");
      if (!page.ok()) {
        ++read_errors;
        continue;
      }
      for (const v1::Task& t : page->tasks) {
        absl::StatusOr<std::vector<v1::TaskEvent>> events = store_->ListEvents(t.id(), 0);
        if (!events.ok() || events->empty() ||
            events->back().sequence() != static_cast<int64_t>(events->size())) {
          ++read_errors;
        }
      }
    }
  });
  {
    // The reader stops once the writers are done: run writers + reader together,
    // and flip the flag when the last writer finishes.
    std::atomic<int> remaining{kWriters};
    for (int w = 0; w < kWriters; ++w) {
      auto inner = calls[w];
      calls[w] = [&, inner] {
        inner();
        if (--remaining == 0) writing.store(false);
      };
    }
    RunTogether(calls);
  }
  EXPECT_EQ(read_errors.load(), 0);
  absl::StatusOr<TaskStats> stats = store_->Stats();
  ASSERT_TRUE(stats.ok());
  EXPECT_EQ(stats->Get(v1::GOAL, v1::SUCCEEDED), kWriters * kTasksPerWriter);
  absl::StatusOr<TaskPage> all = store_->ListTasks({}, 1000, "");
  ASSERT_TRUE(all.ok());
  for (const v1::Task& t : all->tasks) {
    EXPECT_THAT(Sequences(*store_->ListEvents(t.id(), 0)), ElementsAre(1, 2, 3, 4));
  }
}

// Behaviour of the database file itself.
class SqliteFileTest : public ::testing::Test {
 protected:
  std::unique_ptr<SqliteTaskStore> MustOpen(SqliteStoreOptions options = {}) {
    absl::StatusOr<std::unique_ptr<SqliteTaskStore>> store =
        SqliteTaskStore::Open(path_, options, clock_);
    EXPECT_TRUE(store.ok()) << store.status();
    return store.ok() ? *std::move(store) : nullptr;
  }

  Database RawOpen() {
    absl::StatusOr<Database> db = Database::Open(path_, SQLITE_OPEN_READWRITE);
    EXPECT_TRUE(db.ok()) << db.status();
    return *std::move(db);
  }

  TempDir dir_;
  const std::string path_ = dir_.File("armature.db");
  ManualClock clock_;
};

TEST_F(SqliteFileTest, ReopeningReturnsEverything) {
  std::vector<v1::Task> tasks;
  std::vector<std::vector<v1::TaskEvent>> events;
  std::string done_id;
  {
    std::unique_ptr<SqliteTaskStore> store = MustOpen();
    ASSERT_NE(store, nullptr);
    v1::Task production = store->CreateTask(NewTask(v1::PRODUCTION, "t", "key-p"))->task;
    production.set_status(v1::BUILDING_MANIFEST);
    production.set_stage("build_manifest");
    *production.mutable_plan() = SamplePlan();
    *production.mutable_manifest() = SampleManifest();
    *production.add_jobs() = SampleJob("job_tts_s1", v1::TTS, 2);
    production.set_last_error("manifest service UNAVAILABLE");
    ASSERT_TRUE(store->UpdateTask(production, Event("building")).ok());
    v1::Task goal = store->CreateTask(NewTask(v1::GOAL, "g"))->task;
    v1::Task done = goal;
    done.set_status(v1::FAILED);
    done.mutable_error()->set_stage("plan");
    done.mutable_error()->set_code("DEADLINE_EXCEEDED");
    done.mutable_error()->set_reason("planner did not answer in time");
    ASSERT_TRUE(store->UpdateTask(done, Event("failed")).ok());
    done_id = done.id();
    ASSERT_TRUE(store->CreateTask(NewTask(v1::SCENE, "s")).ok());

    tasks = store->ListTasks({}, 100, "")->tasks;
    for (const v1::Task& t : tasks) events.push_back(*store->ListEvents(t.id(), 0));
  }
  ASSERT_THAT(tasks, SizeIs(3));

  std::unique_ptr<SqliteTaskStore> store = MustOpen();
  ASSERT_NE(store, nullptr);
  absl::StatusOr<TaskPage> page = store->ListTasks({}, 100, "");
  ASSERT_TRUE(page.ok());
  ASSERT_THAT(page->tasks, SizeIs(3));
  for (size_t i = 0; i < tasks.size(); ++i) {
    EXPECT_TRUE(ProtoEq(page->tasks[i], tasks[i])) << i;
    absl::StatusOr<std::vector<v1::TaskEvent>> reread = store->ListEvents(tasks[i].id(), 0);
    ASSERT_TRUE(reread.ok());
    ASSERT_EQ(reread->size(), events[i].size());
    for (size_t j = 0; j < reread->size(); ++j) EXPECT_TRUE(ProtoEq((*reread)[j], events[i][j]));
  }
  // Resume: the two unfinished tasks, oldest first; the failed one is not among them.
  absl::StatusOr<std::vector<v1::Task>> open = store->ListNonTerminal();
  ASSERT_TRUE(open.ok());
  EXPECT_THAT(Ids(*open), ElementsAre(tasks[2].id(), tasks[0].id()));
  EXPECT_EQ(store->GetTask(done_id)->error().reason(), "planner did not answer in time");
  // The idempotency key survives, and sequences continue where they stopped.
  absl::StatusOr<CreateResult> again = store->CreateTask(NewTask(v1::PRODUCTION, "t", "key-p"));
  ASSERT_TRUE(again.ok());
  EXPECT_TRUE(again->deduplicated);
  EXPECT_EQ(again->task.id(), tasks[2].id());
  v1::Task next = again->task;
  next.set_status(v1::SUCCEEDED);
  EXPECT_EQ(store->UpdateTask(next, Event("done"))->sequence(), 3);
}

TEST_F(SqliteFileTest, VersionOneDatabaseIsMigratedKeepingEveryTaskEventAndJob) {
  // Rows written by the store, copied into a database that has only schema version 1
  // (task_events and task_jobs clustered WITHOUT ROWID on the task id).
  const std::string source_path = dir_.File("source.db");
  std::vector<v1::Task> tasks;
  std::vector<std::vector<v1::TaskEvent>> events;
  {
    absl::StatusOr<std::unique_ptr<SqliteTaskStore>> source =
        SqliteTaskStore::Open(source_path, {}, clock_);
    ASSERT_TRUE(source.ok()) << source.status();
    v1::Task production = (*source)->CreateTask(NewTask(v1::PRODUCTION, "t", "key-p"))->task;
    production.set_status(v1::BUILDING_MANIFEST);
    *production.mutable_plan() = SamplePlan();
    *production.mutable_manifest() = SampleManifest();
    *production.add_jobs() = SampleJob("job_tts_s1", v1::TTS, 2);
    *production.add_jobs() = SampleJob("job_render", v1::RENDER, 1);
    ASSERT_TRUE((*source)->UpdateTask(production, Event("building")).ok());
    ASSERT_TRUE((*source)->CreateTask(NewTask(v1::GOAL, "g")).ok());
    tasks = (*source)->ListTasks({}, 100, "")->tasks;
    for (const v1::Task& t : tasks) events.push_back(*(*source)->ListEvents(t.id(), 0));
  }
  ASSERT_THAT(tasks, SizeIs(2));
  {
    absl::StatusOr<Database> db = Database::Open(path_, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE);
    ASSERT_TRUE(db.ok()) << db.status();
    ASSERT_TRUE(ApplyMigrations(*db, TaskStoreMigrations().first(1)).ok());
    ASSERT_EQ(*db->QueryInt64("PRAGMA user_version"), 1);
    const absl::Status copied = db->Exec(absl::StrCat(
        "ATTACH DATABASE '", source_path, "' AS source; ",
        "INSERT INTO tasks SELECT * FROM source.tasks; ",
        "INSERT INTO task_events (task_id, sequence, status, time_ns, event) "
        "SELECT task_id, sequence, status, time_ns, event FROM source.task_events; ",
        "INSERT INTO task_jobs (task_id, job_id, ordinal, type, priority, provider, job) "
        "SELECT task_id, job_id, ordinal, type, priority, provider, job FROM source.task_jobs; ",
        "DETACH DATABASE source"));
    ASSERT_TRUE(copied.ok()) << copied;
  }

  std::unique_ptr<SqliteTaskStore> store = MustOpen();
  ASSERT_NE(store, nullptr);
  Database db = RawOpen();
  EXPECT_EQ(*db.QueryInt64("PRAGMA user_version"), LatestTaskStoreSchemaVersion());
  EXPECT_EQ(*db.QueryInt64("SELECT COUNT(*) FROM sqlite_master WHERE sql LIKE '%WITHOUT ROWID%'"),
            0);
  EXPECT_EQ(*db.QueryInt64("SELECT COUNT(*) FROM sqlite_master WHERE type = 'index' AND name IN "
                           "('task_events_by_task', 'task_jobs_by_id', 'task_jobs_by_ordinal')"),
            3);
  EXPECT_EQ(*db.QueryInt64("SELECT COUNT(*) FROM pragma_foreign_key_check"), 0);

  absl::StatusOr<TaskPage> page = store->ListTasks({}, 100, "");
  ASSERT_TRUE(page.ok()) << page.status();
  ASSERT_THAT(page->tasks, SizeIs(2));
  for (size_t i = 0; i < tasks.size(); ++i) {
    EXPECT_TRUE(ProtoEq(page->tasks[i], tasks[i])) << i;
    absl::StatusOr<std::vector<v1::TaskEvent>> reread = store->ListEvents(tasks[i].id(), 0);
    ASSERT_TRUE(reread.ok()) << reread.status();
    ASSERT_EQ(reread->size(), events[i].size());
    for (size_t j = 0; j < reread->size(); ++j) EXPECT_TRUE(ProtoEq((*reread)[j], events[i][j]));
  }
  const v1::Task& production = tasks[1];
  ASSERT_EQ(production.kind(), v1::PRODUCTION);
  EXPECT_THAT(store->GetTask(production.id())->jobs(), SizeIs(2));
  // The unique indexes keep the old primary keys' guarantees.
  EXPECT_FALSE(db.Exec(absl::StrCat("INSERT INTO task_events (task_id, sequence, status, time_ns, "
                                    "event) VALUES ('",
                                    production.id(), "', 2, 1, 0, x'')"))
                   .ok());
  EXPECT_FALSE(db.Exec(absl::StrCat("INSERT INTO task_jobs (task_id, job_id, ordinal, type, "
                                    "priority, provider, job) VALUES ('",
                                    production.id(), "', 'job_render', 9, 1, 1, '', x'')"))
                   .ok());
  // Sequences continue after the migrated events.
  v1::Task next = production;
  next.set_status(v1::SUCCEEDED);
  EXPECT_EQ(store->UpdateTask(next, Event("done"))->sequence(), 3);
}

TEST_F(SqliteFileTest, WriteFailingHalfwayIsUndoneAndItsBatchCommits) {
  MustOpen().reset();
  // Fault injection: inserting the first event of task "poison" fails, after the
  // task row itself has been written in the same write.
  ASSERT_TRUE(RawOpen()
                  .Exec("CREATE TRIGGER poison BEFORE INSERT ON task_events "
                        "WHEN NEW.task_id = 'poison' BEGIN SELECT RAISE(ABORT, 'injected'); END")
                  .ok());
  std::unique_ptr<SqliteTaskStore> store = MustOpen({.max_batch = 3, .max_delay_us = 60'000'000});
  ASSERT_NE(store, nullptr);

  std::vector<absl::StatusOr<CreateResult>> results(3, absl::UnknownError("not run"));
  std::vector<std::function<void()>> creates;
  for (int i = 0; i < 3; ++i) {
    creates.push_back([&, i] {
      v1::Task task = NewTask(v1::GOAL, absl::StrCat(i));
      if (i == 1) task.set_id("poison");
      results[i] = store->CreateTask(task);
    });
  }
  RunTogether(creates);
  EXPECT_EQ(store->GetWriterStats().transactions, 1u);
  ASSERT_FALSE(results[1].ok());
  EXPECT_THAT(Message(results[1].status()), HasSubstr("injected"));
  EXPECT_EQ(store->GetTask("poison").status().code(), absl::StatusCode::kNotFound);
  ASSERT_TRUE(results[0].ok()) << results[0].status();
  ASSERT_TRUE(results[2].ok()) << results[2].status();
  EXPECT_THAT(Ids(*store->ListNonTerminal()),
              ::testing::UnorderedElementsAre(results[0]->task.id(), results[2]->task.id()));
}

TEST_F(SqliteFileTest, FileIsWalVersionedAndEnforcesUniqueIdempotencyKeys) {
  std::unique_ptr<SqliteTaskStore> store = MustOpen();
  ASSERT_NE(store, nullptr);
  ASSERT_TRUE(store->CreateTask(NewTask(v1::GOAL, "g", "unique-key")).ok());

  Database db = RawOpen();
  EXPECT_EQ(*db.QueryText("PRAGMA journal_mode"), "wal");
  EXPECT_EQ(*db.QueryInt64("PRAGMA user_version"), LatestTaskStoreSchemaVersion());
  // The schema itself refuses a second task with the key, whoever writes it.
  absl::Status dup = db.Exec(
      "INSERT INTO tasks (id, kind, status, idempotency_key, created_at_ns, updated_at_ns, "
      "last_event_sequence, task) VALUES ('other', 1, 1, 'unique-key', 0, 0, 0, x'')");
  EXPECT_EQ(dup.code(), absl::StatusCode::kAlreadyExists) << dup;
  // Tasks without a key do not collide with each other.
  EXPECT_TRUE(store->CreateTask(NewTask(v1::GOAL, "a")).ok());
  EXPECT_TRUE(store->CreateTask(NewTask(v1::GOAL, "b")).ok());
  // Events cannot point at a task that does not exist (foreign keys are on).
  absl::Status orphan = db.Exec(
      "PRAGMA foreign_keys = ON; INSERT INTO task_events (task_id, sequence, status, time_ns, "
      "event) VALUES ('ghost', 1, 1, 0, x'')");
  EXPECT_FALSE(orphan.ok());
}

TEST_F(SqliteFileTest, EmptyFileIsMigratedToTheLatestSchema) {
  { std::ofstream touch(path_); }
  std::unique_ptr<SqliteTaskStore> store = MustOpen();
  ASSERT_NE(store, nullptr);
  EXPECT_TRUE(store->CreateTask(NewTask(v1::GOAL, "g")).ok());
  store.reset();
  EXPECT_EQ(*RawOpen().QueryInt64("PRAGMA user_version"), LatestTaskStoreSchemaVersion());
}

TEST_F(SqliteFileTest, NewerSchemaVersionIsRefused) {
  MustOpen().reset();
  ASSERT_TRUE(RawOpen()
                  .Exec(absl::StrCat("PRAGMA user_version = ", LatestTaskStoreSchemaVersion() + 1))
                  .ok());
  absl::StatusOr<std::unique_ptr<SqliteTaskStore>> store = SqliteTaskStore::Open(path_, {}, clock_);
  ASSERT_EQ(store.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(Message(store.status()), HasSubstr(path_));
  EXPECT_THAT(Message(store.status()), HasSubstr("newer armature"));
}

TEST_F(SqliteFileTest, NotADatabaseIsDataLoss) {
  {
    std::ofstream junk(path_);
    junk << "this is not a SQLite database, just some text that is long enough to have a header";
  }
  absl::StatusOr<std::unique_ptr<SqliteTaskStore>> store = SqliteTaskStore::Open(path_, {}, clock_);
  EXPECT_EQ(store.status().code(), absl::StatusCode::kDataLoss) << store.status();
  EXPECT_THAT(Message(store.status()), HasSubstr(path_));
}

TEST_F(SqliteFileTest, MissingDirectoryIsFailedPrecondition) {
  const std::string path = dir_.File("no/such/dir/armature.db");
  absl::StatusOr<std::unique_ptr<SqliteTaskStore>> store = SqliteTaskStore::Open(path, {}, clock_);
  EXPECT_EQ(store.status().code(), absl::StatusCode::kFailedPrecondition) << store.status();
  EXPECT_THAT(Message(store.status()), HasSubstr("does the directory exist"));
}

TEST_F(SqliteFileTest, OptionsAreValidatedNamingTheField) {
  const auto open = [&](SqliteStoreOptions options) {
    return SqliteTaskStore::Open(path_, options, clock_).status();
  };
  EXPECT_THAT(Message(open({.max_batch = 0})), HasSubstr("max_batch"));
  EXPECT_THAT(Message(open({.max_delay_us = -1})), HasSubstr("max_delay_us"));
  EXPECT_THAT(Message(open({.busy_timeout_ms = -5})), HasSubstr("busy_timeout_ms"));
  EXPECT_EQ(open({.max_batch = 0}).code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(SqliteTaskStore::Open("", {}, clock_).status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_TRUE(open({.synchronous = SqliteSynchronous::kNormal}).ok());
}

TEST_F(SqliteFileTest, OpenTaskStoreFollowsTheUrl) {
  absl::StatusOr<std::unique_ptr<TaskStore>> file =
      OpenTaskStore(absl::StrCat("sqlite://", path_), {}, clock_);
  ASSERT_TRUE(file.ok()) << file.status();
  const std::string id = (*file)->CreateTask(NewTask(v1::GOAL, "g"))->task.id();
  file->reset();
  EXPECT_EQ(MustOpen()->GetTask(id)->text(), "g");

  absl::StatusOr<std::unique_ptr<TaskStore>> memory =
      OpenTaskStore("sqlite://:memory:", {}, clock_);
  ASSERT_TRUE(memory.ok()) << memory.status();
  EXPECT_EQ((*memory)->GetTask(id).status().code(), absl::StatusCode::kNotFound);

  EXPECT_EQ(OpenTaskStore("postgresql://db/armature").status().code(),
            absl::StatusCode::kInvalidArgument);
}

TEST_F(SqliteFileTest, OpenTaskStoreTakesSynchronousFromTheUrl) {
  absl::StatusOr<std::unique_ptr<TaskStore>> normal =
      OpenTaskStore(absl::StrCat("sqlite://", path_, "?synchronous=normal"), {}, clock_);
  ASSERT_TRUE(normal.ok()) << normal.status();
  auto* sqlite = dynamic_cast<SqliteTaskStore*>(normal->get());
  ASSERT_NE(sqlite, nullptr);
  EXPECT_EQ(sqlite->options().synchronous, SqliteSynchronous::kNormal);
  EXPECT_EQ(sqlite->path(), path_);
  EXPECT_TRUE((*normal)->CreateTask(NewTask(v1::GOAL, "g")).ok());
  normal->reset();

  // Without the parameter the options passed in decide (full by default).
  absl::StatusOr<std::unique_ptr<TaskStore>> full =
      OpenTaskStore(absl::StrCat("sqlite://", path_), {}, clock_);
  ASSERT_TRUE(full.ok()) << full.status();
  EXPECT_EQ(dynamic_cast<SqliteTaskStore*>(full->get())->options().synchronous,
            SqliteSynchronous::kFull);
}

}  // namespace
}  // namespace armature::store
