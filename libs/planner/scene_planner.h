#pragma once

#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "armature/v1/planner.pb.h"
#include "libs/planner/planner.h"

namespace armature::planner {

// SceneLimits bounds prompts and scene plans.
struct SceneLimits {
  // Longest prompt after trimming, characters.
  int max_prompt_chars = 4000;
  // Most object kinds, characters, tags per object and sound effects in a plan.
  int max_objects = 50;
  int max_characters = 20;
  int max_tags_per_object = 10;
  int max_sfx = 10;
  // Instances per object kind.
  int min_object_count = 1;
  int max_object_count = 100;
  // Camera shot length, seconds, and the default when the prompt gives none.
  double min_duration_seconds = 1;
  double max_duration_seconds = 120;
  double default_duration_seconds = 10;
};

// The camera paths and times of day a scene plan may use (proto comments list the same).
inline constexpr absl::string_view kCameraPaths[] = {"static", "orbit",    "dolly",     "pan",
                                                     "crane",  "handheld", "flythrough"};
inline constexpr absl::string_view kTimesOfDay[] = {"dawn", "day", "dusk", "night"};

// INVALID_ARGUMENT "prompt: must not be empty" / "prompt: must be at most 4000 characters
// after trimming (got N)".
absl::Status ValidateScenePrompt(absl::string_view prompt, const SceneLimits& limits = {});

// Enforces the bounds (counts 1-100, duration 1-120 s, at most 50 objects and 20 characters,
// tags and sfx trimmed, de-duplicated and capped), maps synonyms onto the allowed camera paths
// and times of day, and fills missing parts (theme, weather, time of day, rig, motion, camera,
// music) with defaults. One warning per change, appended to scene->warnings and returned.
std::vector<std::string> RepairScenePlan(v1::ScenePlan* scene, const SceneLimits& limits = {});

// Parses an LLM reply into a ScenePlan (no repair). Accepts code fences and prose around the
// JSON, a {"scene_plan": {...}} or {"scene": {...}} wrapper, "time" for time_of_day, "duration"
// for duration_seconds, "name" for an object's type, numbers as strings and a single string for
// a list. INVALID_ARGUMENT when there is no usable JSON or a section has the wrong shape.
absl::StatusOr<v1::ScenePlan> ParseScenePlanJson(absl::string_view llm_reply);

// BuiltinScenePlanner reads a free-text prompt ("misty cyberpunk alley at night; light rain;
// orbit camera") into a scene plan: environment (theme, weather, time of day), objects with
// counts and tags, characters with rig and motion, camera path and duration, music and sound
// effects implied by the scene. Deterministic, offline, stateless and thread-safe.
class BuiltinScenePlanner final : public ScenePlanner {
 public:
  static constexpr absl::string_view kBackend = "builtin";

  explicit BuiltinScenePlanner(SceneLimits limits = {}) : limits_(limits) {}

  absl::StatusOr<v1::ScenePlan> PlanScene(absl::string_view prompt) override;

 private:
  SceneLimits limits_;
};

}  // namespace armature::planner
