#pragma once

#include <map>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "armature/v1/manifest.pb.h"
#include "google/protobuf/repeated_ptr_field.h"
#include "libs/manifest/config.h"
#include "libs/manifest/hints.h"
#include "libs/manifest/parsed_treatment.h"
#include "libs/manifest/repair.h"

namespace armature::manifest {

// BuildInfo is what a build reports besides the manifest and its jobs.
struct BuildInfo {
  // Parser notes, timing adjustments, repairs and fallbacks, for a person.
  std::vector<std::string> warnings;
  // A repair (deterministic, LLM or fallback) was needed.
  bool used_repair = false;
  // An LLM produced (extraction) or repaired (the repair loop's LLM step) the manifest.
  bool used_llm = false;
  // The scenes came from an LLM extraction rather than the deterministic parser.
  bool llm_extracted = false;
  // Number of repairs per kind (kRepair* in repair.h), for metrics.
  std::map<std::string, int> repairs_by_kind;
  // The minimal fallback manifest was returned.
  bool fell_back = false;
};

// BuildResult is everything BuildManifestResponse carries except timing and the request id.
struct BuildResult : BuildInfo {
  armature::v1::ProductionManifest manifest;
  std::vector<armature::v1::Job> jobs;
};

// ManifestBuilder runs the pipeline normalise -> parse -> build -> jobs -> validate -> repair.
// Immutable after construction and safe to share between threads.
//
// The pipeline builds the manifest and the jobs in place, where they stay: into a response's
// mutable_manifest() and mutable_jobs() (on its arena when it has one, e.g. a gRPC response from
// runtime::ArenaMessageAllocator), so that nothing is copied on the way. The overloads returning
// a BuildResult wrap them for callers that want heap messages.
class ManifestBuilder {
 public:
  explicit ManifestBuilder(ManifestConfig config = DefaultManifestConfig(),
                           LlmRepairHook llm_repair = nullptr);

  // Builds a validated manifest and its jobs. INVALID_ARGUMENT (from NormalizeHints) for an empty
  // or oversized treatment and bad hints; otherwise always OK with a manifest that validates.
  absl::StatusOr<BuildResult> Build(const armature::v1::BuildManifestRequest& request) const;
  // The same, into out->mutable_manifest() and out->mutable_jobs() (replacing what they held;
  // nothing else of `out` is touched). On an error `out` is left as it was.
  absl::StatusOr<BuildInfo> Build(const armature::v1::BuildManifestRequest& request,
                                  armature::v1::BuildManifestResponse* out) const;

  // The pipeline after normalisation and parsing, for callers that produced `parsed` another way
  // (an LLM extraction through ParseExtractionJson). When the hints' duration is the default,
  // the treatment's declared total (parsed.total_duration_seconds) is used instead.
  BuildResult BuildFrom(const ParsedTreatment& parsed, NormalizedHints hints) const;
  // The same, into `manifest` and `jobs` (replacing what they held).
  BuildInfo BuildFrom(const ParsedTreatment& parsed, NormalizedHints hints,
                      armature::v1::ProductionManifest* manifest,
                      google::protobuf::RepeatedPtrField<armature::v1::Job>* jobs) const;

  const ManifestConfig& config() const { return config_; }

 private:
  ManifestConfig config_;
  LlmRepairHook llm_repair_;
};

// A BuildResult of `info` and the manifest and jobs an in-place build filled: moved out of them
// (no copy when they are on the heap).
BuildResult ToBuildResult(BuildInfo info, armature::v1::ProductionManifest* manifest,
                          google::protobuf::RepeatedPtrField<armature::v1::Job>* jobs);

}  // namespace armature::manifest
