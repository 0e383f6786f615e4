#include "libs/store/page_token.h"

#include <string>

#include "absl/strings/escaping.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace armature::store {
namespace {

using ::testing::HasSubstr;

TEST(PageTokenTest, RoundTrips) {
  const PageCursor cursor{123456789012, v1::PLANNING, v1::PRODUCTION};
  const std::string token = EncodePageToken(cursor);
  absl::StatusOr<PageCursor> decoded = DecodePageToken(token);
  ASSERT_TRUE(decoded.ok()) << decoded.status();
  EXPECT_EQ(decoded->last_seq, cursor.last_seq);
  EXPECT_EQ(decoded->status, cursor.status);
  EXPECT_EQ(decoded->kind, cursor.kind);
}

TEST(PageTokenTest, IsWebSafe) {
  const std::string token = EncodePageToken(PageCursor{42, v1::TASK_STATUS_UNSPECIFIED, v1::GOAL});
  EXPECT_EQ(token.find_first_of("+/="), std::string::npos) << token;
}

TEST(PageTokenTest, RejectsGarbage) {
  for (const char* token : {"", "!!!", "abc", "dDE6MTox"}) {
    absl::StatusOr<PageCursor> decoded = DecodePageToken(token);
    ASSERT_EQ(decoded.status().code(), absl::StatusCode::kInvalidArgument) << token;
    EXPECT_THAT(std::string(decoded.status().message()), HasSubstr("page_token"));
  }
}

TEST(PageTokenTest, RejectsAlteredToken) {
  std::string raw;
  ASSERT_TRUE(
      absl::WebSafeBase64Unescape(EncodePageToken(PageCursor{42, v1::PENDING, v1::GOAL}), &raw));
  // Change the sequence (42 -> 43) but keep the checksum.
  const size_t pos = raw.find("42");
  ASSERT_NE(pos, std::string::npos);
  raw[pos + 1] = '3';
  EXPECT_EQ(DecodePageToken(absl::WebSafeBase64Escape(raw)).status().code(),
            absl::StatusCode::kInvalidArgument);
}

TEST(PageTokenTest, RejectsOutOfRangeValuesEvenWithValidChecksum) {
  // Tokens this code would never issue: sequence 0, unknown enum values.
  for (const PageCursor& cursor : {PageCursor{0, v1::PENDING, v1::GOAL},
                                   PageCursor{5, static_cast<v1::TaskStatus>(99), v1::GOAL},
                                   PageCursor{5, v1::PENDING, static_cast<v1::TaskKind>(-1)}}) {
    EXPECT_EQ(DecodePageToken(EncodePageToken(cursor)).status().code(),
              absl::StatusCode::kInvalidArgument);
  }
}

}  // namespace
}  // namespace armature::store
