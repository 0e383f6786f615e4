#pragma once

// A thin RAII layer over the SQLite C API used by the SQLite task store: one
// Database per connection, prepared Statements with typed binds and columns,
// and SQLite result codes turned into absl::Status once, here.

#include <cstdint>
#include <memory>
#include <string>
#include <utility>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "sqlite3.h"

namespace armature::store {

// SqliteStatus maps a SQLite result code to a status whose message names what was
// being done (`context`) and SQLite's own explanation. BUSY/LOCKED become
// UNAVAILABLE (another writer holds the database), FULL becomes RESOURCE_EXHAUSTED,
// CORRUPT/NOTADB become DATA_LOSS, CONSTRAINT becomes ALREADY_EXISTS, CANTOPEN,
// READONLY and PERM become FAILED_PRECONDITION, anything else INTERNAL.
absl::Status SqliteStatus(int rc, sqlite3* db, absl::string_view context);

class StatementCache;

// Statement is one prepared statement. Bind indexes start at 1, column indexes at 0.
// One from Database::Prepare goes back to its connection's cache when destroyed (reset,
// bindings cleared), so the next Prepare of the same SQL does not compile it again.
// Bind errors are remembered and reported by the next Step/Run.
class Statement {
 public:
  Statement(Statement&& other) noexcept;
  Statement& operator=(Statement&& other) noexcept;
  Statement(const Statement&) = delete;
  Statement& operator=(const Statement&) = delete;
  ~Statement();

  void BindInt64(int index, int64_t value);
  void BindText(int index, absl::string_view value);
  void BindBlob(int index, absl::string_view value);
  void BindNull(int index);

  // Step advances to the next row: true when a row is available, false when done.
  absl::StatusOr<bool> Step();
  // Run steps until done; for statements that return no rows.
  absl::Status Run();
  // Reset makes the statement ready to run again; bindings are kept until rebound.
  void Reset();

  int64_t ColumnInt64(int index) const;
  std::string ColumnText(int index) const;
  // Bytes of a BLOB (or TEXT) column; valid until the next Step.
  absl::string_view ColumnBlob(int index) const;
  bool ColumnIsNull(int index) const;

 private:
  friend class Database;
  Statement(sqlite3* db, sqlite3_stmt* stmt, absl::string_view sql, StatementCache* cache);
  void NoteBind(int rc, int index);
  // Returns stmt_ to the cache, or finalizes it.
  void Release();

  sqlite3* db_ = nullptr;
  sqlite3_stmt* stmt_ = nullptr;
  std::string sql_;
  StatementCache* cache_ = nullptr;
  absl::Status bind_status_;
};

// Database owns one SQLite connection. Not thread-safe by itself: callers
// serialise use of a connection (the task store does, with one mutex per connection).
class Database {
 public:
  // Opens `filename` (a path, or ":memory:") with sqlite3_open_v2 `flags`.
  static absl::StatusOr<Database> Open(const std::string& filename, int flags);

  Database(Database&& other) noexcept;
  Database& operator=(Database&& other) noexcept;
  Database(const Database&) = delete;
  Database& operator=(const Database&) = delete;
  ~Database();

  // Exec runs one or more ';'-separated statements that return no rows of interest. A single
  // statement (no ';') goes through Prepare's cache.
  absl::Status Exec(absl::string_view sql);
  // Prepare compiles one statement, or takes an idle compiled copy of the same SQL from the
  // connection's cache (up to kMaxCachedSql distinct texts are kept).
  absl::StatusOr<Statement> Prepare(absl::string_view sql);
  static constexpr size_t kMaxCachedSql = 64;
  // QueryInt64 returns the first column of the first row of `sql` (e.g. a PRAGMA).
  absl::StatusOr<int64_t> QueryInt64(absl::string_view sql);
  // QueryText returns the first column of the first row of `sql` as text.
  absl::StatusOr<std::string> QueryText(absl::string_view sql);

  const std::string& filename() const { return filename_; }
  sqlite3* handle() const { return db_; }

 private:
  Database(sqlite3* db, std::string filename);

  sqlite3* db_ = nullptr;
  std::string filename_;
  // Heap-allocated so that Statements keep pointing at it when the Database moves.
  std::unique_ptr<StatementCache> cache_;
};

}  // namespace armature::store
