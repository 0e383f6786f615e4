#pragma once

#include <ostream>
#include <string>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "armature/v1/planner.pb.h"
#include "gtest/gtest.h"
#include "libs/planner/plan_rules.h"

namespace armature::planner {

// Readable gtest output for repairs ("map_arm: step 1: ...").
inline void PrintTo(RepairKind kind, std::ostream* os) { *os << RepairKindName(kind); }
inline void PrintTo(const PlanRepair& repair, std::ostream* os) {
  *os << RepairKindName(repair.kind) << ": " << repair.warning;
}

}  // namespace armature::planner

namespace armature::planner::testing {

inline v1::PlanRequest Request(std::string goal, std::vector<std::string> constraints = {}) {
  v1::PlanRequest request;
  request.set_goal(std::move(goal));
  for (std::string& c : constraints) request.add_constraints(std::move(c));
  return request;
}

// Sets a context entry. Not inlined: GCC 12 reports a spurious -Wrestrict when string
// assignment into the map is inlined into a test body.
[[gnu::noinline]] inline void SetContext(v1::PlanRequest* request, const std::string& key,
                                         const std::string& value) {
  (*request->mutable_context())[key] = value;
}

// Index of the first step whose action contains `text` (case-insensitive), or -1. Quoted text
// is skipped: the guardian and judge steps quote the whole goal.
inline int FindStep(const v1::Plan& plan, absl::string_view text) {
  const std::string needle = absl::AsciiStrToLower(text);
  for (int i = 0; i < plan.subtasks_size(); ++i) {
    std::string unquoted;
    bool quoted = false;
    for (char c : plan.subtasks(i).action()) {
      if (c == '"') {
        quoted = !quoted;
      } else if (!quoted) {
        unquoted.push_back(c);
      }
    }
    if (absl::StrContains(absl::AsciiStrToLower(unquoted), needle)) return i;
  }
  return -1;
}

// True when step `later` (0-based) depends on step `earlier` directly or transitively.
inline bool DependsOn(const v1::Plan& plan, int later, int earlier) {
  std::vector<int> stack = {later};
  std::vector<bool> seen(plan.subtasks_size(), false);
  while (!stack.empty()) {
    const int i = stack.back();
    stack.pop_back();
    for (int dep : plan.subtasks(i).depends_on()) {
      const int j = dep - 1;
      if (j < 0 || j >= plan.subtasks_size() || seen[j]) continue;
      if (j == earlier) return true;
      seen[j] = true;
      stack.push_back(j);
    }
  }
  return false;
}

inline std::string Describe(const v1::Plan& plan) {
  std::string out;
  for (const v1::SubTask& t : plan.subtasks()) {
    absl::StrAppend(&out, t.step(), ". [", t.required_arm(), "] ", t.action(), " <-");
    for (int d : t.depends_on()) absl::StrAppend(&out, " ", d);
    out += "\n";
  }
  return out;
}

}  // namespace armature::planner::testing
