#include "libs/store/store_url.h"

#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace armature::store {
namespace {

using ::testing::HasSubstr;

TEST(ParseStoreUrlTest, AbsolutePath) {
  absl::StatusOr<StoreUrl> url = ParseStoreUrl("sqlite:///var/lib/armature/armature.db");
  ASSERT_TRUE(url.ok()) << url.status();
  EXPECT_EQ(url->path, "/var/lib/armature/armature.db");
  EXPECT_FALSE(url->in_memory);
}

TEST(ParseStoreUrlTest, RelativePathAndUppercaseScheme) {
  absl::StatusOr<StoreUrl> url = ParseStoreUrl("SQLite://data/armature.db");
  ASSERT_TRUE(url.ok()) << url.status();
  EXPECT_EQ(url->path, "data/armature.db");
}

TEST(ParseStoreUrlTest, InMemory) {
  absl::StatusOr<StoreUrl> url = ParseStoreUrl("sqlite://:memory:");
  ASSERT_TRUE(url.ok()) << url.status();
  EXPECT_TRUE(url->in_memory);
  EXPECT_EQ(url->path, "");
}

TEST(ParseStoreUrlTest, PostgresqlIsNotSupportedYet) {
  for (const char* text : {"postgresql://user@db:5432/armature", "postgres://db/armature"}) {
    absl::StatusOr<StoreUrl> url = ParseStoreUrl(text);
    ASSERT_EQ(url.status().code(), absl::StatusCode::kInvalidArgument) << text;
    EXPECT_THAT(std::string(url.status().message()), HasSubstr("postgresql is not supported"));
    EXPECT_THAT(std::string(url.status().message()), HasSubstr("sqlite:///"));
  }
}

TEST(ParseStoreUrlTest, RejectsOtherSchemesNamingThem) {
  absl::StatusOr<StoreUrl> url = ParseStoreUrl("mysql://db/armature");
  ASSERT_EQ(url.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(url.status().message()), HasSubstr("'mysql'"));
}

TEST(ParseStoreUrlTest, RejectsMissingSchemeEmptyPathQueryAndDirectory) {
  for (const char* text : {"/var/lib/armature.db", "://x", "sqlite://", "sqlite:///",
                           "sqlite:///a.db?mode=ro", "sqlite:///var/lib/"}) {
    absl::StatusOr<StoreUrl> url = ParseStoreUrl(text);
    EXPECT_EQ(url.status().code(), absl::StatusCode::kInvalidArgument) << text;
    EXPECT_THAT(std::string(url.status().message()), HasSubstr(text));
  }
}

TEST(ParseStoreUrlTest, ReadsTheSynchronousParameter) {
  EXPECT_FALSE(ParseStoreUrl("sqlite:///a.db")->synchronous.has_value());
  absl::StatusOr<StoreUrl> normal = ParseStoreUrl("sqlite:///var/lib/a.db?synchronous=normal");
  ASSERT_TRUE(normal.ok()) << normal.status();
  EXPECT_EQ(normal->path, "/var/lib/a.db");
  EXPECT_EQ(normal->synchronous, SqliteSynchronous::kNormal);
  EXPECT_EQ(ParseStoreUrl("sqlite://a.db?synchronous=FULL")->synchronous, SqliteSynchronous::kFull);
  absl::StatusOr<StoreUrl> memory = ParseStoreUrl("sqlite://:memory:?synchronous=normal");
  ASSERT_TRUE(memory.ok()) << memory.status();
  EXPECT_TRUE(memory->in_memory);
  EXPECT_EQ(memory->synchronous, SqliteSynchronous::kNormal);
}

TEST(ParseStoreUrlTest, RejectsUnknownParametersAndValuesNamingThem) {
  absl::StatusOr<StoreUrl> mode = ParseStoreUrl("sqlite:///a.db?synchronous=normal&mode=ro");
  ASSERT_EQ(mode.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(mode.status().message()), HasSubstr("unknown parameter 'mode'"));
  absl::StatusOr<StoreUrl> fast = ParseStoreUrl("sqlite:///a.db?synchronous=fast");
  ASSERT_EQ(fast.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(fast.status().message()),
              HasSubstr("synchronous must be full or normal, got 'fast'"));
  EXPECT_EQ(ParseStoreUrl("sqlite:///a.db?synchronous").status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(ParseStoreUrl("sqlite:///a.db#frag").status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(ParseStoreUrl("sqlite://?synchronous=normal").status().code(),
            absl::StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace armature::store
