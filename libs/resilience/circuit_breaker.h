#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "libs/clock/clock.h"

namespace armature::resilience {

// The three states of a circuit breaker.
enum class CircuitState {
  kClosed,    // calls flow; outcomes are counted in the sliding window
  kOpen,      // calls are refused until the open wait has passed
  kHalfOpen,  // a bounded number of trial calls probe the downstream
};

// "CLOSED", "OPEN" or "HALF_OPEN" (for logs and metric labels).
std::string_view CircuitStateName(CircuitState state);

// What a finished call means for the breaker.
enum class CallOutcome {
  kSuccess,  // the downstream answered (even with an error that is the caller's fault)
  kFailure,  // the downstream is unhealthy or unreachable
  kIgnored,  // says nothing about the downstream (the caller cancelled)
};

// The default classification of a call's final status for the breaker:
//   kOk and every "your request is wrong" code (kInvalidArgument, kNotFound, kAlreadyExists,
//   kPermissionDenied, kUnauthenticated, kFailedPrecondition, kAborted, kOutOfRange, and
//   kUnimplemented: the server has no such method) -> kSuccess: the downstream was reachable and
//   answered.
//   kUnavailable, kDeadlineExceeded, kResourceExhausted, kInternal, kUnknown, kDataLoss ->
//   kFailure. kCancelled -> kIgnored: the caller gave up; that is no evidence either way.
CallOutcome ClassifyForBreaker(absl::StatusCode code);

// Configuration of one circuit breaker (one per downstream).
//
// The failure rate is measured over a *time* window rather than over the last N calls: with a
// count window a quiet downstream keeps a failure from an hour ago in its rate forever, and a busy
// one forgets a burst within milliseconds; a time window means "the last window_ms" at any traffic
// level. The window is a ring of `window_buckets` buckets, so recording is O(1) and memory is
// fixed. An outcome counts while its bucket is one of the newest `window_buckets` buckets, i.e. it
// expires between (window_ms - window_ms / window_buckets) and window_ms after it was recorded.
struct CircuitBreakerOptions {
  // Used in refusal messages ("planner arm circuit open, retry in 2.5s"); may be empty.
  std::string name;
  // The breaker opens when failures / calls over the window reaches this (0 < threshold <= 1).
  double failure_rate_threshold = 0.5;
  // Length of the sliding window.
  int64_t window_ms = 10'000;
  // Number of buckets the window is divided into (1 <= buckets; window_ms / buckets >= 1 ms).
  int window_buckets = 10;
  // The rate is not evaluated until the window holds at least this many calls.
  int minimum_calls = 10;
  // How long the breaker stays open before it lets trial calls through.
  int64_t open_wait_ms = 5'000;
  // How many trial calls may be in flight at once while half-open.
  int half_open_max_calls = 3;
  // How many trial successes close the breaker (they need not be concurrent).
  int successes_to_close = 3;
  // A trial permit whose outcome is not reported within this time is reclaimed: its slot is freed
  // (it counts neither as success nor failure, and a late report is ignored), so a lost callback
  // cannot wedge the breaker half-open.
  int64_t half_open_permit_timeout_ms = 30'000;
};

// INVALID_ARGUMENT naming the offending field, or OK.
absl::Status ValidateCircuitBreakerOptions(const CircuitBreakerOptions& options);

// Why a permit was refused.
enum class RefusalReason {
  kNone,          // the permit was granted
  kOpen,          // the breaker is open
  kHalfOpenFull,  // half-open and every trial slot is taken
};

// Monotonic counters and the current window, for metrics.
struct CircuitBreakerStats {
  CircuitState state = CircuitState::kClosed;
  int64_t window_calls = 0;     // outcomes currently in the sliding window (closed state only)
  int64_t window_failures = 0;  // failures among them
  int trials_in_flight = 0;     // half-open trial permits not yet reported, released or reclaimed
  uint64_t permits_granted = 0;
  uint64_t refused_open = 0;
  uint64_t refused_half_open_full = 0;
  uint64_t successes = 0;                 // success reports that were counted
  uint64_t failures = 0;                  // failure reports that were counted
  uint64_t released_without_outcome = 0;  // permits destroyed (or Release()d) without a report
  uint64_t stale_outcomes = 0;            // reports for a permit from an earlier state, ignored
  uint64_t trials_reclaimed = 0;          // trial permits reclaimed after the permit timeout
  uint64_t transitions_to_open = 0;
  uint64_t transitions_to_half_open = 0;
  uint64_t transitions_to_closed = 0;
};

// Called on every state change, in order, while the breaker's lock is held: keep it cheap (update
// a gauge, log a line) and do not call back into the breaker from it.
using TransitionListener = std::function<void(CircuitState from, CircuitState to)>;

// CircuitBreaker guards calls to one downstream.
//
//   CLOSED -> OPEN       when, over the window, calls >= minimum_calls and
//                        failures / calls >= failure_rate_threshold;
//   OPEN -> HALF_OPEN    once open_wait_ms has passed (evaluated lazily by TryAcquire, State and
//                        Stats; there is no timer thread);
//   HALF_OPEN -> CLOSED  after successes_to_close trial successes;
//   HALF_OPEN -> OPEN    on any trial failure (a new open wait starts).
// Every transition clears the window. An outcome reported for a permit granted before the latest
// transition is stale and ignored (a slow call from the closed era must not re-open a half-open
// breaker, nor count in the fresh window).
//
// Usage:
//   CircuitBreaker::Permit permit = breaker.TryAcquire();
//   if (!permit) return permit.ToStatus();  // UNAVAILABLE, in microseconds
//   absl::Status status = CallDownstream();
//   permit.Report(status);
//
// Thread-safe. The breaker must outlive its permits; the clock must outlive the breaker.
class CircuitBreaker {
 public:
  class Permit;

