#pragma once

#include <optional>
#include <string>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "absl/types/span.h"
#include "libs/clock/clock.h"
#include "libs/llm/http_client.h"
#include "libs/llm/llm_provider.h"

namespace armature::llm {

// Longest excerpt of a server's error body kept in a status message.
inline constexpr size_t kMaxErrorDetailChars = 300;

// ParseRetryAfter reads a Retry-After header value: delta-seconds ("7", "1.5") or an
// HTTP-date ("Wed, 21 Oct 2015 07:28:00 GMT", relative to `now`; a past date is zero).
// Returns nullopt for anything else.
std::optional<absl::Duration> ParseRetryAfter(absl::string_view value, absl::Time now);

// The Retry-After of a response ("retry-after-ms" takes precedence over "retry-after").
// An HTTP-date is taken relative to the response's Date header when it has one, else `now`.
std::optional<absl::Duration> RetryAfterOf(const HttpResponse& response, absl::Time now);

// HttpErrorStatus maps a non-2xx response of `provider` to a status (the mapping is
// documented on LlmProvider). The message names the provider and the HTTP code and quotes
// the server's error message (error.message of an OpenAI or Anthropic error body, else the
// start of the body), with every secret redacted. Retryable statuses carry Retry-After.
absl::Status HttpErrorStatus(absl::string_view provider, const HttpResponse& response,
                             absl::Span<const std::string> secrets, absl::Time now);

// ProviderError prefixes `status` with the provider's name and redacts the secrets, keeping
// the code and payloads; used for transport and parse failures.
absl::Status ProviderError(absl::string_view provider, const absl::Status& status,
                           absl::Span<const std::string> secrets);

// ValidateLlmRequest rejects a request no provider can send: INVALID_ARGUMENT naming the
// field (user empty, max_tokens < 1, temperature outside 0-2).
absl::Status ValidateLlmRequest(const LlmRequest& request);

// JoinUrl appends `path` ("/chat/completions") to `base_url`, without doubling the slash.
std::string JoinUrl(absl::string_view base_url, absl::string_view path);

// EffectiveTimeout is the budget of one exchange: the request's timeout_ms when set, else
// `default_timeout_ms`, shortened to what is left before request.deadline. DEADLINE_EXCEEDED
// when the deadline has already passed.
absl::StatusOr<int64_t> EffectiveTimeoutMs(const LlmRequest& request, int64_t default_timeout_ms,
                                           const Clock& clock);

// PostForProvider sends `request` and returns a 2xx response; anything else becomes the
// provider's status (HttpErrorStatus for HTTP errors, ProviderError for transport failures).
absl::StatusOr<HttpResponse> PostForProvider(absl::string_view provider, const HttpRequest& request,
                                             absl::Span<const std::string> secrets,
                                             const Clock& clock);

}  // namespace armature::llm
