#pragma once

#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "libs/manifest/builder.h"
#include "libs/manifest/jobs.h"
#include "libs/manifest/parser.h"

namespace armature::manifest {

// ManifestConfig is the manifest service's configuration (config/manifest.yaml).
struct ManifestConfig {
  ParseOptions parser;
  BuildOptions build;
  JobProviders jobs;

  bool operator==(const ManifestConfig&) const = default;
};

// The built-in configuration; equal to config/manifest.yaml as shipped.
ManifestConfig DefaultManifestConfig();

// ParseManifestConfig reads a YAML document with the optional sections
//
//   parser: {max_scenes, max_visuals_per_scene, max_auto_scenes, words_per_auto_scene,
//   max_line_warnings} build:  {min_scene_seconds, default_style, default_music, voice_id} jobs:
//     tts:    {provider, priority, format}
//     image:  {provider, priority, model}
//     chart:  {provider, priority}
//     music:  {provider, priority}
//     render: {provider, priority, format}
//
// over the defaults. Unknown keys, wrong types and out-of-range values (priorities 1-10, limits
// within their documented ranges, empty providers) are INVALID_ARGUMENT errors whose message
// starts with `source_name` and names the key, e.g.
// "config/manifest.yaml: jobs.tts.priority: must be between 1 and 10, got 12".
absl::StatusOr<ManifestConfig> ParseManifestConfig(std::string_view yaml,
                                                   std::string_view source_name);

// LoadManifestConfig reads and parses the file at `path`. NOT_FOUND when it cannot be read,
// INVALID_ARGUMENT (with line and column for syntax errors) when it is not a valid config.
absl::StatusOr<ManifestConfig> LoadManifestConfig(const std::string& path);

}  // namespace armature::manifest
