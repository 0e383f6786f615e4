#pragma once

#include "absl/status/status.h"
#include "armature/v1/planner.pb.h"

namespace armature::planner {

// PlanLimits bounds what a PlanRequest may carry. Lengths are in characters (code points).
struct PlanLimits {
  // Longest goal after trimming.
  int max_goal_chars = 10000;
  // Most constraints per request.
  int max_constraints = 20;
  // Longest single constraint after trimming.
  int max_constraint_chars = 1000;
  // Most context entries.
  int max_context_entries = 50;
  // Longest context key.
  int max_context_key_chars = 128;
  // Longest context value.
  int max_context_value_chars = 4096;
  // Longest caller-supplied request id.
  int max_request_id_chars = 128;
};

// Checks a PlanRequest against `limits`. INVALID_ARGUMENT naming the offending field, e.g.
// "goal: must not be empty", "constraints[3]: must be at most 1000 characters (got 1204)",
// "context[\"repo\"]: value must be at most 4096 characters (got 5000)". Context keys are checked
// in sorted order so the first error reported is always the same.
absl::Status ValidatePlanRequest(const v1::PlanRequest& request, const PlanLimits& limits = {});

}  // namespace armature::planner
