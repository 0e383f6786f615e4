#pragma once

#include <memory>
#include <optional>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "libs/clock/backoff.h"
#include "libs/resilience/retry_budget.h"

namespace armature::resilience {

// When and how often a failed call to a downstream is tried again.
//
// Safety of the default codes: a retry may make the downstream execute the same request twice
// (UNAVAILABLE can arrive after the request was sent, DEADLINE_EXCEEDED after the server started
// work, RESOURCE_EXHAUSTED and ABORTED after it was admitted). That is harmless for Armature's
// downstream methods (Plan, PlanScene, BuildManifest, ValidateManifest, GetCapabilities), which
// compute an answer without side effects, so the defaults retry:
//   UNAVAILABLE         the server is down, restarting or unreachable: the canonical retry case;
//   RESOURCE_EXHAUSTED  the server sheds load: retry after backoff, and the budget stops storms;
//   ABORTED             a transient conflict inside the server: the same request can succeed;
//   DEADLINE_EXCEEDED   only while the caller's overall deadline has not passed, i.e. when a
//                       per-attempt timeout (or the server's own downstream) ran out; once the
//                       overall deadline has passed nothing is retried.
// For a method with side effects, narrow retryable_codes (e.g. to UNAVAILABLE) and make the server
// deduplicate by request id. INTERNAL, UNKNOWN and DATA_LOSS are never retried by default: they
// usually mean a bug that a second attempt reproduces.
struct RetryPolicy {
  // Total attempts including the first (1 = never retry).
  int max_attempts = 3;
  // Status codes worth another attempt (must not contain OK). At most 17 codes: a plain
  // vector is as fast as a set here.
  std::vector<absl::StatusCode> retryable_codes = {
      absl::StatusCode::kUnavailable, absl::StatusCode::kResourceExhausted,
      absl::StatusCode::kDeadlineExceeded, absl::StatusCode::kAborted};
  // Delay before retry n (jittered exponential backoff).
  BackoffOptions backoff;
  // A retry is only scheduled if at least this much time would remain between its start and the
  // deadline: an attempt with less has no real chance and only adds load.
  int64_t min_attempt_time_ms = 10;
};

// INVALID_ARGUMENT naming the offending field, or OK.
absl::Status ValidateRetryPolicy(const RetryPolicy& policy);

// The result of one attempt, as the retry decision needs it.
struct AttemptOutcome {
  absl::Status status;
  // Earliest useful time to try again, as told by the server (grpc-retry-pushback-ms) or by an
  // open circuit breaker (Permit::retry_after()); the backoff is raised to at least this.
  absl::Duration retry_after = absl::ZeroDuration();
  // False when the attempt never reached the downstream (refused by its circuit breaker): such an
  // attempt costs no retry-budget token.
  bool reached_downstream = true;
};

// Why a retry is or is not made.
enum class RetryVerdict {
  kRetry,              // try again after `delay`
  kSucceeded,          // the attempt succeeded
  kNotRetryable,       // the status code is not in retryable_codes
  kAttemptsExhausted,  // max_attempts attempts have been made
  kDeadline,           // the deadline has passed, or would pass before the retry could finish
  kBudgetExhausted,    // the retry budget refuses retries to this downstream for now
};

// "retry", "succeeded", "not_retryable", "attempts_exhausted", "deadline", "budget_exhausted"
// (metric label values).
std::string_view RetryVerdictName(RetryVerdict verdict);

struct RetryDecision {
  RetryVerdict verdict = RetryVerdict::kNotRetryable;
  // Set when verdict == kRetry: how long to wait before the next attempt.
  absl::Duration delay = absl::ZeroDuration();

  bool retry() const { return verdict == RetryVerdict::kRetry; }
};

// RetryDecider applies a RetryPolicy (and optionally a RetryBudget shared by every call to the same
// downstream) to the outcome of each attempt.
//
// Call Decide after *every* attempt, successful or not: it also feeds the budget the way gRPC's
// retryThrottling does (a success returns tokens; a failure with a retryable code that reached the
// downstream takes one; non-retryable errors leave the budget alone).
//
// Thread-safe if the injected random source is (DefaultRandom() is).
class RetryDecider {
 public:
  // Validates `policy`. `budget` may be null (no throttling).
  static absl::StatusOr<RetryDecider> Create(RetryPolicy policy,
                                             std::shared_ptr<RetryBudget> budget = nullptr,
                                             UniformRandom random = DefaultRandom());

  // `attempt` is the number of attempts made so far, including the one that produced `outcome`
  // (1 after the first attempt). `deadline` is the overall deadline of the call
  // (absl::InfiniteFuture() for none). A retry is made only if the code is retryable, fewer than
  // max_attempts attempts were made, the retry would start before the deadline with at least
  // min_attempt_time_ms left, and the budget allows it (checked last, so budget exhaustion counts
  // only retries it actually stopped).
  RetryDecision Decide(int attempt, const AttemptOutcome& outcome, absl::Time now,
                       absl::Time deadline) const;

  // Decide for an attempt that reached the downstream with `status` and no pushback: the delay
  // before the next attempt, or nullopt for "do not retry".
  std::optional<absl::Duration> NextRetry(int attempt, const absl::Status& status, absl::Time now,
                                          absl::Time deadline) const;

  const RetryPolicy& policy() const { return policy_; }
  // The shared budget, or null.
  RetryBudget* budget() const { return budget_.get(); }

 private:
  RetryDecider(RetryPolicy policy, std::shared_ptr<RetryBudget> budget, UniformRandom random);

  RetryPolicy policy_;
  std::shared_ptr<RetryBudget> budget_;
  UniformRandom random_;
};

}  // namespace armature::resilience
