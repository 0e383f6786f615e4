#include "libs/llm/llm_config.h"

#include <algorithm>
#include <cstdlib>
#include <set>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "libs/llm/anthropic_provider.h"
#include "libs/llm/openai_provider.h"
#include "libs/llm/yaml_util.h"

namespace armature::llm {
namespace {

using internal::FieldError;
using internal::Quoted;

constexpr absl::string_view kOpenAiDefaultBaseUrl = "https://api.openai.com/v1";
constexpr absl::string_view kAnthropicDefaultBaseUrl = "https://api.anthropic.com";
constexpr absl::string_view kAnthropicDefaultKeyEnv = "ANTHROPIC_API_KEY";

const std::vector<std::string>& TopLevelKeys() {
  static const auto* keys = new std::vector<std::string>{"providers", "builtin_fallback"};
  return *keys;
}
const std::vector<std::string>& ProviderKeys() {
  static const auto* keys = new std::vector<std::string>{
      "kind",        "name",       "base_url",           "model",
      "api_key_env", "timeout_ms", "connect_timeout_ms", "max_attempts",
      "backoff",     "enabled",    "max_retry_after_ms", "max_tokens_field"};
  return *keys;
}
const std::vector<std::string>& BackoffKeys() {
  static const auto* keys =
      new std::vector<std::string>{"initial_ms", "multiplier", "max_ms", "jitter"};
  return *keys;
}

bool IsEnvVarName(absl::string_view name) {
  if (name.empty() || absl::ascii_isdigit(static_cast<unsigned char>(name[0]))) return false;
  for (char c : name) {
    if (!absl::ascii_isalnum(static_cast<unsigned char>(c)) && c != '_') return false;
  }
  return true;
}

using Reader = internal::YamlReader;

#define LLM_ASSIGN_OR_RETURN(lhs, expr)       \
  do {                                        \
    auto _value = (expr);                     \
    if (!_value.ok()) return _value.status(); \
    lhs = *std::move(_value);                 \
  } while (0)

absl::Status ParseBackoff(const Reader& r, const YAML::Node& node, const std::string& path,
                          BackoffOptions& backoff) {
  if (!node.IsMap())
    return r.Error(node, path, absl::StrCat("expected a mapping, got ", Quoted(node)));
  if (absl::Status s = r.CheckKeys(node, path, BackoffKeys()); !s.ok()) return s;
  if (node["initial_ms"]) {
    int64_t ms = 0;
    LLM_ASSIGN_OR_RETURN(ms, r.Int(node["initial_ms"], path + ".initial_ms", 0, 600000));
    backoff.initial = absl::Milliseconds(ms);
  }
  if (node["multiplier"]) {
    LLM_ASSIGN_OR_RETURN(backoff.multiplier,
                         r.Double(node["multiplier"], path + ".multiplier", 1.0, 10.0));
  }
  if (node["max_ms"]) {
    int64_t ms = 0;
    LLM_ASSIGN_OR_RETURN(ms, r.Int(node["max_ms"], path + ".max_ms", 0, 600000));
    backoff.max = absl::Milliseconds(ms);
  }
  if (node["jitter"]) {
    LLM_ASSIGN_OR_RETURN(backoff.jitter, r.Double(node["jitter"], path + ".jitter", 0.0, 1.0));
  }
  if (backoff.max < backoff.initial) {
    return r.Error(node, path,
                   absl::StrCat("max_ms (", absl::ToInt64Milliseconds(backoff.max),
                                ") must not be below initial_ms (",
                                absl::ToInt64Milliseconds(backoff.initial), ")"));
  }
  return absl::OkStatus();
}

absl::StatusOr<ProviderConfig> ParseProvider(const Reader& r, const YAML::Node& node,
                                             const std::string& path, const EnvLookup& env) {
  if (!node.IsMap())
    return r.Error(node, path, absl::StrCat("expected a mapping, got ", Quoted(node)));
  if (absl::Status s = r.CheckKeys(node, path, ProviderKeys()); !s.ok()) return s;
  ProviderConfig p;

  if (!node["kind"]) return r.Error(node, path + ".kind", "missing (openai or anthropic)");
  LLM_ASSIGN_OR_RETURN(p.kind, r.String(node["kind"], path + ".kind"));
  if (p.kind != "openai" && p.kind != "anthropic") {
    return r.Error(node["kind"], path + ".kind",
                   absl::StrCat("must be openai or anthropic, got ", Quoted(node["kind"])));
  }
  if (!node["model"]) return r.Error(node, path + ".model", "missing (the model id to request)");
  LLM_ASSIGN_OR_RETURN(p.model, r.String(node["model"], path + ".model"));
  if (absl::StripAsciiWhitespace(p.model).empty()) {
    return r.Error(node["model"], path + ".model", "must not be empty");
  }
  p.name = absl::StrCat(p.kind, ":", p.model);
  if (node["name"]) {
    LLM_ASSIGN_OR_RETURN(p.name, r.String(node["name"], path + ".name"));
    if (absl::StripAsciiWhitespace(p.name).empty()) {
      return r.Error(node["name"], path + ".name", "must not be empty");
    }
  }
  p.base_url = std::string(p.kind == "openai" ? kOpenAiDefaultBaseUrl : kAnthropicDefaultBaseUrl);
  if (node["base_url"]) {
    LLM_ASSIGN_OR_RETURN(p.base_url, r.String(node["base_url"], path + ".base_url"));
    if (!absl::StartsWith(p.base_url, "http://") && !absl::StartsWith(p.base_url, "https://")) {
      return r.Error(
          node["base_url"], path + ".base_url",
          absl::StrCat("must start with http:// or https://, got ", Quoted(node["base_url"])));
    }
  }
  if (p.kind == "anthropic") p.api_key_env = std::string(kAnthropicDefaultKeyEnv);
  if (node["api_key_env"]) {
    LLM_ASSIGN_OR_RETURN(p.api_key_env, r.String(node["api_key_env"], path + ".api_key_env"));
    if (!IsEnvVarName(p.api_key_env)) {
      // Not quoted: a value that is not a variable name may well be the key itself.
      return r.Error(node["api_key_env"], path + ".api_key_env",
                     "must be the NAME of an environment variable (letters, digits, _), not the "
                     "key itself");
    }
  }
  if (node["timeout_ms"]) {
    LLM_ASSIGN_OR_RETURN(p.timeout_ms, r.Int(node["timeout_ms"], path + ".timeout_ms", 1, 600000));
  }
  if (node["connect_timeout_ms"]) {
    LLM_ASSIGN_OR_RETURN(p.connect_timeout_ms, r.Int(node["connect_timeout_ms"],
                                                     path + ".connect_timeout_ms", 1, 600000));
  }
  if (node["max_attempts"]) {
    int64_t attempts = 0;
    LLM_ASSIGN_OR_RETURN(attempts, r.Int(node["max_attempts"], path + ".max_attempts", 1, 10));
    p.retry.max_attempts = static_cast<int>(attempts);
  }
  if (node["max_retry_after_ms"]) {
    LLM_ASSIGN_OR_RETURN(
        p.retry.max_retry_after_ms,
        r.Int(node["max_retry_after_ms"], path + ".max_retry_after_ms", 0, 600000));
  }
  if (node["backoff"]) {
    if (absl::Status s = ParseBackoff(r, node["backoff"], path + ".backoff", p.retry.backoff);
        !s.ok()) {
      return s;
    }
  }
  if (node["max_tokens_field"]) {
    LLM_ASSIGN_OR_RETURN(p.max_tokens_field,
                         r.String(node["max_tokens_field"], path + ".max_tokens_field"));
    if (p.max_tokens_field != "max_tokens" && p.max_tokens_field != "max_completion_tokens") {
      return r.Error(node["max_tokens_field"], path + ".max_tokens_field",
                     absl::StrCat("must be max_tokens or max_completion_tokens, got ",
                                  Quoted(node["max_tokens_field"])));
    }
    if (p.kind != "openai") {
      return r.Error(node["max_tokens_field"], path + ".max_tokens_field",
                     "only applies to kind openai");
    }
  }
  if (node["enabled"]) LLM_ASSIGN_OR_RETURN(p.enabled, r.Bool(node["enabled"], path + ".enabled"));

  // Resolve the key now, so a missing one shows in ArmInfo from the start.
  if (!p.api_key_env.empty()) {
    std::optional<std::string> key = env ? env(p.api_key_env) : std::nullopt;
    if (key && !absl::StripAsciiWhitespace(*key).empty()) {
      p.api_key = std::string(absl::StripAsciiWhitespace(*key));
    }
  }
  if (!p.enabled) {
    p.unavailable_reason = "disabled in config";
  } else if (!p.api_key_env.empty() && p.api_key.empty()) {
    p.unavailable_reason =
        absl::StrCat("no API key: environment variable ", p.api_key_env, " is not set");
  } else {
    p.available = true;
  }
  return p;
}

}  // namespace

std::vector<std::string> LlmConfig::Secrets() const {
  std::vector<std::string> secrets;
  for (const ProviderConfig& p : providers) {
    if (!p.api_key.empty()) secrets.push_back(p.api_key);
  }
  return secrets;
}

EnvLookup ProcessEnv() {
  return [](const std::string& name) -> std::optional<std::string> {
    const char* value = std::getenv(name.c_str());
    if (value == nullptr) return std::nullopt;
    return std::string(value);
  };
}

absl::StatusOr<LlmConfig> ParseLlmConfig(const std::string& yaml, absl::string_view source,
                                         const EnvLookup& env) {
  absl::StatusOr<YAML::Node> root = internal::ParseYaml(yaml, source);
  if (!root.ok()) return root.status();
  Reader r(source);
  if (!root->IsMap()) {
    return r.Error(*root, "(top level)",
                   absl::StrCat("expected a mapping with providers and builtin_fallback, got ",
                                root->IsNull() ? "an empty document" : Quoted(*root)));
  }
  if (absl::Status s = r.CheckKeys(*root, "", TopLevelKeys()); !s.ok()) return s;

  LlmConfig config;
  config.source = std::string(source);
  if ((*root)["builtin_fallback"]) {
    LLM_ASSIGN_OR_RETURN(config.builtin_fallback,
                         r.Bool((*root)["builtin_fallback"], "builtin_fallback"));
  }
  const YAML::Node providers = (*root)["providers"];
  if (providers && !providers.IsNull()) {
    if (!providers.IsSequence()) {
      return r.Error(providers, "providers",
                     absl::StrCat("expected a list of providers, got ", Quoted(providers)));
    }
    std::set<std::string> names;
    for (size_t i = 0; i < providers.size(); ++i) {
      const std::string path = absl::StrCat("providers[", i, "]");
      ProviderConfig p;
      LLM_ASSIGN_OR_RETURN(p, ParseProvider(r, providers[i], path, env));
      if (!names.insert(p.name).second) {
        return r.Error(
            providers[i], path + ".name",
            absl::StrCat("duplicate provider name \"", p.name, "\" (set a distinct name)"));
      }
      config.providers.push_back(std::move(p));
    }
  }
  return config;
}

absl::StatusOr<LlmConfig> LoadLlmConfig(const std::string& path, const EnvLookup& env) {
  absl::StatusOr<std::string> text = internal::ReadTextFile(path);
  if (!text.ok()) {
    return absl::Status(text.status().code(), absl::StrCat("LLM config ", text.status().message()));
  }
  return ParseLlmConfig(*text, path, env);
}

std::unique_ptr<ProviderChain> BuildProviderChain(const LlmConfig& config, ChainDeps deps) {
  Clock& clock = deps.clock != nullptr ? *deps.clock : RealClock();
  std::vector<ChainEntry> entries;
  for (const ProviderConfig& p : config.providers) {
    if (!p.available) {
      entries.push_back(ChainEntry::Unavailable(p.name, p.kind, p.unavailable_reason));
      continue;
    }
    std::unique_ptr<LlmProvider> provider;
    if (p.kind == "anthropic") {
      AnthropicOptions options;
      options.name = p.name;
      options.base_url = p.base_url;
      options.model = p.model;
      options.api_key = p.api_key;
      options.timeout_ms = p.timeout_ms;
      options.connect_timeout_ms = p.connect_timeout_ms;
      provider = std::make_unique<AnthropicProvider>(std::move(options), clock);
    } else {
      OpenAiCompatibleOptions options;
      options.name = p.name;
      options.base_url = p.base_url;
      options.model = p.model;
      options.api_key = p.api_key;
      options.timeout_ms = p.timeout_ms;
      options.connect_timeout_ms = p.connect_timeout_ms;
      options.max_tokens_field = p.max_tokens_field;
      provider = std::make_unique<OpenAiCompatibleProvider>(std::move(options), clock);
    }
    entries.push_back(ChainEntry::Usable(std::make_unique<RetryingProvider>(
        std::move(provider), p.retry, clock, deps.random, deps.on_retry)));
  }
  ChainOptions options;
  options.secrets = config.Secrets();
  options.on_call = std::move(deps.on_call);
  return std::make_unique<ProviderChain>(std::move(entries), std::move(options), clock);
}

}  // namespace armature::llm

#undef LLM_ASSIGN_OR_RETURN
