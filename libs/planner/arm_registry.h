#pragma once

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace armature::planner {

// Arms every registry must define: the built-in engine and plan repair assign work to them.
inline constexpr absl::string_view kPlannerArm = "planner";
inline constexpr absl::string_view kRetrieverArm = "retriever";
inline constexpr absl::string_view kCoderArm = "coder";
inline constexpr absl::string_view kExecutorArm = "executor";
inline constexpr absl::string_view kJudgeArm = "judge";
inline constexpr absl::string_view kGuardianArm = "guardian";

// ArmSpec describes one arm a plan step can be assigned to.
struct ArmSpec {
  // Lower-case identifier used in SubTask.required_arm.
  std::string id;
  // One line on what the arm does (offered to LLM prompts as {arms}).
  std::string description;
  // What the arm can be asked to do, e.g. "code_generation".
  std::vector<std::string> capabilities;
  // Relative cost of one step on this arm, 1-5.
  int cost_tier = 1;
  // Typical wall-clock duration of one step on this arm, seconds (>= 1).
  int default_duration_seconds = 60;
  // Other names LLM replies use for this arm; repair maps them back to `id`.
  std::vector<std::string> aliases;

  bool operator==(const ArmSpec&) const = default;
};

// ArmRegistry is an immutable, validated list of arms in file order.
class ArmRegistry {
 public:
  // Validates `arms`: ids unique and made of [a-z0-9_-] starting with a letter, descriptions and
  // capabilities present, cost tiers 1-5, durations 1-86400 s, the six core arms present.
  // INVALID_ARGUMENT naming the arm and field otherwise.
  static absl::StatusOr<ArmRegistry> Create(std::vector<ArmSpec> arms);

  // The arm with exactly this id, or nullptr.
  const ArmSpec* Find(absl::string_view id) const;

  // Same as Find but for ids known to exist (the core arms); never null for them.
  const ArmSpec& Get(absl::string_view id) const;

  // Maps a loosely written arm name to a registry id: the id itself, the id ignoring case,
  // spaces and a trailing "arm", an alias, or an id within edit distance 2. Empty if none fits.
  std::string Resolve(absl::string_view name) const;

  // The arms in registry order.
  const std::vector<ArmSpec>& arms() const { return arms_; }

  // The ids in registry order.
  std::vector<std::string> ids() const;

 private:
  explicit ArmRegistry(std::vector<ArmSpec> arms);

  // The core arms (kPlannerArm, ...), in that order, as indices into arms_: Get() finds them
  // without comparing strings when given one of the constants.
  static constexpr int kCoreArms = 6;
  int core_[kCoreArms] = {};

  std::vector<ArmSpec> arms_;
};

// The registry as prompt text (the {arms} variable of LLM prompts), one line per arm:
// "- coder (cost tier 3): Writes, debugs ... Capabilities: code_generation, debugging, ...".
std::string DescribeArmsForPrompt(const ArmRegistry& registry);

// Parses the YAML form of config/arms.yaml (a top-level `arms:` list). `source_name` (usually
// the file path) prefixes every error, e.g. "config/arms.yaml: arms[2].cost_tier: must be 1-5".
absl::StatusOr<ArmRegistry> ParseArmRegistryYaml(absl::string_view yaml_text,
                                                 absl::string_view source_name);

// Reads and parses a registry file. NOT_FOUND when the file cannot be read, INVALID_ARGUMENT
// for bad content; both name the file.
absl::StatusOr<ArmRegistry> LoadArmRegistry(const std::string& path);

// The registry compiled in from config/arms.yaml at build time (identical to the file).
const ArmRegistry& DefaultArmRegistry();

// The YAML text DefaultArmRegistry() was parsed from.
absl::string_view DefaultArmRegistryYaml();

}  // namespace armature::planner
