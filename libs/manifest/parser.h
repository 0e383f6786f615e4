#pragma once

#include <optional>
#include <string_view>

#include "libs/manifest/parsed_treatment.h"

namespace armature::manifest {

// ParseOptions bound what one treatment can produce.
struct ParseOptions {
  // Most scenes kept; later scene headings are kept as notes of the last scene (with a warning).
  int max_scenes = 200;
  // Most visuals per scene; further ones are kept as notes (with a warning).
  int max_visuals_per_scene = 8;
  // Without headings, paragraphs become scenes; at most this many (neighbours are merged).
  int max_auto_scenes = 12;
  // Without headings, one long paragraph is cut into scenes of about this many words.
  int words_per_auto_scene = 40;
  // Most per-line warnings; further ones are summarised in one warning.
  int max_line_warnings = 20;

  bool operator==(const ParseOptions&) const = default;
};

// ParseTreatment is the deterministic parser, the primary engine: it reads a treatment as people
// write it and never fails. Recognised shapes:
//   - scene headings: "## Scene 1 — Hook", "Scene 2:", "**Scene 3**", "INT. OFFICE - DAY",
//     "[0:00-0:05] Hook", "Hook (0-3s): ...", numbered lists "1. Opening", Markdown headings,
//     Markdown tables whose header names the columns (Scene | Time | Narration | Visual ...);
//   - a title ("# Title" or "Title: ..."), "Style:", "Palette:", "Characters:", "Props:" and a
//     total "Duration:" before the first scene, and meta sections (## Logline, ## Overview ...);
//   - labelled lines, case- and punctuation-tolerant (bullets, bold, trailing colons, dashes):
//     Narration / VO / Voiceover / V.O.; Visual / Shot / Image; B-roll / Stock (stock footage);
//     On-screen text / Caption / Text / Title card; Music; SFX / Sound; Chart / Data ("Q1: 10,
//     Q2: 14", "Revenue 2021=3, 2022=5"); Duration ("5s", "5 sec", "0:05", "(5s)" in headings);
//     Transition / Effect; Note; a label alone ("**Visuals:**") applies to the lines below it;
//   - screenplays: sluglines, action lines (visuals), character cues and dialogue (narration),
//     transitions (CUT TO:, FADE IN:);
//   - plain paragraphs as narration. With no heading at all, paragraphs (or sentences of one
//     long paragraph) are split into scenes.
// A line it cannot place is kept as a scene note with a warning, never dropped. Any byte string
// is accepted (invalid UTF-8 becomes U+FFFD, control characters are removed) and the work is
// linear in the input size.
ParsedTreatment ParseTreatment(std::string_view text, const ParseOptions& options = {});

// Reads a duration as people write it: "5s", "5 sec", "1.5 minutes", "1m30s", "0:05", "1:02:03",
// "~5s", "5" (seconds), "0:00-0:05" or "0-5s" (the span, 5 s). A range that does not start at
// zero and is shorter than its start ("5-7 seconds") is an estimate: its midpoint. Returns
// nullopt for anything else, and for values that are not positive and finite.
std::optional<double> ParseDurationText(std::string_view text);

// Reads chart data: "Q1: 10, Q2: 14", "Revenue 2021=3, 2022=5", "Sales: Jan 10; Feb 12",
// "$1.2M", "45%". Recognises the kind ("line chart", "pie" ...; "bar" by default) and a title
// before the data. nullopt when no data point can be read.
std::optional<ParsedChart> ParseChartText(std::string_view text);

}  // namespace armature::manifest
