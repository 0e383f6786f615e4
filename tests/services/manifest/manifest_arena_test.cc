// BuildManifest on arenas: ManifestCore builds the same response into an arena message as on the
// heap (deterministic wire bytes), with the parser and with an LLM extraction; and the service,
// whose BuildManifest requests and responses live on pooled arenas, answers many calls in a row
// and at once correctly, handing every arena back.

#include <atomic>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "google/protobuf/arena.h"
#include "google/protobuf/io/coded_stream.h"
#include "google/protobuf/io/zero_copy_stream_impl_lite.h"
#include "gtest/gtest.h"
#include "libs/llm/llm_provider.h"
#include "libs/manifest/validator.h"
#include "services/manifest/manifest_service.h"
#include "tests/services/manifest/sample_treatment.h"
#include "tests/testing/proto_bytes.h"
#include "tests/testing/service_fixture.h"

namespace armature::manifest_service {
namespace {

using google::protobuf::Arena;
using ::testing::IsEmpty;

// A longer treatment: many scenes with visuals, stock footage, charts, music and effects.
std::string LongTreatment() {
  std::string t =
      "# Ship videos faster\n\nStyle: clean, bright, modern office\n"
      "Music: upbeat lo-fi throughout\n\n";
  for (int i = 1; i <= 24; ++i) {
    absl::StrAppend(&t, "## Scene ", i, " — Part ", i, i % 4 == 0 ? " (6s)" : "", "\n",
                    "Narration: Maya opens her laptop for step ", i,
                    ". The team reviews the timeline together and Maya smiles at the result.\n",
                    "Visual: a wide shot of the office with a laptop and a coffee mug\n");
    if (i % 3 == 0) absl::StrAppend(&t, "B-roll: people walking past the window\n");
    if (i % 5 == 0)
      absl::StrAppend(&t, "Chart: Jan: ", i, ", Feb: ", i * 2, ", Mar: ", i * 3, "\n");
    if (i % 6 == 0) absl::StrAppend(&t, "SFX: keyboard clicks\nTransition: whip pan\n");
    if (i % 8 == 0) absl::StrAppend(&t, "Music: a rising synth pad\n");
  }
  return t;
}

v1::BuildManifestRequest Request(const std::string& treatment, double seconds) {
  v1::BuildManifestRequest r;
  r.set_treatment(treatment);
  if (seconds > 0) r.mutable_hints()->set_duration_seconds(seconds);
  return r;
}

std::vector<v1::BuildManifestRequest> Requests() {
  return {Request(kTreatment, 30), Request(LongTreatment(), 180), Request(LongTreatment(), 0),
          Request("Just one line of narration.", 1)};
}

std::string Bytes(const google::protobuf::MessageLite& message) {
  return armature::testing::DeterministicBytes(message);
}

// The response the service answers with, from the heap build (without timing and request id).
v1::BuildManifestResponse HeapResponse(ManifestCore& core, const v1::BuildManifestRequest& r) {
  absl::StatusOr<manifest::BuildResult> result = core.Build(r);
  EXPECT_TRUE(result.ok()) << result.status();
  v1::BuildManifestResponse response;
  if (!result.ok()) return response;
  *response.mutable_manifest() = std::move(result->manifest);
  for (auto& job : result->jobs) *response.add_jobs() = std::move(job);
  for (auto& w : result->warnings) response.add_warnings(std::move(w));
  response.set_used_repair(result->used_repair);
  response.set_used_llm(result->used_llm);
  return response;
}

// The same built in place into `response` (on an arena), as the service builds it.
void FillInPlace(ManifestCore& core, const v1::BuildManifestRequest& r,
                 v1::BuildManifestResponse* response) {
  absl::StatusOr<manifest::BuildInfo> info = core.Build(r, response);
  ASSERT_TRUE(info.ok()) << info.status();
  for (auto& w : info->warnings) response->add_warnings(std::move(w));
  response->set_used_repair(info->used_repair);
  response->set_used_llm(info->used_llm);
}

void ExpectOnArena(const v1::BuildManifestResponse& response, Arena* arena) {
  EXPECT_EQ(response.manifest().GetArena(), arena);
  for (const auto& scene : response.manifest().scenes()) EXPECT_EQ(scene.GetArena(), arena);
  for (const auto& job : response.jobs()) {
    EXPECT_EQ(job.GetArena(), arena);
    EXPECT_EQ(job.payload().GetArena(), arena);
  }
}

void ExpectSameOnArenaAsOnHeap(ManifestCore& core) {
  for (const v1::BuildManifestRequest& request : Requests()) {
    SCOPED_TRACE(request.treatment().substr(0, 40));
    const v1::BuildManifestResponse heap = HeapResponse(core, request);
    ASSERT_GT(heap.jobs_size(), 1);
    Arena arena;
    auto* response = Arena::CreateMessage<v1::BuildManifestResponse>(&arena);
    FillInPlace(core, request, response);
    EXPECT_EQ(Bytes(*response), Bytes(heap));
    ExpectOnArena(*response, &arena);
    EXPECT_THAT(manifest::ValidateManifest(response->manifest(), response->jobs()), IsEmpty());
  }
}

TEST(ManifestArenaTest, TheParserBuildsTheSameResponseOnAnArenaAsOnTheHeap) {
  ManifestCore core(manifest::DefaultManifestConfig(), std::nullopt);
  ExpectSameOnArenaAsOnHeap(core);
}

// An LLM provider answering every call with the same reply (or error).
class FixedProvider final : public llm::LlmProvider {
 public:
  explicit FixedProvider(absl::StatusOr<std::string> reply) : reply_(std::move(reply)) {}
  absl::StatusOr<llm::LlmReply> Complete(const llm::LlmRequest&) override {
    if (!reply_.ok()) return reply_.status();
    llm::LlmReply r;
    r.text = *reply_;
    return r;
  }
  std::string name() const override { return "fake:extractor"; }
  llm::ProviderKind kind() const override { return llm::ProviderKind::kOther; }

