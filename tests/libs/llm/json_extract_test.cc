#include "libs/llm/json_extract.h"

#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace armature::llm {
namespace {

using ::testing::HasSubstr;

std::string MustExtract(const std::string& text) {
  absl::StatusOr<std::string> json = ExtractJson(text);
  EXPECT_TRUE(json.ok()) << json.status();
  return json.ok() ? *json : "";
}

TEST(ExtractJsonTest, BareObject) {
  EXPECT_EQ(MustExtract(R"({"a": 1, "b": [1, 2]})"), R"({"a": 1, "b": [1, 2]})");
}

TEST(ExtractJsonTest, SurroundingWhitespaceIsDropped) {
  EXPECT_EQ(MustExtract("\n\n  {\"a\": 1}\n  "), R"({"a": 1})");
}

TEST(ExtractJsonTest, JsonFence) {
  EXPECT_EQ(MustExtract("```json\n{\"subtasks\": []}\n```"), R"({"subtasks": []})");
}

TEST(ExtractJsonTest, BareFenceWithProseAround) {
  EXPECT_EQ(MustExtract("Here is the plan:\n```\n{\"a\": {\"b\": 2}}\n```\nHope it helps!"),
            R"({"a": {"b": 2}})");
}

TEST(ExtractJsonTest, UnclosedFenceStillYieldsAClosedObject) {
  EXPECT_EQ(MustExtract("```json\n{\"a\": 1}\n"), R"({"a": 1})");
}

TEST(ExtractJsonTest, ProseBeforeAndAfterWithoutFence) {
  EXPECT_EQ(MustExtract("Sure! The answer is {\"ok\": true}. Let me know."), R"({"ok": true})");
}

TEST(ExtractJsonTest, BracesAndEscapedQuotesInsideStringsDoNotCount) {
  const std::string object = R"({"action": "write } and { \"quoted\" \\", "n": 1})";
  EXPECT_EQ(MustExtract("prefix " + object + " suffix }"), object);
}

TEST(ExtractJsonTest, FirstOfTwoObjects) {
  EXPECT_EQ(MustExtract(R"({"first": 1} and then {"second": 2})"), R"({"first": 1})");
}

TEST(ExtractJsonTest, SkipsBalancedBracesThatAreNotJson) {
  EXPECT_EQ(MustExtract(R"(Use {placeholders} like this: {"real": "json"})"),
            R"({"real": "json"})");
}

TEST(ExtractJsonTest, EmptyReplyIsAnError) {
  absl::StatusOr<std::string> json = ExtractJson("   \n ");
  ASSERT_FALSE(json.ok());
  EXPECT_EQ(json.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(json.status().message()), HasSubstr("empty"));
}

TEST(ExtractJsonTest, NoBraceIsAnErrorQuotingTheStart) {
  absl::StatusOr<std::string> json = ExtractJson("I cannot help with that.");
  ASSERT_FALSE(json.ok());
  EXPECT_EQ(json.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(json.status().message()), HasSubstr("no JSON object"));
  EXPECT_THAT(std::string(json.status().message()), HasSubstr("I cannot help"));
}

TEST(ExtractJsonTest, TruncatedObjectSaysItIsNeverClosed) {
  absl::StatusOr<std::string> json = ExtractJson(R"({"subtasks": [{"step": 1, "action": "wri)");
  ASSERT_FALSE(json.ok());
  EXPECT_THAT(std::string(json.status().message()), HasSubstr("never closed"));
  EXPECT_THAT(std::string(json.status().message()), HasSubstr("max_tokens"));
}

TEST(ExtractJsonTest, BalancedButInvalidJsonQuotesTheParser) {
  absl::StatusOr<std::string> json = ExtractJson(R"(```json
{"a": 1,}
```)");
  ASSERT_FALSE(json.ok());
  EXPECT_EQ(json.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(json.status().message()), HasSubstr("does not parse"));
}

}  // namespace
}  // namespace armature::llm
