#include "libs/llm/openai_provider.h"

#include <ostream>
#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "libs/clock/clock.h"
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

constexpr char kKey[] = "sk-test-0123456789abcdefSECRET";

constexpr char kOkBody[] = R"({
  "id": "chatcmpl-1", "object": "chat.completion", "model": "gpt-4o-mini-2024-07-18",
  "choices": [{"index": 0, "finish_reason": "stop",
               "message": {"role": "assistant", "content": "{\"subtasks\": []}"}}],
  "usage": {"prompt_tokens": 42, "completion_tokens": 7, "total_tokens": 49}
})";

class OpenAiProviderTest : public ::testing::Test {
 protected:
  OpenAiCompatibleOptions Options() const {
    OpenAiCompatibleOptions options;
    options.base_url = server_.base_url() + "/v1";
    options.model = "gpt-4o-mini";
    options.api_key = kKey;
    options.timeout_ms = 2000;
    return options;
  }
  static LlmRequest Request() {
    LlmRequest request;
    request.system = "You plan.";
    request.user = "Goal: ship it";
    request.max_tokens = 321;
    request.temperature = 0.1;
    return request;
  }

  FakeHttpServer server_;
};

TEST_F(OpenAiProviderTest, SendsChatCompletionsRequest) {
  server_.EnqueueJson(200, kOkBody);
  OpenAiCompatibleProvider provider(Options());
  ASSERT_TRUE(provider.Complete(Request()).ok());

  ASSERT_EQ(server_.requests().size(), 1u);
  const RecordedRequest req = server_.requests()[0];
  EXPECT_EQ(req.method, "POST");
  EXPECT_EQ(req.path, "/v1/chat/completions");
  EXPECT_EQ(req.headers.at("authorization"), std::string("Bearer ") + kKey);
  EXPECT_EQ(req.headers.at("content-type"), "application/json");
  const json body = json::parse(req.body);
  EXPECT_EQ(body["model"], "gpt-4o-mini");
  EXPECT_EQ(body["max_tokens"], 321);
  EXPECT_DOUBLE_EQ(body["temperature"].get<double>(), 0.1);
  ASSERT_EQ(body["messages"].size(), 2u);
  EXPECT_EQ(body["messages"][0]["role"], "system");
  EXPECT_EQ(body["messages"][0]["content"], "You plan.");
  EXPECT_EQ(body["messages"][1]["role"], "user");
  EXPECT_EQ(body["messages"][1]["content"], "Goal: ship it");
  EXPECT_EQ(body["response_format"]["type"], "json_object");
}

TEST_F(OpenAiProviderTest, WithoutJsonModeNoResponseFormat) {
  server_.EnqueueJson(200, kOkBody);
  OpenAiCompatibleProvider provider(Options());
  LlmRequest request = Request();
  request.json_mode = false;
  request.system.clear();
  ASSERT_TRUE(provider.Complete(request).ok());
  const json body = json::parse(server_.requests()[0].body);
  EXPECT_FALSE(body.contains("response_format"));
  ASSERT_EQ(body["messages"].size(), 1u);
  EXPECT_EQ(body["messages"][0]["role"], "user");
}

TEST_F(OpenAiProviderTest, LocalServerWithoutKeySendsNoAuthorization) {
  server_.EnqueueJson(200, kOkBody);
  OpenAiCompatibleOptions options = Options();
  options.api_key.clear();
  options.base_url = server_.base_url() + "/v1/";  // A trailing slash is tolerated.
  OpenAiCompatibleProvider provider(options);
  ASSERT_TRUE(provider.Complete(Request()).ok());
  EXPECT_EQ(server_.requests()[0].path, "/v1/chat/completions");
  EXPECT_EQ(server_.requests()[0].headers.count("authorization"), 0u);
}

