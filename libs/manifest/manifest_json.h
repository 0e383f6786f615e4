#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "armature/v1/manifest.pb.h"

// A manifest as JSON and back: what the LLM repair step sends and reads.
namespace armature::manifest {

// Largest manifest JSON ParseManifestJson accepts, in bytes.
inline constexpr size_t kMaxManifestJsonBytes = 1'000'000;

// ManifestToJson prints `manifest` as proto3 JSON with the proto field names
// ("scenes": [{"duration_seconds": ...}]) and every field, empty ones included, so a reader sees
// the fields a violation names. Deterministic. INVALID_ARGUMENT when the printer refuses the
// manifest (a string field that is not valid UTF-8).
absl::StatusOr<std::string> ManifestToJson(const armature::v1::ProductionManifest& manifest);

// ParseManifestJson reads one JSON object of the shape ManifestToJson prints (proto field names
// or their lowerCamelCase JSON names) into a manifest. It does not validate the manifest.
// Errors (INVALID_ARGUMENT, starting "manifest JSON: "): more than kMaxManifestJsonBytes, not
// JSON, not an object, a field ProductionManifest does not have (an unknown shape is refused,
// never silently dropped), a value of the wrong type.
absl::StatusOr<armature::v1::ProductionManifest> ParseManifestJson(std::string_view json);

}  // namespace armature::manifest
