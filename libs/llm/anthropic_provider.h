#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "libs/clock/clock.h"
#include "libs/llm/llm_provider.h"

namespace armature::llm {

// Version header sent with every Messages API call.
inline constexpr absl::string_view kAnthropicVersion = "2023-06-01";

// Settings of one Anthropic Messages endpoint.
struct AnthropicOptions {
  // Stable name in stats, errors and Plan.backend; empty = "anthropic:<model>".
  std::string name;
  // API root; the provider POSTs to {base_url}/v1/messages.
  std::string base_url = "https://api.anthropic.com";
  // Model id sent in the request.
  std::string model = "claude-3-5-sonnet-20240620";
  // Sent as x-api-key; required by the hosted API. Never logged.
  std::string api_key;
  // Default budget of one exchange in milliseconds (LlmRequest.timeout_ms overrides it).
  int64_t timeout_ms = 30000;
  // Budget of the connect in milliseconds.
  int64_t connect_timeout_ms = 5000;
};

// The JSON body of a Messages request (exposed for tests and benchmarks). The system prompt
// is the top-level "system" field; json_mode appends an instruction to answer with one JSON
// object, since the Messages API has no response format switch.
std::string BuildAnthropicRequestBody(const AnthropicOptions& options, const LlmRequest& request);

// Parses a 2xx Messages body: the text of every "text" content block, model, stop_reason,
// usage. INTERNAL when the body cannot be used.
absl::StatusOr<LlmReply> ParseAnthropicReply(absl::string_view body,
                                             absl::string_view fallback_model);

// AnthropicProvider speaks POST {base_url}/v1/messages over libcurl with x-api-key and
// anthropic-version headers.
class AnthropicProvider final : public LlmProvider {
 public:
  // `clock` bounds calls by LlmRequest.deadline and dates Retry-After; it must outlive this.
  explicit AnthropicProvider(AnthropicOptions options, Clock& clock = RealClock());

  absl::StatusOr<LlmReply> Complete(const LlmRequest& request) override;
  std::string name() const override { return name_; }
  ProviderKind kind() const override { return ProviderKind::kAnthropic; }

 private:
  const AnthropicOptions options_;
  const std::string name_;
  const std::string url_;
  std::vector<std::string> secrets_;
  Clock& clock_;
};

}  // namespace armature::llm
