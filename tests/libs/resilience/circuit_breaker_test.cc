#include "libs/resilience/circuit_breaker.h"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <thread>
#include <utility>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "libs/clock/clock.h"

namespace armature::resilience {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::Pair;

// Whole seconds, so that the 1 s window buckets start exactly on it.
const absl::Time kStart = absl::FromUnixSeconds(1'700'000'000);

CircuitBreakerOptions TestOptions() {
  CircuitBreakerOptions options;
  options.name = "planner arm";
  options.failure_rate_threshold = 0.5;
  options.window_ms = 10'000;
  options.window_buckets = 10;
  options.minimum_calls = 4;
  options.open_wait_ms = 5'000;
  options.half_open_max_calls = 2;
  options.successes_to_close = 2;
  options.half_open_permit_timeout_ms = 1'000;
  return options;
}

std::unique_ptr<CircuitBreaker> MakeBreaker(const CircuitBreakerOptions& options, Clock& clock,
                                            TransitionListener listener = nullptr) {
  absl::StatusOr<std::unique_ptr<CircuitBreaker>> breaker =
      CircuitBreaker::Create(options, clock, std::move(listener));
  EXPECT_TRUE(breaker.ok()) << breaker.status();
  return *std::move(breaker);
}

void Succeed(CircuitBreaker& breaker) {
  CircuitBreaker::Permit permit = breaker.TryAcquire();
  ASSERT_TRUE(permit.granted());
  permit.Success();
}

void Fail(CircuitBreaker& breaker) {
  CircuitBreaker::Permit permit = breaker.TryAcquire();
  ASSERT_TRUE(permit.granted());
  permit.Failure();
}

// Opens a closed breaker with minimum_calls failures.
void Trip(CircuitBreaker& breaker) {
  for (int i = 0; i < breaker.options().minimum_calls; ++i) Fail(breaker);
  ASSERT_EQ(breaker.State(), CircuitState::kOpen);
}

// Opens the breaker and waits out the open wait.
void TripToHalfOpen(CircuitBreaker& breaker, ManualClock& clock) {
  Trip(breaker);
  clock.Advance(absl::Milliseconds(breaker.options().open_wait_ms));
  ASSERT_EQ(breaker.State(), CircuitState::kHalfOpen);
}

TEST(CircuitBreakerOptionsTest, RejectsEachInvalidFieldByName) {
  struct Case {
    void (*mutate)(CircuitBreakerOptions&);
    const char* field;
  };
  const Case cases[] = {
      {[](CircuitBreakerOptions& o) { o.failure_rate_threshold = 0.0; }, "failure_rate_threshold"},
      {[](CircuitBreakerOptions& o) { o.failure_rate_threshold = 1.5; }, "failure_rate_threshold"},
      {[](CircuitBreakerOptions& o) { o.window_buckets = 0; }, "window_buckets"},
      {[](CircuitBreakerOptions& o) { o.window_ms = 5; }, "window_ms"},
      {[](CircuitBreakerOptions& o) { o.minimum_calls = 0; }, "minimum_calls"},
      {[](CircuitBreakerOptions& o) { o.open_wait_ms = -1; }, "open_wait_ms"},
      {[](CircuitBreakerOptions& o) { o.half_open_max_calls = 0; }, "half_open_max_calls"},
      {[](CircuitBreakerOptions& o) { o.successes_to_close = 0; }, "successes_to_close"},
      {[](CircuitBreakerOptions& o) { o.half_open_permit_timeout_ms = 0; },
       "half_open_permit_timeout_ms"},
  };
  ManualClock clock(kStart);
  for (const Case& c : cases) {
    CircuitBreakerOptions options = TestOptions();
    c.mutate(options);
    absl::StatusOr<std::unique_ptr<CircuitBreaker>> breaker =
        CircuitBreaker::Create(options, clock);
    ASSERT_FALSE(breaker.ok()) << c.field;
    EXPECT_EQ(breaker.status().code(), absl::StatusCode::kInvalidArgument);
    EXPECT_THAT(breaker.status().message(), HasSubstr(c.field));
  }
  EXPECT_TRUE(ValidateCircuitBreakerOptions(TestOptions()).ok());
  EXPECT_TRUE(ValidateCircuitBreakerOptions(CircuitBreakerOptions{}).ok());
}

TEST(CircuitBreakerTest, StartsClosedAndGrantsPlainPermits) {
  ManualClock clock(kStart);
  auto breaker = MakeBreaker(TestOptions(), clock);
  EXPECT_EQ(breaker->State(), CircuitState::kClosed);
  CircuitBreaker::Permit permit = breaker->TryAcquire();
  EXPECT_TRUE(permit);
  EXPECT_FALSE(permit.is_trial());
  EXPECT_EQ(permit.refusal_reason(), RefusalReason::kNone);
  EXPECT_TRUE(permit.ToStatus().ok());
}

TEST(CircuitBreakerTest, DoesNotOpenBeforeMinimumCalls) {
  ManualClock clock(kStart);
  auto breaker = MakeBreaker(TestOptions(), clock);  // minimum_calls = 4
  for (int i = 0; i < 3; ++i) Fail(*breaker);
  // A 100% failure rate over 3 calls is not enough evidence.
  EXPECT_EQ(breaker->State(), CircuitState::kClosed);
  EXPECT_EQ(breaker->Stats().window_failures, 3);
  Fail(*breaker);
  EXPECT_EQ(breaker->State(), CircuitState::kOpen);
}

TEST(CircuitBreakerTest, OpensExactlyAtTheThreshold) {
  ManualClock clock(kStart);
  auto breaker = MakeBreaker(TestOptions(), clock);  // threshold 0.5, minimum_calls 4
  Succeed(*breaker);
  Succeed(*breaker);
  Succeed(*breaker);
  Fail(*breaker);  // 1/4 = 0.25
  Fail(*breaker);  // 2/5 = 0.4
  EXPECT_EQ(breaker->State(), CircuitState::kClosed);
  Fail(*breaker);  // 3/6 = 0.5: at the threshold
  EXPECT_EQ(breaker->State(), CircuitState::kOpen);
}

TEST(CircuitBreakerTest, StaysClosedJustBelowTheThreshold) {
  ManualClock clock(kStart);
  CircuitBreakerOptions options = TestOptions();
  options.failure_rate_threshold = 0.3;
  options.minimum_calls = 10;
  auto breaker = MakeBreaker(options, clock);
  for (int i = 0; i < 8; ++i) Succeed(*breaker);
  Fail(*breaker);
  Fail(*breaker);  // 2/10 = 0.2
  EXPECT_EQ(breaker->State(), CircuitState::kClosed);
  Succeed(*breaker);
  Succeed(*breaker);
  Fail(*breaker);  // 3/13 < 0.3
  Succeed(*breaker);
  Fail(*breaker);  // 4/15 < 0.3
  EXPECT_EQ(breaker->State(), CircuitState::kClosed);
  Fail(*breaker);  // 5/16 > 0.3
  EXPECT_EQ(breaker->State(), CircuitState::kOpen);
}

TEST(CircuitBreakerTest, ASuccessThatCompletesTheMinimumCanOpen) {
  ManualClock clock(kStart);
  auto breaker = MakeBreaker(TestOptions(), clock);
  Fail(*breaker);
  Fail(*breaker);
  Fail(*breaker);
  EXPECT_EQ(breaker->State(), CircuitState::kClosed);
  Succeed(*breaker);  // 3/4 >= 0.5 with the minimum reached
  EXPECT_EQ(breaker->State(), CircuitState::kOpen);
}

TEST(CircuitBreakerTest, OldOutcomesSlideOutOfTheWindow) {
  ManualClock clock(kStart);
  auto breaker = MakeBreaker(TestOptions(), clock);  // 10 s window in 1 s buckets
  clock.Advance(absl::Milliseconds(500));
  Fail(*breaker);
  Fail(*breaker);
  Fail(*breaker);
  clock.Set(kStart + absl::Milliseconds(9'999));
  EXPECT_EQ(breaker->Stats().window_calls, 3);
  // The bucket [0 s, 1 s) leaves the window when the bucket [10 s, 11 s) begins.
  clock.Set(kStart + absl::Seconds(10));
  EXPECT_EQ(breaker->Stats().window_calls, 0);
  Fail(*breaker);
  EXPECT_EQ(breaker->State(), CircuitState::kClosed);
  EXPECT_EQ(breaker->Stats().window_failures, 1);
}

TEST(CircuitBreakerTest, FailuresSpreadOverTheWindowStillOpenIt) {
  ManualClock clock(kStart);
  auto breaker = MakeBreaker(TestOptions(), clock);
  for (int i = 0; i < 3; ++i) {
    Fail(*breaker);
    clock.Advance(absl::Seconds(3));  // failures at 0 s, 3 s, 6 s
  }
  EXPECT_EQ(breaker->State(), CircuitState::kClosed);
  Fail(*breaker);  // at 9 s: all four are inside the 10 s window
  EXPECT_EQ(breaker->State(), CircuitState::kOpen);
}

TEST(CircuitBreakerTest, StaysOpenThroughTheWaitAndSaysHowLong) {
  ManualClock clock(kStart);
  auto breaker = MakeBreaker(TestOptions(), clock);  // open_wait 5 s
  Trip(*breaker);

  clock.Advance(absl::Milliseconds(2'500));
  CircuitBreaker::Permit refused = breaker->TryAcquire();
  EXPECT_FALSE(refused);
  EXPECT_EQ(refused.refusal_reason(), RefusalReason::kOpen);
  EXPECT_EQ(refused.retry_after(), absl::Milliseconds(2'500));
  EXPECT_EQ(refused.ToStatus().code(), absl::StatusCode::kUnavailable);
  EXPECT_EQ(refused.ToStatus().message(), "planner arm circuit open, retry in 2.5s");
  // Settling a refusal is a no-op, not a counted outcome.
  refused.Failure();
  EXPECT_EQ(breaker->Stats().failures, 4u);

  clock.Set(kStart + absl::Milliseconds(4'999));
  EXPECT_EQ(breaker->State(), CircuitState::kOpen);
  EXPECT_EQ(breaker->TryAcquire().retry_after(), absl::Milliseconds(1));

  clock.Set(kStart + absl::Seconds(5));
  EXPECT_EQ(breaker->State(), CircuitState::kHalfOpen);
  EXPECT_EQ(breaker->Stats().refused_open, 2u);
}

TEST(CircuitBreakerTest, RefusalsAreImmediateAndNeverWait) {
  ManualClock clock(kStart);
  auto breaker = MakeBreaker(TestOptions(), clock);
  Trip(*breaker);
  constexpr int kRefusals = 100'000;
  const auto begin = std::chrono::steady_clock::now();
  int refused = 0;
  for (int i = 0; i < kRefusals; ++i) {
    if (!breaker->TryAcquire()) ++refused;
  }
  const auto elapsed = std::chrono::steady_clock::now() - begin;
  EXPECT_EQ(refused, kRefusals);
  // A ManualClock advances when slept on: an unchanged clock proves no refusal waited.
  EXPECT_EQ(clock.Now(), kStart);
  // Generous bound (20 us per refusal on a loaded machine); typical is well under 1 us.
  EXPECT_LT(elapsed, std::chrono::seconds(2));
}

TEST(CircuitBreakerTest, UnnamedBreakerMessageHasNoLeadingSpace) {
  ManualClock clock(kStart);
  CircuitBreakerOptions options = TestOptions();
  options.name.clear();
  auto breaker = MakeBreaker(options, clock);
  Trip(*breaker);
  EXPECT_EQ(breaker->TryAcquire().ToStatus().message(), "circuit open, retry in 5s");
}

TEST(CircuitBreakerTest, HalfOpenPermitsAreBoundedAndReleased) {
  ManualClock clock(kStart);
  auto breaker = MakeBreaker(TestOptions(), clock);  // half_open_max_calls 2
  TripToHalfOpen(*breaker, clock);

  CircuitBreaker::Permit first = breaker->TryAcquire();
  CircuitBreaker::Permit second = breaker->TryAcquire();
  ASSERT_TRUE(first);
  ASSERT_TRUE(second);
  EXPECT_TRUE(first.is_trial());
  EXPECT_TRUE(second.is_trial());

  CircuitBreaker::Permit third = breaker->TryAcquire();
  EXPECT_FALSE(third);
  EXPECT_EQ(third.refusal_reason(), RefusalReason::kHalfOpenFull);
  EXPECT_EQ(third.ToStatus().code(), absl::StatusCode::kUnavailable);
  EXPECT_THAT(third.ToStatus().message(), HasSubstr("planner arm circuit half-open"));
  EXPECT_THAT(third.ToStatus().message(), HasSubstr("all 2 trial calls in flight"));

  // Dropping a trial permit without an outcome frees its slot at once.
  CircuitBreaker::Permit fourth = breaker->TryAcquire();
  EXPECT_FALSE(fourth);
  { CircuitBreaker::Permit dropped = std::move(second); }
  CircuitBreakerStats stats = breaker->Stats();
  EXPECT_EQ(stats.trials_in_flight, 1);
  EXPECT_EQ(stats.released_without_outcome, 1u);
  EXPECT_EQ(stats.state, CircuitState::kHalfOpen);
  CircuitBreaker::Permit again = breaker->TryAcquire();
  EXPECT_TRUE(again);
  EXPECT_EQ(breaker->Stats().trials_in_flight, 2);
  EXPECT_FALSE(breaker->TryAcquire());
  again.Release();
  EXPECT_EQ(breaker->Stats().trials_in_flight, 1);
  EXPECT_EQ(breaker->Stats().refused_half_open_full, 3u);
}

TEST(CircuitBreakerTest, ClosesAfterEnoughTrialSuccesses) {
  ManualClock clock(kStart);
  auto breaker = MakeBreaker(TestOptions(), clock);  // successes_to_close 2
  TripToHalfOpen(*breaker, clock);
  CircuitBreaker::Permit a = breaker->TryAcquire();
  CircuitBreaker::Permit b = breaker->TryAcquire();
  a.Success();
  EXPECT_EQ(breaker->State(), CircuitState::kHalfOpen);
  b.Success();
  EXPECT_EQ(breaker->State(), CircuitState::kClosed);
  // The closed breaker starts with an empty window and grants ordinary permits.
  CircuitBreakerStats stats = breaker->Stats();
  EXPECT_EQ(stats.window_calls, 0);
  CircuitBreaker::Permit next = breaker->TryAcquire();
  EXPECT_TRUE(next);
  EXPECT_FALSE(next.is_trial());
}

TEST(CircuitBreakerTest, TrialSuccessesNeedNotBeConcurrent) {
  ManualClock clock(kStart);
  CircuitBreakerOptions options = TestOptions();
  options.half_open_max_calls = 1;
  options.successes_to_close = 3;
  auto breaker = MakeBreaker(options, clock);
  TripToHalfOpen(*breaker, clock);
  for (int i = 0; i < 2; ++i) {
    CircuitBreaker::Permit trial = breaker->TryAcquire();
    ASSERT_TRUE(trial);
    EXPECT_FALSE(breaker->TryAcquire());
    trial.Success();
    EXPECT_EQ(breaker->State(), CircuitState::kHalfOpen);
  }
  Succeed(*breaker);
  EXPECT_EQ(breaker->State(), CircuitState::kClosed);
}

TEST(CircuitBreakerTest, ATrialFailureReopensWithANewWait) {
  ManualClock clock(kStart);
  auto breaker = MakeBreaker(TestOptions(), clock);
  TripToHalfOpen(*breaker, clock);
  CircuitBreaker::Permit a = breaker->TryAcquire();
  CircuitBreaker::Permit b = breaker->TryAcquire();
  a.Success();
  clock.Advance(absl::Milliseconds(300));
  b.Failure();
  EXPECT_EQ(breaker->State(), CircuitState::kOpen);
  CircuitBreaker::Permit refused = breaker->TryAcquire();
  EXPECT_EQ(refused.retry_after(), absl::Seconds(5));

  // The earlier trial success does not carry over to the next half-open period.
  clock.Advance(absl::Seconds(5));
  EXPECT_EQ(breaker->State(), CircuitState::kHalfOpen);
  Succeed(*breaker);
  EXPECT_EQ(breaker->State(), CircuitState::kHalfOpen);
  Succeed(*breaker);
  EXPECT_EQ(breaker->State(), CircuitState::kClosed);
}

TEST(CircuitBreakerTest, AnUnreportedTrialIsReclaimedAfterTheTimeout) {
  ManualClock clock(kStart);
  CircuitBreakerOptions options = TestOptions();
  options.half_open_max_calls = 1;
  options.successes_to_close = 1;
  options.half_open_permit_timeout_ms = 1'000;
  auto breaker = MakeBreaker(options, clock);
  TripToHalfOpen(*breaker, clock);

  CircuitBreaker::Permit lost = breaker->TryAcquire();  // its outcome never comes back in time
  ASSERT_TRUE(lost);
  clock.Advance(absl::Milliseconds(999));
  EXPECT_FALSE(breaker->TryAcquire());
  clock.Advance(absl::Milliseconds(1));
  CircuitBreaker::Permit fresh = breaker->TryAcquire();
  ASSERT_TRUE(fresh);
  EXPECT_EQ(breaker->Stats().trials_reclaimed, 1u);

  // The reclaimed permit's late report neither closes the breaker nor frees the new slot.
  lost.Success();
  EXPECT_EQ(breaker->State(), CircuitState::kHalfOpen);
  EXPECT_FALSE(breaker->TryAcquire());
  EXPECT_EQ(breaker->Stats().stale_outcomes, 1u);

  fresh.Success();
  EXPECT_EQ(breaker->State(), CircuitState::kClosed);
}

TEST(CircuitBreakerTest, ALateFailureFromTheClosedPeriodIsIgnored) {
  ManualClock clock(kStart);
  auto breaker = MakeBreaker(TestOptions(), clock);
  CircuitBreaker::Permit slow = breaker->TryAcquire();  // granted while closed
  Trip(*breaker);
  clock.Advance(absl::Seconds(5));
  ASSERT_EQ(breaker->State(), CircuitState::kHalfOpen);
  slow.Failure();  // arrives during half-open: must not re-open
  EXPECT_EQ(breaker->State(), CircuitState::kHalfOpen);
  CircuitBreakerStats stats = breaker->Stats();
  EXPECT_EQ(stats.stale_outcomes, 1u);
  EXPECT_EQ(stats.failures, 4u);
}

TEST(CircuitBreakerTest, PermitsDroppedWhileClosedDoNotCount) {
  ManualClock clock(kStart);
  auto breaker = MakeBreaker(TestOptions(), clock);
  for (int i = 0; i < 10; ++i) {
    CircuitBreaker::Permit permit = breaker->TryAcquire();
    ASSERT_TRUE(permit);
  }
  CircuitBreakerStats stats = breaker->Stats();
  EXPECT_EQ(stats.window_calls, 0);
  EXPECT_EQ(stats.released_without_outcome, 10u);
  EXPECT_EQ(stats.permits_granted, 10u);
  EXPECT_EQ(stats.state, CircuitState::kClosed);
}

TEST(CircuitBreakerTest, APermitSettlesOnlyOnceEvenWhenMoved) {
  ManualClock clock(kStart);
  auto breaker = MakeBreaker(TestOptions(), clock);
  CircuitBreaker::Permit original = breaker->TryAcquire();
  CircuitBreaker::Permit moved = std::move(original);
  original.Failure();  // moved-from: no effect
  moved.Failure();
  moved.Failure();  // already settled: no effect
  moved.Success();
  CircuitBreakerStats stats = breaker->Stats();
  EXPECT_EQ(stats.failures, 1u);
  EXPECT_EQ(stats.successes, 0u);
  EXPECT_EQ(stats.window_calls, 1);

  // Assigning over an unsettled permit releases it.
  CircuitBreaker::Permit held = breaker->TryAcquire();
  held = breaker->TryAcquire();
  EXPECT_EQ(breaker->Stats().released_without_outcome, 1u);
}

TEST(CircuitBreakerTest, ReportClassifiesTheStatus) {
  ManualClock clock(kStart);
  CircuitBreakerOptions options = TestOptions();
  options.minimum_calls = 100;
  auto breaker = MakeBreaker(options, clock);
  breaker->TryAcquire().Report(absl::OkStatus());
  breaker->TryAcquire().Report(absl::InvalidArgumentError("goal is empty"));
  breaker->TryAcquire().Report(absl::UnavailableError("connection refused"));
  breaker->TryAcquire().Report(absl::DeadlineExceededError("deadline"));
  breaker->TryAcquire().Report(absl::CancelledError("caller went away"));
  CircuitBreakerStats stats = breaker->Stats();
  EXPECT_EQ(stats.successes, 2u);
  EXPECT_EQ(stats.failures, 2u);
  EXPECT_EQ(stats.released_without_outcome, 1u);
  EXPECT_EQ(stats.window_calls, 4);
}

TEST(ClassifyForBreakerTest, SeparatesDownstreamFaultsFromCallerFaults) {
  for (absl::StatusCode code : {absl::StatusCode::kUnavailable, absl::StatusCode::kDeadlineExceeded,
                                absl::StatusCode::kResourceExhausted, absl::StatusCode::kInternal,
                                absl::StatusCode::kUnknown, absl::StatusCode::kDataLoss}) {
    EXPECT_EQ(ClassifyForBreaker(code), CallOutcome::kFailure) << absl::StatusCodeToString(code);
  }
  for (absl::StatusCode code :
       {absl::StatusCode::kOk, absl::StatusCode::kInvalidArgument, absl::StatusCode::kNotFound,
        absl::StatusCode::kAlreadyExists, absl::StatusCode::kPermissionDenied,
        absl::StatusCode::kUnauthenticated, absl::StatusCode::kFailedPrecondition,
        absl::StatusCode::kAborted, absl::StatusCode::kOutOfRange,
        absl::StatusCode::kUnimplemented}) {
    EXPECT_EQ(ClassifyForBreaker(code), CallOutcome::kSuccess) << absl::StatusCodeToString(code);
  }
  EXPECT_EQ(ClassifyForBreaker(absl::StatusCode::kCancelled), CallOutcome::kIgnored);
}

TEST(CircuitBreakerTest, ListenerSeesEveryTransitionInOrder) {
  ManualClock clock(kStart);
  std::vector<std::pair<CircuitState, CircuitState>> seen;
  auto breaker = MakeBreaker(TestOptions(), clock, [&seen](CircuitState from, CircuitState to) {
    seen.emplace_back(from, to);
  });
  TripToHalfOpen(*breaker, clock);  // closed -> open -> half-open
  Fail(*breaker);                   // half-open -> open
  clock.Advance(absl::Seconds(5));
  Succeed(*breaker);  // (the lazy open -> half-open happens on TryAcquire)
  Succeed(*breaker);  // half-open -> closed
  EXPECT_THAT(seen, ElementsAre(Pair(CircuitState::kClosed, CircuitState::kOpen),
                                Pair(CircuitState::kOpen, CircuitState::kHalfOpen),
                                Pair(CircuitState::kHalfOpen, CircuitState::kOpen),
                                Pair(CircuitState::kOpen, CircuitState::kHalfOpen),
                                Pair(CircuitState::kHalfOpen, CircuitState::kClosed)));
  CircuitBreakerStats stats = breaker->Stats();
  EXPECT_EQ(stats.transitions_to_open, 2u);
  EXPECT_EQ(stats.transitions_to_half_open, 2u);
  EXPECT_EQ(stats.transitions_to_closed, 1u);
}

TEST(CircuitBreakerTest, StateNamesAreStable) {
  EXPECT_EQ(CircuitStateName(CircuitState::kClosed), "CLOSED");
  EXPECT_EQ(CircuitStateName(CircuitState::kOpen), "OPEN");
  EXPECT_EQ(CircuitStateName(CircuitState::kHalfOpen), "HALF_OPEN");
}

TEST(CircuitBreakerTest, ConcurrentAcquiresNeverExceedTheHalfOpenBound) {
  ManualClock clock(kStart);
  CircuitBreakerOptions options = TestOptions();
  options.half_open_max_calls = 3;
  options.successes_to_close = 1'000'000;  // stay half-open throughout
  auto breaker = MakeBreaker(options, clock);
  TripToHalfOpen(*breaker, clock);

  constexpr int kThreads = 8;
  constexpr int kIterations = 5'000;
  std::atomic<int> in_flight{0};
  std::atomic<int> max_in_flight{0};
  std::atomic<int> granted{0};
  std::atomic<bool> go{false};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      while (!go.load()) std::this_thread::yield();
      for (int i = 0; i < kIterations; ++i) {
        CircuitBreaker::Permit permit = breaker->TryAcquire();
        if (!permit) continue;
        granted.fetch_add(1);
        const int now_in_flight = in_flight.fetch_add(1) + 1;
        int seen = max_in_flight.load();
        while (now_in_flight > seen && !max_in_flight.compare_exchange_weak(seen, now_in_flight)) {
        }
        if ((i + t) % 7 == 0) std::this_thread::yield();
        // Leave the count before giving the slot back, so a measured excess is a real one.
        in_flight.fetch_sub(1);
        if (i % 2 == 0) {
          permit.Success();
        } else {
          permit.Release();
        }
      }
    });
  }
  go.store(true);
  for (std::thread& thread : threads) thread.join();

  EXPECT_LE(max_in_flight.load(), 3);
  EXPECT_GT(granted.load(), 0);
  CircuitBreakerStats stats = breaker->Stats();
  EXPECT_EQ(stats.state, CircuitState::kHalfOpen);
  EXPECT_EQ(stats.trials_in_flight, 0);
  EXPECT_EQ(stats.successes + stats.released_without_outcome,
            static_cast<uint64_t>(granted.load()));
  EXPECT_EQ(stats.permits_granted, static_cast<uint64_t>(granted.load()) + 4u);  // + the trip
}

}  // namespace
}  // namespace armature::resilience
