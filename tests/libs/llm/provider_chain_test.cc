#include "libs/llm/provider_chain.h"

#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/numbers.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "libs/llm/json_extract.h"
#include "libs/llm/llm_config.h"
#include "nlohmann/json.hpp"
#include "tests/libs/llm/test_util.h"
#include "tests/testing/fake_http_server.h"

namespace armature::llm {
namespace {

using ::armature::llm::testing::FakeProvider;
using ::armature::llm::testing::RecordingClock;
using ::armature::testing::FakeHttpServer;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::Not;

constexpr char kSecret[] = "sk-chain-SECRET-42424242";

LlmRequest Request() {
  LlmRequest request;
  request.user = "plan";
  return request;
}

// Accepts replies that contain a JSON object with "ok": true.
absl::Status RequireOk(const LlmReply& reply) {
  absl::StatusOr<std::string> json = ExtractJson(reply.text);
  if (!json.ok()) return json.status();
  const auto parsed = nlohmann::json::parse(*json);
  if (!parsed.value("ok", false)) return absl::InvalidArgumentError("field ok is not true");
  return absl::OkStatus();
}

class ProviderChainTest : public ::testing::Test {
 protected:
  // Adds a FakeProvider taking `latency` of simulated time per call.
  FakeProvider* Add(std::string name, absl::Duration latency = absl::Milliseconds(10)) {
    auto fake = std::make_unique<FakeProvider>(std::move(name));
    fake->WithLatency(&clock_, latency);
    FakeProvider* raw = fake.get();
    entries_.push_back(ChainEntry::Usable(std::move(fake)));
    return raw;
  }
  std::unique_ptr<ProviderChain> Build(ChainOptions options = {}) {
    return std::make_unique<ProviderChain>(std::move(entries_), std::move(options), clock_);
  }

