#pragma once

#include <cstddef>
#include <string>

#include "absl/status/statusor.h"
#include "armature/v1/manifest.pb.h"

namespace armature::manifest {

// Largest treatment accepted, in bytes (after trimming). Longer treatments are rejected with
// INVALID_ARGUMENT: 100 KB is about 15,000 words, far more than any video treatment, and it
// bounds the work and memory one request can cost.
inline constexpr size_t kMaxTreatmentBytes = 100'000;

// Largest analyzer/refiner/script JSON document accepted, in bytes.
inline constexpr size_t kMaxHintJsonBytes = 1'000'000;

// Shortest and longest production the service plans, in seconds.
inline constexpr double kMinDurationSeconds = 1.0;
inline constexpr double kMaxDurationSeconds = 3600.0;

// NormalizedHints are the request's settings with every gap filled.
struct NormalizedHints {
  // Total duration in seconds, rounded to whole milliseconds, in [1, 3600].
  double duration_seconds = 60.0;
  // True when no source gave a duration and the 60 s default applies (the treatment's own
  // declared total may then be used).
  bool duration_is_default = true;
  // "auto" or "W:H" such as "16:9".
  std::string aspect_ratio = "auto";
  std::string platform = "social";
  // BCP-47 language code.
  std::string language = "en";
  std::string tone = "neutral";
  std::string profile = "educational_explainer";
  // Visual style from the refiner/analyzer/script JSON; empty when none gave one.
  std::string style;
  // Title from the JSON documents; empty when none gave one.
  std::string title;

  bool operator==(const NormalizedHints&) const = default;
};

// ValidateTreatment checks the treatment's size limits: INVALID_ARGUMENT "treatment: ..." when
// it is empty after trimming or longer than kMaxTreatmentBytes.
absl::Status ValidateTreatment(const std::string& treatment);

// NormalizeHints validates the request's treatment and hints and fills the gaps.
//
// Precedence for each setting: request.hints, then script_json, refiner_json, analyzer_json
// (the later pipeline stage wins), then the defaults (60 s, "en", "auto", "social", "neutral",
// "educational_explainer"). Each JSON document, when non-empty, must be a JSON object; the keys
// read are duration_seconds (or durationSeconds, duration), aspect_ratio (aspectRatio), platform,
// language, tone, profile, style (visual_style, visualStyle) and title, at the top level or inside
// a "metadata" object. Other keys are ignored.
//
// Errors (INVALID_ARGUMENT, naming the field): treatment empty or oversized; a duration outside
// [1, 3600] s ("hints.duration_seconds: ..."); an aspect ratio that is neither "auto" nor W:H;
// a language that is not a BCP-47-like tag; a setting longer than 64 bytes or not valid UTF-8;
// a JSON document that is not valid JSON, not an object, oversized, or has a value of the wrong
// type ("analyzer_json.duration_seconds: expected a number").
absl::StatusOr<NormalizedHints> NormalizeHints(const armature::v1::BuildManifestRequest& request);

}  // namespace armature::manifest
