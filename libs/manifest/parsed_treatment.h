#pragma once

#include <optional>
#include <string>
#include <vector>

// The intermediate form between a treatment (parsed deterministically or extracted by an LLM)
// and a ProductionManifest. Plain data; every string is valid UTF-8.
namespace armature::manifest {

// A visual described by the treatment.
struct ParsedVisual {
  // What should be seen, as written.
  std::string description;
  // Stock footage (B-roll) rather than a generated image.
  bool stock = false;

  bool operator==(const ParsedVisual&) const = default;
};

struct ParsedChartPoint {
  std::string label;
  double value = 0;

  bool operator==(const ParsedChartPoint&) const = default;
};

struct ParsedChart {
  // "bar", "line", "pie", "area", ...
  std::string kind = "bar";
  std::string title;
  std::vector<ParsedChartPoint> points;

  bool operator==(const ParsedChart&) const = default;
};

struct ParsedScene {
  // Heading text without the "Scene N" prefix and the duration ("Hook"), or the whole heading
  // for screenplay sluglines ("INT. OFFICE - DAY").
  std::string title;
  // Duration the treatment gives for the scene, in seconds.
  std::optional<double> duration_seconds;
  // Start time from a leading timecode ("[0:05] ..."), in seconds; used to derive durations.
  std::optional<double> start_seconds;
  // Narration (voice-over, dialogue, plain paragraphs), paragraphs joined by one space.
  std::string narration;
  std::vector<ParsedVisual> visuals;
  std::vector<std::string> on_screen_text;
  // Music cue descriptions for this scene.
  std::vector<std::string> music;
  // Sound-effect descriptions.
  std::vector<std::string> sfx;
  std::optional<ParsedChart> chart;
  // Effects and transitions as written ("Fade in", "quick zoom").
  std::vector<std::string> effects;
  // Lines that belong to the scene but to no field (directions, unknown labels).
  std::vector<std::string> notes;
  // Characters named in the scene (screenplay speakers, "Characters:" lines).
  std::vector<std::string> characters;

  bool operator==(const ParsedScene&) const = default;
};

struct ParsedTreatment {
  // "# Title" or "Title: ..."; empty when the treatment has none.
  std::string title;
  // "Style: ..." (overall visual style).
  std::string style;
  // "Palette: ..." entries.
  std::vector<std::string> palette;
  // Total duration the treatment declares ("Duration: 60s" before the first scene).
  std::optional<double> total_duration_seconds;
  // Music that spans the whole production ("Music: lo-fi throughout").
  std::vector<std::string> music;
  // Characters and props the treatment declares ("Characters: Maya, Leo", "## Props").
  std::vector<std::string> characters;
  std::vector<std::string> props;
  // Text that is not part of any scene (a logline before the first scene, a synopsis).
  std::vector<std::string> notes;
  std::vector<ParsedScene> scenes;
  // What the parser could not place exactly, or changed, in words for a person.
  std::vector<std::string> warnings;

  bool operator==(const ParsedTreatment&) const = default;
};

}  // namespace armature::manifest
