#include "services/orchestrator/task_engine.h"

#include <algorithm>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "libs/clock/backoff.h"
#include "libs/runtime/logging.h"
#include "libs/runtime/metrics.h"
#include "libs/runtime/status.h"

namespace armature::orchestrator {

namespace {

using runtime::Log;
using runtime::LogLevel;

std::string CodeName(absl::StatusCode code) {
  return std::string(runtime::StatusCodeName(static_cast<grpc::StatusCode>(code)));
}

// Codes that mean "the arm cannot answer right now": the task waits at its stage and tries
// again (within its deadline) instead of failing.
bool IsWaitable(absl::StatusCode code) {
  return code == absl::StatusCode::kUnavailable || code == absl::StatusCode::kDeadlineExceeded ||
         code == absl::StatusCode::kResourceExhausted || code == absl::StatusCode::kAborted;
}

bool HasOutput(StageOp op, const v1::Task& task) {
  switch (op) {
    case StageOp::kPlan:
      return task.has_plan();
    case StageOp::kPlanScene:
      return task.has_scene_plan();
    case StageOp::kBuildManifest:
      return task.has_manifest();
  }
  return false;
}

std::string DescribeOutput(StageOp op, const v1::Task& task) {
  switch (op) {
    case StageOp::kPlan:
      return absl::StrCat("plan ready: ", task.plan().subtasks_size(), " steps (backend ",
                          task.plan().backend(), ")");
    case StageOp::kPlanScene:
      return absl::StrCat("scene plan ready: ", task.scene_plan().objects_size(), " object kinds, ",
                          task.scene_plan().characters_size(), " characters");
    case StageOp::kBuildManifest:
      return absl::StrCat("manifest ready: ", task.manifest().scenes_size(), " scenes, ",
                          task.jobs_size(), " jobs");
  }
  return "";
}

std::string FormatDelay(absl::Duration d) {
  if (d < absl::Seconds(1)) return absl::StrCat(absl::ToInt64Milliseconds(d), "ms");
  return absl::StrFormat("%.1fs", absl::ToDoubleSeconds(d));
}

}  // namespace

absl::Time TaskDeadline(const v1::Task& task) {
  const google::protobuf::Timestamp& ts = task.deadline();
  if (ts.seconds() == 0 && ts.nanos() == 0) return absl::InfiniteFuture();
  return absl::FromUnixSeconds(ts.seconds()) + absl::Nanoseconds(ts.nanos());
}

TaskEngine::TaskEngine(store::TaskStore& store, const PipelineConfig& config, StageRunner& runner,
                       TaskHub& hub, prometheus::Registry& registry, EngineOptions options,
                       Clock& clock, Sleep sleep)
    : store_(store),
      config_(config),
      runner_(runner),
      hub_(hub),
      options_(options),
      clock_(clock),
      sleep_(sleep ? std::move(sleep) : Sleep([](absl::Duration d, downstream::CancelToken& token) {
        return token.WaitFor(d);
      })),
      tasks_(prometheus::BuildGauge()
                 .Name("armature_orchestrator_tasks")
                 .Help("Tasks in each status, by kind.")
                 .Register(registry)),
      transitions_(prometheus::BuildCounter()
                       .Name("armature_orchestrator_task_transitions_total")
                       .Help("Task status changes, by kind and new status.")
                       .Register(registry)),
      stage_seconds_(prometheus::BuildHistogram()
                         .Name("armature_orchestrator_stage_seconds")
                         .Help("Time from a stage's start to its end, waits included.")
                         .Register(registry)),
      stage_waits_(prometheus::BuildCounter()
                       .Name("armature_orchestrator_stage_waits_total")
                       .Help("Times a task waited at a stage because its arm was unavailable, "
                             "by the code of the failed call.")
                       .Register(registry)),
      queue_depth_(prometheus::BuildGauge()
                       .Name("armature_orchestrator_queue_depth")
                       .Help("Tasks queued for a worker.")
                       .Register(registry)
                       .Add({})),
      running_gauge_(prometheus::BuildGauge()
                         .Name("armature_orchestrator_tasks_running")
                         .Help("Tasks a worker is running now.")
                         .Register(registry)
                         .Add({})) {}

TaskEngine::~TaskEngine() { Shutdown(); }

absl::Status TaskEngine::Start() {
  absl::StatusOr<store::TaskStats> stats = store_.Stats();
  if (!stats.ok()) return stats.status();
  for (const store::TaskCount& c : stats->counts) {
    tasks_.Add({{"kind", v1::TaskKind_Name(c.kind)}, {"status", v1::TaskStatus_Name(c.status)}})
        .Set(static_cast<double>(c.count));
  }
  absl::StatusOr<std::vector<v1::Task>> pending = store_.ListNonTerminal();
  if (!pending.ok()) return pending.status();
  {
    std::lock_guard<std::mutex> lock(gauge_mu_);
    for (const v1::Task& t : *pending) live_[t.id()] = t.status();
  }
  std::lock_guard<std::mutex> lock(mu_);
  if (started_) return absl::FailedPreconditionError("task engine already started");
  started_ = true;
  for (const v1::Task& t : *pending) queue_.push_back(t.id());
  queue_depth_.Set(static_cast<double>(queue_.size()));
  if (!pending->empty()) {
    Log(LogLevel::kInfo, "tasks_resumed", {{"count", std::to_string(pending->size())}});
  }
  for (int i = 0; i < options_.workers; ++i) workers_.emplace_back([this] { WorkerLoop(); });
  return absl::OkStatus();
}

absl::StatusOr<store::CreateResult> TaskEngine::Submit(const v1::Task& task) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (stopping_) return absl::UnavailableError("the orchestrator is shutting down");
    const size_t active = queue_.size() + running_.size();
    if (active >= static_cast<size_t>(options_.max_active_tasks)) {
      return absl::ResourceExhaustedError(
          absl::StrCat(active, " tasks are queued or running (limit ", options_.max_active_tasks,
                       "); retry later"));
    }
  }
  absl::StatusOr<store::CreateResult> created = store_.CreateTask(task);
  if (!created.ok() || created->deduplicated) return created;
  const v1::Task& t = created->task;
  {
    std::lock_guard<std::mutex> lock(gauge_mu_);
    live_[t.id()] = v1::PENDING;
  }
  const std::string kind = v1::TaskKind_Name(t.kind());
  tasks_.Add({{"kind", kind}, {"status", "PENDING"}}).Increment();
  transitions_.Add({{"kind", kind}, {"status", "PENDING"}}).Increment();
  Enqueue(t.id());
  return created;
}

