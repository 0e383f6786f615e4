#include "libs/llm/anthropic_provider.h"

#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "nlohmann/json.hpp"
#include "tests/testing/fake_http_server.h"

namespace armature::llm {
namespace {

using ::armature::testing::FakeHttpServer;
using ::armature::testing::RecordedRequest;
using ::armature::testing::ScriptedResponse;
using nlohmann::json;
using ::testing::HasSubstr;
using ::testing::Not;
using ::testing::StartsWith;

constexpr char kKey[] = "sk-ant-api03-TESTKEY-abcdefghijklmnop";

constexpr char kOkBody[] = R"({
  "id": "msg_1", "type": "message", "role": "assistant", "model": "claude-3-5-sonnet-20240620",
  "content": [{"type": "text", "text": "```json\n{\"a\": 1"},
              {"type": "tool_use", "id": "t1", "name": "x", "input": {}},
              {"type": "text", "text": "}\n```"}],
  "stop_reason": "end_turn",
  "usage": {"input_tokens": 100, "output_tokens": 12}
})";

class AnthropicProviderTest : public ::testing::Test {
 protected:
  AnthropicOptions Options() const {
    AnthropicOptions options;
    options.base_url = server_.base_url();
    options.model = "claude-3-5-sonnet-20240620";
    options.api_key = kKey;
    options.timeout_ms = 2000;
    return options;
  }
  static LlmRequest Request() {
    LlmRequest request;
    request.system = "You plan.";
    request.user = "Goal: ship it";
    request.max_tokens = 512;
    request.temperature = 0.0;
    return request;
  }

  FakeHttpServer server_;
};

TEST_F(AnthropicProviderTest, SendsMessagesRequest) {
  server_.EnqueueJson(200, kOkBody);
  AnthropicProvider provider(Options());
  ASSERT_TRUE(provider.Complete(Request()).ok());

  ASSERT_EQ(server_.requests().size(), 1u);
  const RecordedRequest req = server_.requests()[0];
  EXPECT_EQ(req.method, "POST");
  EXPECT_EQ(req.path, "/v1/messages");
  EXPECT_EQ(req.headers.at("x-api-key"), kKey);
  EXPECT_EQ(req.headers.at("anthropic-version"), "2023-06-01");
  EXPECT_EQ(req.headers.at("content-type"), "application/json");
  EXPECT_EQ(req.headers.count("authorization"), 0u);
  const json body = json::parse(req.body);
  EXPECT_EQ(body["model"], "claude-3-5-sonnet-20240620");
  EXPECT_EQ(body["max_tokens"], 512);
  // The system prompt is a top-level field, not a message; json_mode adds an instruction.
  EXPECT_THAT(body["system"].get<std::string>(), StartsWith("You plan."));
  EXPECT_THAT(body["system"].get<std::string>(), HasSubstr("single JSON object"));
  ASSERT_EQ(body["messages"].size(), 1u);
  EXPECT_EQ(body["messages"][0]["role"], "user");
  EXPECT_EQ(body["messages"][0]["content"], "Goal: ship it");
  EXPECT_FALSE(body.contains("response_format"));
}

TEST_F(AnthropicProviderTest, WithoutJsonModeTheSystemPromptIsVerbatim) {
  server_.EnqueueJson(200, kOkBody);
  AnthropicProvider provider(Options());
  LlmRequest request = Request();
  request.json_mode = false;
  ASSERT_TRUE(provider.Complete(request).ok());
  EXPECT_EQ(json::parse(server_.requests()[0].body)["system"], "You plan.");
}

TEST_F(AnthropicProviderTest, ParsesTextBlocks) {
  server_.EnqueueJson(200, kOkBody);
  AnthropicProvider provider(Options());
  absl::StatusOr<LlmReply> reply = provider.Complete(Request());
  ASSERT_TRUE(reply.ok()) << reply.status();
  EXPECT_EQ(reply->text, "```json\n{\"a\": 1}\n```");  // Text blocks joined, others skipped.
  EXPECT_EQ(reply->model, "claude-3-5-sonnet-20240620");
  EXPECT_EQ(reply->stop_reason, "end_turn");
  ASSERT_TRUE(reply->usage.has_value());
  EXPECT_EQ(reply->usage->input_tokens, 100);
  EXPECT_EQ(reply->usage->output_tokens, 12);
  EXPECT_EQ(provider.name(), "anthropic:claude-3-5-sonnet-20240620");
  EXPECT_EQ(provider.kind(), ProviderKind::kAnthropic);
}

