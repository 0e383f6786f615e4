#include "libs/llm/retrying_provider.h"

#include <algorithm>
#include <memory>
#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "libs/llm/openai_provider.h"
#include "tests/libs/llm/test_util.h"
#include "tests/testing/fake_http_server.h"

namespace armature::llm {
namespace {

using ::armature::llm::testing::FakeProvider;
using ::armature::llm::testing::RecordingClock;
using ::armature::llm::testing::WithRetryAfter;
using ::armature::testing::FakeHttpServer;
using ::armature::testing::ScriptedResponse;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;

// Backoff whose delays are easy to compute: 100 ms, 200 ms, 400 ms ... minus half of the
// jitter fraction (random() = 0.5, jitter = 0.5 -> delay * 0.75).
RetryOptions Policy(int max_attempts) {
  RetryOptions options;
  options.max_attempts = max_attempts;
  options.backoff.initial = absl::Milliseconds(100);
  options.backoff.multiplier = 2.0;
  options.backoff.max = absl::Seconds(1);
  options.backoff.jitter = 0.5;
  options.max_retry_after_ms = 10000;
  return options;
}

UniformRandom Half() {
  return [] { return 0.5; };
}

LlmRequest Request() {
  LlmRequest request;
  request.user = "go";
  return request;
}

class RetryingProviderTest : public ::testing::Test {
 protected:
  // Wraps a FakeProvider and keeps a pointer to it.
  std::unique_ptr<RetryingProvider> Wrap(RetryOptions options,
                                         RetryingProvider::RetryObserver on_retry = nullptr) {
    auto fake = std::make_unique<FakeProvider>("fake:model");
    fake_ = fake.get();
    return std::make_unique<RetryingProvider>(std::move(fake), options, clock_, Half(),
                                              std::move(on_retry));
  }

