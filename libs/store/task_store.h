#pragma once

// TaskStore is the orchestrator's system of record: tasks, their event history,
// and what the arms produced for them (plans, scene plans, manifests, jobs).
//
// Every write is atomic: a task's new state and the event describing the change
// are committed together or not at all, and a call returns only once its write
// is committed. A task that reached a terminal status never changes again, so a
// late pipeline write cannot overwrite a cancellation (or the other way round).

#include <cstdint>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "armature/v1/orchestrator.pb.h"

namespace armature::store {

// Page sizes accepted by ListTasks; 0 means kDefaultPageSize.
inline constexpr int kDefaultPageSize = 50;
inline constexpr int kMaxPageSize = 1000;

// IsTerminal is true for SUCCEEDED, FAILED and CANCELLED.
bool IsTerminal(v1::TaskStatus status);

// CreateResult is the outcome of CreateTask.
struct CreateResult {
  // The task as persisted (or the existing one, when deduplicated).
  v1::Task task;
  // True when the idempotency key matched an existing task and nothing was written.
  bool deduplicated = false;
};

// TaskFilter selects tasks; an UNSPECIFIED field matches any value.
struct TaskFilter {
  v1::TaskStatus status = v1::TASK_STATUS_UNSPECIFIED;
  v1::TaskKind kind = v1::TASK_KIND_UNSPECIFIED;
};

// TaskPage is one page of ListTasks.
struct TaskPage {
  // Newest first.
  std::vector<v1::Task> tasks;
  // Pass to the next ListTasks call with the same filter; empty on the last page.
  std::string next_page_token;
};

// TaskCount is the number of tasks of one kind in one status.
struct TaskCount {
  v1::TaskKind kind = v1::TASK_KIND_UNSPECIFIED;
  v1::TaskStatus status = v1::TASK_STATUS_UNSPECIFIED;
  int64_t count = 0;
};

// TaskStats counts tasks by kind and status (only non-zero combinations).
struct TaskStats {
  std::vector<TaskCount> counts;
  // Count for one combination (0 if absent).
  int64_t Get(v1::TaskKind kind, v1::TaskStatus status) const;
  // Sum over all combinations.
  int64_t Total() const;
};

class TaskStore {
 public:
  virtual ~TaskStore() = default;

  // CreateTask persists a new task as PENDING with event 1 ("accepted").
  // The store assigns id (when empty), created_at/updated_at (created_at kept when
  // set) and status. When idempotency_key is non-empty and a task with that key
  // exists, that task is returned with deduplicated = true and nothing is written;
  // concurrent creates with one key yield exactly one task.
  // Errors: INVALID_ARGUMENT (task.kind unset, task.status other than PENDING,
  // a job without id or with a duplicate id), ALREADY_EXISTS for a given id that
  // is taken.
  virtual absl::StatusOr<CreateResult> CreateTask(const v1::Task& task) = 0;

  // GetTask returns a task with its plan, scene plan, manifest and jobs.
  // Errors: INVALID_ARGUMENT (empty id), NOT_FOUND naming the id.
  virtual absl::StatusOr<v1::Task> GetTask(absl::string_view id) = 0;

  // UpdateTask replaces the task's state with `task` and appends `event`, atomically.
  // The store sets updated_at (now), keeps created_at, and fills the event's
  // task_id, sequence (previous + 1), status and stage (from `task`), time (now,
  // unless set) and task (the new state); the caller supplies event.message.
  // Returns the event as stored, ready to stream to watchers.
  // Errors: NOT_FOUND; FAILED_PRECONDITION when the stored task is terminal;
  // INVALID_ARGUMENT for an unset status, a changed kind or idempotency_key, or
  // bad job ids.
  virtual absl::StatusOr<v1::TaskEvent> UpdateTask(const v1::Task& task,
                                                   const v1::TaskEvent& event) = 0;

  // ListEvents returns the task's events with sequence > after_sequence, in order.
  // Errors: NOT_FOUND naming the task id.
  virtual absl::StatusOr<std::vector<v1::TaskEvent>> ListEvents(absl::string_view task_id,
                                                                int64_t after_sequence) = 0;

  // ListTasks pages through tasks matching `filter`, newest first. page_size 0
  // means kDefaultPageSize. Paging is by insertion order, so walking all pages
  // yields every matching task once even while new tasks arrive.
  // Errors: INVALID_ARGUMENT for page_size outside 0..kMaxPageSize, an unknown
  // filter value, or a page_token that is malformed or was issued for another filter.
  virtual absl::StatusOr<TaskPage> ListTasks(const TaskFilter& filter, int page_size,
                                             absl::string_view page_token) = 0;

  // ListNonTerminal returns every task not yet SUCCEEDED/FAILED/CANCELLED, oldest
  // first: what a restarted orchestrator must resume.
  virtual absl::StatusOr<std::vector<v1::Task>> ListNonTerminal() = 0;

  // Stats counts tasks by kind and status.
  virtual absl::StatusOr<TaskStats> Stats() = 0;
};

}  // namespace armature::store
