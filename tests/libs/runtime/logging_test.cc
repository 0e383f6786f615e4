#include "libs/runtime/logging.h"

#include "gtest/gtest.h"
#include "nlohmann/json.hpp"

namespace armature::runtime {
namespace {

TEST(LoggingTest, ParsesFormats) {
  EXPECT_EQ(*ParseLogFormat("text"), LogFormat::kText);
  EXPECT_EQ(*ParseLogFormat("json"), LogFormat::kJson);
  const auto bad = ParseLogFormat("xml");
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(bad.status().message().find("log_format"), absl::string_view::npos);
}

TEST(LoggingTest, TextLineQuotesValuesThatNeedIt) {
  const std::string line =
      FormatLogLine(LogFormat::kText, LogLevel::kWarn, "svc", "2026-01-01T00:00:00.000Z", "rpc",
                    {{"method", "a.B/C"}, {"error", "bad \"goal\" value"}, {"empty", ""}});
  EXPECT_EQ(line,
            "2026-01-01T00:00:00.000Z WARN svc rpc method=a.B/C error=\"bad \\\"goal\\\" value\" "
            "empty=\"\"");
}

TEST(LoggingTest, JsonLineIsOneValidObjectWithEveryField) {
  const std::string line = FormatLogLine(LogFormat::kJson, LogLevel::kInfo, "svc", "ts", "rpc",
                                         {{"request_id", "abc"}, {"note", "line1\nline2"}});
  EXPECT_EQ(line.find('\n'), std::string::npos);
  const auto j = nlohmann::json::parse(line);
  EXPECT_EQ(j["level"], "INFO");
  EXPECT_EQ(j["service"], "svc");
  EXPECT_EQ(j["event"], "rpc");
  EXPECT_EQ(j["request_id"], "abc");
  EXPECT_EQ(j["note"], "line1\nline2");
}

TEST(LoggingTest, JsonLineSurvivesInvalidUtf8) {
  const std::string line =
      FormatLogLine(LogFormat::kJson, LogLevel::kError, "svc", "ts", "e", {{"raw", "\xFF\xFE"}});
  EXPECT_FALSE(nlohmann::json::parse(line, nullptr, false).is_discarded());
}

}  // namespace
}  // namespace armature::runtime
