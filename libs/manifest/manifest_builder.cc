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
  absl::StatusOr<NormalizedHints> hints = NormalizeHints(request);
  if (!hints.ok()) return hints.status();
  const ParsedTreatment parsed = ParseTreatment(request.treatment(), config_.parser);
  return BuildFrom(parsed, *std::move(hints));
}

BuildResult ManifestBuilder::BuildFrom(const ParsedTreatment& parsed, NormalizedHints hints) const {
  BuildResult result;
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
  armature::v1::ProductionManifest manifest =
      BuildManifest(parsed, hints, config_.build, &result.warnings);
  std::vector<armature::v1::Job> jobs = DecomposeJobs(manifest, config_.jobs);
  // The usual case: valid as built, which RepairManifest would return unchanged.
  if (ValidateManifest(manifest, jobs).empty()) {
    result.manifest = std::move(manifest);
    result.jobs = std::move(jobs);
    return result;
  }
  RepairContext context;
  context.hints = hints;
  context.build = config_.build;
  context.jobs = config_.jobs;
  context.llm_repair = llm_repair_;
  RepairOutcome repaired = RepairManifest(std::move(manifest), std::move(jobs), context);
  result.manifest = std::move(repaired.manifest);
  result.jobs = std::move(repaired.jobs);
  result.repairs_by_kind = std::move(repaired.repairs);
  result.used_repair = !result.repairs_by_kind.empty();
  result.used_llm = repaired.used_llm;
  result.fell_back = repaired.fell_back;
  for (std::string& w : repaired.warnings) result.warnings.push_back(std::move(w));
  return result;
}

}  // namespace armature::manifest
