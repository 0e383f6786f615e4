#pragma once

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "armature/v1/planner.pb.h"
#include "libs/planner/arm_registry.h"

// The rules every plan leaving the planner arm satisfies, whoever produced it (built-in engine
// or LLM), the check for them, and the deterministic repair that enforces them.
namespace armature::planner {

// PlanRules bounds a plan's shape.
struct PlanRules {
  // Fewest and most steps.
  int min_steps = 3;
  int max_steps = 7;
  // Longest single step estimate, seconds (one week).
  int max_step_duration_seconds = 7 * 86400;
};

// Structural problems of a plan, one readable sentence each, empty when valid: step count,
// numbering 1..N, actions, arms in the registry, 1-5 non-empty criteria, dependencies only on
// earlier existing steps (no duplicates), cost tiers 1-5, durations >= 1, a final judge step
// that (transitively) depends on every other step, confidence and complexity within 0-1,
// total = critical path, non-empty rationale.
std::vector<std::string> ValidatePlan(const v1::Plan& plan, const ArmRegistry& registry,
                                      const PlanRules& rules = {});

// ValidatePlan plus the request-specific rules: a guardian step first when the request involves
// personal data, secrets or exploitation, and a critical path within the request's time limit
// (when the limit can be met at all).
std::vector<std::string> ValidatePlanForRequest(const v1::Plan& plan,
                                                const v1::PlanRequest& request,
                                                const ArmRegistry& registry,
                                                const PlanRules& rules = {});

// Repairs `plan` in place so that ValidatePlanForRequest finds no problem: renumbers steps 1..N,
// drops forward, self, duplicate and missing dependencies, maps unknown arms to the closest arm
// (alias, typo, or what the action describes), clamps cost tiers and durations, fills empty
// actions and missing criteria, adds a guardian step first when needed, merges steps past the
// maximum, adds the closing judge step, pads short plans, fits the time limit and recomputes
// total, confidence and complexity. Every repair adds one warning to plan->warnings; the
// warnings of this call are also returned (empty when the plan was already valid).
// INVALID_ARGUMENT when the plan has no step with an action (nothing to repair from).
absl::StatusOr<std::vector<std::string>> RepairPlan(v1::Plan* plan, const ArmRegistry& registry,
                                                    const v1::PlanRequest& request,
                                                    const PlanRules& rules = {});

// Longest path through the dependency graph, summing step durations (invalid references are
// ignored).
int CriticalPathSeconds(const v1::Plan& plan);

// Scales every duration down so the critical path fits `limit_seconds` (durations stay >= 1).
// Returns the factor applied (1 when it already fits or there is no limit).
double FitToTimeLimit(v1::Plan* plan, int64_t limit_seconds);

// Sets total_estimated_duration_seconds (critical path), complexity_score and confidence from
// the plan: complexity grows with steps, distinct arms, chain depth and duration; confidence
// falls with complexity, warnings and thinly specified steps. Both rounded to 2 decimals.
void ComputePlanMetrics(v1::Plan* plan);

}  // namespace armature::planner
