// libFuzzer target for the manifest pipeline: every input must yield a manifest that validates
// (and survives a protobuf round trip, so every string is valid UTF-8) or a clean
// INVALID_ARGUMENT. Anything else aborts.
//
// The first byte picks the requested duration; the rest is the treatment. The same bytes are
// also fed to the LLM-side entry points (SanitizeForLlm, ParseExtractionJson).

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

#include "armature/v1/manifest.pb.h"
#include "libs/manifest/extraction.h"
#include "libs/manifest/manifest_builder.h"
#include "libs/manifest/sanitize.h"
#include "libs/manifest/text.h"
#include "libs/manifest/validator.h"

namespace {

using armature::manifest::BuildResult;
using armature::manifest::ManifestBuilder;

[[noreturn]] void Fail(const std::string& what) {
  std::fprintf(stderr, "manifest_fuzzer: %s\n", what.c_str());
  std::abort();
}

void CheckResult(const BuildResult& result, const char* path) {
  const auto violations = armature::manifest::ValidateManifest(result.manifest, result.jobs);
  if (!violations.empty()) {
    std::string report = std::string(path) + ": the manifest does not validate:";
    for (const auto& v : violations)
      report += "\n  " + v.path() + " [" + v.rule() + "] " + v.message();
    Fail(report);
  }
  std::string bytes;
  if (!result.manifest.SerializeToString(&bytes))
    Fail(std::string(path) + ": manifest does not serialise");
  armature::v1::ProductionManifest back;
  if (!back.ParseFromString(bytes))
    Fail(std::string(path) + ": manifest does not parse back (invalid UTF-8?)");
  for (const auto& job : result.jobs) {
    armature::v1::Job job_back;
    if (!job.SerializeToString(&bytes) || !job_back.ParseFromString(bytes)) {
      Fail(std::string(path) + ": job " + job.id() + " does not round-trip");
    }
  }
  for (const std::string& w : result.warnings) {
    if (!armature::manifest::IsValidUtf8(w))
      Fail(std::string(path) + ": a warning is not valid UTF-8");
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const ManifestBuilder* const builder = new ManifestBuilder();
  std::string_view input(reinterpret_cast<const char*>(data), size);
  static constexpr double kDurations[] = {0, 1, 5, 30, 60, 600, 3600, 7};
  double duration = 0;
  if (!input.empty()) {
    duration = kDurations[static_cast<uint8_t>(input[0]) % 8];
    input.remove_prefix(1);
  }

  armature::v1::BuildManifestRequest request;
  request.set_treatment(std::string(input));
  if (duration > 0) request.mutable_hints()->set_duration_seconds(duration);
  absl::StatusOr<BuildResult> result = builder->Build(request);
  if (!result.ok()) {
    if (result.status().code() != absl::StatusCode::kInvalidArgument) {
      Fail("Build returned " + result.status().ToString());
    }
  } else {
    CheckResult(*result, "Build");
  }

  const armature::manifest::SanitizedText sanitized = armature::manifest::SanitizeForLlm(input);
  if (!armature::manifest::IsValidUtf8(sanitized.text))
    Fail("SanitizeForLlm returned invalid UTF-8");

  absl::StatusOr<armature::manifest::ParsedTreatment> extracted =
      armature::manifest::ParseExtractionJson(input);
  if (!extracted.ok()) {
    if (extracted.status().code() != absl::StatusCode::kInvalidArgument) {
      Fail("ParseExtractionJson returned " + extracted.status().ToString());
    }
  } else {
    armature::manifest::NormalizedHints hints;
    if (duration > 0) {
      hints.duration_seconds = duration;
      hints.duration_is_default = false;
    }
    CheckResult(builder->BuildFrom(*extracted, hints), "BuildFrom(extraction)");
  }
  return 0;
}
