#pragma once

#include <atomic>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "armature/v1/arm_info.pb.h"
#include "armature/v1/planner.pb.h"
#include "libs/clock/clock.h"
#include "libs/llm/prompt_template.h"
#include "libs/llm/provider_chain.h"
#include "libs/planner/arm_registry.h"
#include "libs/planner/builtin_planner.h"
#include "libs/planner/plan_cache.h"
#include "libs/planner/plan_rules.h"
#include "libs/planner/scene_planner.h"

namespace armature::planner_arm {

// Options of the planner arm's core.
struct PlannerCoreOptions {
  // Whether the built-in engines close the LLM chain (false: every provider failing is
  // UNAVAILABLE). Without a chain the built-in engines always answer.
  bool builtin_fallback = true;
  // Plan cache (LRU with TTL).
  planner::PlanCacheOptions cache;
  // LLM request settings.
  int llm_max_tokens = 2000;
  double llm_temperature = 0.2;
  // Budget of one whole chain run (every provider and retry), milliseconds.
  int64_t llm_deadline_ms = 90000;
};

// The LLM side of the core: a chain plus its two prompts. Absent = built-in only.
struct LlmBackend {
  std::unique_ptr<llm::ProviderChain> chain;
  llm::PromptTemplate plan_prompt;
  llm::PromptTemplate scene_prompt;
  // Identifies the chain configuration in cache keys (e.g. "openai:gpt-4o-mini|anthropic:...").
  std::string fingerprint;
};

// Where a plan came from.
struct PlanInfo {
  bool cached = false;
  // The repairs that made the accepted LLM reply valid, one per repair in the order applied
  // (their warnings are in the plan's warnings). Empty for cached and built-in plans.
  std::vector<planner::RepairKind> repairs;
};

// A plan with where it came from.
struct PlanOutcome {
  v1::Plan plan;
  bool cached = false;
  // As PlanInfo::repairs.
  std::vector<planner::RepairKind> repairs;
};

// PlannerCore decides how a request is planned: validation, the cache, the LLM chain with
// parsing, validation and deterministic repair of each reply, and the built-in engines
// (the default, and the fallback that closes the chain). It knows nothing of gRPC.
// Thread-safe; Plan and PlanScene block for as long as the chain takes.
class PlannerCore {
 public:
  PlannerCore(planner::ArmRegistry registry, std::optional<LlmBackend> llm,
              PlannerCoreOptions options, Clock& clock = RealClock());

  // Fills *plan, which must be empty and may live on a protobuf arena (the service passes its
  // response's): the built-in engine builds the plan in place, with no copy.
  absl::StatusOr<PlanInfo> Plan(const v1::PlanRequest& request, v1::Plan* plan);
  // The same, on a new heap plan.
  absl::StatusOr<PlanOutcome> Plan(const v1::PlanRequest& request);
  absl::StatusOr<v1::ScenePlan> PlanScene(absl::string_view prompt);

  // Whether requests may reach an LLM (then callers should run them off latency-critical
  // threads).
  bool uses_llm() const { return llm_.has_value(); }
  // Every backend with its state and observed performance, chain order, built-in last.
  std::vector<v1::Backend> Backends() const;
  // Ready while at least one backend can answer.
  bool HasUsableBackend(std::string* detail) const;
  const planner::PlanCache& cache() const { return cache_; }
  const planner::ArmRegistry& registry() const { return registry_; }

 private:
  absl::StatusOr<PlanOutcome> PlanWithLlm(const v1::PlanRequest& request);
  absl::StatusOr<v1::ScenePlan> SceneWithLlm(absl::string_view prompt);
  llm::LlmRequest MakeLlmRequest(const llm::RenderedPrompt& prompt) const;
  void RecordBuiltin(bool ok, absl::Duration latency);

  const planner::ArmRegistry registry_;
  std::optional<LlmBackend> llm_;
  const PlannerCoreOptions options_;
  Clock& clock_;
  planner::BuiltinPlanner builtin_;
  planner::BuiltinScenePlanner builtin_scene_;
  planner::PlanCache cache_;
  std::string arms_text_;

  mutable std::mutex mu_;
  uint64_t builtin_calls_ = 0;
  uint64_t builtin_ok_ = 0;
  double builtin_seconds_ = 0;
};

}  // namespace armature::planner_arm