  RecordingClock clock_;
  FakeProvider* fake_ = nullptr;
};

TEST_F(RetryingProviderTest, SuccessOnFirstAttemptDoesNotWait) {
  auto provider = Wrap(Policy(3));
  fake_->Then("ok");
  absl::StatusOr<LlmReply> reply = provider->Complete(Request());
  ASSERT_TRUE(reply.ok());
  EXPECT_EQ(reply->text, "ok");
  EXPECT_EQ(reply->attempts, 1);
  EXPECT_EQ(fake_->calls(), 1);
  EXPECT_THAT(clock_.sleeps(), IsEmpty());
  EXPECT_EQ(provider->name(), "fake:model");
}

TEST_F(RetryingProviderTest, BacksOffExponentiallyWithJitter) {
  auto provider = Wrap(Policy(4));
  fake_->Then(absl::ResourceExhaustedError("429"))
      .Then(absl::UnavailableError("503"))
      .Then(absl::DeadlineExceededError("timeout"))
      .Then("ok");
  absl::StatusOr<LlmReply> reply = provider->Complete(Request());
  ASSERT_TRUE(reply.ok()) << reply.status();
  EXPECT_EQ(reply->attempts, 4);
  EXPECT_EQ(fake_->calls(), 4);
  EXPECT_THAT(clock_.sleeps(), ElementsAre(absl::Milliseconds(75), absl::Milliseconds(150),
                                           absl::Milliseconds(300)));
}

TEST_F(RetryingProviderTest, BackoffIsCappedByMax) {
  RetryOptions options = Policy(4);
  options.backoff.max = absl::Milliseconds(150);
  options.backoff.jitter = 0;
  auto provider = Wrap(options);
  fake_->Then(absl::UnavailableError("503"));
  ASSERT_FALSE(provider->Complete(Request()).ok());
  EXPECT_THAT(clock_.sleeps(), ElementsAre(absl::Milliseconds(100), absl::Milliseconds(150),
                                           absl::Milliseconds(150)));
}

TEST_F(RetryingProviderTest, HonoursRetryAfter) {
  auto provider = Wrap(Policy(3));
  fake_->Then(WithRetryAfter(absl::ResourceExhaustedError("429"), absl::Seconds(3)))
      .Then(absl::UnavailableError("503"))
      .Then("ok");
  ASSERT_TRUE(provider->Complete(Request()).ok());
  // Retry-After for the first retry, backoff (retry 2: 200 ms * 0.75) for the second.
  EXPECT_THAT(clock_.sleeps(), ElementsAre(absl::Seconds(3), absl::Milliseconds(150)));
}

TEST_F(RetryingProviderTest, RetryAfterIsCappedByMaxRetryAfter) {
  RetryOptions options = Policy(2);
  options.max_retry_after_ms = 2500;
  auto provider = Wrap(options);
  fake_->Then(WithRetryAfter(absl::ResourceExhaustedError("429"), absl::Seconds(60))).Then("ok");
  ASSERT_TRUE(provider->Complete(Request()).ok());
  EXPECT_THAT(clock_.sleeps(), ElementsAre(absl::Milliseconds(2500)));
}

TEST_F(RetryingProviderTest, GivesUpAfterMaxAttemptsWithTheLastError) {
  auto provider = Wrap(Policy(3));
  fake_->Then(absl::UnavailableError("fake:model: HTTP 503: busy"))
      .Then(absl::UnavailableError("fake:model: HTTP 502: bad gateway"))
      .Then(absl::ResourceExhaustedError("fake:model: HTTP 429: slow down"));
  absl::StatusOr<LlmReply> reply = provider->Complete(Request());
  ASSERT_FALSE(reply.ok());
  EXPECT_EQ(reply.status().code(), absl::StatusCode::kResourceExhausted);
  EXPECT_THAT(std::string(reply.status().message()), HasSubstr("slow down"));
  EXPECT_THAT(std::string(reply.status().message()), HasSubstr("(3 attempts)"));
  EXPECT_EQ(fake_->calls(), 3);
  EXPECT_EQ(clock_.sleeps().size(), 2u);
}

TEST_F(RetryingProviderTest, OneAttemptMeansNoRetry) {
  auto provider = Wrap(Policy(1));
  fake_->Then(absl::UnavailableError("503"));
  absl::StatusOr<LlmReply> reply = provider->Complete(Request());
  EXPECT_EQ(reply.status().code(), absl::StatusCode::kUnavailable);
  EXPECT_EQ(reply.status().message(), "503");
  EXPECT_EQ(fake_->calls(), 1);
}

class NoRetryTest : public RetryingProviderTest,
                    public ::testing::WithParamInterface<absl::StatusCode> {};

TEST_P(NoRetryTest, NeverRetriesNonRetryableErrors) {
  auto provider = Wrap(Policy(5));
  fake_->Then(absl::Status(GetParam(), "refused")).Then("ok");
  absl::StatusOr<LlmReply> reply = provider->Complete(Request());
  EXPECT_EQ(reply.status().code(), GetParam());
  EXPECT_EQ(fake_->calls(), 1);
  EXPECT_THAT(clock_.sleeps(), IsEmpty());
}

INSTANTIATE_TEST_SUITE_P(
    Codes, NoRetryTest,
    ::testing::Values(absl::StatusCode::kInvalidArgument, absl::StatusCode::kUnauthenticated,
                      absl::StatusCode::kPermissionDenied, absl::StatusCode::kNotFound,
                      absl::StatusCode::kFailedPrecondition, absl::StatusCode::kInternal),
    [](const ::testing::TestParamInfo<absl::StatusCode>& info) {
      std::string name = absl::StatusCodeToString(info.param);
      name.erase(std::remove(name.begin(), name.end(), '_'), name.end());
      return name;
    });

TEST_F(RetryingProviderTest, DoesNotWaitPastTheDeadline) {
  auto provider = Wrap(Policy(3));
  fake_->Then(WithRetryAfter(absl::UnavailableError("503"), absl::Seconds(5)));
  LlmRequest request = Request();
  request.deadline = clock_.Now() + absl::Seconds(2);
  absl::StatusOr<LlmReply> reply = provider->Complete(request);
  EXPECT_EQ(reply.status().code(), absl::StatusCode::kUnavailable);
  EXPECT_THAT(std::string(reply.status().message()), HasSubstr("would pass the deadline"));
  EXPECT_EQ(fake_->calls(), 1);
  EXPECT_THAT(clock_.sleeps(), IsEmpty());
}

TEST_F(RetryingProviderTest, ObserverSeesEveryRetry) {
  std::vector<RetryEvent> events;
  auto provider = Wrap(Policy(3), [&events](const RetryEvent& e) { events.push_back(e); });
  fake_->Then(WithRetryAfter(absl::ResourceExhaustedError("429"), absl::Seconds(1)))
      .Then(absl::UnavailableError("503"))
      .Then("ok");
  ASSERT_TRUE(provider->Complete(Request()).ok());
  ASSERT_EQ(events.size(), 2u);
  EXPECT_EQ(events[0].provider, "fake:model");
  EXPECT_EQ(events[0].failed_attempt, 1);
  EXPECT_EQ(events[0].error.code(), absl::StatusCode::kResourceExhausted);
  EXPECT_EQ(events[0].delay, absl::Seconds(1));
  EXPECT_TRUE(events[0].from_retry_after);
  EXPECT_EQ(events[1].failed_attempt, 2);
  EXPECT_EQ(events[1].delay, absl::Milliseconds(150));
  EXPECT_FALSE(events[1].from_retry_after);
}

// The same policy over real HTTP: status codes and Retry-After come from the wire.
class RetryingOverHttpTest : public ::testing::Test {
 protected:
  std::unique_ptr<RetryingProvider> Provider(int64_t timeout_ms) {
    OpenAiCompatibleOptions options;
    options.base_url = server_.base_url() + "/v1";
    options.timeout_ms = timeout_ms;
    return std::make_unique<RetryingProvider>(
        std::make_unique<OpenAiCompatibleProvider>(options, clock_), Policy(3), clock_, Half());
  }
  static std::string Ok() { return R"({"choices": [{"message": {"content": "{\"ok\": true}"}}]})"; }

  FakeHttpServer server_;
  RecordingClock clock_;
};

