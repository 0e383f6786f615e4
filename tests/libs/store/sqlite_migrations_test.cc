#include "libs/store/sqlite_migrations.h"

#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/libs/store/temp_dir.h"

namespace armature::store {
namespace {

using ::testing::HasSubstr;

Database OpenFile(const std::string& path) {
  absl::StatusOr<Database> db = Database::Open(path, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE);
  EXPECT_TRUE(db.ok()) << db.status();
  return *std::move(db);
}

bool TableExists(Database& db, const std::string& name) {
  absl::StatusOr<int64_t> n = db.QueryInt64(
      "SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' AND name = '" + name + "'");
  EXPECT_TRUE(n.ok()) << n.status();
  return n.ok() && *n == 1;
}

constexpr Migration kTwoSteps[] = {
    {1, "create a", "CREATE TABLE a (x INTEGER)"},
    {2, "create b and seed a", "CREATE TABLE b (y INTEGER); INSERT INTO a VALUES (7)"},
};

TEST(MigrationsTest, TaskStoreMigrationsAreNumberedFromOne) {
  absl::Span<const Migration> migrations = TaskStoreMigrations();
  ASSERT_FALSE(migrations.empty());
  for (size_t i = 0; i < migrations.size(); ++i) {
    EXPECT_EQ(migrations[i].version, static_cast<int>(i) + 1);
  }
  EXPECT_EQ(LatestTaskStoreSchemaVersion(), migrations.back().version);
}

TEST(MigrationsTest, EmptyDatabaseGetsTheTaskStoreSchema) {
  TempDir dir;
  Database db = OpenFile(dir.File("a.db"));
  ASSERT_EQ(*SchemaVersion(db), 0);
  ASSERT_TRUE(ApplyMigrations(db, TaskStoreMigrations()).ok());
  EXPECT_EQ(*SchemaVersion(db), LatestTaskStoreSchemaVersion());
  EXPECT_TRUE(TableExists(db, "tasks"));
  EXPECT_TRUE(TableExists(db, "task_events"));
  EXPECT_TRUE(TableExists(db, "task_jobs"));
  // Applying again is a no-op.
  ASSERT_TRUE(ApplyMigrations(db, TaskStoreMigrations()).ok());
  EXPECT_EQ(*SchemaVersion(db), LatestTaskStoreSchemaVersion());
}

TEST(MigrationsTest, AppliesOnlyPendingMigrationsInOrder) {
  TempDir dir;
  Database db = OpenFile(dir.File("a.db"));
  ASSERT_TRUE(ApplyMigrations(db, absl::MakeConstSpan(kTwoSteps, 1)).ok());
  EXPECT_EQ(*SchemaVersion(db), 1);
  EXPECT_TRUE(TableExists(db, "a"));
  EXPECT_FALSE(TableExists(db, "b"));

  // Migration 1 is not re-run (it would fail: table a exists); 2 runs after it.
  absl::Status status = ApplyMigrations(db, kTwoSteps);
  ASSERT_TRUE(status.ok()) << status;
  EXPECT_EQ(*SchemaVersion(db), 2);
  EXPECT_TRUE(TableExists(db, "b"));
  EXPECT_EQ(*db.QueryInt64("SELECT x FROM a"), 7);
}

TEST(MigrationsTest, FailedMigrationLeavesPreviousVersionAndNamesIt) {
  TempDir dir;
  Database db = OpenFile(dir.File("a.db"));
  constexpr Migration kBroken[] = {
      {1, "create a", "CREATE TABLE a (x INTEGER)"},
      {2, "half-applied change", "CREATE TABLE c (z INTEGER); INSERT INTO missing VALUES (1)"},
  };
  absl::Status status = ApplyMigrations(db, kBroken);
  ASSERT_FALSE(status.ok());
  EXPECT_THAT(std::string(status.message()), HasSubstr("migration 2 (half-applied change)"));
  EXPECT_EQ(*SchemaVersion(db), 1);
  EXPECT_TRUE(TableExists(db, "a"));
  EXPECT_FALSE(TableExists(db, "c"));  // rolled back with the failing statement
}

TEST(MigrationsTest, RefusesNewerDatabase) {
  TempDir dir;
  Database db = OpenFile(dir.File("a.db"));
  ASSERT_TRUE(db.Exec("PRAGMA user_version = 3").ok());
  absl::Status status = ApplyMigrations(db, kTwoSteps);
  ASSERT_EQ(status.code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(std::string(status.message()), HasSubstr("schema version 3"));
  EXPECT_THAT(std::string(status.message()), HasSubstr("up to 2"));
  EXPECT_EQ(*SchemaVersion(db), 3);
  EXPECT_FALSE(TableExists(db, "a"));
}

TEST(MigrationsTest, RejectsBadlyNumberedList) {
  TempDir dir;
  Database db = OpenFile(dir.File("a.db"));
  constexpr Migration kGap[] = {{1, "one", "SELECT 1"}, {3, "three", "SELECT 1"}};
  EXPECT_EQ(ApplyMigrations(db, kGap).code(), absl::StatusCode::kInternal);
  EXPECT_EQ(*SchemaVersion(db), 0);
}

}  // namespace
}  // namespace armature::store
