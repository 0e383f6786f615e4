#include "libs/store/sqlite.h"

#include <string>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace armature::store {
namespace {

using ::testing::HasSubstr;

Database Memory() {
  absl::StatusOr<Database> db =
      Database::Open(":memory:", SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE);
  EXPECT_TRUE(db.ok()) << db.status();
  return *std::move(db);
}

// Prepare hands back cached compiled statements: they must come back reset, with no bindings
// left from their last use, and the same SQL must work while another copy is in use.
TEST(StatementCacheTest, ReusedStatementsStartClean) {
  Database db = Memory();
  ASSERT_TRUE(db.Exec("CREATE TABLE t (k TEXT, v INTEGER); INSERT INTO t VALUES ('a', 1), "
                      "('b', 2), ('c', 3)")
                  .ok());
  constexpr char kSelect[] = "SELECT v FROM t WHERE k = ?1 OR ?1 IS NULL ORDER BY v";
  {
    absl::StatusOr<Statement> first = db.Prepare(kSelect);
    ASSERT_TRUE(first.ok()) << first.status();
    first->BindText(1, "b");
    ASSERT_TRUE(first->Step().value());
    EXPECT_EQ(first->ColumnInt64(0), 2);
    // A second copy while the first is mid-read.
    absl::StatusOr<Statement> second = db.Prepare(kSelect);
    ASSERT_TRUE(second.ok());
    second->BindText(1, "c");
    ASSERT_TRUE(second->Step().value());
    EXPECT_EQ(second->ColumnInt64(0), 3);
  }
  // Back from the cache: not positioned on a row, and ?1 is NULL again (every row).
  absl::StatusOr<Statement> again = db.Prepare(kSelect);
  ASSERT_TRUE(again.ok());
  int rows = 0;
  while (again->Step().value()) ++rows;
  EXPECT_EQ(rows, 3);
}

TEST(StatementCacheTest, ManyDistinctStatementsStillRun) {
  Database db = Memory();
  ASSERT_TRUE(db.Exec("CREATE TABLE t (v INTEGER)").ok());
  for (size_t i = 0; i < Database::kMaxCachedSql * 2; ++i) {
    ASSERT_TRUE(db.Exec(absl::StrCat("INSERT INTO t VALUES (", i, ")")).ok()) << i;
  }
  EXPECT_EQ(db.QueryInt64("SELECT COUNT(*) FROM t").value(),
            static_cast<int64_t>(Database::kMaxCachedSql * 2));
}

TEST(StatementCacheTest, ErrorsNameTheStatement) {
  Database db = Memory();
  absl::StatusOr<Statement> bad = db.Prepare("SELEKT 1");
  ASSERT_FALSE(bad.ok());
  EXPECT_THAT(bad.status().message(), HasSubstr("SELEKT 1"));
  absl::StatusOr<Statement> empty = db.Prepare("   ");
  ASSERT_FALSE(empty.ok());
  EXPECT_THAT(empty.status().message(), HasSubstr("no SQL statement"));
  // A transaction opened and ended through cached statements.
  ASSERT_TRUE(db.Exec("CREATE TABLE t (v INTEGER)").ok());
  for (int i = 0; i < 3; ++i) {
    ASSERT_TRUE(db.Exec("BEGIN IMMEDIATE").ok());
    ASSERT_TRUE(db.Exec("INSERT INTO t VALUES (1)").ok());
    ASSERT_TRUE(db.Exec(i == 1 ? "ROLLBACK" : "COMMIT").ok());
  }
  EXPECT_EQ(db.QueryInt64("SELECT COUNT(*) FROM t").value(), 2);
}

}  // namespace
}  // namespace armature::store