TEST_F(RetryingOverHttpTest, RetriesA429WithRetryAfterThenA500) {
  server_.EnqueueJson(429, R"({"error": {"message": "rate"}})", {{"Retry-After", "2"}});
  server_.EnqueueJson(500, R"({"error": {"message": "boom"}})");
  server_.EnqueueJson(200, Ok());
  absl::StatusOr<LlmReply> reply = Provider(2000)->Complete(Request());
  ASSERT_TRUE(reply.ok()) << reply.status();
  EXPECT_EQ(reply->text, R"({"ok": true})");
  EXPECT_EQ(reply->attempts, 3);
  EXPECT_EQ(server_.requests().size(), 3u);
  EXPECT_THAT(clock_.sleeps(), ElementsAre(absl::Seconds(2), absl::Milliseconds(150)));
}

TEST_F(RetryingOverHttpTest, RetriesATimeout) {
  server_.Enqueue(ScriptedResponse{200, {}, Ok(), absl::Seconds(30)});
  server_.EnqueueJson(200, Ok());
  absl::StatusOr<LlmReply> reply = Provider(200)->Complete(Request());
  ASSERT_TRUE(reply.ok()) << reply.status();
  EXPECT_EQ(reply->attempts, 2);
  EXPECT_EQ(server_.requests().size(), 2u);
  EXPECT_THAT(clock_.sleeps(), ElementsAre(absl::Milliseconds(75)));
}

TEST_F(RetryingOverHttpTest, NeverRetriesA400) {
  server_.EnqueueJson(400, R"({"error": {"message": "bad schema"}})");
  server_.EnqueueJson(200, Ok());
  absl::StatusOr<LlmReply> reply = Provider(2000)->Complete(Request());
  ASSERT_EQ(reply.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(reply.status().message()), HasSubstr("bad schema"));
  EXPECT_EQ(server_.requests().size(), 1u);
  EXPECT_THAT(clock_.sleeps(), IsEmpty());
}

TEST_F(RetryingOverHttpTest, Persistent503ExhaustsAttempts) {
  for (int i = 0; i < 3; ++i) server_.EnqueueJson(503, R"({"error": {"message": "down"}})");
  absl::StatusOr<LlmReply> reply = Provider(2000)->Complete(Request());
  ASSERT_EQ(reply.status().code(), absl::StatusCode::kUnavailable);
  EXPECT_THAT(std::string(reply.status().message()), HasSubstr("(3 attempts)"));
  EXPECT_EQ(server_.requests().size(), 3u);
  EXPECT_THAT(clock_.sleeps(), ElementsAre(absl::Milliseconds(75), absl::Milliseconds(150)));
}

}  // namespace
}  // namespace armature::llm
