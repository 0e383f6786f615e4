#include "libs/llm/redact.h"

#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "libs/llm/llm_provider.h"

namespace armature::llm {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

TEST(RedactTest, ReplacesEveryOccurrenceOfEverySecret) {
  const std::vector<std::string> secrets = {"sk-live-123456", "ant-999"};
  EXPECT_EQ(Redact("key sk-live-123456 and sk-live-123456, other ant-999.", secrets),
            "key [REDACTED] and [REDACTED], other [REDACTED].");
}

TEST(RedactTest, IgnoresEmptySecretsAndLeavesOtherTextAlone) {
  const std::vector<std::string> secrets = {"", "zzz-not-there"};
  EXPECT_EQ(Redact("nothing secret here", secrets), "nothing secret here");
}

TEST(RedactTest, LongerSecretFirstSoNoSuffixLeaks) {
  // "abc" is a prefix of the longer key: replacing it first would leave "-tail" visible.
  const std::vector<std::string> secrets = {"abc", "abc-tail-secret"};
  EXPECT_EQ(Redact("x abc-tail-secret y abc", secrets), "x [REDACTED] y [REDACTED]");
}

TEST(RedactTest, RedactStatusKeepsCodeAndPayload) {
  absl::Status status = absl::UnavailableError("upstream said: sk-live-123456 is bad");
  SetRetryAfter(status, absl::Seconds(3));
  const std::vector<std::string> secrets = {"sk-live-123456"};
  const absl::Status redacted = RedactStatus(status, secrets);
  EXPECT_EQ(redacted.code(), absl::StatusCode::kUnavailable);
  EXPECT_THAT(std::string(redacted.message()), Not(HasSubstr("sk-live-123456")));
  EXPECT_THAT(std::string(redacted.message()), HasSubstr("[REDACTED]"));
  EXPECT_EQ(GetRetryAfter(redacted), absl::Seconds(3));
}

TEST(RedactTest, TruncateMarksTheCutAndNeverSplitsUtf8) {
  EXPECT_EQ(Truncate("short", 10), "short");
  EXPECT_EQ(Truncate("abcdefghij", 8), "abcde...");
  // "é" is two bytes (C3 A9); a cut inside it steps back before it.
  const std::string text = "abcd\xC3\xA9xyz";
  const std::string cut = Truncate(text, 8);  // 5 bytes kept before "..." would split "é".
  EXPECT_EQ(cut, "abcd...");
}

}  // namespace
}  // namespace armature::llm
