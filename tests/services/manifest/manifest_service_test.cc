// The manifest service's gRPC layer in-process: success, every error path, metrics,
// ArmInfo, the optional LLM extraction with its parser fallback, and the optional LLM repair
// step with its minimal fallback.
#include "services/manifest/manifest_service.h"

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "google/protobuf/util/message_differencer.h"
#include "gtest/gtest.h"
#include "libs/llm/llm_config.h"
#include "libs/llm/llm_provider.h"
#include "libs/manifest/builder.h"
#include "libs/manifest/manifest_json.h"
#include "libs/manifest/parser.h"
#include "libs/manifest/validator.h"
#include "nlohmann/json.hpp"
#include "tests/services/manifest/sample_treatment.h"
#include "tests/testing/fake_http_server.h"
#include "tests/testing/service_fixture.h"

namespace armature::manifest_service {
namespace {

using ::testing::AllOf;
using ::testing::Contains;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::Not;

// Provider that records the prompt it was sent and answers from a script.
class ScriptedProvider final : public llm::LlmProvider {
 public:
  explicit ScriptedProvider(absl::StatusOr<std::string> reply) : reply_(std::move(reply)) {}
  absl::StatusOr<llm::LlmReply> Complete(const llm::LlmRequest& request) override {
    std::lock_guard<std::mutex> lock(mu_);
    prompts_.push_back(request.user);
    if (!reply_.ok()) return reply_.status();
    llm::LlmReply r;
    r.text = *reply_;
    return r;
  }
  std::string name() const override { return "fake:extractor"; }
  llm::ProviderKind kind() const override { return llm::ProviderKind::kOther; }
  std::vector<std::string> prompts() {
    std::lock_guard<std::mutex> lock(mu_);
    return prompts_;
  }

 private:
  std::mutex mu_;
  absl::StatusOr<std::string> reply_;
  std::vector<std::string> prompts_;
};

class ManifestServiceTest : public testing::ServiceFixture {
 protected:
  void Start(ScriptedProvider* provider = nullptr) {
    std::optional<LlmExtraction> llm;
    if (provider != nullptr) {
      std::vector<llm::ChainEntry> entries;
      entries.push_back(llm::ChainEntry::Usable(std::unique_ptr<llm::LlmProvider>(provider)));
      auto prompt =
          llm::PromptTemplate::Parse("system: extract\nuser: \"{treatment}\"\n", "test.yaml",
                                     {"treatment", "hints", "duration_seconds"});
      ASSERT_TRUE(prompt.ok()) << prompt.status();
      llm = LlmExtraction{.chain = std::make_unique<llm::ProviderChain>(std::move(entries)),
                          .prompt = *prompt};
    }
    StartWith(std::move(llm), manifest::DefaultManifestConfig());
  }

  void StartWith(std::optional<LlmExtraction> llm, manifest::ManifestConfig config) {
    core_ = std::make_unique<ManifestCore>(std::move(config), std::move(llm));
    pool_ = std::make_unique<runtime::WorkerPool>(runtime::WorkerPool::Options{.threads = 2});
    info_ = std::make_unique<ManifestArmInfo>(core_.get());
    SetArmInfoProvider(info_.get());
    registry_ = std::make_shared<prometheus::Registry>();
    service_ = std::make_unique<ManifestGrpcService>(core_.get(), pool_.get(), *registry_);
    RegisterService(service_.get(), "armature.v1.ManifestService");
    StartServer();
    stub_ = MakeStub<v1::ManifestService>();
  }

  grpc::Status Build(const v1::BuildManifestRequest& request, v1::BuildManifestResponse* response) {
    grpc::ClientContext ctx;
    return stub_->BuildManifest(&ctx, request, response);
  }
  static v1::BuildManifestRequest Request(const std::string& treatment, double duration = 30) {
    v1::BuildManifestRequest r;
    r.set_treatment(treatment);
    r.mutable_hints()->set_duration_seconds(duration);
    return r;
  }
  double Counter(const std::string& name, const std::map<std::string, std::string>& labels) {
    for (const auto& f : registry_->Collect()) {
      if (f.name != name) continue;
      for (const auto& m : f.metric) {
        std::map<std::string, std::string> got;
        for (const auto& l : m.label) got[l.name] = l.value;
        if (got == labels) return m.counter.value;
      }
    }
    return -1;
  }

