#pragma once

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "armature/v1/planner.pb.h"
#include "libs/planner/arm_registry.h"
#include "libs/planner/plan_rules.h"
#include "libs/planner/planner.h"
#include "libs/planner/request_validation.h"

namespace armature::planner {

// Options of the built-in goal planner.
struct BuiltinPlannerOptions {
  // Bounds on incoming requests.
  PlanLimits limits;
  // Shape of the plans produced (3-7 steps by default).
  PlanRules rules;
};

// BuiltinPlanner is the deterministic, offline goal planner: it splits the goal into its parts
// (clauses joined by "and"/"then", sentences, list items, a "with tests" clause), recognises
// what each part needs and assigns the registry arm that does it, keeps independent parts
// parallel, opens with a guardian step when personal data, secrets or exploitation are involved,
// closes with a judge verification step, applies the constraints (time limits scale the
// estimates, languages reach coder steps) and explains itself in the rationale. The same request
// always yields the same plan, byte for byte. Stateless and thread-safe.
class BuiltinPlanner final : public GoalPlanner {
 public:
  // The value of Plan.backend for plans from this engine.
  static constexpr absl::string_view kBackend = "builtin";

  explicit BuiltinPlanner(ArmRegistry registry = DefaultArmRegistry(),
                          BuiltinPlannerOptions options = {});

  absl::StatusOr<v1::Plan> Plan(const v1::PlanRequest& request) override;

  // Plan for a request that already passed ValidatePlanRequest with this planner's limits
  // (options.limits); the same plan Plan returns, without validating again.
  v1::Plan PlanValidRequest(const v1::PlanRequest& request) const;

  // Fills *plan, which must be empty and may live on a protobuf arena, with the plan for a
  // request that already passed ValidatePlanRequest with this planner's limits. The plan is
  // built in place (no copy between heap and arena).
  void PlanValidRequest(const v1::PlanRequest& request, v1::Plan* plan) const;

  const ArmRegistry& registry() const { return registry_; }

 private:
  ArmRegistry registry_;
  BuiltinPlannerOptions options_;
};

}  // namespace armature::planner
