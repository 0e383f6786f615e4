#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "armature/v1/manifest.pb.h"
#include "libs/manifest/hints.h"
#include "libs/manifest/parsed_treatment.h"

namespace armature::manifest {

// BuildOptions shape the manifest built from a parsed treatment.
struct BuildOptions {
  // Shortest time a scene without a declared duration gets; declared durations are scaled down
  // when they leave less than this for the others.
  double min_scene_seconds = 1.0;
  // Visual style used when neither the treatment nor the hints give one.
  std::string default_style = "clean, modern, consistent lighting";
  // Adds one whole-production music bed (mood from the tone) when the treatment names no music.
  bool default_music = true;
  // Narration voice at the TTS provider.
  std::string voice_id = "eva";

  bool operator==(const BuildOptions&) const = default;
};

// BuildManifest turns a parsed treatment into a ProductionManifest. Deterministic: the same
// inputs give a byte-identical manifest, whose id ("mf_" + 16 hex digits) is a stable hash of
// the inputs.
//   - scenes get ids s1..sN; durations declared by the treatment are honoured and the rest of the
//     total is spread over the other scenes in proportion to their narration (at least
//     min_scene_seconds each); the durations sum to hints.duration_seconds exactly (whole
//     milliseconds). Declared time beyond the total is scaled down, with a warning.
//   - purposes: the first scene is the hook; the last is the call to action when it reads like
//     one ("subscribe", "sign up", "visit" ...) or when there are 3 or more scenes; the rest are
//     body.
//   - visuals: "generated" (prompt = description + style; asset s<i>_img<j>), "stock" for B-roll
//     and stock footage (asset s<i>_stock<j>), "chart" for chart data (asset s<i>_chart); a scene
//     without any visual gets a generated one illustrating its narration.
//   - audio: music cues (music_01 ...; whole-production or per scene), sound effects (sfx_01 ...),
//     and a voice (BuildOptions::voice_id, style from the tone, the hints' language).
//   - consistency: style (treatment, hints, or default_style), recurring characters (declared
//     ones, screenplay speakers and capitalised names appearing in 2+ scenes), recurring props
//     (nouns of visuals appearing in 2+ scenes), palette.
// `warnings`, when given, receives what was adjusted (scaled durations, capped lists).
armature::v1::ProductionManifest BuildManifest(const ParsedTreatment& parsed,
                                               const NormalizedHints& hints,
                                               const BuildOptions& options,
                                               std::vector<std::string>* warnings = nullptr);

// BuildManifestInto builds the same manifest into `out` (cleared first), where it stays: on out's
// arena when it has one (e.g. a response's mutable_manifest()), so nothing is copied.
void BuildManifestInto(const ParsedTreatment& parsed, const NormalizedHints& hints,
                       const BuildOptions& options, armature::v1::ProductionManifest* out,
                       std::vector<std::string>* warnings = nullptr);

// AssignDurations splits `total_seconds` (rounded to whole milliseconds) over scenes: a scene
// with a `declared` value keeps it, the rest share the remainder in proportion to `weights`
// (at least min_scene_seconds each, or an equal share when the total is too short for that).
// Declared values that leave too little are scaled down; when every scene is declared, they
// are scaled to the total. The result sums to the total exactly in milliseconds and every
// value is positive. Sizes of `declared` and `weights` must match and be non-zero.
std::vector<double> AssignDurations(const std::vector<std::optional<double>>& declared,
                                    const std::vector<double>& weights, double total_seconds,
                                    double min_scene_seconds,
                                    std::vector<std::string>* warnings = nullptr);

// NormalizeEffect reads effect and transition text ("Transition: quick zoom in", "FADE IN:")
// as effect identifiers ("zoom_in", "fade_in"); unknown text becomes a slug of itself.
std::vector<std::string> NormalizeEffect(std::string_view text);

// Whether a scene's text reads like a call to action ("subscribe", "sign up", "visit" ...).
bool ReadsLikeCallToAction(std::string_view text);

}  // namespace armature::manifest
