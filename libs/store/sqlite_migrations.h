#pragma once

// Versioned schema for the SQLite task store. The schema version lives in
// `PRAGMA user_version`; migrations are applied in order at open, each in its
// own IMMEDIATE transaction together with the version bump, so a crash between
// two migrations leaves a database at a well-defined version. A database whose
// version is newer than the newest migration this build knows is refused rather
// than written to by code that does not understand it.

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/types/span.h"
#include "libs/store/sqlite.h"

namespace armature::store {

// Migration takes a database from version `version - 1` to `version`.
struct Migration {
  // Schema version after this migration; the first migration is version 1.
  int version = 0;
  // What it does, for error messages.
  absl::string_view description;
  // ';'-separated DDL/DML statements. Must not contain BEGIN/COMMIT.
  absl::string_view sql;
};

// The task store's migrations, oldest first. Append new ones; never edit a
// released one (databases in the field have already applied it).
absl::Span<const Migration> TaskStoreMigrations();

// The version of the newest migration in TaskStoreMigrations().
int LatestTaskStoreSchemaVersion();

// SchemaVersion reads `PRAGMA user_version` (0 for a new database).
absl::StatusOr<int> SchemaVersion(Database& db);

// ApplyMigrations brings `db` up to the last migration of `migrations`.
// Errors: INTERNAL when `migrations` is not numbered 1, 2, 3, ...;
// FAILED_PRECONDITION when the database is newer than the last migration;
// the failing migration's error (naming its version and description) otherwise,
// with the database left at the previous version.
absl::Status ApplyMigrations(Database& db, absl::Span<const Migration> migrations);

}  // namespace armature::store
