#pragma once

#include <functional>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "armature/v1/manifest.pb.h"
#include "google/protobuf/repeated_ptr_field.h"
#include "libs/manifest/builder.h"
#include "libs/manifest/hints.h"
#include "libs/manifest/jobs.h"

namespace armature::manifest {

// Repair kinds, the keys of RepairOutcome::repairs (and the label of the repairs metric).
inline constexpr std::string_view kRepairDurations =
    "durations";  // re-timed scenes/cues, start times
inline constexpr std::string_view kRepairMissingFields =
    "missing_fields";  // filled empty required fields
inline constexpr std::string_view kRepairUnknownReferences =
    "unknown_references";  // dropped/redirected ids
inline constexpr std::string_view kRepairDuplicateIds =
    "duplicate_ids";  // renumbered or dropped repeats
inline constexpr std::string_view kRepairInvalidValues =
    "invalid_values";                                         // purposes, types, priorities
inline constexpr std::string_view kRepairJobDag = "job_dag";  // jobs re-derived from the manifest
inline constexpr std::string_view kRepairLlm = "llm";         // the LLM hook's candidate
inline constexpr std::string_view kRepairFallback = "fallback";  // minimal fallback manifest

// A manifest and jobs proposed by a repair step.
struct RepairCandidate {
  armature::v1::ProductionManifest manifest;
  std::vector<armature::v1::Job> jobs;
  // Who proposed it (e.g. the LLM provider "openai:gpt-4o-mini"); named in the warning.
  std::string source;
  // Notes for a person (e.g. providers skipped before one answered), added to the outcome's
  // warnings when the candidate is used.
  std::vector<std::string> warnings;
};

// Optional LLM repair: given the manifest, its jobs and the violations the deterministic repairs
// left, propose a fixed manifest and jobs. Its result is validated before it is used.
using LlmRepairHook = std::function<absl::StatusOr<RepairCandidate>(
    const armature::v1::ProductionManifest&, const std::vector<armature::v1::Job>&,
    const std::vector<armature::v1::Violation>&)>;

// What repairs may use to fill gaps.
struct RepairContext {
  // Defaults for metadata (and the fallback manifest).
  NormalizedHints hints;
  BuildOptions build;
  JobProviders jobs;
  // Called only when deterministic repairs leave violations; may be empty.
  LlmRepairHook llm_repair;
};

// What a repair did, besides the manifest and jobs it returns.
struct RepairReport {
  // Number of fixes per repair kind (kRepair*); empty when the input was valid.
  std::map<std::string, int> repairs;
  // What was repaired, for a person (at most ~20 lines, then a summary).
  std::vector<std::string> warnings;
  bool used_llm = false;
  bool fell_back = false;
};

struct RepairOutcome : RepairReport {
  armature::v1::ProductionManifest manifest;
  std::vector<armature::v1::Job> jobs;
};

// RepairManifest returns `manifest` and `jobs` unchanged when they validate. Otherwise it applies
// deterministic repairs (fill missing fields from the context, renumber duplicate or empty ids,
// redirect or clear unknown references, fix invalid purposes/types/priorities, re-time durations
// to the total and recompute start times, drop unknown dependencies and repeated jobs, and
// re-derive the job DAG when it is still broken), validates again, then tries
// context.llm_repair when set, and as a last resort returns MinimalFallbackManifest with its
// jobs and warnings. The outcome always validates (with an empty `jobs` input it is checked
// without jobs and keeps them empty, except after a fallback).
RepairOutcome RepairManifest(armature::v1::ProductionManifest manifest,
                             std::vector<armature::v1::Job> jobs, const RepairContext& context);

// RepairManifestInPlace is RepairManifest on `manifest` and `jobs` where they are (on their arena
// when they have one, e.g. a response's mutable_manifest() and mutable_jobs()): they are left as
// RepairManifest's outcome would hold them, and the rest of the outcome is returned. Only the
// LLM step copies: the hook gets the jobs as a vector, and its candidate is copied in.
RepairReport RepairManifestInPlace(armature::v1::ProductionManifest* manifest,
                                   google::protobuf::RepeatedPtrField<armature::v1::Job>* jobs,
                                   const RepairContext& context);

// A minimal valid manifest: one scene (the hook) spanning the whole duration, with `narration`
// (made valid UTF-8, at most 5,000 bytes), one generated visual illustrating `title` or the
// narration, the voice and style from the hints and options. Out-of-range hints fall back to
// the defaults.
armature::v1::ProductionManifest MinimalFallbackManifest(const NormalizedHints& hints,
                                                         std::string_view narration,
                                                         std::string_view title,
                                                         const BuildOptions& options);
// The same, built into `out` (cleared first) where it stays.
void MinimalFallbackManifestInto(const NormalizedHints& hints, std::string_view narration,
                                 std::string_view title, const BuildOptions& options,
                                 armature::v1::ProductionManifest* out);

}  // namespace armature::manifest