void TaskEngine::Enqueue(const std::string& id) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (stopping_) return;  // persisted as PENDING: the next start resumes it
    queue_.push_back(id);
    queue_depth_.Set(static_cast<double>(queue_.size()));
  }
  cv_.notify_one();
}

absl::StatusOr<v1::Task> TaskEngine::Cancel(const std::string& id, const std::string& reason) {
  for (int tries = 0;; ++tries) {
    absl::StatusOr<v1::Task> task = store_.GetTask(id);
    if (!task.ok()) return task.status();
    if (store::IsTerminal(task->status())) {
      return absl::FailedPreconditionError(
          absl::StrCat("task ", id, " already ended: ", v1::TaskStatus_Name(task->status())));
    }
    v1::TaskError& error = *task->mutable_error();
    error.set_stage(task->stage().empty() ? "queued" : task->stage());
    error.set_code("CANCELLED");
    error.set_reason(reason.empty() ? "cancelled by a caller" : reason);
    task->set_status(v1::CANCELLED);
    v1::TaskEvent event;
    event.set_message(absl::StrCat("cancelled: ", error.reason()));
    if (absl::Status stored = UpdateAndPublish(*task, event); !stored.ok()) {
      // It ended (or changed) between the read and the write: look again.
      if (stored.code() == absl::StatusCode::kFailedPrecondition && tries < 3) continue;
      return stored;
    }
    {
      std::lock_guard<std::mutex> lock(mu_);
      if (auto it = running_.find(id); it != running_.end()) it->second.token->Cancel();
    }
    return task;
  }
}

void TaskEngine::Shutdown() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (stopping_ && workers_.empty()) return;
    stopping_ = true;
    queue_.clear();
    queue_depth_.Set(0);
    for (auto& [id, r] : running_) r.token->Cancel();
  }
  cv_.notify_all();
  std::vector<std::thread> workers;
  {
    std::lock_guard<std::mutex> lock(mu_);
    workers.swap(workers_);
  }
  for (std::thread& w : workers) w.join();
}

size_t TaskEngine::queue_depth() const {
  std::lock_guard<std::mutex> lock(mu_);
  return queue_.size();
}

int TaskEngine::running() const {
  std::lock_guard<std::mutex> lock(mu_);
  return static_cast<int>(running_.size());
}

