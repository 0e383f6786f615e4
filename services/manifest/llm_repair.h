#pragma once

#include <cstddef>
#include <cstdint>
#include <set>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "armature/v1/manifest.pb.h"
#include "libs/clock/clock.h"
#include "libs/llm/prompt_template.h"
#include "libs/llm/provider_chain.h"
#include "libs/manifest/jobs.h"
#include "libs/manifest/repair.h"

// The manifest service's prompts and its LLM repair step: the hook the repair loop consults
// when deterministic repairs leave violations (libs/manifest/repair.h).
namespace armature::manifest_service {

// Variables config/prompts/manifest_extract.yaml may use.
std::set<std::string> ExtractPromptVariables();
// Variables config/prompts/manifest_repair.yaml may use: {manifest_json} (the manifest as
// JSON with proto field names) and {violations} (one "- path (rule): message" line each).
std::set<std::string> RepairPromptVariables();

// The prompt files of the manifest service.
struct ManifestPrompts {
  llm::PromptTemplate extract;
  llm::PromptTemplate repair;
};

// Reads manifest_extract.yaml and manifest_repair.yaml from `dir`. The first bad file is the
// error; its message starts with the file's path (see llm::LoadPromptTemplate).
absl::StatusOr<ManifestPrompts> LoadManifestPrompts(const std::string& dir);

// Settings of the LLM repair step.
struct LlmRepairOptions {
  // The reply holds the whole manifest: 8000 tokens is the most every supported provider
  // accepts (Anthropic's models included).
  int max_tokens = 8000;
  double temperature = 0.0;
  // Budget of one whole chain run, milliseconds.
  int64_t deadline_ms = 120000;
  // Largest manifest (as JSON) sent for repair, bytes: about 6,000 tokens, so that the
  // repaired manifest fits in max_tokens. A larger one is not sent; the loop falls back.
  size_t max_manifest_json_bytes = 24'000;
  // Most violations listed in the prompt (the rest are counted).
  size_t max_violations = 50;
};

// "- path (rule): message" per violation, at most `max` lines, then "- ... and N more".
std::string FormatViolations(const std::vector<armature::v1::Violation>& violations,
                             size_t max = 50);

// MakeLlmRepairHook returns the repair loop's LLM step. It renders `prompt` with the manifest
// (manifest::ManifestToJson, after manifest::SanitizeForLlm has removed URLs and secret-looking
// tokens from every string field; a note counting them leads the candidate's warnings or the
// error) and the violations, runs `chain`, and takes the first reply whose
// JSON (code fences and prose around it ignored) parses into a manifest
// (manifest::ParseManifestJson: unknown fields are refused) that validates with the jobs
// derived from it by manifest::DecomposeJobs(`jobs`); any other reply moves on to the next
// provider. The candidate names the provider and lists the providers skipped. Errors (the loop
// then warns and falls back): the manifest is over options.max_manifest_json_bytes
// (FAILED_PRECONDITION, nothing sent), a render error, or the chain's error when no provider
// answered usefully. `chain`, `prompt` and `clock` must outlive the hook; it is thread-safe.
manifest::LlmRepairHook MakeLlmRepairHook(llm::ProviderChain& chain,
                                          const llm::PromptTemplate& prompt,
                                          manifest::JobProviders jobs, LlmRepairOptions options,
                                          Clock& clock = RealClock());

}  // namespace armature::manifest_service