  ManualClock clock_;
  std::vector<ChainEntry> entries_;
};

TEST_F(ProviderChainTest, FirstAcceptedReplyWins) {
  FakeProvider* first = Add("a");
  FakeProvider* second = Add("b");
  first->Then(R"({"ok": true})");
  second->Then(R"({"ok": true})");
  auto chain = Build();
  absl::StatusOr<ChainResult> result = chain->Run(Request(), RequireOk);
  ASSERT_TRUE(result.ok()) << result.status();
  EXPECT_EQ(result->provider, "a");
  EXPECT_EQ(result->kind, "other");
  EXPECT_EQ(result->reply.text, R"({"ok": true})");
  EXPECT_THAT(result->failures, IsEmpty());
  EXPECT_EQ(second->calls(), 0);
}

TEST_F(ProviderChainTest, FallsThroughOnError) {
  FakeProvider* first = Add("a");
  Add("b")->Then(R"({"ok": true})");
  first->Then(absl::UnavailableError("a: HTTP 503: busy"));
  auto chain = Build();
  absl::StatusOr<ChainResult> result = chain->Run(Request(), RequireOk);
  ASSERT_TRUE(result.ok()) << result.status();
  EXPECT_EQ(result->provider, "b");
  EXPECT_THAT(result->failures, ElementsAre("a: UNAVAILABLE: HTTP 503: busy"));
}

TEST_F(ProviderChainTest, FallsThroughOnRejectedReply) {
  Add("a")->Then("Sorry, here is prose and no JSON.");
  Add("b")->Then(R"({"ok": false})");
  Add("c")->Then("```json\n{\"ok\": true}\n```");
  auto chain = Build();
  absl::StatusOr<ChainResult> result = chain->Run(Request(), RequireOk);
  ASSERT_TRUE(result.ok()) << result.status();
  EXPECT_EQ(result->provider, "c");
  ASSERT_EQ(result->failures.size(), 2u);
  EXPECT_THAT(result->failures[0], HasSubstr("a: reply rejected: no JSON object"));
  EXPECT_THAT(result->failures[1], HasSubstr("b: reply rejected: field ok is not true"));
}

TEST_F(ProviderChainTest, RunParsedReturnsTheCallersValue) {
  Add("a")->Then("not a number");
  Add("b")->Then("41");
  auto chain = Build();
  absl::StatusOr<ChainOutcome<int>> outcome =
      chain->RunParsed<int>(Request(), [](const LlmReply& reply) -> absl::StatusOr<int> {
        int value = 0;
        if (!absl::SimpleAtoi(reply.text, &value)) return absl::InvalidArgumentError("not an int");
        return value + 1;
      });
  ASSERT_TRUE(outcome.ok()) << outcome.status();
  EXPECT_EQ(outcome->value, 42);
  EXPECT_EQ(outcome->result.provider, "b");
  EXPECT_THAT(outcome->result.failures, ElementsAre("a: reply rejected: not an int"));
}

TEST_F(ProviderChainTest, AllFailedListsEveryProvider) {
  entries_.push_back(ChainEntry::Unavailable("openai:gpt-4o-mini", "openai",
                                             "no API key: environment variable X is not set"));
  Add("a")->Then(absl::ResourceExhaustedError("a: HTTP 429 (rate limited)"));
  Add("b")->Then("no json here");
  auto chain = Build();
  absl::StatusOr<ChainResult> result = chain->Run(Request(), RequireOk);
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.status().code(), absl::StatusCode::kUnavailable);
  const std::string message(result.status().message());
  EXPECT_THAT(message, HasSubstr("every LLM provider failed"));
  EXPECT_THAT(message, HasSubstr("openai:gpt-4o-mini: skipped (no API key"));
  EXPECT_THAT(message, HasSubstr("a: RESOURCE_EXHAUSTED: HTTP 429"));
  EXPECT_THAT(message, HasSubstr("b: reply rejected"));
}

TEST_F(ProviderChainTest, UnavailableEntryIsNeverCalledAndReported) {
  entries_.push_back(
      ChainEntry::Unavailable("anthropic:claude", "anthropic", "disabled in config"));
  Add("a")->Then(R"({"ok": true})");
  auto chain = Build();
  EXPECT_TRUE(chain->HasUsableProvider());
  ASSERT_TRUE(chain->Run(Request(), RequireOk).ok());
  const std::vector<ProviderStats> stats = chain->Stats();
  ASSERT_EQ(stats.size(), 2u);
  EXPECT_EQ(stats[0].name, "anthropic:claude");
  EXPECT_EQ(stats[0].kind, "anthropic");
  EXPECT_EQ(stats[0].state, ProviderState::kUnavailable);
  EXPECT_EQ(stats[0].detail, "disabled in config");
  EXPECT_EQ(stats[0].calls, 0u);
  EXPECT_EQ(stats[1].state, ProviderState::kAvailable);
}

TEST_F(ProviderChainTest, OnlyUnavailableEntries) {
  entries_.push_back(ChainEntry::Unavailable("x", "openai", "disabled in config"));
  auto chain = Build();
  EXPECT_FALSE(chain->HasUsableProvider());
  absl::StatusOr<ChainResult> result = chain->Run(Request(), RequireOk);
  EXPECT_EQ(result.status().code(), absl::StatusCode::kUnavailable);
  EXPECT_THAT(std::string(result.status().message()), HasSubstr("x: skipped (disabled in config)"));
}

TEST_F(ProviderChainTest, EmptyChainIsFailedPrecondition) {
  auto chain = Build();
  EXPECT_EQ(chain->Run(Request(), RequireOk).status().code(),
            absl::StatusCode::kFailedPrecondition);
  EXPECT_FALSE(chain->HasUsableProvider());
}

TEST_F(ProviderChainTest, StopsWhenTheDeadlinePasses) {
  FakeProvider* first = Add("a", absl::Seconds(3));  // Takes longer than the deadline.
  FakeProvider* second = Add("b");
  first->Then(absl::DeadlineExceededError("a: no reply within 3000 ms"));
  second->Then(R"({"ok": true})");
  auto chain = Build();
  LlmRequest request = Request();
  request.deadline = clock_.Now() + absl::Seconds(2);
  absl::StatusOr<ChainResult> result = chain->Run(request, RequireOk);
  ASSERT_EQ(result.status().code(), absl::StatusCode::kDeadlineExceeded);
  EXPECT_THAT(std::string(result.status().message()), HasSubstr("b: not tried"));
  EXPECT_EQ(second->calls(), 0);
}

TEST_F(ProviderChainTest, StatsCountCallsOutcomesAndLatency) {
  FakeProvider* a = Add("a", absl::Milliseconds(100));
  Add("b", absl::Milliseconds(40))->Then(R"({"ok": true})");
  // Run 1: a fails. Run 2: a is rejected. Run 3: a succeeds.
  a->Then(absl::UnavailableError("a: down")).Then("junk").Then(R"({"ok": true})");
  auto chain = Build();
  for (int i = 0; i < 3; ++i) ASSERT_TRUE(chain->Run(Request(), RequireOk).ok());

  const std::vector<ProviderStats> stats = chain->Stats();
  ASSERT_EQ(stats.size(), 2u);
  EXPECT_EQ(stats[0].calls, 3u);
  EXPECT_EQ(stats[0].successes, 1u);
  EXPECT_EQ(stats[0].errors, 1u);
  EXPECT_EQ(stats[0].rejected, 1u);
  EXPECT_DOUBLE_EQ(stats[0].mean_latency_ms, 100.0);
  EXPECT_NEAR(stats[0].success_rate(), 1.0 / 3.0, 1e-9);
  EXPECT_EQ(stats[0].state, ProviderState::kAvailable);
  EXPECT_THAT(stats[0].last_error, IsEmpty());
  EXPECT_EQ(stats[1].calls, 2u);
  EXPECT_EQ(stats[1].successes, 2u);
  EXPECT_DOUBLE_EQ(stats[1].mean_latency_ms, 40.0);
  EXPECT_DOUBLE_EQ(stats[1].success_rate(), 1.0);
}

TEST_F(ProviderChainTest, StateFollowsTheLastCall) {
  FakeProvider* a = Add("a");
  Add("b")->Then(R"({"ok": true})");
  a->Then(R"({"ok": true})").Then(absl::UnavailableError("a: HTTP 503"));
  auto chain = Build();
  EXPECT_EQ(chain->Stats()[0].state, ProviderState::kUnknown);
  EXPECT_DOUBLE_EQ(chain->Stats()[0].success_rate(), 1.0);
  ASSERT_TRUE(chain->Run(Request(), RequireOk).ok());
  EXPECT_EQ(chain->Stats()[0].state, ProviderState::kAvailable);
  ASSERT_TRUE(chain->Run(Request(), RequireOk).ok());
  EXPECT_EQ(chain->Stats()[0].state, ProviderState::kDegraded);
  EXPECT_THAT(chain->Stats()[0].last_error, HasSubstr("a: HTTP 503"));
  EXPECT_THAT(chain->Stats()[0].detail, HasSubstr("a: HTTP 503"));
}

TEST_F(ProviderChainTest, SecretsAreRedactedEverywhere) {
  Add("a")->Then(absl::UnauthenticatedError(std::string("a: HTTP 401: bad key ") + kSecret));
  Add("b")->Then(std::string("echo ") + kSecret);
  std::vector<CallRecord> records;
  ChainOptions options;
  options.secrets = {kSecret};
  options.on_call = [&records](const CallRecord& r) { records.push_back(r); };
  auto chain = Build(options);
  // The validator quotes the reply, which quotes the key.
  absl::StatusOr<ChainResult> result = chain->Run(Request(), [](const LlmReply& reply) {
    return absl::InvalidArgumentError("cannot use: " + reply.text);
  });
  ASSERT_FALSE(result.ok());
  EXPECT_THAT(std::string(result.status().message()), Not(HasSubstr(kSecret)));
  EXPECT_THAT(std::string(result.status().message()), HasSubstr("[REDACTED]"));
  for (const ProviderStats& stats : chain->Stats()) {
    EXPECT_THAT(stats.last_error, Not(HasSubstr(kSecret)));
    EXPECT_THAT(stats.detail, Not(HasSubstr(kSecret)));
  }
  ASSERT_EQ(records.size(), 2u);
  for (const CallRecord& record : records) {
    EXPECT_THAT(std::string(record.status.message()), Not(HasSubstr(kSecret)));
  }
}

TEST_F(ProviderChainTest, ObserverSeesEveryCall) {
  Add("a", absl::Milliseconds(5))->Then(absl::UnavailableError("down"));
  Add("b", absl::Milliseconds(7))->Then("junk");
  Add("c", absl::Milliseconds(9))->Then(R"({"ok": true})");
  std::vector<CallRecord> records;
  ChainOptions options;
  options.on_call = [&records](const CallRecord& r) { records.push_back(r); };
  auto chain = Build(options);
  ASSERT_TRUE(chain->Run(Request(), RequireOk).ok());
  ASSERT_EQ(records.size(), 3u);
  EXPECT_EQ(records[0].provider, "a");
  EXPECT_EQ(records[0].outcome, CallRecord::Outcome::kError);
  EXPECT_EQ(records[0].status.code(), absl::StatusCode::kUnavailable);
  EXPECT_EQ(records[0].latency, absl::Milliseconds(5));
  EXPECT_EQ(CallOutcomeName(records[1].outcome), "rejected");
  EXPECT_EQ(records[2].outcome, CallRecord::Outcome::kSuccess);
  EXPECT_TRUE(records[2].status.ok());
  EXPECT_EQ(records[2].latency, absl::Milliseconds(9));
}

TEST_F(ProviderChainTest, ConcurrentRunsKeepExactCounts) {
  FakeProvider* a = Add("a", absl::ZeroDuration());
  a->Then(R"({"ok": true})");
  auto chain = Build();
  constexpr int kThreads = 4;
  constexpr int kRuns = 50;
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&chain] {
      for (int i = 0; i < kRuns; ++i) {
        EXPECT_TRUE(chain->Run(Request(), RequireOk).ok());
        (void)chain->Stats();
      }
    });
  }
  for (std::thread& t : threads) t.join();
  EXPECT_EQ(chain->Stats()[0].calls, static_cast<uint64_t>(kThreads * kRuns));
  EXPECT_EQ(chain->Stats()[0].successes, static_cast<uint64_t>(kThreads * kRuns));
  EXPECT_EQ(a->calls(), kThreads * kRuns);
}

