#include "services/orchestrator/pipeline_config.h"

#include <set>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "libs/llm/yaml_util.h"

namespace armature::orchestrator {

namespace internal {
absl::string_view DefaultPipelineYaml();  // generated from config/pipelines/default.yaml
}  // namespace internal

namespace {

using llm::internal::ParseYaml;
using llm::internal::Quoted;
using Reader = llm::internal::YamlReader;

#define PIPELINE_ASSIGN_OR_RETURN(lhs, expr)  \
  do {                                        \
    auto _value = (expr);                     \
    if (!_value.ok()) return _value.status(); \
    lhs = *std::move(_value);                 \
  } while (0)

#define PIPELINE_RETURN_IF_ERROR(expr)                 \
  do {                                                 \
    if (absl::Status _s = (expr); !_s.ok()) return _s; \
  } while (0)

constexpr StageOp kAllOps[] = {StageOp::kPlan, StageOp::kPlanScene, StageOp::kBuildManifest};

ArmSettings DefaultArmSettings(absl::string_view arm) {
  ArmSettings settings;
  settings.breaker.name = absl::StrCat(arm, " arm");
  settings.retry.backoff.initial = absl::Milliseconds(100);
  settings.retry.backoff.max = absl::Seconds(2);
  return settings;
}

absl::Status ParseBreaker(const Reader& r, const YAML::Node& node, const std::string& path,
                          resilience::CircuitBreakerOptions& out) {
  if (!node.IsMap()) return r.Error(node, path, "expected a mapping");
  PIPELINE_RETURN_IF_ERROR(
      r.CheckKeys(node, path,
                  {"failure_rate_threshold", "window_seconds", "window_buckets", "minimum_calls",
                   "open_wait_seconds", "half_open_max_calls", "successes_to_close",
                   "half_open_permit_timeout_seconds"}));
  for (const auto& item : node) {
    const std::string key = item.first.as<std::string>();
    const std::string field = absl::StrCat(path, ".", key);
    const YAML::Node& v = item.second;
    if (key == "failure_rate_threshold") {
      PIPELINE_ASSIGN_OR_RETURN(out.failure_rate_threshold, r.Double(v, field, 0.001, 1.0));
    } else if (key == "window_seconds") {
      int64_t s = 0;
      PIPELINE_ASSIGN_OR_RETURN(s, r.Int(v, field, 1, 3600));
      out.window_ms = s * 1000;
    } else if (key == "window_buckets") {
      int64_t b = 0;
      PIPELINE_ASSIGN_OR_RETURN(b, r.Int(v, field, 1, 1000));
      out.window_buckets = static_cast<int>(b);
    } else if (key == "minimum_calls") {
      int64_t n = 0;
      PIPELINE_ASSIGN_OR_RETURN(n, r.Int(v, field, 1, 100000));
      out.minimum_calls = static_cast<int>(n);
    } else if (key == "open_wait_seconds") {
      double s = 0;
      PIPELINE_ASSIGN_OR_RETURN(s, r.Double(v, field, 0.001, 3600));
      out.open_wait_ms = static_cast<int64_t>(s * 1000);
    } else if (key == "half_open_max_calls") {
      int64_t n = 0;
      PIPELINE_ASSIGN_OR_RETURN(n, r.Int(v, field, 1, 1000));
      out.half_open_max_calls = static_cast<int>(n);
    } else if (key == "successes_to_close") {
      int64_t n = 0;
      PIPELINE_ASSIGN_OR_RETURN(n, r.Int(v, field, 1, 1000));
      out.successes_to_close = static_cast<int>(n);
    } else if (key == "half_open_permit_timeout_seconds") {
      double s = 0;
      PIPELINE_ASSIGN_OR_RETURN(s, r.Double(v, field, 0.001, 3600));
      out.half_open_permit_timeout_ms = static_cast<int64_t>(s * 1000);
    }
  }
  if (absl::Status s = resilience::ValidateCircuitBreakerOptions(out); !s.ok()) {
    return r.Error(node, path, s.message());
  }
  return absl::OkStatus();
}

absl::Status ParseRetry(const Reader& r, const YAML::Node& node, const std::string& path,
                        resilience::RetryPolicy& out) {
  if (!node.IsMap()) return r.Error(node, path, "expected a mapping");
  PIPELINE_RETURN_IF_ERROR(r.CheckKeys(
      node, path,
      {"max_attempts", "initial_backoff_ms", "max_backoff_ms", "backoff_multiplier", "jitter"}));
  for (const auto& item : node) {
    const std::string key = item.first.as<std::string>();
    const std::string field = absl::StrCat(path, ".", key);
    const YAML::Node& v = item.second;
    if (key == "max_attempts") {
      int64_t n = 0;
      PIPELINE_ASSIGN_OR_RETURN(n, r.Int(v, field, 1, 10));
      out.max_attempts = static_cast<int>(n);
    } else if (key == "initial_backoff_ms") {
      int64_t ms = 0;
      PIPELINE_ASSIGN_OR_RETURN(ms, r.Int(v, field, 1, 600000));
      out.backoff.initial = absl::Milliseconds(ms);
    } else if (key == "max_backoff_ms") {
      int64_t ms = 0;
      PIPELINE_ASSIGN_OR_RETURN(ms, r.Int(v, field, 1, 600000));
      out.backoff.max = absl::Milliseconds(ms);
    } else if (key == "backoff_multiplier") {
      PIPELINE_ASSIGN_OR_RETURN(out.backoff.multiplier, r.Double(v, field, 1.0, 10.0));
    } else if (key == "jitter") {
      PIPELINE_ASSIGN_OR_RETURN(out.backoff.jitter, r.Double(v, field, 0.0, 1.0));
    }
  }
  if (out.backoff.max < out.backoff.initial) {
    return r.Error(node, absl::StrCat(path, ".max_backoff_ms"),
                   "must not be less than initial_backoff_ms");
  }
  if (absl::Status s = resilience::ValidateRetryPolicy(out); !s.ok()) {
    return r.Error(node, path, s.message());
  }
  return absl::OkStatus();
}

absl::Status ParseBudget(const Reader& r, const YAML::Node& node, const std::string& path,
                         resilience::RetryBudgetOptions& out) {
  if (!node.IsMap()) return r.Error(node, path, "expected a mapping");
  PIPELINE_RETURN_IF_ERROR(r.CheckKeys(node, path, {"max_tokens", "token_ratio"}));
  if (node["max_tokens"]) {
    PIPELINE_ASSIGN_OR_RETURN(out.max_tokens,
                              r.Double(node["max_tokens"], path + ".max_tokens", 0.001, 1000));
  }
  if (node["token_ratio"]) {
    PIPELINE_ASSIGN_OR_RETURN(out.token_ratio,
                              r.Double(node["token_ratio"], path + ".token_ratio", 0.001, 1000));
  }
  return absl::OkStatus();
}

absl::Status ParseArm(const Reader& r, const YAML::Node& node, const std::string& path,
                      ArmSettings& out) {
  if (node.IsNull()) return absl::OkStatus();
  if (!node.IsMap()) return r.Error(node, path, "expected a mapping");
  PIPELINE_RETURN_IF_ERROR(r.CheckKeys(node, path, {"breaker", "retry", "retry_budget"}));
  if (node["breaker"]) {
    PIPELINE_RETURN_IF_ERROR(ParseBreaker(r, node["breaker"], path + ".breaker", out.breaker));
  }
  if (node["retry"]) {
    PIPELINE_RETURN_IF_ERROR(ParseRetry(r, node["retry"], path + ".retry", out.retry));
  }
  if (node["retry_budget"]) {
    PIPELINE_RETURN_IF_ERROR(
        ParseBudget(r, node["retry_budget"], path + ".retry_budget", out.retry_budget));
  }
  return absl::OkStatus();
}

absl::Status ParseTasks(const Reader& r, const YAML::Node& node, TaskSettings& out) {
  if (!node.IsMap()) return r.Error(node, "tasks", "expected a mapping");
  PIPELINE_RETURN_IF_ERROR(r.CheckKeys(
      node, "tasks",
      {"default_deadline_seconds", "max_deadline_seconds", "wait_initial_ms", "wait_max_ms"}));
  int64_t v = 0;
  if (node["default_deadline_seconds"]) {
    PIPELINE_ASSIGN_OR_RETURN(
        v, r.Int(node["default_deadline_seconds"], "tasks.default_deadline_seconds", 1, 86400));
    out.default_deadline = absl::Seconds(v);
  }
  if (node["max_deadline_seconds"]) {
    PIPELINE_ASSIGN_OR_RETURN(
        v, r.Int(node["max_deadline_seconds"], "tasks.max_deadline_seconds", 1, 604800));
    out.max_deadline = absl::Seconds(v);
  }
  if (node["wait_initial_ms"]) {
    PIPELINE_ASSIGN_OR_RETURN(v,
                              r.Int(node["wait_initial_ms"], "tasks.wait_initial_ms", 1, 600000));
    out.wait_initial = absl::Milliseconds(v);
  }
  if (node["wait_max_ms"]) {
    PIPELINE_ASSIGN_OR_RETURN(v, r.Int(node["wait_max_ms"], "tasks.wait_max_ms", 1, 3600000));
    out.wait_max = absl::Milliseconds(v);
  }
  if (out.default_deadline > out.max_deadline) {
    return r.Error(node, "tasks.default_deadline_seconds",
                   "must not exceed tasks.max_deadline_seconds");
  }
  if (out.wait_max < out.wait_initial) {
    return r.Error(node, "tasks.wait_max_ms", "must not be less than tasks.wait_initial_ms");
  }
  return absl::OkStatus();
}

absl::StatusOr<StageOp> ParseOp(const Reader& r, const YAML::Node& node, const std::string& field) {
  std::string name;
  PIPELINE_ASSIGN_OR_RETURN(name, r.String(node, field));
  for (StageOp op : kAllOps) {
    if (StageOpName(op) == name) return op;
  }
  return r.Error(node, field,
                 absl::StrCat("unknown stage ", Quoted(node),
                              " (expected one of: plan, plan_scene, build_manifest)"));
}

absl::StatusOr<std::vector<StageSpec>> ParseStages(const Reader& r, const YAML::Node& node,
                                                   const std::string& path) {
  if (!node.IsSequence()) return r.Error(node, path, "expected a list of stages");
  std::vector<StageSpec> stages;
  std::set<StageOp> seen;
  for (size_t i = 0; i < node.size(); ++i) {
    const YAML::Node& s = node[i];
    const std::string sp = absl::StrCat(path, "[", i, "]");
    if (!s.IsMap()) return r.Error(s, sp, "expected a mapping with stage, arm, ...");
    PIPELINE_RETURN_IF_ERROR(
        r.CheckKeys(s, sp, {"stage", "arm", "timeout_seconds", "attempts", "enabled"}));
    StageSpec stage;
    stage.line = s.Mark().is_null() ? 0 : s.Mark().line + 1;
    if (!s["stage"]) return r.Error(s, sp + ".stage", "required");
    PIPELINE_ASSIGN_OR_RETURN(stage.op, ParseOp(r, s["stage"], sp + ".stage"));
    if (!seen.insert(stage.op).second) {
      return r.Error(s["stage"], sp + ".stage",
                     absl::StrCat("stage ", StageOpName(stage.op), " is listed twice"));
    }
    if (!s["arm"]) return r.Error(s, sp + ".arm", "required");
    PIPELINE_ASSIGN_OR_RETURN(stage.arm, r.String(s["arm"], sp + ".arm"));
    if (stage.arm != kPlannerArmName && stage.arm != kManifestArmName) {
      return r.Error(
          s["arm"], sp + ".arm",
          absl::StrCat("unknown arm ", Quoted(s["arm"]), " (expected one of: planner, manifest)"));
    }
    if (stage.arm != StageOpArm(stage.op)) {
      return r.Error(s["arm"], sp + ".arm",
                     absl::StrCat("stage ", StageOpName(stage.op), " is served by the ",
                                  StageOpArm(stage.op), " arm, not ", stage.arm));
    }
    if (s["timeout_seconds"]) {
      double t = 0;
      PIPELINE_ASSIGN_OR_RETURN(
          t, r.Double(s["timeout_seconds"], sp + ".timeout_seconds", 0.001, 86400));
      stage.timeout = absl::Milliseconds(static_cast<int64_t>(t * 1000));
    }
    if (s["attempts"]) {
      int64_t a = 0;
      PIPELINE_ASSIGN_OR_RETURN(a, r.Int(s["attempts"], sp + ".attempts", 1, 10));
      stage.attempts = static_cast<int>(a);
    }
    if (s["enabled"]) {
      PIPELINE_ASSIGN_OR_RETURN(stage.enabled, r.Bool(s["enabled"], sp + ".enabled"));
    }
    stages.push_back(std::move(stage));
  }
  return stages;
}

}  // namespace

absl::string_view StageOpName(StageOp op) {
  switch (op) {
    case StageOp::kPlan:
      return "plan";
    case StageOp::kPlanScene:
      return "plan_scene";
    case StageOp::kBuildManifest:
      return "build_manifest";
  }
  return "unknown";
}

absl::string_view StageOpArm(StageOp op) {
  return op == StageOp::kBuildManifest ? kManifestArmName : kPlannerArmName;
}

absl::string_view StageOpCapability(StageOp op) {
  switch (op) {
    case StageOp::kPlan:
      return "task_decomposition";
    case StageOp::kPlanScene:
      return "scene_planning";
    case StageOp::kBuildManifest:
      return "manifest_building";
  }
  return "";
}

v1::TaskStatus StageRunningStatus(StageOp op) {
  return op == StageOp::kBuildManifest ? v1::BUILDING_MANIFEST : v1::PLANNING;
}

v1::TaskStatus StageDoneStatus(StageOp op) {
  return op == StageOp::kBuildManifest ? v1::TASK_STATUS_UNSPECIFIED : v1::PLANNED;
}

std::vector<StageSpec> PipelineConfig::EnabledStages(v1::TaskKind kind) const {
  std::vector<StageSpec> out;
  auto it = pipelines.find(kind);
  if (it == pipelines.end()) return out;
  for (const StageSpec& s : it->second) {
    if (s.enabled) out.push_back(s);
  }
  return out;
}

absl::StatusOr<PipelineConfig> ParsePipelineConfig(const std::string& yaml,
                                                   absl::string_view source) {
  YAML::Node root;
  PIPELINE_ASSIGN_OR_RETURN(root, ParseYaml(yaml, source));
  const Reader r(source);
  if (!root.IsMap()) {
    return r.Error(root, "(file)", "expected a mapping with tasks, arms and pipelines");
  }
  PIPELINE_RETURN_IF_ERROR(r.CheckKeys(root, "", {"tasks", "arms", "pipelines"}));

  PipelineConfig config;
  config.source = std::string(source);
  for (absl::string_view arm : {kPlannerArmName, kManifestArmName}) {
    config.arms[std::string(arm)] = DefaultArmSettings(arm);
  }
  if (root["tasks"]) PIPELINE_RETURN_IF_ERROR(ParseTasks(r, root["tasks"], config.tasks));
  if (const YAML::Node arms = root["arms"]) {
    if (!arms.IsMap()) return r.Error(arms, "arms", "expected a mapping of arm name to settings");
    PIPELINE_RETURN_IF_ERROR(r.CheckKeys(arms, "arms", {"planner", "manifest"}));
    for (const auto& item : arms) {
      const std::string name = item.first.as<std::string>();
      PIPELINE_RETURN_IF_ERROR(
          ParseArm(r, item.second, absl::StrCat("arms.", name), config.arms[name]));
    }
  }
  const YAML::Node pipelines = root["pipelines"];
  if (!pipelines) return r.Error(root, "pipelines", "required");
  if (!pipelines.IsMap()) {
    return r.Error(pipelines, "pipelines", "expected a mapping of task kind to stages");
  }
  PIPELINE_RETURN_IF_ERROR(r.CheckKeys(pipelines, "pipelines", {"GOAL", "SCENE", "PRODUCTION"}));
  for (const auto& item : pipelines) {
    const std::string kind_name = item.first.as<std::string>();
    v1::TaskKind kind = v1::TASK_KIND_UNSPECIFIED;
    v1::TaskKind_Parse(kind_name, &kind);
    std::vector<StageSpec> stages;
    PIPELINE_ASSIGN_OR_RETURN(stages,
                              ParseStages(r, item.second, absl::StrCat("pipelines.", kind_name)));
    bool any_enabled = false;
    for (const StageSpec& s : stages) any_enabled |= s.enabled;
    if (!any_enabled) {
      return r.Error(item.second, absl::StrCat("pipelines.", kind_name),
                     "needs at least one enabled stage");
    }
    config.pipelines[kind] = std::move(stages);
  }
  for (v1::TaskKind kind : {v1::GOAL, v1::SCENE, v1::PRODUCTION}) {
    if (!config.pipelines.contains(kind)) {
      return r.Error(pipelines, absl::StrCat("pipelines.", v1::TaskKind_Name(kind)),
                     "missing: every task kind (GOAL, SCENE, PRODUCTION) needs a pipeline");
    }
  }
  return config;
}

absl::StatusOr<PipelineConfig> LoadPipelineConfig(const std::string& path) {
  std::string text;
  PIPELINE_ASSIGN_OR_RETURN(text, llm::internal::ReadTextFile(path));
  return ParsePipelineConfig(text, path);
}

const PipelineConfig& DefaultPipelineConfig() {
  static const PipelineConfig* config = [] {
    absl::StatusOr<PipelineConfig> parsed =
        ParsePipelineConfig(std::string(internal::DefaultPipelineYaml()), "built-in");
    // The file is validated by the tests; a broken default is a build defect.
    if (!parsed.ok()) std::abort();
    return new PipelineConfig(*std::move(parsed));
  }();
  return *config;
}

}  // namespace armature::orchestrator
