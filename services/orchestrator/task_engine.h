#pragma once

#include <array>
#include <condition_variable>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "armature/v1/orchestrator.pb.h"
#include "libs/clock/clock.h"
#include "libs/downstream/downstream.h"
#include "libs/store/task_store.h"
#include "prometheus/counter.h"
#include "prometheus/family.h"
#include "prometheus/gauge.h"
#include "prometheus/histogram.h"
#include "prometheus/registry.h"
#include "services/orchestrator/pipeline_config.h"
#include "services/orchestrator/stage_runner.h"
#include "services/orchestrator/task_hub.h"

namespace armature::orchestrator {

// When `task` must be finished by (absl::InfiniteFuture() when it has no deadline).
absl::Time TaskDeadline(const v1::Task& task);

struct EngineOptions {
  // Threads running tasks (each runs one task at a time, blocking on its arm calls).
  int workers = 16;
  // Tasks queued or running at once; Submit answers RESOURCE_EXHAUSTED beyond it.
  int max_active_tasks = 10000;
  // Whether stage calls carry a deadline (min(task deadline, now + stage timeout)). Off only
  // for measuring what deadlines cost; the task's own deadline is still enforced between calls.
  bool call_deadlines = true;
};

// TaskEngine runs tasks through their pipelines: a bounded pool of workers takes queued task
// ids, runs each enabled stage whose output the task lacks, persists every status change with an
// event (then publishes it to the hub), waits with backoff at a stage while its arm is
// unavailable, and ends the task SUCCEEDED, FAILED (with stage, code and reason) or leaves it to
// a cancellation. Every transition is written before it is announced, and a terminal task never
// changes again (the store refuses), so a restart resumes exactly the unfinished work.
//
// Metrics (on `registry`):
//   armature_orchestrator_tasks{kind,status}                  tasks in each status (gauge)
//   armature_orchestrator_task_transitions_total{kind,status} status changes
//   armature_orchestrator_stage_seconds{kind,stage,outcome}   stage latency, outcome
//   ok|failed|cancelled armature_orchestrator_stage_waits_total{kind,stage,code}  waits at a stage
//   for an unavailable arm armature_orchestrator_queue_depth                         tasks queued,
//   not yet running armature_orchestrator_tasks_running                       tasks a worker is
//   running
class TaskEngine {
 public:
  // Waits between a stage's calls; false when cancelled. Tests inject one driving a ManualClock.
  using Sleep = std::function<bool(absl::Duration, downstream::CancelToken&)>;

  // Everything is borrowed and must outlive the engine.
  TaskEngine(store::TaskStore& store, const PipelineConfig& config, StageRunner& runner,
             TaskHub& hub, prometheus::Registry& registry, EngineOptions options,
             Clock& clock = RealClock(), Sleep sleep = nullptr);
  ~TaskEngine();
  TaskEngine(const TaskEngine&) = delete;
  TaskEngine& operator=(const TaskEngine&) = delete;

  // Loads the task counts, queues every non-terminal task (oldest first) and starts the workers.
  absl::Status Start();

  // Persists `task` as PENDING (or finds the task with the same idempotency key) and queues it.
  // UNAVAILABLE while shutting down, RESOURCE_EXHAUSTED past max_active_tasks, store errors.
  absl::StatusOr<store::CreateResult> Submit(const v1::Task& task);

  // Ends a task as CANCELLED, recording `reason` and the stage it was at, and abandons its call
  // in flight. NOT_FOUND; FAILED_PRECONDITION naming the status when the task already ended.
  absl::StatusOr<v1::Task> Cancel(const std::string& id, const std::string& reason);

  // Stops taking work, abandons in-flight calls (their tasks stay as persisted and are resumed
  // by the next start) and joins the workers. Idempotent.
  void Shutdown();

  size_t queue_depth() const;
  int running() const;

 private:
  struct Running {
    std::shared_ptr<downstream::CancelToken> token;
  };
  enum class Step { kContinue, kStop };

  void WorkerLoop();
  void RunTask(const std::string& id);
  Step RunStage(v1::Task& task, const StageSpec& stage, bool last, downstream::CancelToken& token);
  // Persists `task` with an event carrying `message`; publishes it. False when the task may not
  // change any more (it ended meanwhile) or the store keeps failing.
  bool Commit(v1::Task& task, const std::string& message);
  void Fail(v1::Task& task, const StageSpec& stage, absl::string_view code,
            const std::string& reason);
  // store.UpdateTask, then the gauges and the hub, serialised per task. On success `task` is
  // the task as stored (the store sets its timestamps) and the stored event has gone to the hub.
  absl::Status UpdateAndPublish(v1::Task& task, const v1::TaskEvent& event);
  void Enqueue(const std::string& id);

  store::TaskStore& store_;
  const PipelineConfig& config_;
  StageRunner& runner_;
  TaskHub& hub_;
  const EngineOptions options_;
  Clock& clock_;
  Sleep sleep_;

  prometheus::Family<prometheus::Gauge>& tasks_;
  prometheus::Family<prometheus::Counter>& transitions_;
  prometheus::Family<prometheus::Histogram>& stage_seconds_;
  prometheus::Family<prometheus::Counter>& stage_waits_;
  prometheus::Gauge& queue_depth_;
  prometheus::Gauge& running_gauge_;

  mutable std::mutex mu_;
  std::condition_variable cv_;
  bool started_ = false;
  bool stopping_ = false;
  std::deque<std::string> queue_;
  std::map<std::string, Running> running_;
  std::vector<std::thread> workers_;

  // Striped per-task write locks (see UpdateAndPublish).
  std::array<std::mutex, 64> task_locks_;
  // Status of every non-terminal task, for the tasks gauge.
  std::mutex gauge_mu_;
  std::map<std::string, v1::TaskStatus> live_;
};

}  // namespace armature::orchestrator
