#include "libs/resilience/retry_budget.h"

#include <algorithm>
#include <cmath>

#include "absl/strings/str_cat.h"

namespace armature::resilience {

absl::Status ValidateRetryBudgetOptions(const RetryBudgetOptions& options) {
  if (!(options.max_tokens > 0.0 && options.max_tokens <= 1000.0)) {
    return absl::InvalidArgumentError(
        absl::StrCat("retry budget max_tokens must be in (0, 1000], got ", options.max_tokens));
  }
  if (!(options.token_ratio >= 0.001 && options.token_ratio <= options.max_tokens)) {
    return absl::InvalidArgumentError(absl::StrCat(
        "retry budget token_ratio must be in [0.001, max_tokens], got ", options.token_ratio));
  }
  return absl::OkStatus();
}

absl::StatusOr<std::unique_ptr<RetryBudget>> RetryBudget::Create(
    const RetryBudgetOptions& options) {
  if (absl::Status status = ValidateRetryBudgetOptions(options); !status.ok()) return status;
  return std::unique_ptr<RetryBudget>(new RetryBudget(options));
}

RetryBudget::RetryBudget(const RetryBudgetOptions& options)
    : options_(options),
      max_milli_tokens_(std::llround(options.max_tokens * 1000.0)),
      milli_token_ratio_(std::llround(options.token_ratio * 1000.0)),
      milli_tokens_(max_milli_tokens_) {}

void RetryBudget::RecordSuccess() {
  successes_.fetch_add(1, std::memory_order_relaxed);
  int64_t current = milli_tokens_.load(std::memory_order_relaxed);
  while (!milli_tokens_.compare_exchange_weak(
      current, std::min(max_milli_tokens_, current + milli_token_ratio_),
      std::memory_order_relaxed)) {
  }
}

void RetryBudget::RecordFailure() {
  failures_.fetch_add(1, std::memory_order_relaxed);
  int64_t current = milli_tokens_.load(std::memory_order_relaxed);
  while (!milli_tokens_.compare_exchange_weak(current, std::max<int64_t>(0, current - 1000),
                                              std::memory_order_relaxed)) {
  }
}

bool RetryBudget::TryRetry() {
  // Compare 2 * tokens with max so that an odd max in thousandths has no rounding.
  const bool allowed = 2 * milli_tokens_.load(std::memory_order_relaxed) > max_milli_tokens_;
  (allowed ? retries_allowed_ : retries_refused_).fetch_add(1, std::memory_order_relaxed);
  return allowed;
}

double RetryBudget::tokens() const {
  return static_cast<double>(milli_tokens_.load(std::memory_order_relaxed)) / 1000.0;
}

RetryBudgetCounters RetryBudget::counters() const {
  return RetryBudgetCounters{
      .successes = successes_.load(std::memory_order_relaxed),
      .failures = failures_.load(std::memory_order_relaxed),
      .retries_allowed = retries_allowed_.load(std::memory_order_relaxed),
      .retries_refused = retries_refused_.load(std::memory_order_relaxed),
  };
}

}  // namespace armature::resilience
