#pragma once

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
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

// What one repair changed. The names (RepairKindName) are stable snake_case strings, used as
// the `kind` label of the planner arm's repairs metric; add kinds at the end, never rename.
enum class RepairKind {
  kRenumberSteps,                   // renumber_steps: steps renumbered 1..N
  kDropMissingDependency,           // drop_missing_dependency: on a step that does not exist
  kDropSelfDependency,              // drop_self_dependency
  kDropForwardDependency,           // drop_forward_dependency: on a later step
  kDropDuplicateDependency,         // drop_duplicate_dependency
  kMapArm,                          // map_arm: alias or typo of a registered arm
  kAssignArm,                       // assign_arm: unknown arm replaced from the action
  kFillAction,                      // fill_action: empty action given a default
  kTruncateAction,                  // truncate_action: action over kMaxActionChars
  kFillCostTier,                    // fill_cost_tier: missing tier set from the arm
  kClampCostTier,                   // clamp_cost_tier: tier outside 1-5
  kFillDuration,                    // fill_duration: duration < 1 replaced by an estimate
  kClampDuration,                   // clamp_duration: duration over the maximum
  kDropCriteria,                    // drop_criteria: empty or duplicate criteria
  kTrimCriteria,                    // trim_criteria: more than kMaxCriteria
  kFillCriteria,                    // fill_criteria: no criteria, defaults added
  kAddGuardianStep,                 // add_guardian_step: sensitive request without one first
  kMergeExcessSteps,                // merge_excess_steps: past max_steps
  kPadSteps,                        // pad_steps: helper step added to reach min_steps
  kExtendVerificationDependencies,  // extend_verification_dependencies: judge made last
  kAddVerificationStep,             // add_verification_step: closing judge step added
  kFitTimeLimit,                    // fit_time_limit: durations scaled to the time limit
  kRecomputeTotal,                  // recompute_total: total != critical path
  kRecomputeConfidence,             // recompute_confidence: outside 0-1
  kRecomputeComplexity,             // recompute_complexity: outside 0-1
  kFillRationale,                   // fill_rationale: empty rationale summarised
};

// "renumber_steps", "drop_forward_dependency", ... (see RepairKind).
absl::string_view RepairKindName(RepairKind kind);
// Every kind, in declaration order.
const std::vector<RepairKind>& AllRepairKinds();

// One repair RepairPlan applied: its kind and the warning a person reads.
struct PlanRepair {
  RepairKind kind;
  std::string warning;
};

// The warnings of `repairs`, in order.
std::vector<std::string> RepairWarnings(const std::vector<PlanRepair>& repairs);

// Repairs `plan` in place so that ValidatePlanForRequest finds no problem: renumbers steps 1..N,
// drops forward, self, duplicate and missing dependencies, maps unknown arms to the closest arm
// (alias, typo, or what the action describes), clamps cost tiers and durations, fills empty
// actions and missing criteria, adds a guardian step first when needed, merges steps past the
// maximum, adds the closing judge step, pads short plans, fits the time limit and recomputes
// total, confidence and complexity. Every repair adds one warning to plan->warnings; the
// repairs of this call are also returned, each with its kind and that warning, in the order
// applied (empty when the plan was already valid).
// INVALID_ARGUMENT when the plan has no step with an action (nothing to repair from).
absl::StatusOr<std::vector<PlanRepair>> RepairPlan(v1::Plan* plan, const ArmRegistry& registry,
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