TEST_F(OpenAiProviderTest, MaxCompletionTokensFieldIsConfigurable) {
  server_.EnqueueJson(200, kOkBody);
  OpenAiCompatibleOptions options = Options();
  options.max_tokens_field = "max_completion_tokens";
  OpenAiCompatibleProvider provider(options);
  ASSERT_TRUE(provider.Complete(Request()).ok());
  const json body = json::parse(server_.requests()[0].body);
  EXPECT_EQ(body["max_completion_tokens"], 321);
  EXPECT_FALSE(body.contains("max_tokens"));
}

TEST_F(OpenAiProviderTest, ParsesReply) {
  server_.EnqueueJson(200, kOkBody);
  OpenAiCompatibleProvider provider(Options());
  absl::StatusOr<LlmReply> reply = provider.Complete(Request());
  ASSERT_TRUE(reply.ok()) << reply.status();
  EXPECT_EQ(reply->text, R"({"subtasks": []})");
  EXPECT_EQ(reply->model, "gpt-4o-mini-2024-07-18");
  EXPECT_EQ(reply->stop_reason, "stop");
  ASSERT_TRUE(reply->usage.has_value());
  EXPECT_EQ(reply->usage->input_tokens, 42);
  EXPECT_EQ(reply->usage->output_tokens, 7);
  EXPECT_GT(reply->latency, absl::ZeroDuration());
  EXPECT_EQ(provider.name(), "openai:gpt-4o-mini");
  EXPECT_EQ(provider.kind(), ProviderKind::kOpenAi);
}

TEST_F(OpenAiProviderTest, ParsesContentPartsAndMissingUsage) {
  server_.EnqueueJson(200, R"({"choices": [{"message": {"content": [
      {"type": "text", "text": "{\"a\":"}, {"type": "text", "text": " 1}"}]}}]})");
  OpenAiCompatibleOptions options = Options();
  options.name = "local-llama";
  OpenAiCompatibleProvider provider(options);
  absl::StatusOr<LlmReply> reply = provider.Complete(Request());
  ASSERT_TRUE(reply.ok()) << reply.status();
  EXPECT_EQ(reply->text, R"({"a": 1})");
  EXPECT_EQ(reply->model, "gpt-4o-mini");  // The configured model when the server omits it.
  EXPECT_FALSE(reply->usage.has_value());
  EXPECT_EQ(provider.name(), "local-llama");
}

TEST_F(OpenAiProviderTest, MalformedBodyIsInternal) {
  server_.EnqueueJson(200, "<html>proxy error</html>");
  OpenAiCompatibleProvider provider(Options());
  absl::StatusOr<LlmReply> reply = provider.Complete(Request());
  ASSERT_FALSE(reply.ok());
  EXPECT_EQ(reply.status().code(), absl::StatusCode::kInternal);
  EXPECT_THAT(std::string(reply.status().message()), HasSubstr("openai:gpt-4o-mini"));
  EXPECT_THAT(std::string(reply.status().message()), HasSubstr("not JSON"));
}

TEST_F(OpenAiProviderTest, NoChoicesIsInternal) {
  server_.EnqueueJson(200, R"({"choices": []})");
  OpenAiCompatibleProvider provider(Options());
  absl::StatusOr<LlmReply> reply = provider.Complete(Request());
  ASSERT_FALSE(reply.ok());
  EXPECT_EQ(reply.status().code(), absl::StatusCode::kInternal);
  EXPECT_THAT(std::string(reply.status().message()), HasSubstr("no choices"));
}

TEST_F(OpenAiProviderTest, RefusalIsInternalWithTheReason) {
  server_.EnqueueJson(200, R"({"choices": [{"message": {"content": null,
                                                       "refusal": "I can't do that"}}]})");
  OpenAiCompatibleProvider provider(Options());
  absl::StatusOr<LlmReply> reply = provider.Complete(Request());
  ASSERT_FALSE(reply.ok());
  EXPECT_EQ(reply.status().code(), absl::StatusCode::kInternal);
  EXPECT_THAT(std::string(reply.status().message()), HasSubstr("I can't do that"));
}

struct HttpErrorCase {
  int http_status;
  absl::StatusCode code;
};

void PrintTo(const HttpErrorCase& c, std::ostream* os) { *os << "HTTP " << c.http_status; }