 private:
  absl::StatusOr<std::string> reply_;
};

ManifestCore* CoreWithLlm(absl::StatusOr<std::string> reply) {
  std::vector<llm::ChainEntry> entries;
  entries.push_back(llm::ChainEntry::Usable(std::make_unique<FixedProvider>(std::move(reply))));
  auto prompt = llm::PromptTemplate::Parse("system: extract\nuser: \"{treatment}\"\n", "test.yaml",
                                           ExtractPromptVariables());
  EXPECT_TRUE(prompt.ok()) << prompt.status();
  return new ManifestCore(
      manifest::DefaultManifestConfig(),
      LlmExtraction{.chain = std::make_unique<llm::ProviderChain>(std::move(entries)),
                    .prompt = *prompt});
}

TEST(ManifestArenaTest, AnLlmExtractionBuildsTheSameResponseOnAnArenaAsOnTheHeap) {
  std::unique_ptr<ManifestCore> core(CoreWithLlm(std::string(R"({
    "metadata": {"title": "Launch"},
    "scenes": [
      {"title": "Hook", "narration": "Meet the notebook.", "duration_seconds": 5,
       "visuals": [{"description": "a laptop on a desk"}]},
      {"title": "Buy", "narration": "Order yours today."}]})")));
  ExpectSameOnArenaAsOnHeap(*core);
  Arena arena;
  auto* response = Arena::CreateMessage<v1::BuildManifestResponse>(&arena);
  FillInPlace(*core, Request(kTreatment, 30), response);
  EXPECT_TRUE(response->used_llm());
  EXPECT_EQ(response->manifest().scenes_size(), 2);
}

TEST(ManifestArenaTest, AFailedLlmExtractionBuildsTheSameResponseOnAnArenaAsOnTheHeap) {
  std::unique_ptr<ManifestCore> core(CoreWithLlm(absl::UnavailableError("provider down")));
  ExpectSameOnArenaAsOnHeap(*core);
}

// ----- Over a real server -----------------------------------------------------------------------

class ManifestArenaServerTest : public testing::ServiceFixture {
 protected:
  void SetUp() override {
    core_ = std::make_unique<ManifestCore>(manifest::DefaultManifestConfig(), std::nullopt);
    registry_ = std::make_shared<prometheus::Registry>();
    service_ = std::make_unique<ManifestGrpcService>(core_.get(), nullptr, *registry_);
    RegisterService(service_.get(), "armature.v1.ManifestService");
    StartServer();
    stub_ = MakeStub<v1::ManifestService>();
    for (const v1::BuildManifestRequest& request : Requests()) {
      requests_.push_back(request);
      expected_.push_back(Bytes(HeapResponse(*core_, request)));
    }
  }

  // Calls BuildManifest with requests_[i] and checks the answer.
  void CallAndCheck(size_t i, const std::string& request_id) {
    v1::BuildManifestRequest request = requests_[i];
    request.set_request_id(request_id);
    v1::BuildManifestResponse response;
    grpc::ClientContext context;
    const grpc::Status status = stub_->BuildManifest(&context, request, &response);
    ASSERT_TRUE(status.ok()) << status.error_message();
    EXPECT_EQ(response.request_id(), request_id);
    EXPECT_GT(response.processing_time_ms(), 0);
    response.clear_request_id();
    response.clear_processing_time_ms();
    EXPECT_EQ(Bytes(response), expected_[i]) << "request " << i;
  }

  void CallInvalid() {
    v1::BuildManifestResponse response;
    grpc::ClientContext context;
    EXPECT_EQ(stub_->BuildManifest(&context, Request("  ", 30), &response).error_code(),
              grpc::StatusCode::INVALID_ARGUMENT);
  }

  std::unique_ptr<ManifestCore> core_;
  std::shared_ptr<prometheus::Registry> registry_;
  std::unique_ptr<ManifestGrpcService> service_;
  std::unique_ptr<v1::ManifestService::Stub> stub_;
  std::vector<v1::BuildManifestRequest> requests_;
  std::vector<std::string> expected_;
};

TEST_F(ManifestArenaServerTest, AnswersManyCallsInARowOnReusedArenas) {
  constexpr int kCalls = 300;
  for (int i = 0; i < kCalls; ++i) {
    CallAndCheck(static_cast<size_t>(i) % requests_.size(), absl::StrCat("req-", i));
    if (i % 10 == 9) CallInvalid();  // a failed call hands its arena back too
    if (HasFatalFailure()) return;
  }
  server().Shutdown();
  const runtime::ArenaPool& arenas = service_->build_arenas();
  // One call at a time: a handful of arenas serve them all (a call's arena is released just
  // after its answer is sent, so the next call may briefly need a second one).
  EXPECT_GE(arenas.created(), 1u);
  EXPECT_LE(arenas.created(), 8u);
  EXPECT_EQ(arenas.idle(), arenas.created()) << "every arena came back";
}

TEST_F(ManifestArenaServerTest, AnswersConcurrentCallsCorrectly) {
  constexpr int kThreads = 4;
  constexpr int kCallsPerThread = 40;
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([this, t] {
      for (int i = 0; i < kCallsPerThread; ++i) {
        CallAndCheck(static_cast<size_t>(t + i) % requests_.size(), absl::StrCat(t, "-", i));
      }
    });
  }
  for (std::thread& thread : threads) thread.join();
  server().Shutdown();
  const runtime::ArenaPool& arenas = service_->build_arenas();
  EXPECT_LE(arenas.created(), static_cast<size_t>(kThreads) * 2 + 4);
  EXPECT_EQ(arenas.idle(), arenas.created());
}

}  // namespace
}  // namespace armature::manifest_service
