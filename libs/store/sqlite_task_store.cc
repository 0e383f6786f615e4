#include "libs/store/sqlite_task_store.h"

#include <chrono>
#include <limits>
#include <optional>
#include <utility>

#include "absl/container/flat_hash_set.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "google/protobuf/io/coded_stream.h"
#include "google/protobuf/io/zero_copy_stream_impl_lite.h"
#include "google/protobuf/wire_format_lite.h"
#include "libs/store/page_token.h"
#include "libs/store/sqlite_migrations.h"

namespace armature::store {
namespace {

// Columns that ParseTaskColumns reads, in order.
constexpr absl::string_view kTaskColumns = "id, task, plan, scene_plan, manifest";

google::protobuf::Timestamp ToTimestamp(absl::Time t) {
  const int64_t nanos = absl::ToUnixNanos(t);
  google::protobuf::Timestamp ts;
  int64_t seconds = nanos / 1'000'000'000;
  int64_t rem = nanos % 1'000'000'000;
  if (rem < 0) {
    rem += 1'000'000'000;
    --seconds;
  }
  ts.set_seconds(seconds);
  ts.set_nanos(static_cast<int32_t>(rem));
  return ts;
}

int64_t TimestampNanos(const google::protobuf::Timestamp& ts) {
  return ts.seconds() * 1'000'000'000 + ts.nanos();
}

google::protobuf::Timestamp NanosToTimestamp(int64_t nanos) {
  return ToTimestamp(absl::FromUnixNanos(nanos));
}

std::string Serialize(const google::protobuf::MessageLite& message) {
  std::string out;
  message.SerializeToString(&out);
  return out;
}

// Map fields (a job's Struct payload) in key order, so that equal jobs have equal bytes.
std::string SerializeDeterministic(const google::protobuf::MessageLite& message) {
  std::string out;
  {
    google::protobuf::io::StringOutputStream stream(&out);
    google::protobuf::io::CodedOutputStream coded(&stream);
    coded.SetSerializationDeterministic(true);
    message.SerializeToCodedStream(&coded);
  }
  return out;
}

absl::Status ParseBlob(absl::string_view blob, google::protobuf::MessageLite* message,
                       absl::string_view what, absl::string_view task_id) {
  if (!message->ParseFromArray(blob.data(), static_cast<int>(blob.size()))) {
    return absl::DataLossError(
        absl::StrCat("task ", task_id, ": stored ", what, " is not a valid protobuf message"));
  }
  return absl::OkStatus();
}

// The part of a task stored in tasks.task: everything except what has its own
// column or table. The big parts are moved aside while it is serialised, not copied.
std::string CoreTaskBlob(v1::Task& task) {
  std::unique_ptr<v1::Plan> plan(task.has_plan() ? task.release_plan() : nullptr);
  std::unique_ptr<v1::ScenePlan> scene_plan(task.has_scene_plan() ? task.release_scene_plan()
                                                                  : nullptr);
  std::unique_ptr<v1::ProductionManifest> manifest(task.has_manifest() ? task.release_manifest()
                                                                       : nullptr);
  google::protobuf::RepeatedPtrField<v1::Job> jobs;
  jobs.Swap(task.mutable_jobs());
  std::string blob = Serialize(task);
  if (plan) task.set_allocated_plan(plan.release());
  if (scene_plan) task.set_allocated_scene_plan(scene_plan.release());
  if (manifest) task.set_allocated_manifest(manifest.release());
  jobs.Swap(task.mutable_jobs());
  return blob;
}

// A task serialized once, for its row, its jobs and its event.
struct TaskBlobs {
  std::string core;  // tasks.task (CoreTaskBlob)
  std::optional<std::string> plan;
  std::optional<std::string> scene_plan;
  std::optional<std::string> manifest;
  std::vector<std::string> jobs;  // task_jobs.job, deterministic
};

TaskBlobs SerializeTask(v1::Task& task) {
  TaskBlobs blobs;
  blobs.core = CoreTaskBlob(task);
  if (task.has_plan()) blobs.plan = Serialize(task.plan());
  if (task.has_scene_plan()) blobs.scene_plan = Serialize(task.scene_plan());
  if (task.has_manifest()) blobs.manifest = Serialize(task.manifest());
  blobs.jobs.reserve(static_cast<size_t>(task.jobs_size()));
  for (const v1::Job& job : task.jobs()) blobs.jobs.push_back(SerializeDeterministic(job));
  return blobs;
}

// Appends field `number` holding the serialized message `bytes`: its tag, length and bytes.
void AppendMessageField(int number, absl::string_view bytes, std::string* out) {
  google::protobuf::io::StringOutputStream stream(out);
  google::protobuf::io::CodedOutputStream coded(&stream);
  coded.WriteTag(google::protobuf::internal::WireFormatLite::MakeTag(
      number, google::protobuf::internal::WireFormatLite::WIRETYPE_LENGTH_DELIMITED));
  coded.WriteVarint32(static_cast<uint32_t>(bytes.size()));
  coded.WriteRaw(bytes.data(), static_cast<int>(bytes.size()));
}

// The serialized event: `event` (without a task) with `task` as its task. The task's bytes are
// put together from its blobs rather than serialized again: a parser takes a message's fields
// in any order, so the core blob followed by the plan, scene plan, manifest and jobs as fields
// is the whole task.
std::string EventBlob(const v1::TaskEvent& event, const TaskBlobs& task) {
  std::string task_bytes = task.core;
  if (task.plan) AppendMessageField(v1::Task::kPlanFieldNumber, *task.plan, &task_bytes);
  if (task.scene_plan) {
    AppendMessageField(v1::Task::kScenePlanFieldNumber, *task.scene_plan, &task_bytes);
  }
  if (task.manifest) {
    AppendMessageField(v1::Task::kManifestFieldNumber, *task.manifest, &task_bytes);
  }
  for (const std::string& job : task.jobs) {
    AppendMessageField(v1::Task::kJobsFieldNumber, job, &task_bytes);
  }
  std::string out = Serialize(event);
  AppendMessageField(v1::TaskEvent::kTaskFieldNumber, task_bytes, &out);
  return out;
}

// Binds an optional blob to `index`: the bytes when present, else NULL.
void BindOptionalBlob(Statement& stmt, int index, const std::optional<std::string>& blob) {
  if (blob) {
    stmt.BindBlob(index, *blob);
  } else {
    stmt.BindNull(index);
  }
}

// Reads the kTaskColumns of `stmt`, starting at column `first`, into a task
// (jobs not included).
absl::StatusOr<v1::Task> ParseTaskColumns(const Statement& stmt, int first) {
  const std::string id = stmt.ColumnText(first);
  v1::Task task;
  if (absl::Status s = ParseBlob(stmt.ColumnBlob(first + 1), &task, "task", id); !s.ok()) return s;
  if (!stmt.ColumnIsNull(first + 2)) {
    if (absl::Status s = ParseBlob(stmt.ColumnBlob(first + 2), task.mutable_plan(), "plan", id);
        !s.ok()) {
      return s;
    }
  }
  if (!stmt.ColumnIsNull(first + 3)) {
    if (absl::Status s =
            ParseBlob(stmt.ColumnBlob(first + 3), task.mutable_scene_plan(), "scene plan", id);
        !s.ok()) {
      return s;
    }
  }
  if (!stmt.ColumnIsNull(first + 4)) {
    if (absl::Status s =
            ParseBlob(stmt.ColumnBlob(first + 4), task.mutable_manifest(), "manifest", id);
        !s.ok()) {
      return s;
    }
  }
  return task;
}

absl::Status LoadJobs(Database& db, v1::Task& task) {
  absl::StatusOr<Statement> stmt =
      db.Prepare("SELECT job FROM task_jobs WHERE task_id = ?1 ORDER BY ordinal");
  if (!stmt.ok()) return stmt.status();
  stmt->BindText(1, task.id());
  while (true) {
    absl::StatusOr<bool> row = stmt->Step();
    if (!row.ok()) return row.status();
    if (!*row) return absl::OkStatus();
    if (absl::Status s = ParseBlob(stmt->ColumnBlob(0), task.add_jobs(), "job", task.id());
        !s.ok()) {
      return s;
    }
  }
}

// Runs a query whose rows are kTaskColumns from column `first` on, and returns
// the tasks with their jobs. With `seqs`, column 0 must be tasks.seq; it is
// collected there, one per task.
absl::StatusOr<std::vector<v1::Task>> CollectTasks(Database& db, Statement& stmt, int first,
                                                   std::vector<int64_t>* seqs = nullptr) {
  std::vector<v1::Task> tasks;
  while (true) {
    absl::StatusOr<bool> row = stmt.Step();
    if (!row.ok()) return row.status();
    if (!*row) break;
    absl::StatusOr<v1::Task> task = ParseTaskColumns(stmt, first);
    if (!task.ok()) return task.status();
    if (seqs != nullptr) seqs->push_back(stmt.ColumnInt64(0));
    tasks.push_back(*std::move(task));
  }
  for (v1::Task& task : tasks) {
    if (absl::Status s = LoadJobs(db, task); !s.ok()) return s;
  }
  return tasks;
}

// Looks a task up by a unique column ("id" or "idempotency_key").
absl::StatusOr<std::optional<v1::Task>> FindTask(Database& db, absl::string_view column,
                                                 absl::string_view value) {
  absl::StatusOr<Statement> stmt =
      db.Prepare(absl::StrCat("SELECT ", kTaskColumns, " FROM tasks WHERE ", column, " = ?1"));
  if (!stmt.ok()) return stmt.status();
  stmt->BindText(1, value);
  absl::StatusOr<std::vector<v1::Task>> tasks = CollectTasks(db, *stmt, 0);
  if (!tasks.ok()) return tasks.status();
  if (tasks->empty()) return std::nullopt;
  return std::move(tasks->front());
}

// True when task_jobs already holds exactly `blobs` (the task's jobs, serialized), in order.
absl::StatusOr<bool> JobsUnchanged(Database& db, const std::string& task_id,
                                   const std::vector<std::string>& blobs) {
  absl::StatusOr<Statement> stmt =
      db.Prepare("SELECT job FROM task_jobs WHERE task_id = ?1 ORDER BY ordinal");
  if (!stmt.ok()) return stmt.status();
  stmt->BindText(1, task_id);
  for (size_t i = 0;; ++i) {
    absl::StatusOr<bool> row = stmt->Step();
    if (!row.ok()) return row.status();
    if (!*row) return i == blobs.size();
    if (i >= blobs.size() || stmt->ColumnBlob(0) != blobs[i]) return false;
  }
}

// Writes the task's jobs, serialized in `blobs` (one per job, in order).
absl::Status WriteJobs(Database& db, const v1::Task& task, const std::vector<std::string>& blobs,
                       bool replace) {
  if (replace) {
    // Jobs are set once, when the manifest is built; most updates leave them as they are.
    absl::StatusOr<bool> unchanged = JobsUnchanged(db, task.id(), blobs);
    if (!unchanged.ok()) return unchanged.status();
    if (*unchanged) return absl::OkStatus();
    absl::StatusOr<Statement> del = db.Prepare("DELETE FROM task_jobs WHERE task_id = ?1");
    if (!del.ok()) return del.status();
    del->BindText(1, task.id());
    if (absl::Status s = del->Run(); !s.ok()) return s;
  }
  if (task.jobs().empty()) return absl::OkStatus();
  absl::StatusOr<Statement> insert = db.Prepare(
      "INSERT INTO task_jobs (task_id, job_id, ordinal, type, priority, provider, job) "
      "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)");
  if (!insert.ok()) return insert.status();
  for (int i = 0; i < task.jobs_size(); ++i) {
    const v1::Job& job = task.jobs(i);
    insert->BindText(1, task.id());
    insert->BindText(2, job.id());
    insert->BindInt64(3, i);
    insert->BindInt64(4, job.type());
    insert->BindInt64(5, job.priority());
    insert->BindText(6, job.provider());
    insert->BindBlob(7, blobs[static_cast<size_t>(i)]);
    if (absl::Status s = insert->Run(); !s.ok()) return s;
    insert->Reset();
  }
  return absl::OkStatus();
}

// Inserts `event` (its task not set) with the task serialized in `task`.
absl::Status InsertEvent(Database& db, const v1::TaskEvent& event, const TaskBlobs& task) {
  absl::StatusOr<Statement> stmt = db.Prepare(
      "INSERT INTO task_events (task_id, sequence, status, time_ns, event) "
      "VALUES (?1, ?2, ?3, ?4, ?5)");
  if (!stmt.ok()) return stmt.status();
  stmt->BindText(1, event.task_id());
  stmt->BindInt64(2, event.sequence());
  stmt->BindInt64(3, event.status());
  stmt->BindInt64(4, TimestampNanos(event.time()));
  stmt->BindBlob(5, EventBlob(event, task));
  return stmt->Run();
}

absl::Status ValidateJobs(const v1::Task& task) {
  absl::flat_hash_set<absl::string_view> seen;
  for (int i = 0; i < task.jobs_size(); ++i) {
    const std::string& id = task.jobs(i).id();
    if (id.empty()) {
      return absl::InvalidArgumentError(absl::StrCat("task.jobs[", i, "].id is empty"));
    }
    if (!seen.insert(id).second) {
      return absl::InvalidArgumentError(
          absl::StrCat("task.jobs[", i, "].id '", id, "' is used by an earlier job"));
    }
  }
  return absl::OkStatus();
}

absl::Status ValidateKind(v1::TaskKind kind, absl::string_view field) {
  if (kind == v1::TASK_KIND_UNSPECIFIED || !v1::TaskKind_IsValid(kind)) {
    return absl::InvalidArgumentError(
        absl::StrCat(field, " must be GOAL, SCENE or PRODUCTION, got ", static_cast<int>(kind)));
  }
  return absl::OkStatus();
}

// Runs `body` in a read transaction on `db` (under `mu`), so it sees one snapshot.
template <typename Result, typename Body>
absl::StatusOr<Result> ReadTransaction(Database& db, std::mutex& mu, Body body) {
  std::lock_guard<std::mutex> lock(mu);
  if (absl::Status s = db.Exec("BEGIN"); !s.ok()) return s;
  absl::StatusOr<Result> result = body(db);
  // A read transaction has nothing to keep: COMMIT and ROLLBACK both just end it.
  absl::Status end = db.Exec(result.ok() ? "COMMIT" : "ROLLBACK");
  if (result.ok() && !end.ok()) return end;
  return result;
}

absl::Status NotFound(absl::string_view id) {
  return absl::NotFoundError(absl::StrCat("task '", id, "' not found"));
}

absl::Status ValidateOptions(const SqliteStoreOptions& options) {
  if (options.max_batch < 1) {
    return absl::InvalidArgumentError(
        absl::StrCat("SqliteStoreOptions.max_batch must be >= 1, got ", options.max_batch));
  }
  if (options.max_delay_us < 0) {
    return absl::InvalidArgumentError(
        absl::StrCat("SqliteStoreOptions.max_delay_us must be >= 0, got ", options.max_delay_us));
  }
  if (options.busy_timeout_ms < 0) {
    return absl::InvalidArgumentError(absl::StrCat(
        "SqliteStoreOptions.busy_timeout_ms must be >= 0, got ", options.busy_timeout_ms));
  }
  return absl::OkStatus();
}

// Per-connection settings. Journal mode is a property of the file and is set
// once, by the writer connection, before migrations.
absl::Status ConfigureConnection(Database& db, const SqliteStoreOptions& options, bool read_only) {
  if (absl::Status s = db.Exec(absl::StrCat("PRAGMA busy_timeout = ", options.busy_timeout_ms));
      !s.ok()) {
    return s;
  }
  if (absl::Status s = db.Exec("PRAGMA foreign_keys = ON"); !s.ok()) return s;
  absl::StatusOr<int64_t> fk = db.QueryInt64("PRAGMA foreign_keys");
  if (!fk.ok()) return fk.status();
  if (*fk != 1) {
    return absl::FailedPreconditionError(
        "this SQLite library cannot enforce foreign keys (built with SQLITE_OMIT_FOREIGN_KEY)");
  }
  const char* sync = options.synchronous == SqliteSynchronous::kFull ? "FULL" : "NORMAL";
  if (absl::Status s = db.Exec(absl::StrCat("PRAGMA synchronous = ", sync)); !s.ok()) return s;
  if (absl::Status s = db.Exec("PRAGMA temp_store = MEMORY"); !s.ok()) return s;
  if (read_only) return db.Exec("PRAGMA query_only = ON");
  return absl::OkStatus();
}

absl::Status Annotate(const absl::Status& status, absl::string_view path) {
  if (status.ok()) return status;
  return absl::Status(status.code(),
                      absl::StrCat("opening task store '", path, "': ", status.message()));
}

std::string StatusName(v1::TaskStatus status) {
  const std::string& name = v1::TaskStatus_Name(status);
  return name.empty() ? absl::StrCat(static_cast<int>(status)) : name;
}

absl::StatusOr<bool> TaskExists(Database& db, absl::string_view id) {
  absl::StatusOr<Statement> stmt = db.Prepare("SELECT 1 FROM tasks WHERE id = ?1");
  if (!stmt.ok()) return stmt.status();
  stmt->BindText(1, id);
  return stmt->Step();
}

}  // namespace

bool IsTerminal(v1::TaskStatus status) {
  return status == v1::SUCCEEDED || status == v1::FAILED || status == v1::CANCELLED;
}

int64_t TaskStats::Get(v1::TaskKind kind, v1::TaskStatus status) const {
  for (const TaskCount& c : counts) {
    if (c.kind == kind && c.status == status) return c.count;
  }
  return 0;
}

int64_t TaskStats::Total() const {
  int64_t total = 0;
  for (const TaskCount& c : counts) total += c.count;
  return total;
}

absl::StatusOr<std::unique_ptr<SqliteTaskStore>> SqliteTaskStore::Open(
    const std::string& path, const SqliteStoreOptions& options, Clock& clock) {
  if (absl::Status s = ValidateOptions(options); !s.ok()) return s;
  if (path.empty()) {
    return absl::InvalidArgumentError("task store path is empty; give a file path or :memory:");
  }
  const bool in_memory = path == ":memory:";
  // NOMUTEX: each connection is used under its own mutex, never by two threads at once.
  const int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX;

  absl::StatusOr<Database> writer = Database::Open(path, flags);
  if (!writer.ok()) return Annotate(writer.status(), path);
  if (absl::Status s = ConfigureConnection(*writer, options, /*read_only=*/false); !s.ok()) {
    return Annotate(s, path);
  }
  if (!in_memory) {
    absl::StatusOr<std::string> mode = writer->QueryText("PRAGMA journal_mode = WAL");
    if (!mode.ok()) return Annotate(mode.status(), path);
    if (*mode != "wal") {
      return Annotate(absl::FailedPreconditionError(absl::StrCat(
                          "cannot switch to WAL journal mode (still '", *mode,
                          "'); WAL needs a local filesystem with shared memory support")),
                      path);
    }
  }
  if (absl::Status s = ApplyMigrations(*writer, TaskStoreMigrations()); !s.ok()) {
    return Annotate(s, path);
  }

  std::unique_ptr<Connection> reader;
  if (!in_memory) {
    absl::StatusOr<Database> db = Database::Open(path, flags);
    if (!db.ok()) return Annotate(db.status(), path);
    if (absl::Status s = ConfigureConnection(*db, options, /*read_only=*/true); !s.ok()) {
      return Annotate(s, path);
    }
    reader = std::make_unique<Connection>(*std::move(db));
  }
  return std::unique_ptr<SqliteTaskStore>(new SqliteTaskStore(
      path, options, clock, std::make_unique<Connection>(*std::move(writer)), std::move(reader)));
}

SqliteTaskStore::SqliteTaskStore(std::string path, const SqliteStoreOptions& options, Clock& clock,
                                 std::unique_ptr<Connection> writer,
                                 std::unique_ptr<Connection> reader)
    : path_(std::move(path)),
      options_(options),
      clock_(clock),
      writer_conn_(std::move(writer)),
      reader_owned_(std::move(reader)) {
  reader_ = reader_owned_ != nullptr ? reader_owned_.get() : writer_conn_.get();
  writer_thread_ = std::thread([this] { WriterLoop(); });
}

SqliteTaskStore::~SqliteTaskStore() {
  {
    std::lock_guard<std::mutex> lock(queue_mu_);
    stopping_ = true;
  }
  queue_cv_.notify_all();
  writer_thread_.join();
}

WriterStats SqliteTaskStore::GetWriterStats() const {
  return WriterStats{transactions_.load(), writes_.load()};
}

std::string SqliteTaskStore::NewTaskId() {
  uint64_t hi = 0;
  uint64_t lo = 0;
  {
    std::lock_guard<std::mutex> lock(id_mu_);
    hi = absl::Uniform<uint64_t>(id_gen_);
    lo = absl::Uniform<uint64_t>(id_gen_);
  }
  // RFC 4122 version 4 (random) UUID.
  hi = (hi & 0xffffffffffff0fffULL) | 0x0000000000004000ULL;
  lo = (lo & 0x3fffffffffffffffULL) | 0x8000000000000000ULL;
  return absl::StrFormat("%08x-%04x-%04x-%04x-%012x", hi >> 32, (hi >> 16) & 0xffff, hi & 0xffff,
                         lo >> 48, lo & 0xffffffffffffULL);
}

absl::Status SqliteTaskStore::Submit(WriteOp& op) {
  std::unique_lock<std::mutex> lock(queue_mu_);
  if (stopping_) return absl::FailedPreconditionError("task store is closing; write not accepted");
  queue_.push_back(&op);
  queue_cv_.notify_one();
  op.done_cv.wait(lock, [&op] { return op.done; });
  return op.status;
}

void SqliteTaskStore::WriterLoop() {
  const size_t max_batch = static_cast<size_t>(options_.max_batch);
  std::unique_lock<std::mutex> lock(queue_mu_);
  while (true) {
    queue_cv_.wait(lock, [this] { return stopping_ || !queue_.empty(); });
    if (queue_.empty()) return;  // stopping, and everything queued has been written
    if (queue_.size() < max_batch && options_.max_delay_us > 0 && !stopping_) {
      queue_cv_.wait_for(lock, std::chrono::microseconds(options_.max_delay_us),
                         [&] { return stopping_ || queue_.size() >= max_batch; });
    }
    std::vector<WriteOp*> batch;
    while (!queue_.empty() && batch.size() < max_batch) {
      batch.push_back(queue_.front());
      queue_.pop_front();
    }
    lock.unlock();
    RunBatch(batch);
    lock.lock();
    // Under the lock: a caller may return (and destroy its op) as soon as it sees done.
    for (WriteOp* op : batch) {
      op->done = true;
      op->done_cv.notify_one();
    }
  }
}

void SqliteTaskStore::RunBatch(const std::vector<WriteOp*>& batch) {
  std::lock_guard<std::mutex> lock(writer_conn_->mu);
  Database& db = writer_conn_->db;
  const auto fail_all = [&](const absl::Status& status) {
    for (WriteOp* op : batch) op->status = status;
  };
  if (absl::Status s = db.Exec("BEGIN IMMEDIATE"); !s.ok()) {
    fail_all(s);
    return;
  }
  for (WriteOp* op : batch) {
    absl::Status status = db.Exec("SAVEPOINT write_op");
    if (status.ok()) {
      status = op->apply(db);
      absl::Status undo = status.ok() ? absl::OkStatus() : db.Exec("ROLLBACK TO write_op");
      if (undo.ok()) undo = db.Exec("RELEASE write_op");
      if (!undo.ok()) {
        // The transaction can no longer be trusted: drop the whole batch.
        db.Exec("ROLLBACK").IgnoreError();
        fail_all(
            absl::Status(undo.code(), absl::StrCat("undoing a failed write: ", undo.message())));
        return;
      }
    }
    op->status = status;
  }
  if (absl::Status s = db.Exec("COMMIT"); !s.ok()) {
    db.Exec("ROLLBACK").IgnoreError();
    for (WriteOp* op : batch) {
      if (op->status.ok()) {
        op->status = absl::Status(s.code(), absl::StrCat("commit failed: ", s.message()));
      }
    }
    return;
  }
  transactions_.fetch_add(1);
  writes_.fetch_add(batch.size());
}

absl::StatusOr<CreateResult> SqliteTaskStore::CreateTask(const v1::Task& input) {
  if (absl::Status s = ValidateKind(input.kind(), "task.kind"); !s.ok()) return s;
  if (input.status() != v1::TASK_STATUS_UNSPECIFIED && input.status() != v1::PENDING) {
    return absl::InvalidArgumentError(absl::StrCat(
        "task.status must be PENDING or unset for a new task, got ", StatusName(input.status())));
  }
  if (absl::Status s = ValidateJobs(input); !s.ok()) return s;
  const std::string& key = input.idempotency_key();

  // Fast path: a resubmission is answered from the read connection without
  // queueing behind writes. The writer checks again, which is what makes it exact.
  if (!key.empty()) {
    absl::StatusOr<std::optional<v1::Task>> existing = ReadTransaction<std::optional<v1::Task>>(
        reader_->db, reader_->mu,
        [&](Database& db) { return FindTask(db, "idempotency_key", key); });
    if (!existing.ok()) return existing.status();
    if (existing->has_value()) return CreateResult{**std::move(existing), true};
  }

  v1::Task task = input;
  if (task.id().empty()) task.set_id(NewTaskId());
  task.set_status(v1::PENDING);
  const absl::Time now = clock_.Now();
  if (!task.has_created_at()) *task.mutable_created_at() = ToTimestamp(now);
  *task.mutable_updated_at() = ToTimestamp(now);

  CreateResult result;
  WriteOp op;
  op.apply = [&](Database& db) -> absl::Status {
    if (!key.empty()) {
      absl::StatusOr<std::optional<v1::Task>> existing = FindTask(db, "idempotency_key", key);
      if (!existing.ok()) return existing.status();
      if (existing->has_value()) {
        result = CreateResult{**std::move(existing), true};
        return absl::OkStatus();
      }
    }
    absl::StatusOr<bool> taken = TaskExists(db, task.id());
    if (!taken.ok()) return taken.status();
    if (*taken) {
      return absl::AlreadyExistsError(absl::StrCat("task id '", task.id(), "' already exists"));
    }
    absl::StatusOr<Statement> insert = db.Prepare(
        "INSERT INTO tasks (id, kind, status, idempotency_key, created_at_ns, updated_at_ns, "
        "last_event_sequence, task, plan, scene_plan, manifest) "
        "VALUES (?1, ?2, ?3, ?4, ?5, ?6, 1, ?7, ?8, ?9, ?10)");
    if (!insert.ok()) return insert.status();
    insert->BindText(1, task.id());
    insert->BindInt64(2, task.kind());
    insert->BindInt64(3, task.status());
    if (key.empty()) {
      insert->BindNull(4);
    } else {
      insert->BindText(4, key);
    }
    insert->BindInt64(5, TimestampNanos(task.created_at()));
    insert->BindInt64(6, TimestampNanos(task.updated_at()));
    const TaskBlobs blobs = SerializeTask(task);
    insert->BindBlob(7, blobs.core);
    BindOptionalBlob(*insert, 8, blobs.plan);
    BindOptionalBlob(*insert, 9, blobs.scene_plan);
    BindOptionalBlob(*insert, 10, blobs.manifest);
    if (absl::Status s = insert->Run(); !s.ok()) return s;
    if (absl::Status s = WriteJobs(db, task, blobs.jobs, /*replace=*/false); !s.ok()) return s;

    v1::TaskEvent event;
    event.set_task_id(task.id());
    event.set_sequence(1);
    event.set_status(task.status());
    event.set_stage(task.stage());
    event.set_message("task accepted");
    *event.mutable_time() = task.updated_at();
    if (absl::Status s = InsertEvent(db, event, blobs); !s.ok()) return s;
    result = CreateResult{task, false};
    return absl::OkStatus();
  };
  if (absl::Status s = Submit(op); !s.ok()) return s;
  return result;
}

absl::StatusOr<v1::Task> SqliteTaskStore::GetTask(absl::string_view id) {
  if (id.empty()) return absl::InvalidArgumentError("task id is empty");
  absl::StatusOr<std::optional<v1::Task>> task = ReadTransaction<std::optional<v1::Task>>(
      reader_->db, reader_->mu, [&](Database& db) { return FindTask(db, "id", id); });
  if (!task.ok()) return task.status();
  if (!task->has_value()) return NotFound(id);
  return **std::move(task);
}

absl::StatusOr<v1::TaskEvent> SqliteTaskStore::UpdateTask(const v1::Task& task,
                                                          const v1::TaskEvent& event) {
  if (task.id().empty()) return absl::InvalidArgumentError("task.id is empty");
  if (task.status() == v1::TASK_STATUS_UNSPECIFIED || !v1::TaskStatus_IsValid(task.status())) {
    return absl::InvalidArgumentError(
        absl::StrCat("task.status must be set to a known status, got ", task.status()));
  }
  if (absl::Status s = ValidateKind(task.kind(), "task.kind"); !s.ok()) return s;
  if (absl::Status s = ValidateJobs(task); !s.ok()) return s;

  v1::TaskEvent stored_event;
  WriteOp op;
  op.apply = [&](Database& db) -> absl::Status {
    absl::StatusOr<Statement> current = db.Prepare(
        "SELECT kind, status, COALESCE(idempotency_key, ''), created_at_ns, last_event_sequence "
        "FROM tasks WHERE id = ?1");
    if (!current.ok()) return current.status();
    current->BindText(1, task.id());
    absl::StatusOr<bool> row = current->Step();
    if (!row.ok()) return row.status();
    if (!*row) return NotFound(task.id());
    const auto stored_kind = static_cast<v1::TaskKind>(current->ColumnInt64(0));
    const auto stored_status = static_cast<v1::TaskStatus>(current->ColumnInt64(1));
    const std::string stored_key = current->ColumnText(2);
    const int64_t created_at_ns = current->ColumnInt64(3);
    const int64_t sequence = current->ColumnInt64(4) + 1;
    if (IsTerminal(stored_status)) {
      return absl::FailedPreconditionError(absl::StrCat("task '", task.id(), "' already ended as ",
                                                        v1::TaskStatus_Name(stored_status),
                                                        "; a finished task cannot change"));
    }
    if (stored_kind != task.kind()) {
      return absl::InvalidArgumentError(absl::StrCat(
          "task.kind cannot change: task '", task.id(), "' is ", v1::TaskKind_Name(stored_kind),
          ", the update says ", v1::TaskKind_Name(task.kind())));
    }
    if (stored_key != task.idempotency_key()) {
      return absl::InvalidArgumentError(absl::StrCat("task.idempotency_key cannot change: task '",
                                                     task.id(), "' was created with '", stored_key,
                                                     "'"));
    }

    const absl::Time now = clock_.Now();
    v1::Task next = task;
    *next.mutable_created_at() = NanosToTimestamp(created_at_ns);
    *next.mutable_updated_at() = ToTimestamp(now);

    absl::StatusOr<Statement> update = db.Prepare(
        "UPDATE tasks SET status = ?2, updated_at_ns = ?3, last_event_sequence = ?4, task = ?5, "
        "plan = ?6, scene_plan = ?7, manifest = ?8 WHERE id = ?1");
    if (!update.ok()) return update.status();
    update->BindText(1, next.id());
    update->BindInt64(2, next.status());
    update->BindInt64(3, TimestampNanos(next.updated_at()));
    update->BindInt64(4, sequence);
    const TaskBlobs blobs = SerializeTask(next);
    update->BindBlob(5, blobs.core);
    BindOptionalBlob(*update, 6, blobs.plan);
    BindOptionalBlob(*update, 7, blobs.scene_plan);
    BindOptionalBlob(*update, 8, blobs.manifest);
    if (absl::Status s = update->Run(); !s.ok()) return s;
    if (absl::Status s = WriteJobs(db, next, blobs.jobs, /*replace=*/true); !s.ok()) return s;

    v1::TaskEvent stored = event;
    stored.clear_task();
    stored.set_task_id(next.id());
    stored.set_sequence(sequence);
    stored.set_status(next.status());
    stored.set_stage(next.stage());
    if (!stored.has_time()) *stored.mutable_time() = next.updated_at();
    if (absl::Status s = InsertEvent(db, stored, blobs); !s.ok()) return s;
    *stored.mutable_task() = std::move(next);
    stored_event = std::move(stored);
    return absl::OkStatus();
  };
  if (absl::Status s = Submit(op); !s.ok()) return s;
  return stored_event;
}

absl::StatusOr<std::vector<v1::TaskEvent>> SqliteTaskStore::ListEvents(absl::string_view task_id,
                                                                       int64_t after_sequence) {
  if (task_id.empty()) return absl::InvalidArgumentError("task id is empty");
  using Events = std::vector<v1::TaskEvent>;
  return ReadTransaction<Events>(
      reader_->db, reader_->mu, [&](Database& db) -> absl::StatusOr<Events> {
        absl::StatusOr<bool> exists = TaskExists(db, task_id);
        if (!exists.ok()) return exists.status();
        if (!*exists) return NotFound(task_id);

        absl::StatusOr<Statement> stmt = db.Prepare(
            "SELECT event FROM task_events WHERE task_id = ?1 AND sequence > ?2 "
            "ORDER BY sequence");
        if (!stmt.ok()) return stmt.status();
        stmt->BindText(1, task_id);
        stmt->BindInt64(2, after_sequence);
        Events events;
        while (true) {
          absl::StatusOr<bool> row = stmt->Step();
          if (!row.ok()) return row.status();
          if (!*row) return events;
          if (absl::Status s =
                  ParseBlob(stmt->ColumnBlob(0), &events.emplace_back(), "event", task_id);
              !s.ok()) {
            return s;
          }
        }
      });
}

absl::StatusOr<TaskPage> SqliteTaskStore::ListTasks(const TaskFilter& filter, int page_size,
                                                    absl::string_view page_token) {
  if (page_size == 0) page_size = kDefaultPageSize;
  if (page_size < 0 || page_size > kMaxPageSize) {
    return absl::InvalidArgumentError(absl::StrCat("page_size must be between 1 and ", kMaxPageSize,
                                                   " (0 for the default ", kDefaultPageSize,
                                                   "), got ", page_size));
  }
  if (!v1::TaskStatus_IsValid(filter.status)) {
    return absl::InvalidArgumentError(
        absl::StrCat("status filter has unknown value ", static_cast<int>(filter.status)));
  }
  if (!v1::TaskKind_IsValid(filter.kind)) {
    return absl::InvalidArgumentError(
        absl::StrCat("kind filter has unknown value ", static_cast<int>(filter.kind)));
  }
  int64_t before_seq = std::numeric_limits<int64_t>::max();
  if (!page_token.empty()) {
    absl::StatusOr<PageCursor> cursor = DecodePageToken(page_token);
    if (!cursor.ok()) return cursor.status();
    if (cursor->status != filter.status || cursor->kind != filter.kind) {
      return absl::InvalidArgumentError(absl::StrCat(
          "page_token was issued for another filter (status ", v1::TaskStatus_Name(cursor->status),
          ", kind ", v1::TaskKind_Name(cursor->kind),
          "); repeat that filter, or list without page_token to start over"));
    }
    before_seq = cursor->last_seq;
  }

  std::vector<std::string> where = {"seq < ?1"};
  if (filter.status != v1::TASK_STATUS_UNSPECIFIED) where.push_back("status = ?2");
  if (filter.kind != v1::TASK_KIND_UNSPECIFIED) where.push_back("kind = ?3");
  const std::string sql =
      absl::StrCat("SELECT seq, ", kTaskColumns, " FROM tasks WHERE ",
                   absl::StrJoin(where, " AND "), " ORDER BY seq DESC LIMIT ?4");

  return ReadTransaction<TaskPage>(
      reader_->db, reader_->mu, [&](Database& db) -> absl::StatusOr<TaskPage> {
        absl::StatusOr<Statement> stmt = db.Prepare(sql);
        if (!stmt.ok()) return stmt.status();
        stmt->BindInt64(1, before_seq);
        if (filter.status != v1::TASK_STATUS_UNSPECIFIED) stmt->BindInt64(2, filter.status);
        if (filter.kind != v1::TASK_KIND_UNSPECIFIED) stmt->BindInt64(3, filter.kind);
        // One more than asked tells whether another page follows.
        stmt->BindInt64(4, page_size + 1);
        std::vector<int64_t> seqs;
        absl::StatusOr<std::vector<v1::Task>> tasks = CollectTasks(db, *stmt, 1, &seqs);
        if (!tasks.ok()) return tasks.status();
        TaskPage page;
        page.tasks = *std::move(tasks);
        if (page.tasks.size() > static_cast<size_t>(page_size)) {
          page.tasks.resize(page_size);
          page.next_page_token =
              EncodePageToken(PageCursor{seqs[page_size - 1], filter.status, filter.kind});
        }
        return page;
      });
}

absl::StatusOr<std::vector<v1::Task>> SqliteTaskStore::ListNonTerminal() {
  using Tasks = std::vector<v1::Task>;
  const std::string sql =
      absl::StrCat("SELECT ", kTaskColumns, " FROM tasks WHERE status NOT IN (", v1::SUCCEEDED,
                   ", ", v1::FAILED, ", ", v1::CANCELLED, ") ORDER BY seq");
  return ReadTransaction<Tasks>(reader_->db, reader_->mu,
                                [&](Database& db) -> absl::StatusOr<Tasks> {
                                  absl::StatusOr<Statement> stmt = db.Prepare(sql);
                                  if (!stmt.ok()) return stmt.status();
                                  return CollectTasks(db, *stmt, 0);
                                });
}

absl::StatusOr<TaskStats> SqliteTaskStore::Stats() {
  return ReadTransaction<TaskStats>(
      reader_->db, reader_->mu, [](Database& db) -> absl::StatusOr<TaskStats> {
        absl::StatusOr<Statement> stmt = db.Prepare(
            "SELECT kind, status, COUNT(*) FROM tasks GROUP BY kind, status ORDER BY kind, status");
        if (!stmt.ok()) return stmt.status();
        TaskStats stats;
        while (true) {
          absl::StatusOr<bool> row = stmt->Step();
          if (!row.ok()) return row.status();
          if (!*row) return stats;
          stats.counts.push_back(TaskCount{static_cast<v1::TaskKind>(stmt->ColumnInt64(0)),
                                           static_cast<v1::TaskStatus>(stmt->ColumnInt64(1)),
                                           stmt->ColumnInt64(2)});
        }
      });
}

}  // namespace armature::store
