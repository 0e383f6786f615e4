#pragma once

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "armature/v1/planner.pb.h"

namespace armature::planner {

// Parses an LLM reply into a Plan, without validating it (RepairPlan does that). Accepts:
// code fences and prose around the JSON; the step list as "subtasks", "plan" or "steps" (or a
// bare array, or {"plan": {...}}); DESIGN.md's field names plus common aliases ("arm",
// "criteria", "dependencies", "duration_seconds", "total_estimated_duration", ...); numbers
// written as strings ("3", "120s"); a single string where a list is expected; dependencies as
// "step 2". Values it had to ignore ("cost_tier": "high") are noted in plan.warnings and left
// for repair. INVALID_ARGUMENT naming the problem when there is no usable JSON, no step list,
// an empty list, or a step that is not an object.
absl::StatusOr<v1::Plan> ParsePlanJson(absl::string_view llm_reply);

}  // namespace armature::planner