class OpenAiHttpErrorTest : public OpenAiProviderTest,
                            public ::testing::WithParamInterface<HttpErrorCase> {};

TEST_P(OpenAiHttpErrorTest, MapsStatusCode) {
  server_.EnqueueJson(GetParam().http_status,
                      R"({"error": {"message": "upstream explanation", "type": "some_error"}})");
  OpenAiCompatibleProvider provider(Options());
  absl::StatusOr<LlmReply> reply = provider.Complete(Request());
  ASSERT_FALSE(reply.ok());
  EXPECT_EQ(reply.status().code(), GetParam().code) << reply.status();
  const std::string message(reply.status().message());
  EXPECT_THAT(message, HasSubstr("openai:gpt-4o-mini"));
  EXPECT_THAT(message, HasSubstr("HTTP " + std::to_string(GetParam().http_status)));
  EXPECT_THAT(message, HasSubstr("upstream explanation"));
  EXPECT_FALSE(GetRetryAfter(reply.status()).has_value());
}

INSTANTIATE_TEST_SUITE_P(Codes, OpenAiHttpErrorTest,
                         ::testing::Values(HttpErrorCase{400, absl::StatusCode::kInvalidArgument},
                                           HttpErrorCase{401, absl::StatusCode::kUnauthenticated},
                                           HttpErrorCase{403, absl::StatusCode::kPermissionDenied},
                                           HttpErrorCase{404, absl::StatusCode::kNotFound},
                                           HttpErrorCase{408, absl::StatusCode::kDeadlineExceeded},
                                           HttpErrorCase{418,
                                                         absl::StatusCode::kFailedPrecondition},
                                           HttpErrorCase{422, absl::StatusCode::kInvalidArgument},
                                           HttpErrorCase{429, absl::StatusCode::kResourceExhausted},
                                           HttpErrorCase{500, absl::StatusCode::kUnavailable},
                                           HttpErrorCase{502, absl::StatusCode::kUnavailable},
                                           HttpErrorCase{503, absl::StatusCode::kUnavailable}),
                         [](const ::testing::TestParamInfo<HttpErrorCase>& info) {
                           return "Http" + std::to_string(info.param.http_status);
                         });

TEST_F(OpenAiProviderTest, RateLimitCarriesRetryAfterSeconds) {
  server_.EnqueueJson(429, R"({"error": {"message": "Rate limit reached"}})",
                      {{"Retry-After", "7"}});
  OpenAiCompatibleProvider provider(Options());
  absl::StatusOr<LlmReply> reply = provider.Complete(Request());
  ASSERT_EQ(reply.status().code(), absl::StatusCode::kResourceExhausted);
  EXPECT_THAT(std::string(reply.status().message()), HasSubstr("Rate limit reached"));
  EXPECT_EQ(GetRetryAfter(reply.status()), absl::Seconds(7));
}

TEST_F(OpenAiProviderTest, RetryAfterMsTakesPrecedence) {
  server_.EnqueueJson(503, "overloaded", {{"retry-after-ms", "1500"}, {"Retry-After", "9"}});
  OpenAiCompatibleProvider provider(Options());
  absl::StatusOr<LlmReply> reply = provider.Complete(Request());
  ASSERT_EQ(reply.status().code(), absl::StatusCode::kUnavailable);
  EXPECT_THAT(std::string(reply.status().message()), HasSubstr("overloaded"));
  EXPECT_EQ(GetRetryAfter(reply.status()), absl::Milliseconds(1500));
}

TEST_F(OpenAiProviderTest, NonJsonErrorBodyIsQuotedOnOneLine) {
  server_.Enqueue(ScriptedResponse{
      502, {}, "<html>\n  <body>\r\n\tBad   gateway\n</body>\n</html>\n", absl::ZeroDuration()});
  OpenAiCompatibleProvider provider(Options());
  absl::StatusOr<LlmReply> reply = provider.Complete(Request());
  ASSERT_EQ(reply.status().code(), absl::StatusCode::kUnavailable);
  EXPECT_EQ(reply.status().message(),
            "openai:gpt-4o-mini: HTTP 502: <html> <body> Bad gateway </body> </html>");
}

