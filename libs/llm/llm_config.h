#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "libs/clock/backoff.h"
#include "libs/clock/clock.h"
#include "libs/llm/provider_chain.h"
#include "libs/llm/retrying_provider.h"

namespace armature::llm {

// One provider of the chain, as configured (see config/llm.example.yaml).
struct ProviderConfig {
  // "openai" (any OpenAI-compatible server) or "anthropic".
  std::string kind;
  // Name in stats, errors and Plan.backend; default "<kind>:<model>". Unique in a chain.
  std::string name;
  // API root; default https://api.openai.com/v1 or https://api.anthropic.com.
  std::string base_url;
  // Model id; required.
  std::string model;
  // Environment variable holding the API key. Required (default ANTHROPIC_API_KEY) for
  // anthropic; optional for openai (omit it for local servers that need no key).
  std::string api_key_env;
  // Budget of one HTTP exchange in milliseconds.
  int64_t timeout_ms = 30000;
  // Budget of the connect in milliseconds.
  int64_t connect_timeout_ms = 5000;
  // Attempts, backoff and Retry-After cap.
  RetryOptions retry;
  // OpenAI only: "max_tokens" or "max_completion_tokens".
  std::string max_tokens_field = "max_tokens";
  // Whether the chain may call this provider.
  bool enabled = true;

  // Resolved at load time. The key itself: never log it.
  std::string api_key;
  // Enabled and, when a key is needed, the key is present.
  bool available = false;
  // Why it is not available ("disabled in config", "environment variable X is not set").
  std::string unavailable_reason;
};

// The LLM section of a service's configuration.
struct LlmConfig {
  // File the configuration came from (for messages).
  std::string source;
  // Providers in chain order.
  std::vector<ProviderConfig> providers;
  // Whether the service's built-in engine closes the chain (false = fail when every
  // provider failed).
  bool builtin_fallback = true;

  // The resolved API keys, for redaction.
  std::vector<std::string> Secrets() const;
};

// Looks up an environment variable; nullopt when it is not set.
using EnvLookup = std::function<std::optional<std::string>(const std::string& name)>;

// EnvLookup over the process environment.
EnvLookup ProcessEnv();

// LoadLlmConfig reads and validates a YAML configuration and resolves API keys through
// `env`. A provider whose key is missing is kept with available = false, not an error.
// Errors name the file, the line, the field path and the problem, e.g.
//   "config/llm.yaml:12: providers[1].timeout_ms: must be 1-600000, got 0";
// NOT_FOUND for a missing file, INVALID_ARGUMENT for bad content.
absl::StatusOr<LlmConfig> LoadLlmConfig(const std::string& path,
                                        const EnvLookup& env = ProcessEnv());

// Same from text; `source` names it in messages.
absl::StatusOr<LlmConfig> ParseLlmConfig(const std::string& yaml, absl::string_view source,
                                         const EnvLookup& env = ProcessEnv());

// Everything BuildProviderChain needs besides the configuration.
struct ChainDeps {
  // Time source for retries, deadlines and latency; must outlive the chain.
  Clock* clock = &RealClock();
  // Jitter source for backoff.
  UniformRandom random = DefaultRandom();
  // Called before each retry of any provider; may be empty.
  RetryingProvider::RetryObserver on_retry;
  // Called after each provider call of a chain run; may be empty.
  std::function<void(const CallRecord&)> on_call;
};

// BuildProviderChain creates the providers of `config` (each wrapped in a RetryingProvider
// with its retry policy) in order; unavailable ones become ChainEntry::Unavailable. The
// chain redacts every configured key.
std::unique_ptr<ProviderChain> BuildProviderChain(const LlmConfig& config, ChainDeps deps = {});

}  // namespace armature::llm
