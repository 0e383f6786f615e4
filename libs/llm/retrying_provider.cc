#include "libs/llm/retrying_provider.h"

#include <algorithm>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"

namespace armature::llm {
namespace {

// Copies code and payloads of `status` with `suffix` appended to the message.
absl::Status WithSuffix(const absl::Status& status, absl::string_view suffix) {
  absl::Status out(status.code(), absl::StrCat(status.message(), suffix));
  status.ForEachPayload(
      [&out](absl::string_view url, const absl::Cord& payload) { out.SetPayload(url, payload); });
  return out;
}

}  // namespace

RetryingProvider::RetryingProvider(std::unique_ptr<LlmProvider> inner, RetryOptions options,
                                   Clock& clock, UniformRandom random, RetryObserver on_retry)
    : inner_(std::move(inner)),
      options_(std::move(options)),
      clock_(clock),
      random_(std::move(random)),
      on_retry_(std::move(on_retry)) {}

absl::StatusOr<LlmReply> RetryingProvider::Complete(const LlmRequest& request) {
  const int max_attempts = std::max(1, options_.max_attempts);
  const absl::Duration max_retry_after =
      absl::Milliseconds(std::max<int64_t>(0, options_.max_retry_after_ms));
  absl::Status last;
  int attempt = 1;
  for (;; ++attempt) {
    absl::StatusOr<LlmReply> reply = inner_->Complete(request);
    if (reply.ok()) {
      reply->attempts = attempt;
      return reply;
    }
    last = reply.status();
    if (!IsRetryable(last) || attempt >= max_attempts) break;

    RetryEvent event{inner_->name(), attempt, last, absl::ZeroDuration(), false};
    if (std::optional<absl::Duration> retry_after = GetRetryAfter(last)) {
      event.delay = std::min(*retry_after, max_retry_after);
      event.from_retry_after = true;
    } else {
      event.delay = BackoffDelay(options_.backoff, attempt, random_);
    }
    if (request.deadline != absl::InfiniteFuture() &&
        clock_.Now() + event.delay >= request.deadline) {
      return WithSuffix(last, absl::StrFormat(" (%d attempt%s; no retry: a %s wait would pass "
                                              "the deadline)",
                                              attempt, attempt == 1 ? "" : "s",
                                              absl::FormatDuration(event.delay)));
    }
    if (on_retry_) on_retry_(event);
    clock_.SleepFor(event.delay);
  }
  if (attempt == 1) return last;
  return WithSuffix(last, absl::StrFormat(" (%d attempts)", attempt));
}

}  // namespace armature::llm