void TaskEngine::WorkerLoop() {
  for (;;) {
    std::string id;
    {
      std::unique_lock<std::mutex> lock(mu_);
      cv_.wait(lock, [this] { return stopping_ || !queue_.empty(); });
      if (stopping_) return;
      id = std::move(queue_.front());
      queue_.pop_front();
      queue_depth_.Set(static_cast<double>(queue_.size()));
      running_[id] = Running{std::make_shared<downstream::CancelToken>()};
      running_gauge_.Set(static_cast<double>(running_.size()));
    }
    RunTask(id);
    std::lock_guard<std::mutex> lock(mu_);
    running_.erase(id);
    running_gauge_.Set(static_cast<double>(running_.size()));
  }
}

void TaskEngine::RunTask(const std::string& id) {
  std::shared_ptr<downstream::CancelToken> token;
  {
    std::lock_guard<std::mutex> lock(mu_);
    token = running_[id].token;
  }
  absl::StatusOr<v1::Task> loaded = store_.GetTask(id);
  if (!loaded.ok()) {
    Log(LogLevel::kError, "task_load_failed",
        {{"task_id", id}, {"error", std::string(loaded.status().message())}});
    return;
  }
  v1::Task task = *std::move(loaded);
  if (store::IsTerminal(task.status())) return;  // cancelled while queued
  const std::vector<StageSpec> stages = config_.EnabledStages(task.kind());
  for (size_t i = 0; i < stages.size(); ++i) {
    if (HasOutput(stages[i].op, task)) continue;
    if (RunStage(task, stages[i], i + 1 == stages.size(), *token) == Step::kStop) return;
  }
  task.set_status(v1::SUCCEEDED);
  task.clear_last_error();
  if (Commit(task, "succeeded")) {
    Log(LogLevel::kInfo, "task_succeeded",
        {{"task_id", id}, {"kind", v1::TaskKind_Name(task.kind())}});
  }
}

TaskEngine::Step TaskEngine::RunStage(v1::Task& task, const StageSpec& stage, bool last,
                                      downstream::CancelToken& token) {
  const absl::Time started = clock_.Now();
  const std::string kind = v1::TaskKind_Name(task.kind());
  const std::string name = stage.name();
  auto observe = [&](const char* outcome) {
    stage_seconds_
        .Add({{"kind", kind}, {"stage", name}, {"outcome", outcome}}, runtime::RpcLatencyBuckets())
        .Observe(absl::ToDoubleSeconds(clock_.Now() - started));
  };

  const v1::TaskStatus running = StageRunningStatus(stage.op);
  if (task.status() != running || task.stage() != name) {
    task.set_status(running);
    task.set_stage(name);
    task.set_attempts(0);
    task.clear_last_error();
    if (!Commit(task, absl::StrCat("stage ", name, " started on the ", stage.arm, " arm"))) {
      return Step::kStop;
    }
  }
  const absl::Time deadline = TaskDeadline(task);
  const BackoffOptions wait{.initial = config_.tasks.wait_initial,
                            .multiplier = 2.0,
                            .max = config_.tasks.wait_max,
                            .jitter = 0.2};
  std::string last_failure = task.last_error();  // the last error from the arm itself
  for (int round = 1;; ++round) {
    if (token.cancelled()) {
      observe("cancelled");
      return Step::kStop;
    }
    const absl::Time now = clock_.Now();
    if (now >= deadline) {
      observe("failed");
      Fail(task, stage, "DEADLINE_EXCEEDED",
           absl::StrCat("the task's deadline passed at stage ", name, " after ", task.attempts(),
                        " attempts",
                        task.last_error().empty() ? "" : "; last error: ", task.last_error()));
      return Step::kStop;
    }
    StageCall call{.deadline = options_.call_deadlines ? std::min(deadline, now + stage.timeout)
                                                       : absl::InfiniteFuture(),
                   .request_id = task.id(),
                   .cancel = &token};
    downstream::CallReport report;
    // The runner stores the stage's output in `task` only when the call succeeds.
    const absl::Status status = runner_.Run(stage, task, call, &report);
    if (status.ok()) {
      task.set_attempts(task.attempts() + std::max(report.attempts, 1));
      task.clear_last_error();
      observe("ok");
      const v1::TaskStatus done = StageDoneStatus(stage.op);
      if (done != v1::TASK_STATUS_UNSPECIFIED) task.set_status(done);
      if (last && done == v1::TASK_STATUS_UNSPECIFIED) return Step::kContinue;  // with SUCCEEDED
      return Commit(task, DescribeOutput(stage.op, task)) ? Step::kContinue : Step::kStop;
    }
    task.set_attempts(task.attempts() + report.attempts);
    if (token.cancelled() || status.code() == absl::StatusCode::kCancelled) {
      observe("cancelled");
      return Step::kStop;
    }
    std::string error = absl::StrCat(CodeName(status.code()), ": ", status.message());
    if (report.refused_by_breaker) {
      // The refusal says little on its own: keep the failure that opened the circuit with it.
      if (!last_failure.empty()) absl::StrAppend(&error, " (last failure: ", last_failure, ")");
    } else {
      last_failure = error;
    }
    task.set_last_error(error);
    if (!IsWaitable(status.code())) {
      observe("failed");
      Fail(task, stage, CodeName(status.code()), std::string(status.message()));
      return Step::kStop;
    }
    const absl::Time after = clock_.Now();
    if (after >= deadline) continue;  // the deadline check above ends it
    absl::Duration delay = std::max(BackoffDelay(wait, round, DefaultRandom()), report.retry_after);
    delay = std::min(delay, deadline - after);
    stage_waits_.Add({{"kind", kind}, {"stage", name}, {"code", CodeName(status.code())}})
        .Increment();
    if (!Commit(task, absl::StrCat(stage.arm, " call failed: ", error, "; retrying in ",
                                   FormatDelay(delay)))) {
      observe("cancelled");
      return Step::kStop;
    }
    if (!sleep_(delay, token)) {
      observe("cancelled");
      return Step::kStop;
    }
  }
}

