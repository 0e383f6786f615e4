#include "libs/manifest/manifest_builder.h"

#include <cmath>
#include <utility>

#include "absl/strings/str_cat.h"
#include "libs/manifest/builder.h"
#include "libs/manifest/jobs.h"
#include "libs/manifest/parser.h"
#include "libs/manifest/validator.h"

namespace armature::manifest {

ManifestBuilder::ManifestBuilder(ManifestConfig config, LlmRepairHook llm_repair)
    : config_(std::move(config)), llm_repair_(std::move(llm_repair)) {}

absl::StatusOr<BuildResult> ManifestBuilder::Build(
    const armature::v1::BuildManifestRequest& request) const {
  armature::v1::BuildManifestResponse response;
  absl::StatusOr<BuildInfo> info = Build(request, &response);
  if (!info.ok()) return info.status();
  return ToBuildResult(*std::move(info), response.mutable_manifest(), response.mutable_jobs());
}

absl::StatusOr<BuildInfo> ManifestBuilder::Build(const armature::v1::BuildManifestRequest& request,
                                                 armature::v1::BuildManifestResponse* out) const {
  absl::StatusOr<NormalizedHints> hints = NormalizeHints(request);
  if (!hints.ok()) return hints.status();
  const ParsedTreatment parsed = ParseTreatment(request.treatment(), config_.parser);
  return BuildFrom(parsed, *std::move(hints), out->mutable_manifest(), out->mutable_jobs());
}

BuildResult ManifestBuilder::BuildFrom(const ParsedTreatment& parsed, NormalizedHints hints) const {
  armature::v1::ProductionManifest manifest;
  google::protobuf::RepeatedPtrField<armature::v1::Job> jobs;
  BuildInfo info = BuildFrom(parsed, std::move(hints), &manifest, &jobs);
  return ToBuildResult(std::move(info), &manifest, &jobs);
}

BuildInfo ManifestBuilder::BuildFrom(
    const ParsedTreatment& parsed, NormalizedHints hints,
    armature::v1::ProductionManifest* manifest,
    google::protobuf::RepeatedPtrField<armature::v1::Job>* jobs) const {
  BuildInfo result;
  result.warnings = parsed.warnings;
  if (hints.duration_is_default && parsed.total_duration_seconds &&
      *parsed.total_duration_seconds >= kMinDurationSeconds &&
      *parsed.total_duration_seconds <= kMaxDurationSeconds) {
    hints.duration_seconds = std::round(*parsed.total_duration_seconds * 1000.0) / 1000.0;
    hints.duration_is_default = false;
    result.warnings.push_back(absl::StrCat("used the treatment's total duration of ",
                                           hints.duration_seconds, " s (the request gave none)"));
  }
  if (!parsed.notes.empty()) {
    result.warnings.push_back(absl::StrCat(
        "kept ", parsed.notes.size(), " line(s) outside any scene as notes of the first scene"));
  }
  BuildManifestInto(parsed, hints, config_.build, manifest, &result.warnings);
  DecomposeJobsInto(*manifest, config_.jobs, jobs);
  // The usual case: valid as built, which RepairManifestInPlace would leave unchanged.
  if (ValidateManifest(*manifest, *jobs).empty()) return result;
  RepairContext context;
  context.hints = hints;
  context.build = config_.build;
  context.jobs = config_.jobs;
  context.llm_repair = llm_repair_;
  RepairReport repaired = RepairManifestInPlace(manifest, jobs, context);
  result.repairs_by_kind = std::move(repaired.repairs);
  result.used_repair = !result.repairs_by_kind.empty();
  result.used_llm = repaired.used_llm;
  result.fell_back = repaired.fell_back;
  for (std::string& w : repaired.warnings) result.warnings.push_back(std::move(w));
  return result;
}

BuildResult ToBuildResult(BuildInfo info, armature::v1::ProductionManifest* manifest,
                          google::protobuf::RepeatedPtrField<armature::v1::Job>* jobs) {
  BuildResult result;
  static_cast<BuildInfo&>(result) = std::move(info);
  result.manifest = std::move(*manifest);
  result.jobs = TakeJobs(jobs);
  return result;
}

}  // namespace armature::manifest
