#include "libs/llm/llm_config.h"

#include <fstream>
#include <map>
#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace armature::llm {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::Not;
using ::testing::StartsWith;

EnvLookup FakeEnv(std::map<std::string, std::string> vars) {
  return [vars = std::move(vars)](const std::string& name) -> std::optional<std::string> {
    auto it = vars.find(name);
    if (it == vars.end()) return std::nullopt;
    return it->second;
  };
}

absl::StatusOr<LlmConfig> Parse(const std::string& yaml,
                                std::map<std::string, std::string> env = {}) {
  return ParseLlmConfig(yaml, "conf/llm.yaml", FakeEnv(std::move(env)));
}

// The error message of parsing `yaml`, which must fail with INVALID_ARGUMENT.
std::string ErrorOf(const std::string& yaml) {
  absl::StatusOr<LlmConfig> config = Parse(yaml);
  EXPECT_FALSE(config.ok());
  if (config.ok()) return "";
  EXPECT_EQ(config.status().code(), absl::StatusCode::kInvalidArgument) << config.status();
  return std::string(config.status().message());
}

TEST(LlmConfigTest, TheExampleFileLoads) {
  const std::string path = std::string(ARMATURE_SOURCE_DIR) + "/config/llm.example.yaml";
  absl::StatusOr<LlmConfig> config =
      LoadLlmConfig(path, FakeEnv({{"OPENAI_API_KEY", "sk-o"}, {"ANTHROPIC_API_KEY", "sk-a"}}));
  ASSERT_TRUE(config.ok()) << config.status();
  EXPECT_EQ(config->source, path);
  ASSERT_GE(config->providers.size(), 2u);
  EXPECT_EQ(config->providers[0].kind, "openai");
  EXPECT_EQ(config->providers[0].api_key, "sk-o");
  EXPECT_TRUE(config->providers[0].available);
  EXPECT_EQ(config->providers[1].kind, "anthropic");
  EXPECT_TRUE(config->providers[1].available);
  EXPECT_TRUE(config->builtin_fallback);
}

TEST(LlmConfigTest, ReadsEveryField) {
  absl::StatusOr<LlmConfig> config = Parse(R"(
builtin_fallback: false
providers:
  - kind: openai
    name: primary
    base_url: http://127.0.0.1:11434/v1
    model: llama3.1
    api_key_env: MY_KEY
    timeout_ms: 1500
    connect_timeout_ms: 300
    max_attempts: 4
    max_retry_after_ms: 2500
    max_tokens_field: max_completion_tokens
    backoff: {initial_ms: 50, multiplier: 3, max_ms: 900, jitter: 0.1}
    enabled: true
)",
                                           {{"MY_KEY", "  sk-abc  "}});
  ASSERT_TRUE(config.ok()) << config.status();
  EXPECT_FALSE(config->builtin_fallback);
  ASSERT_EQ(config->providers.size(), 1u);
  const ProviderConfig& p = config->providers[0];
  EXPECT_EQ(p.name, "primary");
  EXPECT_EQ(p.base_url, "http://127.0.0.1:11434/v1");
  EXPECT_EQ(p.model, "llama3.1");
  EXPECT_EQ(p.api_key, "sk-abc");  // Surrounding whitespace from a sloppy export is dropped.
  EXPECT_EQ(p.timeout_ms, 1500);
  EXPECT_EQ(p.connect_timeout_ms, 300);
  EXPECT_EQ(p.retry.max_attempts, 4);
  EXPECT_EQ(p.retry.max_retry_after_ms, 2500);
  EXPECT_EQ(p.retry.backoff.initial, absl::Milliseconds(50));
  EXPECT_DOUBLE_EQ(p.retry.backoff.multiplier, 3.0);
  EXPECT_EQ(p.retry.backoff.max, absl::Milliseconds(900));
  EXPECT_DOUBLE_EQ(p.retry.backoff.jitter, 0.1);
  EXPECT_EQ(p.max_tokens_field, "max_completion_tokens");
  EXPECT_TRUE(p.available);
  EXPECT_THAT(config->Secrets(), ElementsAre("sk-abc"));
}

TEST(LlmConfigTest, Defaults) {
  absl::StatusOr<LlmConfig> config = Parse(R"(
providers:
  - {kind: openai, model: gpt-4o-mini}
  - {kind: anthropic, model: claude-3-5-sonnet-20240620}
)",
                                           {{"ANTHROPIC_API_KEY", "sk-ant"}});
  ASSERT_TRUE(config.ok()) << config.status();
  EXPECT_TRUE(config->builtin_fallback);
  const ProviderConfig& openai = config->providers[0];
  EXPECT_EQ(openai.name, "openai:gpt-4o-mini");
  EXPECT_EQ(openai.base_url, "https://api.openai.com/v1");
  EXPECT_TRUE(openai.api_key_env.empty());
  EXPECT_TRUE(openai.available);  // No key needed when none is configured (local servers).
  EXPECT_EQ(openai.retry.max_attempts, RetryOptions{}.max_attempts);
  const ProviderConfig& anthropic = config->providers[1];
  EXPECT_EQ(anthropic.name, "anthropic:claude-3-5-sonnet-20240620");
  EXPECT_EQ(anthropic.base_url, "https://api.anthropic.com");
  EXPECT_EQ(anthropic.api_key_env, "ANTHROPIC_API_KEY");
  EXPECT_EQ(anthropic.api_key, "sk-ant");
}

