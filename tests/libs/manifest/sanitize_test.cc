#include "libs/manifest/sanitize.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace armature::manifest {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::Not;

TEST(SanitizeForLlmTest, StripsUrls) {
  const SanitizedText s =
      SanitizeForLlm("See https://example.com/a?b=c, (www.foo.org) and ftp://x.y/z.");
  EXPECT_EQ(s.text, "See [url removed], ([url removed]) and [url removed].");
  EXPECT_EQ(s.urls_removed, 3);
  EXPECT_THAT(s.warnings, ElementsAre("removed 3 URL(s) from the treatment before the LLM call"));
}

TEST(SanitizeForLlmTest, StripsKeysByShape) {
  const std::string openai = "sk-proj-abcdefghijklmnopqrstuvwxyz0123";
  const std::string github = "ghp_ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
  const std::string aws = "AKIAIOSFODNN7EXAMPLE";
  const std::string hex = "0123456789abcdef0123456789abcdef";
  const std::string b64 = "dGhpcyBpcyBhIHNlY3JldCB0b2tlbiB2YWx1ZSAxMjM0NTY3OA==";
  const std::string jwt = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0In0.c2lnbmF0dXJlc2lnbmF0dXJl";
  const SanitizedText s = SanitizeForLlm("keys: " + openai + " " + github + " " + aws + " " + hex +
                                         " " + b64 + " " + jwt + " end");
  EXPECT_EQ(
      s.text,
      "keys: [secret removed] [secret removed] [secret removed] [secret removed] [secret removed] "
      "[secret removed] end");
  EXPECT_EQ(s.secrets_removed, 6);
  for (const std::string& secret : {openai, github, aws, hex, b64, jwt}) {
    EXPECT_THAT(s.text, Not(HasSubstr(secret)));
    for (const std::string& w : s.warnings) EXPECT_THAT(w, Not(HasSubstr(secret)));
  }
}

TEST(SanitizeForLlmTest, StripsValuesAfterSecretKeys) {
  const SanitizedText s = SanitizeForLlm(
      "password: hunter2\nPASSWORD=letmein; api_key=abc123 token: xyz\nAPI key: qwerty "
      "Authorization: Bearer abc.def");
  EXPECT_EQ(s.text,
            "password: [secret removed]\nPASSWORD=[secret removed]; api_key=[secret removed] "
            "token: [secret removed]\n"
            "API key: [secret removed] Authorization: Bearer [secret removed]");
  EXPECT_EQ(s.secrets_removed, 6);
  EXPECT_THAT(
      s.warnings,
      ElementsAre("removed 6 secret-looking token(s) from the treatment before the LLM call"));
}

TEST(SanitizeForLlmTest, LeavesOrdinaryTextAlone) {
  const std::string text =
      "Scene 1: The password is courage. Visit our studio at 10:30. Q1: 10, Q2: 14. "
      "A hyphenated-word-that-is-quite-long-but-only-letters-and-dashes stays.";
  const SanitizedText s = SanitizeForLlm(text);
  EXPECT_EQ(s.text, text);
  EXPECT_THAT(s.warnings, IsEmpty());
}

TEST(SanitizeForLlmTest, CleansInvalidUtf8) {
  EXPECT_EQ(SanitizeForLlm("a\xFF"
                           "b")
                .text,
            "a\xEF\xBF\xBD"
            "b");
}

}  // namespace
}  // namespace armature::manifest
