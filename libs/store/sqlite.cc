#include "libs/store/sqlite.h"

#include <utility>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"

namespace armature::store {

absl::Status SqliteStatus(int rc, sqlite3* db, absl::string_view context) {
  if (rc == SQLITE_OK || rc == SQLITE_DONE || rc == SQLITE_ROW) return absl::OkStatus();
  // The connection's message is more specific than the code's generic text when
  // it belongs to this error.
  const char* detail =
      db != nullptr && sqlite3_errcode(db) == rc ? sqlite3_errmsg(db) : sqlite3_errstr(rc);
  const std::string message = absl::StrCat(context, ": ", detail);
  switch (rc & 0xff) {
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
      return absl::UnavailableError(
          absl::StrCat(message, " (another process holds the database; retry later)"));
    case SQLITE_FULL:
      return absl::ResourceExhaustedError(message);
    case SQLITE_CORRUPT:
    case SQLITE_NOTADB:
      return absl::DataLossError(message);
    case SQLITE_CONSTRAINT:
      return absl::AlreadyExistsError(message);
    case SQLITE_CANTOPEN:
      return absl::FailedPreconditionError(
          absl::StrCat(message, " (does the directory exist and is it writable?)"));
    case SQLITE_READONLY:
    case SQLITE_PERM:
      return absl::FailedPreconditionError(message);
    default:
      return absl::InternalError(message);
  }
}

// StatementCache keeps idle compiled statements of one connection by SQL text. Used under
// the connection's serialisation, like the connection itself.
class StatementCache {
 public:
  ~StatementCache() {
    for (auto& [sql, idle] : idle_) {
      for (sqlite3_stmt* stmt : idle) sqlite3_finalize(stmt);
    }
  }

  // An idle statement for `sql`, or null.
  sqlite3_stmt* Take(absl::string_view sql) {
    auto it = idle_.find(sql);
    if (it == idle_.end() || it->second.empty()) return nullptr;
    sqlite3_stmt* stmt = it->second.back();
    it->second.pop_back();
    return stmt;
  }

  // Keeps `stmt` (already reset) for the next Take of `sql`, or finalizes it when the cache
  // is full of other texts.
  void Give(const std::string& sql, sqlite3_stmt* stmt) {
    auto it = idle_.find(sql);
    if (it == idle_.end()) {
      if (idle_.size() >= Database::kMaxCachedSql) {
        sqlite3_finalize(stmt);
        return;
      }
      it = idle_.emplace(sql, std::vector<sqlite3_stmt*>()).first;
    }
    it->second.push_back(stmt);
  }

