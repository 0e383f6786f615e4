#include "libs/resilience/retry_policy.h"

#include <memory>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "libs/resilience/circuit_breaker.h"

namespace armature::resilience {
namespace {

using ::testing::HasSubstr;
using ::testing::Optional;

const absl::Time kNow = absl::FromUnixSeconds(1'700'000'000);

// 100 ms, 200 ms, 400 ms ... capped at 1 s, no jitter, no minimum attempt time.
RetryPolicy TestPolicy() {
  RetryPolicy policy;
  policy.max_attempts = 3;
  policy.backoff = BackoffOptions{.initial = absl::Milliseconds(100),
                                  .multiplier = 2.0,
                                  .max = absl::Seconds(1),
                                  .jitter = 0.0};
  policy.min_attempt_time_ms = 0;
  return policy;
}

RetryDecider MakeDecider(
    RetryPolicy policy, std::shared_ptr<RetryBudget> budget = nullptr,
    UniformRandom random = [] { return 0.0; }) {
  absl::StatusOr<RetryDecider> decider =
      RetryDecider::Create(std::move(policy), std::move(budget), std::move(random));
  EXPECT_TRUE(decider.ok()) << decider.status();
  return *std::move(decider);
}

std::shared_ptr<RetryBudget> MakeBudget(double max_tokens, double token_ratio) {
  absl::StatusOr<std::unique_ptr<RetryBudget>> budget =
      RetryBudget::Create({.max_tokens = max_tokens, .token_ratio = token_ratio});
  EXPECT_TRUE(budget.ok()) << budget.status();
  return std::shared_ptr<RetryBudget>(*std::move(budget));
}

RetryDecision DecideFor(const RetryDecider& decider, int attempt, absl::Status status,
                        absl::Time deadline = absl::InfiniteFuture()) {
  return decider.Decide(attempt, AttemptOutcome{.status = std::move(status)}, kNow, deadline);
}

TEST(RetryPolicyTest, RejectsEachInvalidFieldByName) {
  struct Case {
    void (*mutate)(RetryPolicy&);
    const char* field;
  };
  const Case cases[] = {
      {[](RetryPolicy& p) { p.max_attempts = 0; }, "max_attempts"},
      {[](RetryPolicy& p) { p.retryable_codes.push_back(absl::StatusCode::kOk); },
       "retryable_codes"},
      {[](RetryPolicy& p) { p.backoff.initial = absl::ZeroDuration(); }, "backoff.initial"},
      {[](RetryPolicy& p) { p.backoff.max = absl::Milliseconds(50); }, "backoff.max"},
      {[](RetryPolicy& p) { p.backoff.multiplier = 0.5; }, "backoff.multiplier"},
      {[](RetryPolicy& p) { p.backoff.jitter = 1.5; }, "backoff.jitter"},
      {[](RetryPolicy& p) { p.min_attempt_time_ms = -1; }, "min_attempt_time_ms"},
  };
  for (const Case& c : cases) {
    RetryPolicy policy = TestPolicy();
    c.mutate(policy);
    absl::StatusOr<RetryDecider> decider = RetryDecider::Create(policy);
    ASSERT_FALSE(decider.ok()) << c.field;
    EXPECT_EQ(decider.status().code(), absl::StatusCode::kInvalidArgument);
    EXPECT_THAT(decider.status().message(), HasSubstr(c.field));
  }
  EXPECT_TRUE(ValidateRetryPolicy(RetryPolicy{}).ok());
}

TEST(RetryDeciderTest, RetriesOnlyTheDefaultRetryableCodes) {
  RetryPolicy policy = TestPolicy();
  policy.retryable_codes = RetryPolicy{}.retryable_codes;
  const RetryDecider decider = MakeDecider(policy);
  auto is_retryable = [](absl::StatusCode code) {
    return code == absl::StatusCode::kUnavailable || code == absl::StatusCode::kResourceExhausted ||
           code == absl::StatusCode::kDeadlineExceeded || code == absl::StatusCode::kAborted;
  };
  for (int raw = 1; raw <= 16; ++raw) {
    const auto code = static_cast<absl::StatusCode>(raw);
    const RetryDecision decision = DecideFor(decider, 1, absl::Status(code, "attempt failed"));
    if (is_retryable(code)) {
      EXPECT_EQ(decision.verdict, RetryVerdict::kRetry) << absl::StatusCodeToString(code);
      EXPECT_EQ(decision.delay, absl::Milliseconds(100));
    } else {
      EXPECT_EQ(decision.verdict, RetryVerdict::kNotRetryable) << absl::StatusCodeToString(code);
    }
  }
  EXPECT_EQ(DecideFor(decider, 1, absl::OkStatus()).verdict, RetryVerdict::kSucceeded);
}

TEST(RetryDeciderTest, HonoursACustomCodeSet) {
  RetryPolicy policy = TestPolicy();
  policy.retryable_codes = {absl::StatusCode::kUnavailable};
  const RetryDecider decider = MakeDecider(policy);
  EXPECT_TRUE(DecideFor(decider, 1, absl::UnavailableError("down")).retry());
  EXPECT_EQ(DecideFor(decider, 1, absl::AbortedError("conflict")).verdict,
            RetryVerdict::kNotRetryable);
}

TEST(RetryDeciderTest, DeadlineExceededIsRetriedOnlyWhileTheOverallDeadlineHolds) {
  const RetryDecider decider = MakeDecider(TestPolicy());
  // The per-attempt timeout fired, the call still has 5 s.
  EXPECT_EQ(DecideFor(decider, 1, absl::DeadlineExceededError("attempt timed out"),
                      kNow + absl::Seconds(5))
                .verdict,
            RetryVerdict::kRetry);
  // The caller's own deadline is what ran out.
  EXPECT_EQ(DecideFor(decider, 1, absl::DeadlineExceededError("deadline"), kNow).verdict,
            RetryVerdict::kDeadline);
}

TEST(RetryDeciderTest, DelaysFollowTheBackoff) {
  RetryPolicy policy = TestPolicy();
  policy.max_attempts = 10;
  const RetryDecider decider = MakeDecider(policy);
  const absl::Status down = absl::UnavailableError("down");
  EXPECT_EQ(DecideFor(decider, 1, down).delay, absl::Milliseconds(100));
  EXPECT_EQ(DecideFor(decider, 2, down).delay, absl::Milliseconds(200));
  EXPECT_EQ(DecideFor(decider, 3, down).delay, absl::Milliseconds(400));
  EXPECT_EQ(DecideFor(decider, 5, down).delay, absl::Seconds(1));  // capped

  policy.backoff.jitter = 0.5;
  const RetryDecider jittered = MakeDecider(policy, nullptr, [] { return 1.0; });
  EXPECT_EQ(DecideFor(jittered, 2, down).delay, absl::Milliseconds(100));
}

TEST(RetryDeciderTest, AttemptsAreBounded) {
  const RetryDecider decider = MakeDecider(TestPolicy());  // max_attempts 3
  const absl::Status down = absl::UnavailableError("down");
  EXPECT_EQ(DecideFor(decider, 1, down).verdict, RetryVerdict::kRetry);
  EXPECT_EQ(DecideFor(decider, 2, down).verdict, RetryVerdict::kRetry);
  EXPECT_EQ(DecideFor(decider, 3, down).verdict, RetryVerdict::kAttemptsExhausted);

  RetryPolicy once = TestPolicy();
  once.max_attempts = 1;
  EXPECT_EQ(DecideFor(MakeDecider(once), 1, down).verdict, RetryVerdict::kAttemptsExhausted);
}

TEST(RetryDeciderTest, NeverSchedulesARetryPastTheDeadline) {
  const RetryDecider decider = MakeDecider(TestPolicy());  // first delay 100 ms
  const absl::Status down = absl::UnavailableError("down");
  EXPECT_EQ(DecideFor(decider, 1, down, kNow + absl::Milliseconds(101)).verdict,
            RetryVerdict::kRetry);
  // The backoff would end exactly at, or after, the deadline.
  EXPECT_EQ(DecideFor(decider, 1, down, kNow + absl::Milliseconds(100)).verdict,
            RetryVerdict::kDeadline);
  EXPECT_EQ(DecideFor(decider, 1, down, kNow + absl::Milliseconds(50)).verdict,
            RetryVerdict::kDeadline);
  EXPECT_EQ(DecideFor(decider, 1, down, kNow - absl::Seconds(1)).verdict, RetryVerdict::kDeadline);
}

TEST(RetryDeciderTest, LeavesRoomForTheAttemptItself) {
  RetryPolicy policy = TestPolicy();
  policy.min_attempt_time_ms = 20;
  const RetryDecider decider = MakeDecider(policy);
  const absl::Status down = absl::UnavailableError("down");
  EXPECT_EQ(DecideFor(decider, 1, down, kNow + absl::Milliseconds(120)).verdict,
            RetryVerdict::kRetry);
  EXPECT_EQ(DecideFor(decider, 1, down, kNow + absl::Milliseconds(119)).verdict,
            RetryVerdict::kDeadline);
}

TEST(RetryDeciderTest, PushbackRaisesTheDelayAndIsStillBoundedByTheDeadline) {
  const RetryDecider decider = MakeDecider(TestPolicy());
  const AttemptOutcome pushed{.status = absl::UnavailableError("overloaded"),
                              .retry_after = absl::Milliseconds(2'500)};
  RetryDecision decision = decider.Decide(1, pushed, kNow, kNow + absl::Seconds(10));
  EXPECT_EQ(decision.verdict, RetryVerdict::kRetry);
  EXPECT_EQ(decision.delay, absl::Milliseconds(2'500));
  decision = decider.Decide(1, pushed, kNow, kNow + absl::Seconds(2));
  EXPECT_EQ(decision.verdict, RetryVerdict::kDeadline);
  // A pushback shorter than the backoff changes nothing.
  const AttemptOutcome short_push{.status = absl::UnavailableError("overloaded"),
                                  .retry_after = absl::Milliseconds(10)};
  EXPECT_EQ(decider.Decide(1, short_push, kNow, absl::InfiniteFuture()).delay,
            absl::Milliseconds(100));
}

TEST(RetryDeciderTest, WaitsOutAnOpenBreakerWithoutSpendingTheBudget) {
  ManualClock clock(kNow);
  CircuitBreakerOptions options;
  options.minimum_calls = 1;
  options.open_wait_ms = 3'000;
  absl::StatusOr<std::unique_ptr<CircuitBreaker>> breaker = CircuitBreaker::Create(options, clock);
  ASSERT_TRUE(breaker.ok());
  (*breaker)->TryAcquire().Failure();
  CircuitBreaker::Permit refused = (*breaker)->TryAcquire();
  ASSERT_FALSE(refused);

  auto budget = MakeBudget(10, 0.1);
  const RetryDecider decider = MakeDecider(TestPolicy(), budget);
  const RetryDecision decision = decider.Decide(1,
                                                AttemptOutcome{.status = refused.ToStatus(),
                                                               .retry_after = refused.retry_after(),
                                                               .reached_downstream = false},
                                                clock.Now(), clock.Now() + absl::Seconds(30));
  EXPECT_EQ(decision.verdict, RetryVerdict::kRetry);
  EXPECT_EQ(decision.delay, absl::Seconds(3));
  EXPECT_DOUBLE_EQ(budget->tokens(), 10.0);
  EXPECT_EQ(budget->counters().failures, 0u);
}

TEST(RetryDeciderTest, FeedsTheBudgetLikeRetryThrottling) {
  auto budget = MakeBudget(10, 0.5);
  const RetryDecider decider = MakeDecider(TestPolicy(), budget);
  DecideFor(decider, 1, absl::UnavailableError("down"));
  EXPECT_DOUBLE_EQ(budget->tokens(), 9.0);
  DecideFor(decider, 1, absl::InvalidArgumentError("goal is empty"));  // not retryable: untouched
  EXPECT_DOUBLE_EQ(budget->tokens(), 9.0);
  DecideFor(decider, 3, absl::UnavailableError("down"));  // counted even on the last attempt
  EXPECT_DOUBLE_EQ(budget->tokens(), 8.0);
  DecideFor(decider, 1, absl::OkStatus());
  EXPECT_DOUBLE_EQ(budget->tokens(), 8.5);
}

TEST(RetryDeciderTest, TheBudgetStopsARetryStormAndRefills) {
  auto budget = MakeBudget(10, 0.1);
  RetryPolicy policy = TestPolicy();
  policy.max_attempts = 5;
  const RetryDecider decider = MakeDecider(policy, budget);

  // The downstream is down; 100 calls each try up to 5 attempts.
  int attempts = 0;
  int budget_stops = 0;
  for (int call = 0; call < 100; ++call) {
    for (int attempt = 1;; ++attempt) {
      ++attempts;
      const RetryDecision decision = DecideFor(decider, attempt, absl::UnavailableError("down"));
      if (decision.verdict == RetryVerdict::kBudgetExhausted) ++budget_stops;
      if (!decision.retry()) break;
    }
  }
  // The first call spends tokens 10 -> 5 over its 5 attempts; every later call gets one attempt.
  EXPECT_EQ(attempts, 5 + 99);
  EXPECT_EQ(budget_stops, 99);
  EXPECT_EQ(budget->counters().retries_refused, 99u);
  EXPECT_DOUBLE_EQ(budget->tokens(), 0.0);

  // The downstream is back: at 0.1 per success, 51 successes take the bucket past half again.
  for (int i = 0; i < 50; ++i) DecideFor(decider, 1, absl::OkStatus());
  EXPECT_DOUBLE_EQ(budget->tokens(), 5.0);
  EXPECT_FALSE(budget->TryRetry());
  DecideFor(decider, 1, absl::OkStatus());
  EXPECT_DOUBLE_EQ(budget->tokens(), 5.1);
  EXPECT_TRUE(budget->TryRetry());
  // A failure costs its token before the check: at 5.1 it leaves 4.1 and the retry is refused...
  EXPECT_EQ(DecideFor(decider, 1, absl::UnavailableError("blip")).verdict,
            RetryVerdict::kBudgetExhausted);
  // ...while from 6.1 it leaves 5.1 and the retry goes ahead.
  for (int i = 0; i < 20; ++i) DecideFor(decider, 1, absl::OkStatus());
  EXPECT_DOUBLE_EQ(budget->tokens(), 6.1);
  EXPECT_EQ(DecideFor(decider, 1, absl::UnavailableError("blip")).verdict, RetryVerdict::kRetry);
}

TEST(RetryDeciderTest, NextRetryIsTheDelayOrNothing) {
  const RetryDecider decider = MakeDecider(TestPolicy());
  EXPECT_THAT(decider.NextRetry(1, absl::UnavailableError("down"), kNow, absl::InfiniteFuture()),
              Optional(absl::Milliseconds(100)));
  EXPECT_EQ(decider.NextRetry(1, absl::NotFoundError("no task"), kNow, absl::InfiniteFuture()),
            std::nullopt);
  EXPECT_EQ(decider.NextRetry(3, absl::UnavailableError("down"), kNow, absl::InfiniteFuture()),
            std::nullopt);
  EXPECT_EQ(decider.NextRetry(1, absl::UnavailableError("down"), kNow, kNow), std::nullopt);
}

TEST(RetryDeciderTest, VerdictNamesAreStable) {
  EXPECT_EQ(RetryVerdictName(RetryVerdict::kRetry), "retry");
  EXPECT_EQ(RetryVerdictName(RetryVerdict::kSucceeded), "succeeded");
  EXPECT_EQ(RetryVerdictName(RetryVerdict::kNotRetryable), "not_retryable");
  EXPECT_EQ(RetryVerdictName(RetryVerdict::kAttemptsExhausted), "attempts_exhausted");
  EXPECT_EQ(RetryVerdictName(RetryVerdict::kDeadline), "deadline");
  EXPECT_EQ(RetryVerdictName(RetryVerdict::kBudgetExhausted), "budget_exhausted");
}

}  // namespace
}  // namespace armature::resilience