TEST_F(OpenAiProviderTest, RetryAfterHttpDateIsRelativeToTheServerDate) {
  server_.EnqueueJson(503, "{}",
                      {{"Date", "Wed, 21 Oct 2015 07:28:00 GMT"},
                       {"Retry-After", "Wed, 21 Oct 2015 07:28:12 GMT"}});
  OpenAiCompatibleProvider provider(Options());
  absl::StatusOr<LlmReply> reply = provider.Complete(Request());
  EXPECT_EQ(GetRetryAfter(reply.status()), absl::Seconds(12));
}

TEST_F(OpenAiProviderTest, RetryAfterIsIgnoredOnNonRetryableErrors) {
  server_.EnqueueJson(400, "{}", {{"Retry-After", "5"}});
  OpenAiCompatibleProvider provider(Options());
  absl::StatusOr<LlmReply> reply = provider.Complete(Request());
  ASSERT_EQ(reply.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_FALSE(GetRetryAfter(reply.status()).has_value());
}

TEST_F(OpenAiProviderTest, SlowReplyIsDeadlineExceeded) {
  server_.Enqueue(ScriptedResponse{200, {}, kOkBody, absl::Seconds(30)});
  OpenAiCompatibleOptions options = Options();
  options.timeout_ms = 200;
  OpenAiCompatibleProvider provider(options);
  const absl::Time start = absl::Now();
  absl::StatusOr<LlmReply> reply = provider.Complete(Request());
  ASSERT_EQ(reply.status().code(), absl::StatusCode::kDeadlineExceeded) << reply.status();
  EXPECT_THAT(std::string(reply.status().message()), HasSubstr("200 ms"));
  EXPECT_LT(absl::Now() - start, absl::Seconds(5));
}

TEST_F(OpenAiProviderTest, RequestTimeoutOverridesTheConfiguredOne) {
  server_.Enqueue(ScriptedResponse{200, {}, kOkBody, absl::Seconds(30)});
  OpenAiCompatibleProvider provider(Options());  // 2000 ms configured.
  LlmRequest request = Request();
  request.timeout_ms = 150;
  absl::StatusOr<LlmReply> reply = provider.Complete(request);
  ASSERT_EQ(reply.status().code(), absl::StatusCode::kDeadlineExceeded) << reply.status();
  EXPECT_THAT(std::string(reply.status().message()), HasSubstr("150 ms"));
}

TEST_F(OpenAiProviderTest, DeadlineShortensTheTimeout) {
  server_.Enqueue(ScriptedResponse{200, {}, kOkBody, absl::Seconds(30)});
  ManualClock clock;
  OpenAiCompatibleProvider provider(Options(), clock);  // 2000 ms configured.
  LlmRequest request = Request();
  request.deadline = clock.Now() + absl::Milliseconds(120);
  absl::StatusOr<LlmReply> reply = provider.Complete(request);
  ASSERT_EQ(reply.status().code(), absl::StatusCode::kDeadlineExceeded) << reply.status();
  EXPECT_THAT(std::string(reply.status().message()), HasSubstr("120 ms"));
}

TEST_F(OpenAiProviderTest, PassedDeadlineSendsNothing) {
  ManualClock clock;
  OpenAiCompatibleProvider provider(Options(), clock);
  LlmRequest request = Request();
  request.deadline = clock.Now() - absl::Milliseconds(1);
  absl::StatusOr<LlmReply> reply = provider.Complete(request);
  EXPECT_EQ(reply.status().code(), absl::StatusCode::kDeadlineExceeded);
  EXPECT_TRUE(server_.requests().empty());
}

TEST_F(OpenAiProviderTest, InvalidRequestSendsNothing) {
  OpenAiCompatibleProvider provider(Options());
  LlmRequest request = Request();
  request.user = "  ";
  absl::StatusOr<LlmReply> reply = provider.Complete(request);
  EXPECT_EQ(reply.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(reply.status().message()), HasSubstr("LlmRequest.user"));
  request = Request();
  request.max_tokens = 0;
  EXPECT_THAT(std::string(provider.Complete(request).status().message()),
              HasSubstr("LlmRequest.max_tokens"));
  EXPECT_TRUE(server_.requests().empty());
}

TEST(OpenAiProviderNoServerTest, ConnectionRefusedIsUnavailable) {
  int port = 0;
  {
    FakeHttpServer server;  // Take a free port, then close it.
    port = server.port();
  }
  OpenAiCompatibleOptions options;
  options.base_url = "http://127.0.0.1:" + std::to_string(port) + "/v1";
  options.timeout_ms = 2000;
  OpenAiCompatibleProvider provider(options);
  LlmRequest request;
  request.user = "hi";
  absl::StatusOr<LlmReply> reply = provider.Complete(request);
  ASSERT_EQ(reply.status().code(), absl::StatusCode::kUnavailable) << reply.status();
  EXPECT_THAT(std::string(reply.status().message()), HasSubstr("openai:gpt-4o-mini"));
}

// The key must not appear in any error, whichever way the failure happens.
struct LeakCase {
  std::string label;
  ScriptedResponse response;
  int64_t timeout_ms;
};

void PrintTo(const LeakCase& c, std::ostream* os) { *os << c.label; }

class OpenAiKeyRedactionTest : public OpenAiProviderTest,
                               public ::testing::WithParamInterface<LeakCase> {};

TEST_P(OpenAiKeyRedactionTest, KeyNeverInTheError) {
  server_.Enqueue(GetParam().response);
  OpenAiCompatibleOptions options = Options();
  // The key also sits in the URL path, so transport errors quoting the URL are covered.
  options.base_url = server_.base_url() + "/v1/" + kKey;
  options.timeout_ms = GetParam().timeout_ms;
  OpenAiCompatibleProvider provider(options);
  absl::StatusOr<LlmReply> reply = provider.Complete(Request());
  ASSERT_FALSE(reply.ok());
  const std::string message(reply.status().message());
  EXPECT_THAT(message, Not(HasSubstr(kKey)));
  // Not even a long prefix of it (a truncation after the key would leave one).
  EXPECT_THAT(message, Not(HasSubstr(std::string(kKey).substr(0, 12))));
}

std::string Echo(int padding) {
  return R"({"error": {"message": ")" + std::string(padding, 'x') +
         " Incorrect API key provided: " + kKey + R"("}})";
}

