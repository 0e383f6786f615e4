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

}  // namespace
}  // namespace armature::store
