#pragma once

#include <string_view>

#include "absl/status/statusor.h"
#include "libs/manifest/parsed_treatment.h"

namespace armature::manifest {

// Largest extraction reply accepted, in bytes.
inline constexpr size_t kMaxExtractionJsonBytes = 1'000'000;
// Most scenes taken from an extraction reply.
inline constexpr size_t kMaxExtractionScenes = 200;

// ParseExtractionJson reads an LLM's structured extraction of a treatment into the same
// intermediate form as the deterministic parser. A surrounding Markdown code fence is ignored.
// The documented shape (every key optional except "scenes"; unknown keys are ignored):
//
//   {
//     "title": "Build a Vid",
//     "style": "cinematic, soft light",
//     "palette": ["teal", "orange"],
//     "duration_seconds": 60,                       // total the treatment declares
//     "music": ["lo-fi beat throughout"],           // whole-production music
//     "characters": ["Maya"], "props": ["laptop"],
//     "notes": ["..."],
//     "scenes": [{
//       "title": "Hook",
//       "duration_seconds": 5,
//       "narration": "Did you know ...",
//       "visuals": ["Maya at her desk", {"description": "city skyline", "stock": true}],
//       "on_screen_text": ["5 hours lost"],
//       "music": ["upbeat"], "sfx": ["whoosh"],
//       "chart": {"kind": "bar", "title": "Hours", "points": [{"label": "Q1", "value": 10}]},
//       "effects": ["fade in"], "notes": ["..."], "characters": ["Maya"]
//     }]
//   }
//
// Errors (INVALID_ARGUMENT, naming the field): not JSON, not an object, no non-empty "scenes"
// array or more than kMaxExtractionScenes scenes, a value of the wrong type
// ("scenes[2].duration_seconds: expected a positive number of seconds"), more than
// kMaxExtractionJsonBytes. Strings are made valid UTF-8.
absl::StatusOr<ParsedTreatment> ParseExtractionJson(std::string_view json);

}  // namespace armature::manifest
