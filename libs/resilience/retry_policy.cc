#include "libs/resilience/retry_policy.h"

#include <algorithm>
#include <utility>

#include "absl/strings/str_cat.h"

namespace armature::resilience {
namespace {

bool IsListed(const std::vector<absl::StatusCode>& codes, absl::StatusCode code) {
  return std::find(codes.begin(), codes.end(), code) != codes.end();
}

}  // namespace

std::string_view RetryVerdictName(RetryVerdict verdict) {
  switch (verdict) {
    case RetryVerdict::kRetry:
      return "retry";
    case RetryVerdict::kSucceeded:
      return "succeeded";
    case RetryVerdict::kNotRetryable:
      return "not_retryable";
    case RetryVerdict::kAttemptsExhausted:
      return "attempts_exhausted";
    case RetryVerdict::kDeadline:
      return "deadline";
    case RetryVerdict::kBudgetExhausted:
      return "budget_exhausted";
  }
  return "unknown";
}

absl::Status ValidateRetryPolicy(const RetryPolicy& policy) {
  if (policy.max_attempts < 1) {
    return absl::InvalidArgumentError(
        absl::StrCat("retry policy max_attempts must be at least 1, got ", policy.max_attempts));
  }
  if (IsListed(policy.retryable_codes, absl::StatusCode::kOk)) {
    return absl::InvalidArgumentError("retry policy retryable_codes must not contain OK");
  }
  if (policy.backoff.initial <= absl::ZeroDuration()) {
    return absl::InvalidArgumentError(
        absl::StrCat("retry policy backoff.initial must be positive, got ",
                     absl::FormatDuration(policy.backoff.initial)));
  }
  if (policy.backoff.max < policy.backoff.initial) {
    return absl::InvalidArgumentError(
        absl::StrCat("retry policy backoff.max (", absl::FormatDuration(policy.backoff.max),
                     ") must not be less than backoff.initial (",
                     absl::FormatDuration(policy.backoff.initial), ")"));
  }
  if (!(policy.backoff.multiplier >= 1.0)) {
    return absl::InvalidArgumentError(absl::StrCat(
        "retry policy backoff.multiplier must be at least 1, got ", policy.backoff.multiplier));
  }
  if (!(policy.backoff.jitter >= 0.0 && policy.backoff.jitter <= 1.0)) {
    return absl::InvalidArgumentError(
        absl::StrCat("retry policy backoff.jitter must be in [0, 1], got ", policy.backoff.jitter));
  }
  if (policy.min_attempt_time_ms < 0) {
    return absl::InvalidArgumentError(absl::StrCat(
        "retry policy min_attempt_time_ms must not be negative, got ", policy.min_attempt_time_ms));
  }
  return absl::OkStatus();
}

absl::StatusOr<RetryDecider> RetryDecider::Create(RetryPolicy policy,
                                                  std::shared_ptr<RetryBudget> budget,
                                                  UniformRandom random) {
  if (absl::Status status = ValidateRetryPolicy(policy); !status.ok()) return status;
  return RetryDecider(std::move(policy), std::move(budget), std::move(random));
}

RetryDecider::RetryDecider(RetryPolicy policy, std::shared_ptr<RetryBudget> budget,
                           UniformRandom random)
    : policy_(std::move(policy)), budget_(std::move(budget)), random_(std::move(random)) {}

RetryDecision RetryDecider::Decide(int attempt, const AttemptOutcome& outcome, absl::Time now,
                                   absl::Time deadline) const {
  const absl::StatusCode code = outcome.status.code();
  if (code == absl::StatusCode::kOk) {
    if (budget_ != nullptr && outcome.reached_downstream) budget_->RecordSuccess();
    return {RetryVerdict::kSucceeded};
  }
  if (!IsListed(policy_.retryable_codes, code)) return {RetryVerdict::kNotRetryable};
  // DEADLINE_EXCEEDED once the overall deadline has passed is the caller's own deadline running
  // out: it says nothing about the downstream's health, and no time is left for another attempt.
  if (code == absl::StatusCode::kDeadlineExceeded && now >= deadline) {
    return {RetryVerdict::kDeadline};
  }
  if (budget_ != nullptr && outcome.reached_downstream) budget_->RecordFailure();

  if (std::max(attempt, 1) >= policy_.max_attempts) return {RetryVerdict::kAttemptsExhausted};

  const absl::Duration delay =
      std::max(BackoffDelay(policy_.backoff, std::max(attempt, 1), random_), outcome.retry_after);
  const absl::Time start = now + delay;
  if (start >= deadline || deadline - start < absl::Milliseconds(policy_.min_attempt_time_ms)) {
    return {RetryVerdict::kDeadline};
  }
  if (budget_ != nullptr && !budget_->TryRetry()) return {RetryVerdict::kBudgetExhausted};
  return {RetryVerdict::kRetry, delay};
}

std::optional<absl::Duration> RetryDecider::NextRetry(int attempt, const absl::Status& status,
                                                      absl::Time now, absl::Time deadline) const {
  const RetryDecision decision = Decide(attempt, AttemptOutcome{.status = status}, now, deadline);
  if (!decision.retry()) return std::nullopt;
  return decision.delay;
}

}  // namespace armature::resilience