  // Validates `options`; `clock` is borrowed (tests pass a ManualClock).
  static absl::StatusOr<std::unique_ptr<CircuitBreaker>> Create(
      CircuitBreakerOptions options, Clock& clock = RealClock(),
      TransitionListener listener = nullptr);

  CircuitBreaker(const CircuitBreaker&) = delete;
  CircuitBreaker& operator=(const CircuitBreaker&) = delete;

  // Grants a permit or refuses one, never blocking: O(1) apart from reclaiming expired trials
  // (at most half_open_max_calls of them). A refusal allocates nothing.
  Permit TryAcquire();

  // The current state, after applying a due OPEN -> HALF_OPEN transition.
  CircuitState State();

  // Counters and window contents, after applying a due transition.
  CircuitBreakerStats Stats();

  const CircuitBreakerOptions& options() const { return options_; }

 private:
  struct Bucket {
    int64_t index = -1;  // which bucket-width slice of time this slot holds
    int64_t calls = 0;
    int64_t failures = 0;
  };
  struct Trial {
    uint64_t id;
    absl::Time reclaim_at;
  };

  CircuitBreaker(CircuitBreakerOptions options, Clock& clock, TransitionListener listener);

  // Called by Permit.
  void Complete(uint64_t generation, uint64_t trial_id, CallOutcome outcome);

  void AdvanceLocked(absl::Time now);
  void TransitionLocked(CircuitState to, absl::Time now);
  void RecordInWindowLocked(absl::Time now, bool failure);
  void WindowTotalsLocked(absl::Time now, int64_t& calls, int64_t& failures) const;
  int64_t BucketIndex(absl::Time t) const;
  // Removes `trial_id` from the in-flight trials; false if it is not there (reclaimed or stale).
  bool RemoveTrialLocked(uint64_t trial_id);

  const CircuitBreakerOptions options_;
  Clock& clock_;
  const TransitionListener listener_;
  const int64_t bucket_width_ns_;

  std::mutex mu_;
  // Everything below is guarded by mu_; the *Locked methods require it held.
  CircuitState state_ = CircuitState::kClosed;
  // Incremented on every transition; permits remember the generation that granted them.
  uint64_t generation_ = 0;
  absl::Time open_until_ = absl::InfinitePast();
  std::vector<Bucket> buckets_;
  std::vector<Trial> trials_;
  int trial_successes_ = 0;
  uint64_t next_trial_id_ = 1;
  CircuitBreakerStats counters_;
};

// A move-only permission to make one call, or a refusal.
//
// A granted permit should be settled exactly once with Success(), Failure() or Report(status);
// later calls do nothing. A granted permit destroyed (or Release()d) without an outcome is
// *released*: it counts neither as success nor as failure and, if it was a trial, frees its
// half-open slot at once. Rationale: a call abandoned before it finished (the task was cancelled,
// the process is draining) taught us nothing about the downstream, and counting it as a failure
// would let a wave of cancellations open the breaker.
class CircuitBreaker::Permit {
 public:
  Permit(Permit&& other) noexcept;
  Permit& operator=(Permit&& other) noexcept;
  Permit(const Permit&) = delete;
  Permit& operator=(const Permit&) = delete;
  ~Permit();

  bool granted() const { return reason_ == RefusalReason::kNone; }
  explicit operator bool() const { return granted(); }
  // True for a half-open trial permit.
  bool is_trial() const { return trial_id_ != 0; }

  // For a refused permit: why, and how long until it is worth asking again (the rest of the open
  // wait; zero when half-open slots are full, since a trial may finish any moment).
  RefusalReason refusal_reason() const { return reason_; }
  absl::Duration retry_after() const { return retry_after_; }
  // OK for a granted permit; otherwise UNAVAILABLE with a message a person can act on, e.g.
  // "planner arm circuit open, retry in 2.5s". Builds the message on demand.
  absl::Status ToStatus() const;

  void Success() { Settle(CallOutcome::kSuccess); }
  void Failure() { Settle(CallOutcome::kFailure); }
  // Settles with ClassifyForBreaker(status.code()).
  void Report(const absl::Status& status) { Settle(ClassifyForBreaker(status.code())); }
  // Gives the permit back without an outcome (what the destructor does).
  void Release() { Settle(CallOutcome::kIgnored); }

 private:
  friend class CircuitBreaker;
  Permit(CircuitBreaker* breaker, uint64_t generation, uint64_t trial_id, RefusalReason reason,
         absl::Duration retry_after, int trials_in_flight);
  void Settle(CallOutcome outcome);

  CircuitBreaker* breaker_;  // for settling (granted and unsettled) and for the name in messages
  bool pending_;             // granted and not yet settled
  uint64_t generation_;
  uint64_t trial_id_;
  RefusalReason reason_;
  absl::Duration retry_after_;
  int trials_in_flight_;  // for the half-open refusal message
};

}  // namespace armature::resilience
