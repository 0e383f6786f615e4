#include "services/manifest/manifest_core.h"

#include "absl/strings/str_cat.h"
#include "libs/llm/backend_info.h"
#include "libs/manifest/extraction.h"
#include "libs/manifest/hints.h"
#include "libs/manifest/sanitize.h"
#include "libs/manifest/validator.h"

namespace armature::manifest_service {
namespace {

std::string FormatHints(const manifest::NormalizedHints& h) {
  return absl::StrCat("duration_seconds: ", h.duration_seconds, "\naspect_ratio: ", h.aspect_ratio,
                      "\nplatform: ", h.platform, "\nlanguage: ", h.language, "\ntone: ", h.tone,
                      "\nprofile: ", h.profile, "\n");
}

manifest::LlmRepairHook RepairHook(const std::optional<LlmExtraction>& llm,
                                   const manifest::ManifestConfig& config, Clock& clock) {
  if (!llm || !llm->repair_prompt) return nullptr;
  return MakeLlmRepairHook(*llm->chain, *llm->repair_prompt, config.jobs, llm->repair, clock);
}

}  // namespace

ManifestCore::ManifestCore(manifest::ManifestConfig config, std::optional<LlmExtraction> llm,
                           Clock& clock)
    : llm_(std::move(llm)), clock_(clock), builder_(config, RepairHook(llm_, config, clock_)) {}

absl::StatusOr<manifest::BuildResult> ManifestCore::Build(const v1::BuildManifestRequest& request) {
  v1::BuildManifestResponse response;
  absl::StatusOr<manifest::BuildInfo> info = Build(request, &response);
  if (!info.ok()) return info.status();
  return manifest::ToBuildResult(*std::move(info), response.mutable_manifest(),
                                 response.mutable_jobs());
}

absl::StatusOr<manifest::BuildInfo> ManifestCore::Build(const v1::BuildManifestRequest& request,
                                                        v1::BuildManifestResponse* out) {
  if (!llm_) return builder_.Build(request, out);
  // Bad input is refused before any text leaves the process.
  if (absl::Status s = manifest::ValidateTreatment(request.treatment()); !s.ok()) return s;
  absl::StatusOr<manifest::NormalizedHints> hints = manifest::NormalizeHints(request);
  if (!hints.ok()) return hints.status();
  std::vector<std::string> warnings;
  absl::StatusOr<manifest::BuildInfo> result = BuildWithLlm(request, *hints, &warnings, out);
  if (!result.ok()) {
    warnings.push_back(absl::StrCat("LLM extraction failed, the deterministic parser was used: ",
                                    result.status().message()));
    result = builder_.Build(request, out);
    if (!result.ok()) return result.status();
  }
  result->warnings.insert(result->warnings.begin(), warnings.begin(), warnings.end());
  return result;
}

absl::StatusOr<manifest::BuildInfo> ManifestCore::BuildWithLlm(
    const v1::BuildManifestRequest& request, const manifest::NormalizedHints& hints,
    std::vector<std::string>* warnings, v1::BuildManifestResponse* out) {
  manifest::SanitizedText clean = manifest::SanitizeForLlm(request.treatment());
  for (auto& w : clean.warnings) warnings->push_back(std::move(w));
  absl::StatusOr<llm::RenderedPrompt> prompt =
      llm_->prompt.Render({{"treatment", clean.text},
                           {"hints", FormatHints(hints)},
                           {"duration_seconds", absl::StrCat(hints.duration_seconds)}});
  if (!prompt.ok()) return prompt.status();
  llm::LlmRequest llm_request;
  llm_request.system = prompt->system;
  llm_request.user = prompt->user;
  llm_request.json_mode = true;
  llm_request.max_tokens = llm_->max_tokens;
  llm_request.temperature = llm_->temperature;
  llm_request.deadline = clock_.Now() + absl::Milliseconds(llm_->deadline_ms);
  auto outcome = llm_->chain->RunParsed<manifest::ParsedTreatment>(
      llm_request, [](const llm::LlmReply& reply) -> absl::StatusOr<manifest::ParsedTreatment> {
        return manifest::ParseExtractionJson(
            std::string_view(reply.text.data(), reply.text.size()));
      });
  if (!outcome.ok()) return outcome.status();
  for (const auto& failure : outcome->result.failures) {
    warnings->push_back(absl::StrCat("provider skipped: ", failure));
  }
  warnings->push_back(absl::StrCat("scenes extracted by ", outcome->result.provider));
  // The extraction succeeded: from here on the build goes into `out`, and cannot fail.
  manifest::BuildInfo result =
      builder_.BuildFrom(outcome->value, hints, out->mutable_manifest(), out->mutable_jobs());
  result.used_llm = true;
  result.llm_extracted = true;
  return result;
}

absl::StatusOr<v1::ValidateManifestResponse> ManifestCore::Validate(
    const v1::ValidateManifestRequest& request) {
  if (!request.has_manifest()) {
    return absl::InvalidArgumentError("manifest: required (the manifest to validate)");
  }
  v1::ValidateManifestResponse response;
  // Without jobs the manifest is checked alone (asset references are not checked against jobs).
  std::vector<v1::Violation> violations =
      request.jobs().empty() ? manifest::ValidateManifest(request.manifest())
                             : manifest::ValidateManifest(request.manifest(), request.jobs());
  for (auto& v : violations) {
    *response.add_violations() = std::move(v);
  }
  response.set_valid(response.violations().empty());
  return response;
}

std::vector<v1::Backend> ManifestCore::Backends() const {
  std::vector<v1::Backend> out;
  if (llm_) out = llm::ChainBackends(*llm_->chain);
  v1::Backend parser;
  parser.set_name("parser");
  parser.set_kind("builtin");
  parser.set_state(v1::BACKEND_STATE_AVAILABLE);
  parser.set_success_rate(1.0);
  parser.set_detail("deterministic treatment parser (primary engine)");
  out.push_back(std::move(parser));
  return out;
}

}  // namespace armature::manifest_service
