#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "libs/clock/backoff.h"
#include "libs/clock/clock.h"
#include "libs/llm/llm_provider.h"

namespace armature::llm {

// Retry policy of one provider.
struct RetryOptions {
  // Attempts in total, including the first (1 = never retry).
  int max_attempts = 3;
  // Delays between attempts when the server sends no Retry-After.
  BackoffOptions backoff;
  // Longest Retry-After honoured in milliseconds: a longer one is waited only this long.
  int64_t max_retry_after_ms = 10000;
};

// A retry about to happen, for logs and metrics.
struct RetryEvent {
  // Provider being retried.
  std::string provider;
  // The attempt that just failed (1-based).
  int failed_attempt = 0;
  // Its error (already redacted by the provider).
  absl::Status error;
  // How long the provider waits before the next attempt.
  absl::Duration delay;
  // Whether `delay` comes from the server's Retry-After.
  bool from_retry_after = false;
};

// RetryingProvider retries another provider on RESOURCE_EXHAUSTED (429), UNAVAILABLE (5xx,
// unreachable) and DEADLINE_EXCEEDED (timeouts) only, never on other errors. Between
// attempts it waits the server's Retry-After (capped by max_retry_after_ms) or else
// BackoffDelay(backoff, retry, random), and it never starts a wait that would end past
// LlmRequest.deadline. The final error keeps the last attempt's code and says how many
// attempts were made. Thread-safe if the wrapped provider and `random` are.
class RetryingProvider final : public LlmProvider {
 public:
  using RetryObserver = std::function<void(const RetryEvent&)>;

  // `clock` (waits and deadline checks) must outlive this provider.
  RetryingProvider(std::unique_ptr<LlmProvider> inner, RetryOptions options, Clock& clock,
                   UniformRandom random, RetryObserver on_retry = nullptr);

  absl::StatusOr<LlmReply> Complete(const LlmRequest& request) override;
  std::string name() const override { return inner_->name(); }
  ProviderKind kind() const override { return inner_->kind(); }

 private:
  const std::unique_ptr<LlmProvider> inner_;
  const RetryOptions options_;
  Clock& clock_;
  const UniformRandom random_;
  const RetryObserver on_retry_;
};

}  // namespace armature::llm
