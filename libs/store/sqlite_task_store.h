#pragma once

// SqliteTaskStore: the TaskStore on one SQLite file (WAL mode), with a single
// writer thread that groups concurrent writes into shared transactions.
//
// Layout (see sqlite_migrations.cc for the schema):
//  - tasks: one row per task; the Task proto without plan/scene_plan/manifest/jobs
//    as a blob, those three as their own blob columns, plus the columns that
//    listings filter and order on (status, kind, insertion seq).
//  - task_jobs: one row per job, keyed by (task id, job id), with type and
//    priority as columns. Jobs get their own table rather than a blob in tasks
//    because they are the unit later job workers claim and update one at a time;
//    a row per job lets them do that without rewriting the task, and lets the
//    primary key reject duplicate job ids.
//  - task_events: the append-only history, keyed by (task id, sequence). Each
//    event stores the full task snapshot after the change (as TaskEvent.task says),
//    so a watcher that resumes from a sequence sees exactly what was streamed.
//
// Group commit: CreateTask/UpdateTask hand their write to the writer thread and
// block. The writer takes up to max_batch queued writes, runs each inside its own
// SAVEPOINT within one transaction (so one write's error does not undo the
// others), commits once (one fsync for the batch), then wakes the callers. Writes
// that arrive while a batch commits form the next batch, so throughput grows with
// concurrency instead of being bounded by one fsync per event.
//
// Reads (GetTask, ListTasks, ...) run on a separate connection; under WAL they
// never wait for the writer and see every write whose call has returned. For an
// in-memory database the one connection is shared by readers and the writer.

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "absl/random/random.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "libs/clock/clock.h"
#include "libs/store/sqlite.h"
#include "libs/store/task_store.h"

namespace armature::store {

// SQLite's `PRAGMA synchronous` in WAL mode.
enum class SqliteSynchronous {
  // fsync of the WAL on every commit: a call that returned survives power loss
  // and OS crashes. The cost is one fsync per batch, which group commit shares.
  kFull,
  // No fsync on commit (only at checkpoints): always consistent, and a committed
  // write survives a crash of the process (kill -9), but the last commits before a
  // power loss or OS crash may be rolled back. Faster on slow disks.
  kNormal,
};

// SqliteStoreOptions configures SqliteTaskStore.
struct SqliteStoreOptions {
  // Most writes (creates and updates) committed in one transaction (>= 1).
  int max_batch = 256;
  // How long the writer waits for a batch to reach max_batch before committing a
  // partial one, in microseconds (>= 0). 0 commits as soon as the writer is free,
  // which still batches writes that arrive during a commit and adds no latency.
  int64_t max_delay_us = 0;
  // How long a connection waits for a lock held by another process before
  // failing with UNAVAILABLE, in milliseconds (>= 0).
  int busy_timeout_ms = 5000;
  // Durability of a commit; see SqliteSynchronous.
  SqliteSynchronous synchronous = SqliteSynchronous::kFull;
};

// Counters of the writer, for tests and metrics.
struct WriterStats {
  // Transactions committed by the writer thread.
  uint64_t transactions = 0;
  // Writes (CreateTask/UpdateTask calls) those transactions carried, including
  // ones that failed individually and were rolled back to their savepoint.
  uint64_t writes = 0;
};

class SqliteTaskStore final : public TaskStore {
 public:
  // Open opens (creating if needed) the database file at `path`, or a private
  // in-memory database when `path` is ":memory:", applies pending schema
  // migrations and starts the writer thread. `clock` stamps created_at,
  // updated_at and event times, and must outlive the store.
  // Errors: INVALID_ARGUMENT naming a bad option; FAILED_PRECONDITION for a
  // database written by a newer schema version or a path that cannot be opened;
  // DATA_LOSS for a file that is not a SQLite database.
  static absl::StatusOr<std::unique_ptr<SqliteTaskStore>> Open(
      const std::string& path, const SqliteStoreOptions& options = {}, Clock& clock = RealClock());

  // Commits every write already queued, then stops the writer and closes.
  ~SqliteTaskStore() override;

  absl::StatusOr<CreateResult> CreateTask(const v1::Task& task) override;
  absl::StatusOr<v1::Task> GetTask(absl::string_view id) override;
  absl::StatusOr<v1::TaskEvent> UpdateTask(const v1::Task& task,
                                           const v1::TaskEvent& event) override;
  absl::StatusOr<std::vector<v1::TaskEvent>> ListEvents(absl::string_view task_id,
                                                        int64_t after_sequence) override;
  absl::StatusOr<TaskPage> ListTasks(const TaskFilter& filter, int page_size,
                                     absl::string_view page_token) override;
  absl::StatusOr<std::vector<v1::Task>> ListNonTerminal() override;
  absl::StatusOr<TaskStats> Stats() override;

  WriterStats GetWriterStats() const;
  const std::string& path() const { return path_; }
  const SqliteStoreOptions& options() const { return options_; }

 private:
  // A connection and the mutex that serialises its use.
  struct Connection {
    explicit Connection(Database database) : db(std::move(database)) {}
    Database db;
    std::mutex mu;
  };

  // One queued write. `apply` runs on the writer thread inside the batch's
  // transaction; the caller owns the op and blocks until `done`. Each op has its own
  // condition variable (under queue_mu_) so a commit wakes only the callers in its batch.
  struct WriteOp {
    std::function<absl::Status(Database&)> apply;
    absl::Status status;
    bool done = false;
    std::condition_variable done_cv;
  };

  SqliteTaskStore(std::string path, const SqliteStoreOptions& options, Clock& clock,
                  std::unique_ptr<Connection> writer, std::unique_ptr<Connection> reader);

  // Queues `op`, waits until its batch committed (or failed), returns its status.
  absl::Status Submit(WriteOp& op);
  void WriterLoop();
  void RunBatch(const std::vector<WriteOp*>& batch);

  std::string NewTaskId();

  const std::string path_;
  const SqliteStoreOptions options_;
  Clock& clock_;

  std::unique_ptr<Connection> writer_conn_;
  // Separate read connection for a file database; null for an in-memory one.
  std::unique_ptr<Connection> reader_owned_;
  // The connection reads use: reader_owned_ or writer_conn_.
  Connection* reader_ = nullptr;

  std::mutex queue_mu_;
  std::condition_variable queue_cv_;  // writer waits for work
  std::deque<WriteOp*> queue_;
  bool stopping_ = false;
  std::thread writer_thread_;

  std::atomic<uint64_t> transactions_{0};
  std::atomic<uint64_t> writes_{0};

  std::mutex id_mu_;
  absl::BitGen id_gen_;
};

}  // namespace armature::store