INSTANTIATE_TEST_SUITE_P(
    Paths, OpenAiKeyRedactionTest,
    ::testing::Values(
        LeakCase{"Unauthorized", {401, {}, Echo(0), absl::ZeroDuration()}, 2000},
        LeakCase{"BadRequest", {400, {}, Echo(0), absl::ZeroDuration()}, 2000},
        LeakCase{"RateLimited", {429, {{"Retry-After", "1"}}, Echo(0), absl::ZeroDuration()}, 2000},
        LeakCase{"ServerError", {500, {}, std::string("raw ") + kKey, absl::ZeroDuration()}, 2000},
        // The key straddles the point where the excerpt is cut.
        LeakCase{"KeyAtTruncation", {503, {}, Echo(250), absl::ZeroDuration()}, 2000},
        LeakCase{"ErrorIn200", {200, {}, Echo(0), absl::ZeroDuration()}, 2000},
        LeakCase{"Timeout", {200, {}, kOkBody, absl::Seconds(30)}, 150}),
    [](const ::testing::TestParamInfo<LeakCase>& info) { return info.param.label; });

TEST(OpenAiRequestBodyTest, BuildsValidJsonEvenFromInvalidUtf8) {
  OpenAiCompatibleOptions options;
  LlmRequest request;
  request.user = "bad byte \xFF here";
  const json body = json::parse(BuildOpenAiRequestBody(options, request));
  EXPECT_EQ(body["messages"][0]["role"], "user");
}

}  // namespace
}  // namespace armature::llm