TEST(LlmConfigTest, EmptyProvidersListIsValid) {
  absl::StatusOr<LlmConfig> config = Parse("providers: []\nbuiltin_fallback: true\n");
  ASSERT_TRUE(config.ok()) << config.status();
  EXPECT_TRUE(config->providers.empty());
}

TEST(LlmConfigTest, MissingKeyMakesTheProviderUnavailableNotAnError) {
  absl::StatusOr<LlmConfig> config = Parse(R"(
providers:
  - {kind: openai, model: gpt-4o-mini, api_key_env: OPENAI_API_KEY}
  - {kind: anthropic, model: claude-3-5-haiku-latest}
  - {kind: openai, model: local, base_url: "http://127.0.0.1:8000/v1", api_key_env: EMPTY_KEY}
)",
                                           {{"EMPTY_KEY", "   "}});
  ASSERT_TRUE(config.ok()) << config.status();
  for (const ProviderConfig& p : config->providers) EXPECT_FALSE(p.available) << p.name;
  EXPECT_EQ(config->providers[0].unavailable_reason,
            "no API key: environment variable OPENAI_API_KEY is not set");
  EXPECT_THAT(config->providers[1].unavailable_reason, HasSubstr("ANTHROPIC_API_KEY"));
  EXPECT_THAT(config->providers[2].unavailable_reason, HasSubstr("EMPTY_KEY"));

  auto chain = BuildProviderChain(*config);
  EXPECT_FALSE(chain->HasUsableProvider());
  EXPECT_EQ(chain->Stats()[0].state, ProviderState::kUnavailable);
  EXPECT_THAT(chain->Stats()[0].detail, HasSubstr("OPENAI_API_KEY is not set"));
}

TEST(LlmConfigTest, DisabledProviderIsUnavailable) {
  absl::StatusOr<LlmConfig> config =
      Parse("providers:\n  - {kind: openai, model: m, enabled: false}\n");
  ASSERT_TRUE(config.ok()) << config.status();
  EXPECT_FALSE(config->providers[0].available);
  EXPECT_EQ(config->providers[0].unavailable_reason, "disabled in config");
}

TEST(LlmConfigTest, MissingFileIsNotFoundNamingThePath) {
  absl::StatusOr<LlmConfig> config = LoadLlmConfig("/nonexistent/dir/llm.yaml", FakeEnv({}));
  ASSERT_EQ(config.status().code(), absl::StatusCode::kNotFound);
  EXPECT_THAT(std::string(config.status().message()), HasSubstr("/nonexistent/dir/llm.yaml"));
}

TEST(LlmConfigTest, YamlSyntaxErrorNamesFileAndLine) {
  const std::string message = ErrorOf("providers:\n  - kind: openai\n    model: [unclosed\n");
  EXPECT_THAT(message, StartsWith("conf/llm.yaml:"));
  EXPECT_THAT(message, HasSubstr("YAML syntax error"));
}

TEST(LlmConfigTest, SyntaxErrorLineIsTheOffendingOne) {
  const std::string message = ErrorOf("builtin_fallback: true\nproviders:\n  - kind: openai: x\n");
  EXPECT_THAT(message, StartsWith("conf/llm.yaml:3:"));
  EXPECT_THAT(message, HasSubstr("YAML syntax error"));
}

