#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"

namespace armature::llm {

// Wire protocol a provider speaks.
enum class ProviderKind {
  // OpenAI-compatible chat completions (OpenAI, vLLM, llama.cpp server, Ollama, Together).
  kOpenAi,
  // Anthropic Messages API.
  kAnthropic,
  // Anything else (test fakes, in-process engines wrapped as providers).
  kOther,
};

// "openai", "anthropic" or "other"; the names used in configuration and ArmInfo.
absl::string_view ProviderKindName(ProviderKind kind);

// LlmRequest is one completion request, independent of the wire protocol.
struct LlmRequest {
  // Instructions for the model (the system prompt); may be empty.
  std::string system;
  // The user message; required.
  std::string user;
  // Upper bound of tokens in the reply.
  int max_tokens = 2000;
  // Sampling temperature (0 = most deterministic).
  double temperature = 0.2;
  // Ask for a reply that is a single JSON object.
  bool json_mode = true;
  // Budget of one HTTP exchange in milliseconds; 0 = the provider's configured timeout.
  int64_t timeout_ms = 0;
  // Absolute deadline of the whole call including retries (and, in a chain, fallbacks).
  absl::Time deadline = absl::InfiniteFuture();
};

// Token counts reported by the provider.
struct TokenUsage {
  int64_t input_tokens = 0;
  int64_t output_tokens = 0;
};

// LlmReply is a successful completion.
struct LlmReply {
  // The model's text (all text content blocks concatenated).
  std::string text;
  // Model that answered, as reported by the server (falls back to the configured model).
  std::string model;
  // Why generation stopped, as reported ("stop", "length", "end_turn", "max_tokens", ...).
  std::string stop_reason;
  // Duration of the successful HTTP exchange.
  absl::Duration latency = absl::ZeroDuration();
  // Token usage, when the server reported it.
  std::optional<TokenUsage> usage;
  // Attempts made to obtain this reply (1 = no retry).
  int attempts = 1;
};

// LlmProvider completes prompts with one model behind one endpoint. Implementations are
// thread-safe: one instance serves concurrent calls.
//
// Errors (absl::Status codes):
//   RESOURCE_EXHAUSTED  rate limited (HTTP 429)            retryable, may carry Retry-After
//   UNAVAILABLE         server error (5xx) or unreachable   retryable, may carry Retry-After
//   DEADLINE_EXCEEDED   no reply within the timeout         retryable
//   UNAUTHENTICATED     HTTP 401 (missing or wrong key)
//   PERMISSION_DENIED   HTTP 403
//   INVALID_ARGUMENT    HTTP 400/413/422 (the request was refused)
//   NOT_FOUND           HTTP 404 (wrong base_url or model)
//   FAILED_PRECONDITION other HTTP 4xx, redirects, TLS problems
//   INTERNAL            a 2xx reply whose body cannot be understood
// Messages name the provider and never contain an API key.
class LlmProvider {
 public:
  virtual ~LlmProvider() = default;
  // Sends `request` and returns the model's reply.
  virtual absl::StatusOr<LlmReply> Complete(const LlmRequest& request) = 0;
  // Stable name, e.g. "openai:gpt-4o-mini".
  virtual std::string name() const = 0;
  // Wire protocol of the provider.
  virtual ProviderKind kind() const = 0;
};

// True for the codes worth retrying: RESOURCE_EXHAUSTED, UNAVAILABLE, DEADLINE_EXCEEDED.
bool IsRetryable(const absl::Status& status);

// Attaches the server's Retry-After delay to `status` (a payload; the message is unchanged).
void SetRetryAfter(absl::Status& status, absl::Duration delay);

// The Retry-After delay attached by SetRetryAfter, if any.
std::optional<absl::Duration> GetRetryAfter(const absl::Status& status);

}  // namespace armature::llm
