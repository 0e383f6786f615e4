#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "libs/clock/clock.h"
#include "libs/llm/llm_provider.h"

namespace armature::llm {

// Settings of one OpenAI-compatible chat-completions endpoint.
struct OpenAiCompatibleOptions {
  // Stable name in stats, errors and Plan.backend; empty = "openai:<model>".
  std::string name;
  // API root; the provider POSTs to {base_url}/chat/completions. Examples: OpenAI
  // "https://api.openai.com/v1", Ollama "http://127.0.0.1:11434/v1", vLLM and llama.cpp
  // server "http://127.0.0.1:8000/v1", Together "https://api.together.xyz/v1".
  std::string base_url = "https://api.openai.com/v1";
  // Model id sent in the request.
  std::string model = "gpt-4o-mini";
  // Bearer token; empty = no Authorization header (local servers). Never logged.
  std::string api_key;
  // Default budget of one exchange in milliseconds (LlmRequest.timeout_ms overrides it).
  int64_t timeout_ms = 30000;
  // Budget of the connect in milliseconds.
  int64_t connect_timeout_ms = 5000;
  // Request field carrying the token limit: "max_tokens", or "max_completion_tokens" for
  // OpenAI models that refuse max_tokens.
  std::string max_tokens_field = "max_tokens";
};

// The JSON body of a chat-completions request (exposed for tests and benchmarks).
std::string BuildOpenAiRequestBody(const OpenAiCompatibleOptions& options,
                                   const LlmRequest& request);

// Parses a 2xx chat-completions body: choices[0].message.content (a string, or text parts),
// model, finish_reason, usage. INTERNAL when the body cannot be used.
absl::StatusOr<LlmReply> ParseOpenAiReply(absl::string_view body, absl::string_view fallback_model);

// OpenAiCompatibleProvider speaks POST {base_url}/chat/completions over libcurl with
// "Authorization: Bearer <key>" and, in json_mode, response_format {"type":"json_object"}.
class OpenAiCompatibleProvider final : public LlmProvider {
 public:
  // `clock` bounds calls by LlmRequest.deadline and dates Retry-After; it must outlive this.
  explicit OpenAiCompatibleProvider(OpenAiCompatibleOptions options, Clock& clock = RealClock());

  absl::StatusOr<LlmReply> Complete(const LlmRequest& request) override;
  std::string name() const override { return name_; }
  ProviderKind kind() const override { return ProviderKind::kOpenAi; }

 private:
  const OpenAiCompatibleOptions options_;
  const std::string name_;
  const std::string url_;
  std::vector<std::string> secrets_;
  Clock& clock_;
};

}  // namespace armature::llm
