#pragma once

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "armature/v1/planner.pb.h"

// The two planning interfaces the gRPC layer serves. The built-in engines implement them here;
// an LLM-backed chain implements them elsewhere and falls back to the built-in ones.
namespace armature::planner {

// GoalPlanner turns a goal into a validated plan.
class GoalPlanner {
 public:
  virtual ~GoalPlanner() = default;
  // INVALID_ARGUMENT (naming the field) for a bad request; otherwise a plan that passes
  // ValidatePlanForRequest, with `backend` naming who produced it.
  virtual absl::StatusOr<v1::Plan> Plan(const v1::PlanRequest& request) = 0;
};

// ScenePlanner turns a free-text scene prompt into a structured scene plan.
class ScenePlanner {
 public:
  virtual ~ScenePlanner() = default;
  // INVALID_ARGUMENT "prompt: ..." for an empty or oversized prompt; otherwise a scene plan
  // within the bounds RepairScenePlan enforces.
  virtual absl::StatusOr<v1::ScenePlan> PlanScene(absl::string_view prompt) = 0;
};

}  // namespace armature::planner