TEST(LlmConfigTest, DirectoryIsNotAConfigFile) {
  absl::StatusOr<LlmConfig> config = LoadLlmConfig(::testing::TempDir(), FakeEnv({}));
  ASSERT_EQ(config.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(std::string(config.status().message()), HasSubstr("is a directory"));
}

TEST(LlmConfigTest, TopLevelMustBeAMapping) {
  EXPECT_THAT(ErrorOf(""), HasSubstr("empty document"));
  EXPECT_THAT(ErrorOf("- a\n- b\n"), HasSubstr("expected a mapping"));
}

TEST(LlmConfigTest, UnknownTopLevelField) {
  const std::string message = ErrorOf("provider:\n  - {kind: openai, model: m}\n");
  EXPECT_THAT(message, HasSubstr("conf/llm.yaml:1: provider: unknown field"));
  EXPECT_THAT(message, HasSubstr("providers"));
}

TEST(LlmConfigTest, UnknownProviderFieldNamesItsPath) {
  const std::string message = ErrorOf(
      "providers:\n  - {kind: openai, model: m}\n  - kind: openai\n    model: n\n"
      "    timeout_msec: 5\n");
  EXPECT_THAT(message, HasSubstr("conf/llm.yaml:5: providers[1].timeout_msec: unknown field"));
  EXPECT_THAT(message, HasSubstr("timeout_ms"));
}

TEST(LlmConfigTest, UnknownKind) {
  EXPECT_THAT(ErrorOf("providers:\n  - {kind: gemini, model: m}\n"),
              HasSubstr("providers[0].kind: must be openai or anthropic, got \"gemini\""));
}

TEST(LlmConfigTest, MissingKindAndModel) {
  EXPECT_THAT(ErrorOf("providers:\n  - {model: m}\n"), HasSubstr("providers[0].kind: missing"));
  EXPECT_THAT(ErrorOf("providers:\n  - {kind: openai}\n"),
              HasSubstr("providers[0].model: missing"));
  EXPECT_THAT(ErrorOf("providers:\n  - {kind: openai, model: ''}\n"),
              HasSubstr("providers[0].model: must not be empty"));
}

TEST(LlmConfigTest, OutOfRangeAndMistypedNumbers) {
  EXPECT_THAT(ErrorOf("providers:\n  - {kind: openai, model: m, timeout_ms: 0}\n"),
              HasSubstr("providers[0].timeout_ms: must be 1-600000, got 0"));
  EXPECT_THAT(ErrorOf("providers:\n  - {kind: openai, model: m, max_attempts: three}\n"),
              HasSubstr("providers[0].max_attempts: expected an integer, got \"three\""));
  EXPECT_THAT(ErrorOf("providers:\n  - {kind: openai, model: m, max_attempts: 11}\n"),
              HasSubstr("providers[0].max_attempts: must be 1-10, got 11"));
  EXPECT_THAT(ErrorOf("providers:\n  - {kind: openai, model: m, backoff: {jitter: 2}}\n"),
              HasSubstr("providers[0].backoff.jitter: must be 0-1, got 2"));
  EXPECT_THAT(ErrorOf("providers:\n  - {kind: openai, model: m, enabled: maybe}\n"),
              HasSubstr("providers[0].enabled: expected true or false"));
  EXPECT_THAT(ErrorOf("builtin_fallback: 3\n"), HasSubstr("builtin_fallback: expected true"));
}

TEST(LlmConfigTest, BackoffMaxBelowInitial) {
  EXPECT_THAT(
      ErrorOf(
          "providers:\n  - {kind: openai, model: m, backoff: {initial_ms: 500, max_ms: 100}}\n"),
      HasSubstr("providers[0].backoff: max_ms (100) must not be below initial_ms (500)"));
}

TEST(LlmConfigTest, BadBaseUrl) {
  EXPECT_THAT(ErrorOf("providers:\n  - {kind: openai, model: m, base_url: api.openai.com}\n"),
              HasSubstr("providers[0].base_url: must start with http:// or https://"));
}

TEST(LlmConfigTest, DuplicateNames) {
  EXPECT_THAT(ErrorOf("providers:\n  - {kind: openai, model: m}\n  - {kind: openai, model: m}\n"),
              HasSubstr("providers[1].name: duplicate provider name \"openai:m\""));
}

TEST(LlmConfigTest, ProvidersMustBeAList) {
  EXPECT_THAT(ErrorOf("providers: {kind: openai}\n"),
              HasSubstr("providers: expected a list of providers"));
}

TEST(LlmConfigTest, MaxTokensFieldOnlyForOpenAi) {
  EXPECT_THAT(ErrorOf("providers:\n  - {kind: openai, model: m, max_tokens_field: tokens}\n"),
              HasSubstr("must be max_tokens or max_completion_tokens"));
  EXPECT_THAT(
      ErrorOf("providers:\n  - {kind: anthropic, model: m, max_tokens_field: max_tokens}\n"),
      HasSubstr("only applies to kind openai"));
}

TEST(LlmConfigTest, KeyInTheFileIsRefusedWithoutEchoingIt) {
  const std::string message =
      ErrorOf("providers:\n  - {kind: openai, model: m, api_key: sk-live-DONOTPRINT}\n");
  EXPECT_THAT(message, HasSubstr("providers[0].api_key"));
  EXPECT_THAT(message, HasSubstr("environment variable"));
  EXPECT_THAT(message, Not(HasSubstr("DONOTPRINT")));
}

TEST(LlmConfigTest, KeyPastedIntoApiKeyEnvIsRefusedWithoutEchoingIt) {
  const std::string message =
      ErrorOf("providers:\n  - {kind: openai, model: m, api_key_env: sk-live-DONOTPRINT}\n");
  EXPECT_THAT(message, HasSubstr("providers[0].api_key_env: must be the NAME"));
  EXPECT_THAT(message, Not(HasSubstr("DONOTPRINT")));
}

TEST(LlmConfigTest, LoadsFromAFile) {
  const std::string path = ::testing::TempDir() + "/llm_config_test_load.yaml";
  {
    std::ofstream out(path);
    out << "providers:\n  - {kind: openai, model: m, timeout_ms: -5}\n";
  }
  absl::StatusOr<LlmConfig> config = LoadLlmConfig(path, FakeEnv({}));
  ASSERT_FALSE(config.ok());
  EXPECT_THAT(std::string(config.status().message()), StartsWith(path + ":2: "));
  EXPECT_THAT(std::string(config.status().message()), HasSubstr("providers[0].timeout_ms"));
}

}  // namespace
}  // namespace armature::llm
