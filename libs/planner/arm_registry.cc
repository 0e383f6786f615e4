#include "libs/planner/arm_registry.h"

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <sstream>

#include "absl/container/flat_hash_set.h"
#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "yaml-cpp/yaml.h"

namespace armature::planner {
namespace internal {
absl::string_view DefaultArmsYaml();  // default_arms.cc, generated from config/arms.yaml
}  // namespace internal

namespace {

constexpr int kMaxDurationSeconds = 86400;

bool IsValidId(absl::string_view id) {
  if (id.empty() || !absl::ascii_islower(static_cast<unsigned char>(id[0]))) return false;
  return std::all_of(id.begin(), id.end(), [](char c) {
    return absl::ascii_islower(static_cast<unsigned char>(c)) ||
           absl::ascii_isdigit(static_cast<unsigned char>(c)) || c == '_' || c == '-';
  });
}

// Lower case without spaces, '-', '_' and a trailing "arm": "Code Arm" -> "code".
std::string SquashName(absl::string_view name) {
  std::string out;
  for (char c : name) {
    if (absl::ascii_isalnum(static_cast<unsigned char>(c))) {
      out.push_back(absl::ascii_tolower(static_cast<unsigned char>(c)));
    }
  }
  if (out.size() > 3 && out.compare(out.size() - 3, 3, "arm") == 0) out.resize(out.size() - 3);
  return out;
}

size_t EditDistance(absl::string_view a, absl::string_view b) {
  std::vector<size_t> prev(b.size() + 1);
  std::vector<size_t> cur(b.size() + 1);
  for (size_t j = 0; j <= b.size(); ++j) prev[j] = j;
  for (size_t i = 1; i <= a.size(); ++i) {
    cur[0] = i;
    for (size_t j = 1; j <= b.size(); ++j) {
      const size_t subst = prev[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1);
      cur[j] = std::min({prev[j] + 1, cur[j - 1] + 1, subst});
    }
    std::swap(prev, cur);
  }
  return prev[b.size()];
}

std::string Where(absl::string_view source, absl::string_view field) {
  return absl::StrCat(source, ": ", field);
}

absl::StatusOr<std::string> ReadString(const YAML::Node& node, absl::string_view source,
                                       const std::string& field) {
  if (!node.IsScalar()) {
    return absl::InvalidArgumentError(absl::StrCat(Where(source, field), ": must be a string"));
  }
  return node.Scalar();
}

absl::StatusOr<int> ReadInt(const YAML::Node& node, absl::string_view source,
                            const std::string& field) {
  if (node.IsScalar()) {
    try {
      return node.as<int>();
    } catch (const YAML::Exception&) {
    }
  }
  return absl::InvalidArgumentError(absl::StrCat(Where(source, field), ": must be an integer"));
}

absl::StatusOr<std::vector<std::string>> ReadStringList(const YAML::Node& node,
                                                        absl::string_view source,
                                                        const std::string& field) {
  if (!node.IsSequence()) {
    return absl::InvalidArgumentError(
        absl::StrCat(Where(source, field), ": must be a list of strings"));
  }
  std::vector<std::string> out;
  for (size_t i = 0; i < node.size(); ++i) {
    if (!node[i].IsScalar() || node[i].Scalar().empty()) {
      return absl::InvalidArgumentError(absl::StrCat(
          Where(source, absl::StrCat(field, "[", i, "]")), ": must be a non-empty string"));
    }
    out.push_back(node[i].Scalar());
  }
  return out;
}

absl::Status ValidateArms(const std::vector<ArmSpec>& arms, absl::string_view source) {
  const std::string prefix = source.empty() ? "" : absl::StrCat(source, ": ");
  if (arms.empty())
    return absl::InvalidArgumentError(absl::StrCat(prefix, "arms: must not be empty"));
  absl::flat_hash_set<std::string> seen;
  for (size_t i = 0; i < arms.size(); ++i) {
    const ArmSpec& arm = arms[i];
    const std::string at = absl::StrCat(prefix, "arms[", i, "]");
    if (!IsValidId(arm.id)) {
      return absl::InvalidArgumentError(absl::StrFormat(
          "%s.id: \"%s\" must start with a lower-case letter and contain only a-z, 0-9, '_' or "
          "'-'",
          at, arm.id));
    }
    const std::string named = absl::StrCat(at, " (", arm.id, ")");
    if (!seen.insert(arm.id).second) {
      return absl::InvalidArgumentError(absl::StrCat(named, ".id: duplicate arm id"));
    }
    if (absl::StripAsciiWhitespace(arm.description).empty()) {
      return absl::InvalidArgumentError(absl::StrCat(named, ".description: must not be empty"));
    }
    if (arm.capabilities.empty()) {
      return absl::InvalidArgumentError(
          absl::StrCat(named, ".capabilities: must list at least one capability"));
    }
    if (arm.cost_tier < 1 || arm.cost_tier > 5) {
      return absl::InvalidArgumentError(
          absl::StrFormat("%s.cost_tier: must be between 1 and 5 (got %d)", named, arm.cost_tier));
    }
    if (arm.default_duration_seconds < 1 || arm.default_duration_seconds > kMaxDurationSeconds) {
      return absl::InvalidArgumentError(
          absl::StrFormat("%s.default_duration_seconds: must be between 1 and %d (got %d)", named,
                          kMaxDurationSeconds, arm.default_duration_seconds));
    }
  }
  std::vector<std::string> missing;
  for (absl::string_view core :
       {kPlannerArm, kRetrieverArm, kCoderArm, kExecutorArm, kJudgeArm, kGuardianArm}) {
    if (!seen.contains(core)) missing.emplace_back(core);
  }
  if (!missing.empty()) {
    return absl::InvalidArgumentError(absl::StrCat(
        prefix, "arms: missing required arm(s) ", absl::StrJoin(missing, ", "),
        " (planner, retriever, coder, executor, judge and guardian must all be defined)"));
  }
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<ArmRegistry> ArmRegistry::Create(std::vector<ArmSpec> arms) {
  if (absl::Status status = ValidateArms(arms, ""); !status.ok()) return status;
  return ArmRegistry(std::move(arms));
}

namespace {

// The core arm ids in ArmRegistry::core_ order.
constexpr const absl::string_view* kCoreIds[] = {&kPlannerArm,  &kRetrieverArm, &kCoderArm,
                                                 &kExecutorArm, &kJudgeArm,     &kGuardianArm};

}  // namespace

ArmRegistry::ArmRegistry(std::vector<ArmSpec> arms) : arms_(std::move(arms)) {
  for (int k = 0; k < kCoreArms; ++k) {
    const ArmSpec* arm = Find(*kCoreIds[k]);
    core_[k] = arm != nullptr ? static_cast<int>(arm - arms_.data()) : -1;
  }
}

const ArmSpec* ArmRegistry::Find(absl::string_view id) const {
  for (const ArmSpec& arm : arms_) {
    if (arm.id == id) return &arm;
  }
  return nullptr;
}

const ArmSpec& ArmRegistry::Get(absl::string_view id) const {
  // The engines pass the core arm constants themselves.
  for (int k = 0; k < kCoreArms; ++k) {
    if (id.data() == kCoreIds[k]->data() && id.size() == kCoreIds[k]->size() && core_[k] >= 0) {
      return arms_[static_cast<size_t>(core_[k])];
    }
  }
  const ArmSpec* arm = Find(id);
  // Create() guarantees the core arms; any other id falls back to the first arm.
  return arm != nullptr ? *arm : arms_.front();
}

std::string ArmRegistry::Resolve(absl::string_view name) const {
  if (const ArmSpec* arm = Find(name); arm != nullptr) return arm->id;
  const std::string squashed = SquashName(name);
  if (squashed.empty()) return "";
  for (const ArmSpec& arm : arms_) {
    if (SquashName(arm.id) == squashed) return arm.id;
  }
  for (const ArmSpec& arm : arms_) {
    for (const std::string& alias : arm.aliases) {
      if (SquashName(alias) == squashed) return arm.id;
    }
  }
  // Typos: the closest id within distance 2 (ties go to the earlier arm).
  std::string best;
  size_t best_distance = 3;
  for (const ArmSpec& arm : arms_) {
    const size_t d = EditDistance(squashed, SquashName(arm.id));
    if (d < best_distance) {
      best_distance = d;
      best = arm.id;
    }
  }
  return best;
}

std::vector<std::string> ArmRegistry::ids() const {
  std::vector<std::string> out;
  out.reserve(arms_.size());
  for (const ArmSpec& arm : arms_) out.push_back(arm.id);
  return out;
}

std::string DescribeArmsForPrompt(const ArmRegistry& registry) {
  std::string out;
  for (const ArmSpec& arm : registry.arms()) {
    absl::StrAppend(&out, "- ", arm.id, " (cost tier ", arm.cost_tier, "): ", arm.description,
                    " Capabilities: ", absl::StrJoin(arm.capabilities, ", "), ".\n");
  }
  return out;
}

absl::StatusOr<ArmRegistry> ParseArmRegistryYaml(absl::string_view yaml_text,
                                                 absl::string_view source_name) {
  YAML::Node root;
  try {
    root = YAML::Load(std::string(yaml_text));
  } catch (const YAML::ParserException& e) {
    return absl::InvalidArgumentError(absl::StrFormat("%s: invalid YAML at line %d, column %d: %s",
                                                      source_name, e.mark.line + 1,
                                                      e.mark.column + 1, e.msg));
  } catch (const YAML::Exception& e) {
    return absl::InvalidArgumentError(absl::StrCat(source_name, ": invalid YAML: ", e.what()));
  }
  if (!root.IsMap() || !root["arms"]) {
    return absl::InvalidArgumentError(
        absl::StrCat(source_name, ": expected a mapping with an `arms:` list at the top level"));
  }
  const YAML::Node list = root["arms"];
  if (!list.IsSequence()) {
    return absl::InvalidArgumentError(absl::StrCat(source_name, ": arms: must be a list"));
  }
  static const absl::flat_hash_set<absl::string_view> kKnownKeys = {
      "id", "description", "capabilities", "cost_tier", "default_duration_seconds", "aliases"};
  std::vector<ArmSpec> arms;
  for (size_t i = 0; i < list.size(); ++i) {
    const YAML::Node entry = list[i];
    const std::string at = absl::StrCat("arms[", i, "]");
    if (!entry.IsMap()) {
      return absl::InvalidArgumentError(
          absl::StrCat(source_name, ": ", at, ": must be a mapping with id, description, ..."));
    }
    for (const auto& kv : entry) {
      const std::string key = kv.first.Scalar();
      if (!kKnownKeys.contains(key)) {
        return absl::InvalidArgumentError(absl::StrFormat(
            "%s: %s: unknown key \"%s\" (expected id, description, capabilities, cost_tier, "
            "default_duration_seconds, aliases)",
            source_name, at, key));
      }
    }
    for (absl::string_view required :
         {"id", "description", "capabilities", "cost_tier", "default_duration_seconds"}) {
      if (!entry[std::string(required)]) {
        return absl::InvalidArgumentError(
            absl::StrCat(source_name, ": ", at, ".", required, ": is required"));
      }
    }
    ArmSpec arm;
    absl::StatusOr<std::string> id = ReadString(entry["id"], source_name, at + ".id");
    if (!id.ok()) return id.status();
    arm.id = *id;
    const std::string named = absl::StrCat(at, " (", arm.id, ")");
    absl::StatusOr<std::string> description =
        ReadString(entry["description"], source_name, named + ".description");
    if (!description.ok()) return description.status();
    arm.description = *description;
    absl::StatusOr<std::vector<std::string>> capabilities =
        ReadStringList(entry["capabilities"], source_name, named + ".capabilities");
    if (!capabilities.ok()) return capabilities.status();
    arm.capabilities = *capabilities;
    absl::StatusOr<int> tier = ReadInt(entry["cost_tier"], source_name, named + ".cost_tier");
    if (!tier.ok()) return tier.status();
    arm.cost_tier = *tier;
    absl::StatusOr<int> duration = ReadInt(entry["default_duration_seconds"], source_name,
                                           named + ".default_duration_seconds");
    if (!duration.ok()) return duration.status();
    arm.default_duration_seconds = *duration;
    if (entry["aliases"]) {
      absl::StatusOr<std::vector<std::string>> aliases =
          ReadStringList(entry["aliases"], source_name, named + ".aliases");
      if (!aliases.ok()) return aliases.status();
      arm.aliases = *aliases;
    }
    arms.push_back(std::move(arm));
  }
  if (absl::Status status = ValidateArms(arms, source_name); !status.ok()) return status;
  return ArmRegistry::Create(std::move(arms));
}

absl::StatusOr<ArmRegistry> LoadArmRegistry(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    return absl::NotFoundError(
        absl::StrCat(path, ": cannot read arm registry: ", std::strerror(errno)));
  }
  std::ostringstream text;
  text << in.rdbuf();
  return ParseArmRegistryYaml(text.str(), path);
}

absl::string_view DefaultArmRegistryYaml() { return internal::DefaultArmsYaml(); }

const ArmRegistry& DefaultArmRegistry() {
  static const ArmRegistry* registry = [] {
    absl::StatusOr<ArmRegistry> parsed =
        ParseArmRegistryYaml(internal::DefaultArmsYaml(), "built-in config/arms.yaml");
    // The text is config/arms.yaml compiled in and covered by tests; a bad file fails the build's
    // tests, so reaching this with an error is a programming error.
    if (!parsed.ok()) {
      std::fprintf(stderr, "%s\n", parsed.status().ToString().c_str());
      std::abort();
    }
    return new ArmRegistry(*std::move(parsed));
  }();
  return *registry;
}

}  // namespace armature::planner
