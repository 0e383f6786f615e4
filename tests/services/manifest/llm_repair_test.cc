// The manifest service's LLM repair step against a loopback server speaking the OpenAI
// chat-completions wire format (the real provider and chain), the repair loop around it, and
// the loading of its prompt files.
#include "services/manifest/llm_repair.h"

#include <filesystem>
#include <fstream>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "google/protobuf/util/message_differencer.h"
#include "gtest/gtest.h"
#include "libs/llm/json_extract.h"
#include "libs/llm/llm_config.h"
#include "libs/manifest/builder.h"
#include "libs/manifest/manifest_json.h"
#include "libs/manifest/parser.h"
#include "libs/manifest/validator.h"
#include "nlohmann/json.hpp"
#include "tests/testing/fake_http_server.h"

namespace armature::manifest_service {
namespace {

using ::armature::testing::FakeHttpServer;
using nlohmann::json;
using ::testing::AllOf;
using ::testing::Contains;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::Not;
using ::testing::SizeIs;
using ::testing::StartsWith;

std::string SourcePath(const std::string& relative) {
  return absl::StrCat(ARMATURE_SOURCE_DIR, "/", relative);
}

// A chat-completions response as OpenAI sends it.
std::string OpenAiReply(const std::string& content) {
  return json{{"id", "chatcmpl-7"},
              {"object", "chat.completion"},
              {"created", 1700000000},
              {"model", "gpt-4o-mini-2024-07-18"},
              {"choices", json::array({{{"index", 0},
                                        {"message", {{"role", "assistant"}, {"content", content}}},
                                        {"finish_reason", "stop"}}})},
              {"usage", {{"prompt_tokens", 900}, {"completion_tokens", 400}}}}
      .dump();
}

// A chain of OpenAI-compatible providers "openai:model-a", "openai:model-b", ... one per server.
std::unique_ptr<llm::ProviderChain> Chain(const std::vector<const FakeHttpServer*>& servers) {
  std::string yaml = "providers:\n";
  for (size_t i = 0; i < servers.size(); ++i) {
    absl::StrAppend(&yaml, "  - kind: openai\n    base_url: ", servers[i]->base_url(),
                    "/v1\n    model: model-", std::string(1, static_cast<char>('a' + i)),
                    "\n    max_attempts: 1\n");
  }
  absl::StatusOr<llm::LlmConfig> config = llm::ParseLlmConfig(
      yaml, "test.yaml", [](const std::string&) -> std::optional<std::string> { return {}; });
  EXPECT_TRUE(config.ok()) << config.status();
  return llm::BuildProviderChain(*config);
}

llm::PromptTemplate ShippedRepairPrompt() {
  absl::StatusOr<llm::PromptTemplate> prompt = llm::LoadPromptTemplate(
      SourcePath("config/prompts/manifest_repair.yaml"), RepairPromptVariables());
  EXPECT_TRUE(prompt.ok()) << prompt.status();
  return *prompt;
}

// A valid manifest of three scenes over `seconds`.
armature::v1::ProductionManifest ValidManifest(double seconds = 20) {
  manifest::NormalizedHints hints;
  hints.duration_seconds = seconds;
  return manifest::BuildManifest(manifest::ParseTreatment(R"(## Scene 1
Narration: Meet the notebook.
Visual: a glowing laptop
## Scene 2
Narration: It lasts all day.
## Scene 3
Narration: Order yours today.
)"),
                                 hints, manifest::BuildOptions());
}

std::string Json(const armature::v1::ProductionManifest& m) {
  return manifest::ManifestToJson(m).value();
}

bool Same(const armature::v1::ProductionManifest& a, const armature::v1::ProductionManifest& b) {
  return google::protobuf::util::MessageDifferencer::Equals(a, b);
}

class LlmRepairHookTest : public ::testing::Test {
 protected:
  void SetUp() override {
    valid_ = ValidManifest();
    ASSERT_THAT(manifest::ValidateManifest(valid_, Jobs(valid_)), IsEmpty());
    broken_ = valid_;
    broken_.mutable_voice()->clear_voice_id();
    broken_.mutable_scenes(1)->set_purpose("middle");
    violations_ = manifest::ValidateManifest(broken_, Jobs(broken_));
    ASSERT_THAT(violations_, SizeIs(2));
  }

