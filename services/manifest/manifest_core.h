#pragma once

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "armature/v1/arm_info.pb.h"
#include "armature/v1/manifest.pb.h"
#include "libs/clock/clock.h"
#include "libs/llm/prompt_template.h"
#include "libs/llm/provider_chain.h"
#include "libs/manifest/manifest_builder.h"
#include "services/manifest/llm_repair.h"

namespace armature::manifest_service {

// The optional LLM steps, sharing one chain: extraction with its prompt
// (config/prompts/manifest_extract.yaml) and, with repair_prompt set, the repair loop's LLM
// step (config/prompts/manifest_repair.yaml).
struct LlmExtraction {
  std::unique_ptr<llm::ProviderChain> chain;
  llm::PromptTemplate prompt;
  int max_tokens = 4000;
  double temperature = 0.1;
  // Budget of one whole chain run, milliseconds.
  int64_t deadline_ms = 120000;
  // The repair prompt; absent = no LLM repair (deterministic repairs, then the fallback).
  std::optional<llm::PromptTemplate> repair_prompt;
  LlmRepairOptions repair;
};

// ManifestCore builds manifests: the deterministic parser is the primary engine; with an LLM
// chain configured, the treatment (URLs and secret-looking tokens stripped first, which is
// reported in warnings) is extracted by the chain and the parser takes over when every
// provider fails. Either way the builder validates and repairs; with a repair prompt, a
// manifest the deterministic repairs cannot fix goes to the chain before the minimal
// fallback. No gRPC here. Thread-safe; not movable (the repair step refers to the chain).
//
// Build fills a response's manifest and jobs in place (see manifest::ManifestBuilder): on the
// deterministic path nothing is copied, so a response on an arena is built on the arena.
class ManifestCore {
 public:
  ManifestCore(manifest::ManifestConfig config, std::optional<LlmExtraction> llm,
               Clock& clock = RealClock());
  ManifestCore(const ManifestCore&) = delete;
  ManifestCore& operator=(const ManifestCore&) = delete;

  // Builds into out->mutable_manifest() and out->mutable_jobs() (nothing else of `out` is
  // touched) and returns the rest: warnings, repairs and flags. On an error `out` is left as it
  // was.
  absl::StatusOr<manifest::BuildInfo> Build(const v1::BuildManifestRequest& request,
                                            v1::BuildManifestResponse* out);
  // The same as heap messages.
  absl::StatusOr<manifest::BuildResult> Build(const v1::BuildManifestRequest& request);
  // INVALID_ARGUMENT when the request carries no manifest.
  absl::StatusOr<v1::ValidateManifestResponse> Validate(const v1::ValidateManifestRequest& request);

  bool uses_llm() const { return llm_.has_value(); }
  std::vector<v1::Backend> Backends() const;

 private:
  // Leaves `out` untouched unless it succeeds.
  absl::StatusOr<manifest::BuildInfo> BuildWithLlm(const v1::BuildManifestRequest& request,
                                                   const manifest::NormalizedHints& hints,
                                                   std::vector<std::string>* warnings,
                                                   v1::BuildManifestResponse* out);

  std::optional<LlmExtraction> llm_;
  Clock& clock_;
  // After llm_: its repair hook refers to llm_'s chain and repair prompt.
  manifest::ManifestBuilder builder_;
};

}  // namespace armature::manifest_service