// A chain built from configuration, over the wire: the OpenAI-compatible provider keeps
// failing with 500 (retried per its policy), the Anthropic one answers.
TEST(ProviderChainFromConfigTest, FallsBackAcrossRealProviders) {
  FakeHttpServer openai;
  FakeHttpServer anthropic;
  openai.EnqueueJson(500, R"({"error": {"message": "internal"}})");
  openai.EnqueueJson(500, R"({"error": {"message": "internal again"}})");
  anthropic.EnqueueJson(
      200, R"({"type": "message", "content": [{"type": "text", "text": "{\"ok\": true}"}]})");

  const std::string yaml = R"(
providers:
  - kind: openai
    base_url: )" + openai.base_url() +
                           R"(/v1
    model: gpt-4o-mini
    api_key_env: TEST_OPENAI_KEY
    timeout_ms: 2000
    max_attempts: 2
    backoff: {initial_ms: 100, multiplier: 2, max_ms: 1000, jitter: 0}
  - kind: anthropic
    base_url: )" + anthropic.base_url() +
                           R"(
    model: claude-3-5-haiku-latest
    api_key_env: TEST_ANTHROPIC_KEY
    timeout_ms: 2000
)";
  absl::StatusOr<LlmConfig> config = ParseLlmConfig(
      yaml, "inline.yaml", [](const std::string& name) -> std::optional<std::string> {
        if (name == "TEST_OPENAI_KEY") return "sk-openai-KEY";
        if (name == "TEST_ANTHROPIC_KEY") return "sk-ant-KEY";
        return std::nullopt;
      });
  ASSERT_TRUE(config.ok()) << config.status();
  RecordingClock clock;
  ChainDeps deps;
  deps.clock = &clock;
  deps.random = [] { return 0.0; };
  auto chain = BuildProviderChain(*config, deps);

  absl::StatusOr<ChainResult> result = chain->Run(Request(), RequireOk);
  ASSERT_TRUE(result.ok()) << result.status();
  EXPECT_EQ(result->provider, "anthropic:claude-3-5-haiku-latest");
  EXPECT_EQ(result->kind, "anthropic");
  ASSERT_EQ(result->failures.size(), 1u);
  EXPECT_THAT(result->failures[0], HasSubstr("openai:gpt-4o-mini: UNAVAILABLE: HTTP 500"));
  EXPECT_THAT(result->failures[0], HasSubstr("internal again (2 attempts)"));
  EXPECT_EQ(openai.requests().size(), 2u);
  EXPECT_EQ(openai.requests()[0].headers.at("authorization"), "Bearer sk-openai-KEY");
  EXPECT_EQ(anthropic.requests()[0].headers.at("x-api-key"), "sk-ant-KEY");
  EXPECT_THAT(clock.sleeps(), ElementsAre(absl::Milliseconds(100)));

  const std::vector<ProviderStats> stats = chain->Stats();
  ASSERT_EQ(stats.size(), 2u);
  EXPECT_EQ(stats[0].state, ProviderState::kDegraded);
  EXPECT_EQ(stats[0].errors, 1u);
  EXPECT_DOUBLE_EQ(stats[0].mean_latency_ms, 100.0);  // The backoff wait, on the manual clock.
  EXPECT_EQ(stats[1].state, ProviderState::kAvailable);
  EXPECT_EQ(stats[1].successes, 1u);
}

}  // namespace
}  // namespace armature::llm