TEST_F(AnthropicProviderTest, NoTextBlockIsInternal) {
  server_.EnqueueJson(200, R"({"type": "message", "content": [{"type": "tool_use", "id": "t"}]})");
  AnthropicProvider provider(Options());
  absl::StatusOr<LlmReply> reply = provider.Complete(Request());
  ASSERT_EQ(reply.status().code(), absl::StatusCode::kInternal);
  EXPECT_THAT(std::string(reply.status().message()), HasSubstr("no text content block"));
}

TEST_F(AnthropicProviderTest, NotJsonIsInternal) {
  server_.EnqueueJson(200, "Bad gateway, try later");
  AnthropicProvider provider(Options());
  absl::StatusOr<LlmReply> reply = provider.Complete(Request());
  ASSERT_EQ(reply.status().code(), absl::StatusCode::kInternal);
  EXPECT_THAT(std::string(reply.status().message()), HasSubstr("anthropic:"));
}

TEST_F(AnthropicProviderTest, OverloadedIsUnavailableWithTheServerMessage) {
  server_.EnqueueJson(
      529, R"({"type": "error", "error": {"type": "overloaded_error", "message": "Overloaded"}})",
      {{"retry-after", "4"}});
  AnthropicProvider provider(Options());
  absl::StatusOr<LlmReply> reply = provider.Complete(Request());
  ASSERT_EQ(reply.status().code(), absl::StatusCode::kUnavailable);
  EXPECT_THAT(std::string(reply.status().message()), HasSubstr("overloaded_error: Overloaded"));
  EXPECT_EQ(GetRetryAfter(reply.status()), absl::Seconds(4));
}

TEST_F(AnthropicProviderTest, RateLimitIsResourceExhausted) {
  server_.EnqueueJson(429, R"({"type": "error", "error": {"type": "rate_limit_error",
                                                          "message": "slow down"}})",
                      {{"Retry-After", "2"}});
  AnthropicProvider provider(Options());
  absl::StatusOr<LlmReply> reply = provider.Complete(Request());
  ASSERT_EQ(reply.status().code(), absl::StatusCode::kResourceExhausted);
  EXPECT_EQ(GetRetryAfter(reply.status()), absl::Seconds(2));
}

TEST_F(AnthropicProviderTest, BadKeyIsUnauthenticatedAndRedacted) {
  server_.EnqueueJson(401, std::string(R"({"type": "error", "error": {"type":
      "authentication_error", "message": "invalid x-api-key )") +
                               kKey + R"("}})");
  AnthropicProvider provider(Options());
  absl::StatusOr<LlmReply> reply = provider.Complete(Request());
  ASSERT_EQ(reply.status().code(), absl::StatusCode::kUnauthenticated);
  const std::string message(reply.status().message());
  EXPECT_THAT(message, Not(HasSubstr(kKey)));
  EXPECT_THAT(message, HasSubstr("invalid x-api-key [REDACTED]"));
}

TEST_F(AnthropicProviderTest, InvalidRequestIsInvalidArgument) {
  server_.EnqueueJson(400, R"({"type": "error", "error": {"type": "invalid_request_error",
                                                          "message": "max_tokens: too large"}})");
  AnthropicProvider provider(Options());
  absl::StatusOr<LlmReply> reply = provider.Complete(Request());
  ASSERT_EQ(reply.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(reply.status().message()), HasSubstr("max_tokens: too large"));
}

TEST_F(AnthropicProviderTest, ErrorObjectIn200IsInternalAndRedacted) {
  server_.EnqueueJson(200, std::string(R"({"type": "error", "error": {"message": "key )") + kKey +
                               R"( revoked"}})");
  AnthropicProvider provider(Options());
  absl::StatusOr<LlmReply> reply = provider.Complete(Request());
  ASSERT_EQ(reply.status().code(), absl::StatusCode::kInternal);
  EXPECT_THAT(std::string(reply.status().message()), Not(HasSubstr(kKey)));
  EXPECT_THAT(std::string(reply.status().message()), HasSubstr("revoked"));
}

TEST_F(AnthropicProviderTest, SlowReplyIsDeadlineExceededAndRedacted) {
  server_.Enqueue(ScriptedResponse{200, {}, kOkBody, absl::Seconds(30)});
  AnthropicOptions options = Options();
  options.base_url = server_.base_url() + "/" + kKey;  // Quoted in transport errors.
  options.timeout_ms = 150;
  AnthropicProvider provider(options);
  absl::StatusOr<LlmReply> reply = provider.Complete(Request());
  ASSERT_EQ(reply.status().code(), absl::StatusCode::kDeadlineExceeded) << reply.status();
  EXPECT_THAT(std::string(reply.status().message()), Not(HasSubstr(kKey)));
}

}  // namespace
}  // namespace armature::llm