void TaskEngine::Fail(v1::Task& task, const StageSpec& stage, absl::string_view code,
                      const std::string& reason) {
  task.set_status(v1::FAILED);
  v1::TaskError& error = *task.mutable_error();
  error.set_stage(stage.name());
  error.set_code(std::string(code));
  error.set_reason(reason);
  if (Commit(task, absl::StrCat("failed at stage ", stage.name(), ": ", code, ": ", reason))) {
    Log(LogLevel::kWarn, "task_failed",
        {{"task_id", task.id()},
         {"stage", stage.name()},
         {"code", std::string(code)},
         {"reason", reason}});
  }
}

bool TaskEngine::Commit(v1::Task& task, const std::string& message) {
  v1::TaskEvent event;
  event.set_message(message);
  absl::Duration backoff = absl::Milliseconds(50);
  for (int tries = 1;; ++tries) {
    const absl::Status stored = UpdateAndPublish(task, event);
    if (stored.ok()) return true;
    // FAILED_PRECONDITION: it ended meanwhile (cancelled): nothing more to do.
    if (stored.code() == absl::StatusCode::kFailedPrecondition) return false;
    Log(LogLevel::kError, "task_write_failed",
        {{"task_id", task.id()},
         {"try", std::to_string(tries)},
         {"error", std::string(stored.message())}});
    if (tries >= 5) return false;  // left as persisted; the next start resumes it
    clock_.SleepFor(backoff);
    backoff *= 2;
  }
}

absl::Status TaskEngine::UpdateAndPublish(v1::Task& task, const v1::TaskEvent& event) {
  // One task's writes are published in the order they were committed: the worker and a
  // CancelTask may write the same task concurrently.
  std::lock_guard<std::mutex> lock(
      task_locks_[std::hash<std::string>()(task.id()) % task_locks_.size()]);
  absl::StatusOr<v1::TaskEvent> stored = store_.UpdateTask(task, event);
  if (!stored.ok()) return stored.status();
  // The stored task is `task` with the timestamps the store set: take those rather than copy
  // the whole task back, and hand the event itself to the hub.
  *task.mutable_created_at() = stored->task().created_at();
  *task.mutable_updated_at() = stored->task().updated_at();
  const std::string kind = v1::TaskKind_Name(stored->task().kind());
  {
    std::lock_guard<std::mutex> glock(gauge_mu_);
    auto it = live_.find(stored->task_id());
    const v1::TaskStatus before = it != live_.end() ? it->second : v1::PENDING;
    if (before != stored->status()) {
      tasks_.Add({{"kind", kind}, {"status", v1::TaskStatus_Name(before)}}).Decrement();
      tasks_.Add({{"kind", kind}, {"status", v1::TaskStatus_Name(stored->status())}}).Increment();
      transitions_.Add({{"kind", kind}, {"status", v1::TaskStatus_Name(stored->status())}})
          .Increment();
    }
    if (store::IsTerminal(stored->status())) {
      live_.erase(stored->task_id());
    } else {
      live_[stored->task_id()] = stored->status();
    }
  }
  hub_.Publish(*std::move(stored));
  return absl::OkStatus();
}

}  // namespace armature::orchestrator