 private:
  absl::flat_hash_map<std::string, std::vector<sqlite3_stmt*>> idle_;
};

Statement::Statement(sqlite3* db, sqlite3_stmt* stmt, absl::string_view sql, StatementCache* cache)
    : db_(db), stmt_(stmt), sql_(sql), cache_(cache) {}

Statement::Statement(Statement&& other) noexcept
    : db_(std::exchange(other.db_, nullptr)),
      stmt_(std::exchange(other.stmt_, nullptr)),
      sql_(std::move(other.sql_)),
      cache_(std::exchange(other.cache_, nullptr)),
      bind_status_(std::move(other.bind_status_)) {}

Statement& Statement::operator=(Statement&& other) noexcept {
  if (this != &other) {
    Release();
    db_ = std::exchange(other.db_, nullptr);
    stmt_ = std::exchange(other.stmt_, nullptr);
    sql_ = std::move(other.sql_);
    cache_ = std::exchange(other.cache_, nullptr);
    bind_status_ = std::move(other.bind_status_);
  }
  return *this;
}

Statement::~Statement() { Release(); }

void Statement::Release() {
  if (stmt_ == nullptr) return;
  if (cache_ == nullptr) {
    sqlite3_finalize(stmt_);
  } else {
    sqlite3_reset(stmt_);
    sqlite3_clear_bindings(stmt_);
    cache_->Give(sql_, stmt_);
  }
  stmt_ = nullptr;
}

void Statement::NoteBind(int rc, int index) {
  if (rc != SQLITE_OK && bind_status_.ok()) {
    bind_status_ = SqliteStatus(rc, db_, absl::StrCat("binding parameter ", index, " of ", sql_));
  }
}

void Statement::BindInt64(int index, int64_t value) {
  NoteBind(sqlite3_bind_int64(stmt_, index, value), index);
}

void Statement::BindText(int index, absl::string_view value) {
  NoteBind(
      sqlite3_bind_text64(stmt_, index, value.data(), value.size(), SQLITE_TRANSIENT, SQLITE_UTF8),
      index);
}

void Statement::BindBlob(int index, absl::string_view value) {
  // A zero-length blob must still be a BLOB, not NULL: sqlite3_bind_blob64 binds
  // NULL when the pointer is null, so point at a static empty buffer.
  static const char kEmpty = 0;
  const void* data = value.empty() ? &kEmpty : value.data();
  NoteBind(sqlite3_bind_blob64(stmt_, index, data, value.size(), SQLITE_TRANSIENT), index);
}

void Statement::BindNull(int index) { NoteBind(sqlite3_bind_null(stmt_, index), index); }

absl::StatusOr<bool> Statement::Step() {
  if (!bind_status_.ok()) return bind_status_;
  const int rc = sqlite3_step(stmt_);
  if (rc == SQLITE_ROW) return true;
  if (rc == SQLITE_DONE) return false;
  return SqliteStatus(rc, db_, absl::StrCat("running ", sql_));
}

absl::Status Statement::Run() {
  while (true) {
    absl::StatusOr<bool> row = Step();
    if (!row.ok()) return row.status();
    if (!*row) return absl::OkStatus();
  }
}

void Statement::Reset() {
  // sqlite3_reset's return value repeats the last step's error, which Step
  // already reported.
  sqlite3_reset(stmt_);
  bind_status_ = absl::OkStatus();
}

int64_t Statement::ColumnInt64(int index) const { return sqlite3_column_int64(stmt_, index); }

std::string Statement::ColumnText(int index) const {
  const unsigned char* text = sqlite3_column_text(stmt_, index);
  if (text == nullptr) return "";
  return std::string(reinterpret_cast<const char*>(text),
                     static_cast<size_t>(sqlite3_column_bytes(stmt_, index)));
}

absl::string_view Statement::ColumnBlob(int index) const {
  const void* data = sqlite3_column_blob(stmt_, index);
  const int size = sqlite3_column_bytes(stmt_, index);
  if (data == nullptr || size <= 0) return {};
  return absl::string_view(static_cast<const char*>(data), static_cast<size_t>(size));
}

bool Statement::ColumnIsNull(int index) const {
  return sqlite3_column_type(stmt_, index) == SQLITE_NULL;
}

absl::StatusOr<Database> Database::Open(const std::string& filename, int flags) {
  sqlite3* db = nullptr;
  const int rc = sqlite3_open_v2(filename.c_str(), &db, flags, nullptr);
  if (rc != SQLITE_OK) {
    absl::Status status = SqliteStatus(rc, db, absl::StrCat("opening SQLite database ", filename));
    sqlite3_close_v2(db);
    return status;
  }
  sqlite3_extended_result_codes(db, 1);
  return Database(db, filename);
}

Database::Database(sqlite3* db, std::string filename)
    : db_(db), filename_(std::move(filename)), cache_(std::make_unique<StatementCache>()) {}

Database::Database(Database&& other) noexcept
    : db_(std::exchange(other.db_, nullptr)),
      filename_(std::move(other.filename_)),
      cache_(std::move(other.cache_)) {}

Database& Database::operator=(Database&& other) noexcept {
  if (this != &other) {
    cache_.reset();
    sqlite3_close_v2(db_);
    db_ = std::exchange(other.db_, nullptr);
    filename_ = std::move(other.filename_);
    cache_ = std::move(other.cache_);
  }
  return *this;
}

Database::~Database() {
  // Statements first: the connection closes once none is left.
  cache_.reset();
  sqlite3_close_v2(db_);
}

absl::Status Database::Exec(absl::string_view sql) {
  if (!absl::StrContains(sql, ';')) {
    absl::StatusOr<Statement> stmt = Prepare(sql);
    if (!stmt.ok()) return stmt.status();
    return stmt->Run();
  }
  const std::string text(sql);
  char* error = nullptr;
  const int rc = sqlite3_exec(db_, text.c_str(), nullptr, nullptr, &error);
  if (rc == SQLITE_OK) return absl::OkStatus();
  absl::Status status = SqliteStatus(rc, db_, absl::StrCat("running ", sql));
  sqlite3_free(error);
  return status;
}

absl::StatusOr<Statement> Database::Prepare(absl::string_view sql) {
  if (sqlite3_stmt* cached = cache_ != nullptr ? cache_->Take(sql) : nullptr) {
    return Statement(db_, cached, sql, cache_.get());
  }
  sqlite3_stmt* stmt = nullptr;
  const int rc = sqlite3_prepare_v3(db_, sql.data(), static_cast<int>(sql.size()),
                                    SQLITE_PREPARE_PERSISTENT, &stmt, nullptr);
  if (rc != SQLITE_OK) {
    sqlite3_finalize(stmt);
    return SqliteStatus(rc, db_, absl::StrCat("preparing ", sql));
  }
  if (stmt == nullptr) {
    // Only whitespace or a comment: nothing to run.
    return absl::InvalidArgumentError(absl::StrCat("preparing \"", sql, "\": no SQL statement"));
  }
  return Statement(db_, stmt, sql, cache_.get());
}

absl::StatusOr<int64_t> Database::QueryInt64(absl::string_view sql) {
  absl::StatusOr<Statement> stmt = Prepare(sql);
  if (!stmt.ok()) return stmt.status();
  absl::StatusOr<bool> row = stmt->Step();
  if (!row.ok()) return row.status();
  if (!*row) return absl::InternalError(absl::StrCat("no row from ", sql));
  return stmt->ColumnInt64(0);
}

absl::StatusOr<std::string> Database::QueryText(absl::string_view sql) {
  absl::StatusOr<Statement> stmt = Prepare(sql);
  if (!stmt.ok()) return stmt.status();
  absl::StatusOr<bool> row = stmt->Step();
  if (!row.ok()) return row.status();
  if (!*row) return absl::InternalError(absl::StrCat("no row from ", sql));
  return stmt->ColumnText(0);
}

}  // namespace armature::store