  std::vector<armature::v1::Job> Jobs(const armature::v1::ProductionManifest& m) const {
    return manifest::DecomposeJobs(m, providers_);
  }

  // The hook over a chain of `servers`, with the shipped prompt.
  manifest::LlmRepairHook Hook(const std::vector<const FakeHttpServer*>& servers,
                               LlmRepairOptions options = {}) {
    chain_ = Chain(servers);
    prompt_ = ShippedRepairPrompt();
    return MakeLlmRepairHook(*chain_, *prompt_, providers_, options);
  }

  absl::StatusOr<manifest::RepairCandidate> Run(const manifest::LlmRepairHook& hook) {
    return hook(broken_, Jobs(broken_), violations_);
  }

  manifest::JobProviders providers_;
  armature::v1::ProductionManifest valid_;
  armature::v1::ProductionManifest broken_;
  std::vector<armature::v1::Violation> violations_;
  FakeHttpServer openai_;
  std::unique_ptr<llm::ProviderChain> chain_;
  std::optional<llm::PromptTemplate> prompt_;
};

TEST_F(LlmRepairHookTest, SendsTheManifestAndItsViolationsAndUsesAValidReply) {
  openai_.EnqueueJson(200, OpenAiReply(Json(valid_)));
  absl::StatusOr<manifest::RepairCandidate> candidate = Run(Hook({&openai_}));
  ASSERT_TRUE(candidate.ok()) << candidate.status();

  EXPECT_TRUE(Same(candidate->manifest, valid_));
  const std::vector<armature::v1::Job> expected_jobs = Jobs(valid_);
  ASSERT_EQ(candidate->jobs.size(), expected_jobs.size());
  for (size_t i = 0; i < expected_jobs.size(); ++i) {
    EXPECT_EQ(candidate->jobs[i].id(), expected_jobs[i].id());
  }
  EXPECT_EQ(candidate->source, "openai:model-a");
  EXPECT_THAT(candidate->warnings, IsEmpty());

  ASSERT_THAT(openai_.requests(), SizeIs(1));
  const json body = json::parse(openai_.requests()[0].body);
  EXPECT_EQ(body["response_format"]["type"], "json_object");
  EXPECT_EQ(body["max_tokens"], 8000);
  EXPECT_EQ(body["temperature"], 0.0);
  EXPECT_THAT(body["messages"][0]["content"].get<std::string>(),
              HasSubstr("You repair production manifests"));
  const std::string user = body["messages"][1]["content"].get<std::string>();
  EXPECT_THAT(user, HasSubstr("- voice.voice_id (required): voice.voice_id is empty"));
  EXPECT_THAT(user, HasSubstr("- scenes[1].purpose (purpose): purpose is \"middle\""));
  EXPECT_THAT(user, HasSubstr(Json(broken_)));
  EXPECT_THAT(user, Not(HasSubstr("{manifest_json}")));
}

TEST_F(LlmRepairHookTest, ReplyInFencesWithProseIsAccepted) {
  openai_.EnqueueJson(200, OpenAiReply(absl::StrCat("Here is the repaired manifest:\n```json\n",
                                                    Json(valid_), "\n```\nAll fixed.")));
  absl::StatusOr<manifest::RepairCandidate> candidate = Run(Hook({&openai_}));
  ASSERT_TRUE(candidate.ok()) << candidate.status();
  EXPECT_TRUE(Same(candidate->manifest, valid_));
}

TEST_F(LlmRepairHookTest, GarbageIsAnErrorNamingTheProviderAndTheProblem) {
  openai_.EnqueueJson(200, OpenAiReply("I'm sorry, I can't repair manifests."));
  absl::StatusOr<manifest::RepairCandidate> candidate = Run(Hook({&openai_}));
  ASSERT_FALSE(candidate.ok());
  EXPECT_EQ(candidate.status().code(), absl::StatusCode::kUnavailable);
  EXPECT_THAT(candidate.status().message(), HasSubstr("openai:model-a"));
  EXPECT_THAT(candidate.status().message(), HasSubstr("reply rejected"));
}

TEST_F(LlmRepairHookTest, UnknownFieldsAreRefused) {
  json reply = json::parse(Json(valid_));
  reply["jobs"] = json::array({{{"id", "render"}}});
  openai_.EnqueueJson(200, OpenAiReply(reply.dump()));
  absl::StatusOr<manifest::RepairCandidate> candidate = Run(Hook({&openai_}));
  ASSERT_FALSE(candidate.ok());
  EXPECT_THAT(candidate.status().message(), HasSubstr("manifest JSON: "));
  EXPECT_THAT(candidate.status().message(), HasSubstr("jobs"));
}

TEST_F(LlmRepairHookTest, AReplyThatStillDoesNotValidateIsRefused) {
  openai_.EnqueueJson(200, OpenAiReply(Json(broken_)));  // "repaired" without any change
  absl::StatusOr<manifest::RepairCandidate> candidate = Run(Hook({&openai_}));
  ASSERT_FALSE(candidate.ok());
  EXPECT_THAT(candidate.status().message(),
              HasSubstr("the repaired manifest is still invalid: voice.voice_id (required); "
                        "scenes[1].purpose (purpose)"));
}

TEST_F(LlmRepairHookTest, TheNextProviderAnswersWhenTheFirstReplyIsUnusable) {
  FakeHttpServer second;
  openai_.EnqueueJson(200, OpenAiReply("{\"manifest\": \"fixed\"}"));
  second.EnqueueJson(200, OpenAiReply(Json(valid_)));
  absl::StatusOr<manifest::RepairCandidate> candidate = Run(Hook({&openai_, &second}));
  ASSERT_TRUE(candidate.ok()) << candidate.status();
  EXPECT_EQ(candidate->source, "openai:model-b");
  ASSERT_THAT(candidate->warnings, SizeIs(1));
  EXPECT_THAT(candidate->warnings[0], StartsWith("LLM repair: provider skipped: openai:model-a"));
  EXPECT_THAT(candidate->warnings[0], HasSubstr("manifest"));
}

TEST_F(LlmRepairHookTest, AnOversizedManifestIsNotSent) {
  LlmRepairOptions options;
  options.max_manifest_json_bytes = 100;
  absl::StatusOr<manifest::RepairCandidate> candidate = Run(Hook({&openai_}, options));
  ASSERT_FALSE(candidate.ok());
  EXPECT_EQ(candidate.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(candidate.status().message(), HasSubstr("over the 100 bytes sent for LLM repair"));
  EXPECT_THAT(openai_.requests(), IsEmpty());
}

TEST_F(LlmRepairHookTest, UrlsAndSecretsNeverReachTheLlm) {
  broken_.mutable_scenes(0)->set_narration(
      "See https://intranet.example.com/launch-plan and use key "
      "sk-abcdefghijklmnopqrstuvwx123456.");
  broken_.mutable_consistency()->add_recurring_props("www.example.org/prop");
  openai_.EnqueueJson(200, OpenAiReply(Json(valid_)));
  absl::StatusOr<manifest::RepairCandidate> candidate = Run(Hook({&openai_}));
  ASSERT_TRUE(candidate.ok()) << candidate.status();
  ASSERT_THAT(openai_.requests(), SizeIs(1));
  const std::string body = openai_.requests()[0].body;
  EXPECT_THAT(body, Not(HasSubstr("example.com")));
  EXPECT_THAT(body, Not(HasSubstr("example.org")));
  EXPECT_THAT(body, Not(HasSubstr("sk-abcdefghijklmnopqrstuvwx123456")));
  EXPECT_THAT(body, HasSubstr("See [url removed] and use key [secret removed]."));
  ASSERT_THAT(candidate->warnings, SizeIs(1));
  EXPECT_EQ(candidate->warnings[0],
            "LLM repair: removed 2 URL(s) and 1 secret-looking token(s) from the manifest before "
            "sending it");
  // Text without either is sent byte for byte.
  EXPECT_THAT(body, HasSubstr("It lasts all day."));
}

TEST_F(LlmRepairHookTest, AFailedRepairStillReportsWhatWasRemoved) {
  broken_.mutable_scenes(0)->set_narration("Details at https://example.com/x.");
  openai_.EnqueueJson(200, OpenAiReply("no"));
  absl::StatusOr<manifest::RepairCandidate> candidate = Run(Hook({&openai_}));
  ASSERT_FALSE(candidate.ok());
  EXPECT_EQ(candidate.status().code(), absl::StatusCode::kUnavailable);
  EXPECT_THAT(std::string(candidate.status().message()),
              StartsWith("LLM repair: removed 1 URL(s) and 0 secret-looking token(s) from the "
                         "manifest before sending it; "));
  EXPECT_THAT(candidate.status().message(), HasSubstr("openai:model-a"));
}

TEST(FormatViolationsTest, OneLinePerViolationThenACount) {
  std::vector<armature::v1::Violation> violations(3);
  for (int i = 0; i < 3; ++i) {
    violations[i].set_path(absl::StrCat("scenes[", i, "].id"));
    violations[i].set_rule("required");
    violations[i].set_message("empty");
  }
  EXPECT_EQ(FormatViolations(violations, 2),
            "- scenes[0].id (required): empty\n- scenes[1].id (required): empty\n"
            "- ... and 1 more\n");
  EXPECT_EQ(FormatViolations({}), "");
}

// The hook in the repair loop: a manifest no deterministic repair can fix (more scenes than
// the one-second total has milliseconds) goes to the LLM; its answer is used when it
// validates, and the minimal fallback is returned otherwise.
class RepairLoopTest : public ::testing::Test {
 protected:
  void SetUp() override {
    context_.hints.duration_seconds = 1;
    manifest_ = ValidManifest(20);
    manifest_.mutable_metadata()->set_duration_seconds(1);
    const armature::v1::Scene scene = manifest_.scenes(0);
    for (int i = 0; i < 1200; ++i) *manifest_.add_scenes() = scene;
    jobs_ = manifest::DecomposeJobs(manifest_, context_.jobs);
    chain_ = Chain({&openai_});
    prompt_ = ShippedRepairPrompt();
    LlmRepairOptions options;
    options.max_manifest_json_bytes = 2'000'000;
    context_.llm_repair = MakeLlmRepairHook(*chain_, *prompt_, context_.jobs, options);
  }

  manifest::RepairOutcome Repair() const {
    return manifest::RepairManifest(manifest_, jobs_, context_);
  }

  FakeHttpServer openai_;
  std::unique_ptr<llm::ProviderChain> chain_;
  std::optional<llm::PromptTemplate> prompt_;
  manifest::RepairContext context_;
  armature::v1::ProductionManifest manifest_;
  std::vector<armature::v1::Job> jobs_;
};

TEST_F(RepairLoopTest, AValidLlmRepairIsUsed) {
  const armature::v1::ProductionManifest repaired = ValidManifest(1);
  openai_.EnqueueJson(200, OpenAiReply(Json(repaired)));
  const manifest::RepairOutcome out = Repair();
  ASSERT_THAT(openai_.requests(), SizeIs(1));
  EXPECT_THAT(openai_.requests()[0].body, HasSubstr("(duration_sum)"));
  EXPECT_TRUE(out.used_llm);
  EXPECT_FALSE(out.fell_back);
  EXPECT_EQ(out.repairs.at("llm"), 1);
  EXPECT_FALSE(out.repairs.contains("fallback"));
  EXPECT_THAT(out.warnings,
              Contains("repaired the manifest with the LLM repair step (openai:model-a)"));
  EXPECT_TRUE(Same(out.manifest, repaired));
  EXPECT_THAT(manifest::ValidateManifest(out.manifest, out.jobs), IsEmpty());
}

TEST_F(RepairLoopTest, GarbageFallsBackToTheMinimalManifestWithAWarning) {
  openai_.EnqueueJson(200, OpenAiReply("<html>502 Bad Gateway</html>"));
  const manifest::RepairOutcome out = Repair();
  ASSERT_THAT(openai_.requests(), SizeIs(1));
  EXPECT_FALSE(out.used_llm);
  EXPECT_TRUE(out.fell_back);
  EXPECT_EQ(out.repairs.at("fallback"), 1);
  EXPECT_FALSE(out.repairs.contains("llm"));
  EXPECT_THAT(out.warnings, Contains(AllOf(StartsWith("the LLM repair step failed: "),
                                           HasSubstr("openai:model-a"))));
  EXPECT_THAT(out.warnings, Contains(HasSubstr("minimal one-scene fallback")));
  EXPECT_EQ(out.manifest.scenes_size(), 1);
  EXPECT_THAT(manifest::ValidateManifest(out.manifest, out.jobs), IsEmpty());
}

// ---- Prompt files ----------------------------------------------------------------------

TEST(ManifestPromptsTest, ShippedPromptsLoadAndTheRepairExampleIsAValidManifest) {
  absl::StatusOr<ManifestPrompts> prompts = LoadManifestPrompts(SourcePath("config/prompts"));
  ASSERT_TRUE(prompts.ok()) << prompts.status();
  EXPECT_EQ(prompts->repair.variables(), RepairPromptVariables());
  EXPECT_EQ(prompts->extract.variables(), ExtractPromptVariables());
  absl::StatusOr<llm::RenderedPrompt> rendered = prompts->repair.Render(
      {{"manifest_json", "{\"id\": \"\"}"}, {"violations", "- id (required): id is empty\n"}});
  ASSERT_TRUE(rendered.ok()) << rendered.status();
  EXPECT_THAT(rendered->user, HasSubstr("- id (required): id is empty"));
  EXPECT_THAT(rendered->user, HasSubstr("{\"id\": \"\"}"));
  // The shape the system prompt shows parses as a manifest and validates.
  absl::StatusOr<std::string> example = llm::ExtractJson(rendered->system);
  ASSERT_TRUE(example.ok()) << example.status();
  absl::StatusOr<armature::v1::ProductionManifest> m = manifest::ParseManifestJson(*example);
  ASSERT_TRUE(m.ok()) << m.status();
  EXPECT_THAT(manifest::ValidateManifest(*m), IsEmpty());
  EXPECT_THAT(manifest::ValidateManifest(*m, manifest::DecomposeJobs(*m, {})), IsEmpty());
}

class BadPromptFilesTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = absl::StrCat(::testing::TempDir(), "/prompts_",
                        ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::remove_all(dir_);
    std::filesystem::create_directories(dir_);
    std::filesystem::copy_file(SourcePath("config/prompts/manifest_extract.yaml"),
                               dir_ + "/manifest_extract.yaml");
  }
  void WriteRepair(const std::string& text) const {
    std::ofstream(dir_ + "/manifest_repair.yaml") << text;
  }
  std::string dir_;
};

TEST_F(BadPromptFilesTest, UnknownVariableNamesTheFileAndTheVariable) {
  WriteRepair("system: repair\nuser: \"{manifest}\"\n");
  absl::StatusOr<ManifestPrompts> prompts = LoadManifestPrompts(dir_);
  ASSERT_FALSE(prompts.ok());
  EXPECT_EQ(prompts.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(prompts.status().message()), StartsWith(dir_ + "/manifest_repair.yaml"));
  EXPECT_THAT(prompts.status().message(), HasSubstr("{manifest}"));
}

TEST_F(BadPromptFilesTest, SyntaxErrorNamesTheFile) {
  WriteRepair("system: [repair\nuser: x\n");
  absl::StatusOr<ManifestPrompts> prompts = LoadManifestPrompts(dir_);
  ASSERT_FALSE(prompts.ok());
  EXPECT_THAT(std::string(prompts.status().message()), StartsWith(dir_ + "/manifest_repair.yaml"));
}

TEST_F(BadPromptFilesTest, MissingRepairPromptNamesTheFile) {
  absl::StatusOr<ManifestPrompts> prompts = LoadManifestPrompts(dir_);
  ASSERT_FALSE(prompts.ok());
  EXPECT_EQ(prompts.status().code(), absl::StatusCode::kNotFound);
  EXPECT_THAT(prompts.status().message(), HasSubstr(dir_ + "/manifest_repair.yaml"));
}

}  // namespace
}  // namespace armature::manifest_service
