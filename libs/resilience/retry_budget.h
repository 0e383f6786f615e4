#pragma once

#include <atomic>
#include <cstdint>
#include <memory>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace armature::resilience {

// Configuration of a retry budget, with the meaning of gRPC's service-config `retryThrottling`.
struct RetryBudgetOptions {
  // Size of the bucket, and the number of tokens it starts with (0 < max_tokens <= 1000).
  double max_tokens = 10.0;
  // Tokens returned by each success (> 0; kept to 3 decimal places, like gRPC).
  double token_ratio = 0.1;
};

// INVALID_ARGUMENT naming the offending field, or OK.
absl::Status ValidateRetryBudgetOptions(const RetryBudgetOptions& options);

// Monotonic counters, for metrics.
struct RetryBudgetCounters {
  uint64_t successes = 0;
  uint64_t failures = 0;
  uint64_t retries_allowed = 0;
  uint64_t retries_refused = 0;  // budget exhaustion
};

// RetryBudget throttles retries to one downstream when most calls to it fail, so that retries
// cannot multiply the load on a struggling server (a "retry storm").
//
// Each failed attempt removes one token (never below zero), each success returns token_ratio
// tokens (never above max_tokens), and a retry is allowed only while tokens > max_tokens / 2.
// With the defaults, a burst of 5 failures stops retries, and 10 successes per token win them
// back. First attempts are never throttled: only retries consult the budget.
//
// Share one budget between every call to the same downstream. Lock-free and thread-safe; tokens
// are kept as integer thousandths so that no rounding drift accumulates.
class RetryBudget {
 public:
  static absl::StatusOr<std::unique_ptr<RetryBudget>> Create(const RetryBudgetOptions& options);

  RetryBudget(const RetryBudget&) = delete;
  RetryBudget& operator=(const RetryBudget&) = delete;

  // A call (or attempt) succeeded.
  void RecordSuccess();
  // An attempt failed with a retryable status.
  void RecordFailure();
  // True when a retry may be sent now (tokens > max_tokens / 2); counts the answer.
  bool TryRetry();

  // The current number of tokens.
  double tokens() const;
  RetryBudgetCounters counters() const;
  const RetryBudgetOptions& options() const { return options_; }

 private:
  explicit RetryBudget(const RetryBudgetOptions& options);

  const RetryBudgetOptions options_;
  const int64_t max_milli_tokens_;
  const int64_t milli_token_ratio_;
  std::atomic<int64_t> milli_tokens_;
  std::atomic<uint64_t> successes_{0};
  std::atomic<uint64_t> failures_{0};
  std::atomic<uint64_t> retries_allowed_{0};
  std::atomic<uint64_t> retries_refused_{0};
};

}  // namespace armature::resilience