  std::unique_ptr<ManifestCore> core_;
  std::unique_ptr<runtime::WorkerPool> pool_;
  std::unique_ptr<ManifestArmInfo> info_;
  std::shared_ptr<prometheus::Registry> registry_;
  std::unique_ptr<ManifestGrpcService> service_;
  std::unique_ptr<v1::ManifestService::Stub> stub_;
};

TEST_F(ManifestServiceTest, BuildsAValidatedManifestWithItsJobs) {
  Start();
  v1::BuildManifestRequest request = Request(kTreatment, 30);
  request.set_request_id("req-m1");
  v1::BuildManifestResponse response;
  ASSERT_TRUE(Build(request, &response).ok());
  EXPECT_EQ(response.request_id(), "req-m1");
  const auto& m = response.manifest();
  ASSERT_EQ(m.scenes_size(), 3);
  EXPECT_EQ(m.scenes(0).narration(), "Meet the fastest notebook we ever built.");
  EXPECT_EQ(m.scenes(0).duration_seconds(), 4);
  EXPECT_EQ(m.scenes(0).purpose(), "hook");
  EXPECT_EQ(m.scenes(2).purpose(), "call_to_action");
  double total = 0;
  for (const auto& s : m.scenes()) total += s.duration_seconds();
  EXPECT_NEAR(total, 30, 1e-6);
  std::vector<v1::Job> jobs(response.jobs().begin(), response.jobs().end());
  EXPECT_THAT(manifest::ValidateManifest(m, jobs), IsEmpty());
  int render = 0;
  for (const auto& j : jobs) {
    if (j.type() == v1::RENDER) {
      ++render;
      EXPECT_EQ(j.depends_on_size(), static_cast<int>(jobs.size()) - 1);
    }
  }
  EXPECT_EQ(render, 1);
  EXPECT_FALSE(response.used_llm());
  EXPECT_GT(response.processing_time_ms(), 0);
  EXPECT_EQ(Counter("armature_manifest_built_total", {{"engine", "parser"}}), 1);
}

TEST_F(ManifestServiceTest, BadInputIsInvalidArgumentNamingTheField) {
  Start();
  struct Case {
    v1::BuildManifestRequest request;
    std::string field;
  };
  std::vector<Case> cases = {{Request(""), "treatment"},
                             {Request("   \n "), "treatment"},
                             {Request(std::string(100001, 'a')), "treatment"},
                             {Request("Narration: hi", -5), "duration_seconds"},
                             {Request("Narration: hi", 100000), "duration_seconds"}};
  {
    v1::BuildManifestRequest r = Request("Narration: hi");
    r.set_analyzer_json("{not json");
    cases.push_back({r, "analyzer_json"});
  }
  for (const auto& c : cases) {
    v1::BuildManifestResponse response;
    const grpc::Status status = Build(c.request, &response);
    EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT) << c.field;
    EXPECT_THAT(status.error_message(), HasSubstr(c.field));
  }
}

TEST_F(ManifestServiceTest, ValidateManifestReportsViolationsWithPaths) {
  Start();
  v1::BuildManifestResponse built;
  ASSERT_TRUE(Build(Request(kTreatment, 30), &built).ok());
  v1::ValidateManifestRequest ok_request;
  *ok_request.mutable_manifest() = built.manifest();
  *ok_request.mutable_jobs() = built.jobs();
  v1::ValidateManifestResponse ok;
  {
    grpc::ClientContext ctx;
    ASSERT_TRUE(stub_->ValidateManifest(&ctx, ok_request, &ok).ok());
  }
  EXPECT_TRUE(ok.valid());

  v1::ValidateManifestRequest bad = ok_request;
  bad.mutable_manifest()->mutable_scenes(1)->set_duration_seconds(-1);
  v1::ValidateManifestResponse report;
  {
    grpc::ClientContext ctx;
    ASSERT_TRUE(stub_->ValidateManifest(&ctx, bad, &report).ok());
  }
  EXPECT_FALSE(report.valid());
  std::vector<std::string> paths;
  for (const auto& v : report.violations()) paths.push_back(v.path());
  EXPECT_THAT(paths, Contains("scenes[1].duration_seconds"));
}

TEST_F(ManifestServiceTest, ValidateWithoutAManifestIsInvalidArgument) {
  Start();
  grpc::ClientContext ctx;
  v1::ValidateManifestResponse response;
  const grpc::Status status = stub_->ValidateManifest(&ctx, {}, &response);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(status.error_message(), HasSubstr("manifest"));
}

TEST_F(ManifestServiceTest, CapabilitiesNameTheArmAndTheParser) {
  Start();
  auto stub = MakeStub<v1::ArmInfo>();
  grpc::ClientContext ctx;
  v1::GetCapabilitiesResponse caps;
  ASSERT_TRUE(stub->GetCapabilities(&ctx, {}, &caps).ok());
  EXPECT_EQ(caps.arm_id(), "manifest");
  EXPECT_THAT(caps.capabilities(), Contains("job_decomposition"));
  ASSERT_EQ(caps.backends_size(), 1);
  EXPECT_EQ(caps.backends(0).name(), "parser");
}

TEST_F(ManifestServiceTest, LlmExtractionIsUsedAfterStrippingUrlsAndSecrets) {
  auto* provider = new ScriptedProvider(std::string(R"({
    "metadata": {"title": "Launch"},
    "scenes": [
      {"title": "Hook", "narration": "Meet the notebook.", "duration_seconds": 5},
      {"title": "Buy", "narration": "Order yours today."}]})"));
  Start(provider);
  v1::BuildManifestRequest request = Request(
      "Narration: see https://example.com/secret-page and use key "
      "sk-abcdefghijklmnopqrstuvwx123456",
      20);
  v1::BuildManifestResponse response;
  ASSERT_TRUE(Build(request, &response).ok());
  EXPECT_TRUE(response.used_llm());
  ASSERT_EQ(response.manifest().scenes_size(), 2);
  EXPECT_EQ(response.manifest().scenes(0).narration(), "Meet the notebook.");
  ASSERT_EQ(provider->prompts().size(), 1u);
  EXPECT_THAT(provider->prompts()[0], Not(HasSubstr("example.com")));
  EXPECT_THAT(provider->prompts()[0], Not(HasSubstr("sk-abcdefghijklmnopqrstuvwx123456")));
  EXPECT_THAT(response.warnings(), Contains(HasSubstr("fake:extractor")));
  EXPECT_EQ(Counter("armature_manifest_built_total", {{"engine", "llm"}}), 1);
}

TEST_F(ManifestServiceTest, FailedLlmExtractionFallsBackToTheParser) {
  Start(new ScriptedProvider(absl::UnavailableError("provider down")));
  v1::BuildManifestResponse response;
  ASSERT_TRUE(Build(Request(kTreatment, 30), &response).ok());
  EXPECT_FALSE(response.used_llm());
  EXPECT_EQ(response.manifest().scenes_size(), 3);
  EXPECT_THAT(response.warnings(), Contains(HasSubstr("deterministic parser was used")));
}

TEST_F(ManifestServiceTest, InvalidInputNeverReachesTheLlm) {
  auto* provider = new ScriptedProvider(std::string("{}"));
  Start(provider);
  v1::BuildManifestResponse response;
  EXPECT_EQ(Build(Request(""), &response).error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(provider->prompts(), IsEmpty());
}

// ---- LLM repair over HTTP ----------------------------------------------------------------

// A chat-completions response as OpenAI sends it.
std::string OpenAiReply(const std::string& content) {
  return nlohmann::json{
      {"id", "chatcmpl-3"},
      {"object", "chat.completion"},
      {"model", "gpt-4o-mini"},
      {"choices",
       nlohmann::json::array({{{"index", 0},
                               {"message", {{"role", "assistant"}, {"content", content}}},
                               {"finish_reason", "stop"}}})}}
      .dump();
}

// The deterministic repairs cannot time 1,100 scenes within a one-second production (each
// needs at least 1 ms). The YAML loader caps parser.max_scenes at 1,000; the struct does not,
// which is how the service reaches its LLM repair step here.
class ManifestLlmRepairTest : public ManifestServiceTest {
 protected:
  void StartWithRepair() {
    const std::string yaml =
        absl::StrCat("providers:\n  - kind: openai\n    base_url: ", openai_.base_url(),
                     "/v1\n    model: gpt-4o-mini\n    max_attempts: 1\n");
    absl::StatusOr<llm::LlmConfig> config = llm::ParseLlmConfig(
        yaml, "test.yaml", [](const std::string&) -> std::optional<std::string> { return {}; });
    ASSERT_TRUE(config.ok()) << config.status();
    auto extract = llm::PromptTemplate::Parse("system: extract\nuser: \"{treatment}\"\n",
                                              "extract.yaml", ExtractPromptVariables());
    ASSERT_TRUE(extract.ok()) << extract.status();
    absl::StatusOr<ManifestPrompts> shipped =
        LoadManifestPrompts(absl::StrCat(ARMATURE_SOURCE_DIR, "/config/prompts"));
    ASSERT_TRUE(shipped.ok()) << shipped.status();
    LlmExtraction llm{.chain = llm::BuildProviderChain(*config),
                      .prompt = *std::move(extract),
                      .repair_prompt = std::move(shipped->repair)};
    llm.repair.max_manifest_json_bytes = 2'000'000;
    manifest::ManifestConfig manifest_config = manifest::DefaultManifestConfig();
    manifest_config.parser.max_scenes = 1500;
    StartWith(std::move(llm), manifest_config);
    // The extraction is refused, so the deterministic parser reads the treatment.
    openai_.EnqueueJson(200, OpenAiReply("I cannot extract scenes from this."));
  }

  static v1::BuildManifestRequest TooManyScenes() {
    std::string treatment;
    for (int i = 1; i <= 1100; ++i) {
      absl::StrAppend(&treatment, "## Scene ", i, "\nNarration: Step ", i, ".\n");
    }
    return Request(treatment, 1);
  }

  testing::FakeHttpServer openai_;
};

TEST_F(ManifestLlmRepairTest, ARepairedManifestFromTheLlmIsUsed) {
  StartWithRepair();
  manifest::NormalizedHints hints;
  hints.duration_seconds = 1;
  const v1::ProductionManifest repaired = manifest::BuildManifest(
      manifest::ParseTreatment("## Start\nNarration: Steps 1 to 500.\n## Middle\nNarration: "
                               "Steps 501 to 1000.\n## End\nNarration: Steps 1001 to 1100.\n"),
      hints, manifest::BuildOptions());
  openai_.EnqueueJson(200, OpenAiReply(manifest::ManifestToJson(repaired).value()));

  v1::BuildManifestResponse response;
  ASSERT_TRUE(Build(TooManyScenes(), &response).ok());

  ASSERT_EQ(openai_.requests().size(), 2u);  // extraction, then repair
  EXPECT_THAT(openai_.requests()[1].body, HasSubstr("(duration_sum)"));
  EXPECT_TRUE(response.used_repair());
  EXPECT_TRUE(response.used_llm());
  EXPECT_THAT(response.warnings(), Contains(HasSubstr("deterministic parser was used")));
  EXPECT_THAT(response.warnings(),
              Contains("repaired the manifest with the LLM repair step (openai:gpt-4o-mini)"));
  EXPECT_TRUE(google::protobuf::util::MessageDifferencer::Equals(response.manifest(), repaired));
  std::vector<v1::Job> jobs(response.jobs().begin(), response.jobs().end());
  EXPECT_THAT(manifest::ValidateManifest(response.manifest(), jobs), IsEmpty());
  EXPECT_EQ(Counter("armature_manifest_repairs_total", {{"kind", "llm"}}), 1);
  EXPECT_EQ(Counter("armature_manifest_repairs_total", {{"kind", "fallback"}}), -1);
  EXPECT_EQ(Counter("armature_manifest_fallbacks_total", {}), 0);
  // The parser extracted the scenes; the LLM only repaired them.
  EXPECT_EQ(Counter("armature_manifest_built_total", {{"engine", "parser"}}), 1);
}

TEST_F(ManifestLlmRepairTest, GarbageFromTheLlmEndsInTheMinimalFallback) {
  StartWithRepair();
  openai_.EnqueueJson(200, OpenAiReply("{\"manifest\": \"all fixed!\"}"));

  v1::BuildManifestResponse response;
  ASSERT_TRUE(Build(TooManyScenes(), &response).ok());

  ASSERT_EQ(openai_.requests().size(), 2u);
  EXPECT_TRUE(response.used_repair());
  EXPECT_FALSE(response.used_llm());
  EXPECT_THAT(response.warnings(),
              Contains(AllOf(HasSubstr("the LLM repair step failed: "),
                             HasSubstr("openai:gpt-4o-mini"), HasSubstr("manifest"))));
  EXPECT_THAT(response.warnings(), Contains(HasSubstr("minimal one-scene fallback")));
  EXPECT_EQ(response.manifest().scenes_size(), 1);
  std::vector<v1::Job> jobs(response.jobs().begin(), response.jobs().end());
  EXPECT_THAT(manifest::ValidateManifest(response.manifest(), jobs), IsEmpty());
  EXPECT_EQ(Counter("armature_manifest_repairs_total", {{"kind", "fallback"}}), 1);
  EXPECT_EQ(Counter("armature_manifest_repairs_total", {{"kind", "llm"}}), -1);
  EXPECT_EQ(Counter("armature_manifest_fallbacks_total", {}), 1);
}

}  // namespace
}  // namespace armature::manifest_service
