#pragma once

#include <string>
#include <vector>

#include "absl/container/inlined_vector.h"
#include "absl/strings/string_view.h"
#include "armature/v1/planner.pb.h"
#include "libs/planner/arm_registry.h"
#include "libs/planner/goal_analysis.h"
#include "libs/planner/small_vector.h"

// Building blocks shared by the built-in engine and plan repair: steps before they are numbered,
// their acceptance criteria and estimates, the guardian gate, the closing verification step,
// helper steps that bring a one-part goal to three steps, merging, and dependency clean-up.
namespace armature::planner {

// Most criteria a step carries and the longest action, in characters.
inline constexpr size_t kMaxCriteria = 5;
inline constexpr size_t kMaxActionChars = 300;

// A step's acceptance criteria (at most kMaxCriteria, kept inline).
using Criteria = absl::InlinedVector<std::string, kMaxCriteria>;

// StepDraft is a plan step before numbering; dependencies are 0-based indices of earlier drafts.
struct StepDraft {
  std::string action;
  std::string arm;
  WorkKind kind = WorkKind::kUnknown;
  Criteria criteria;
  SmallVector<int, 6> depends_on;
  int cost_tier = 1;
  int duration_seconds = 1;
  // The object the action is about ("the REST API"); used to phrase helpers.
  std::string object;
};

// Measurable acceptance criteria (1-5) for a kind of work on `object` ("the REST API"), as
// described by `action` ("Scrape the product pages").
std::vector<std::string> CriteriaFor(WorkKind kind, absl::string_view object,
                                     absl::string_view action, const GoalAnalysis& analysis);

// Duration estimate: the arm's default scaled by the kind of work and the size of the action.
int EstimateDurationSeconds(WorkKind kind, const ArmSpec& arm, absl::string_view action);

// A step for one part of the goal: its words, its arm, criteria and estimates from the registry.
// Language constraints reach coder actions ("... in Python") and criteria.
StepDraft DraftForPart(const GoalPart& part, const GoalAnalysis& analysis,
                       const ArmRegistry& registry);
// DraftForPart into *draft, which must be default-constructed (no move of the result).
void DraftForPartInto(const GoalPart& part, const GoalAnalysis& analysis,
                      const ArmRegistry& registry, StepDraft* draft);

// The guardian step that opens a plan touching personal data, secrets or exploitation.
StepDraft GuardianGateDraft(const GoalAnalysis& analysis, const ArmRegistry& registry);

// The judge step that closes every plan. `closing` is the goal's own final validation part
// ("... and verify the results"), or null. `earlier_steps` is how many steps precede it.
StepDraft VerificationDraft(const GoalAnalysis& analysis, const ArmRegistry& registry,
                            int earlier_steps, const GoalPart* closing);

// HelperDraft is a step added around the main part of a short goal.
struct HelperDraft {
  StepDraft draft;
  // Runs before the main part (the main part depends on it) or after it.
  bool before = true;
};

// Helper steps that give a one-part goal a sensible shape (e.g. coding -> run the tests;
// deployment <- collect prerequisites). `count` helpers are returned (1 or 2).
std::vector<HelperDraft> HelpersFor(const GoalPart& main, const GoalAnalysis& analysis,
                                    const ArmRegistry& registry, int count);

// Merges adjacent drafts until at most `max_count` remain: first pairs on the same arm, then
// any pair, the shortest combined action first. Returns one sentence per merge.
std::vector<std::string> MergeToFit(std::vector<StepDraft>* drafts, size_t max_count);

// Removes dependencies implied by others (transitive reduction), keeps the rest sorted.
void ReduceDependencies(std::vector<StepDraft>* drafts);

// Indices of drafts no other draft depends on (the ends of the branches).
std::vector<int> SinkSteps(const std::vector<StepDraft>& drafts);

// Replaces plan->subtasks with the drafts, numbered 1..N (dependencies become step numbers).
void WriteDraftsToPlan(const std::vector<StepDraft>& drafts, v1::Plan* plan);

// WriteDraftsToPlan that moves the text (action, arm, criteria) out of the drafts instead of
// copying it; their kinds, dependencies and estimates stay readable.
void MoveDraftsToPlan(std::vector<StepDraft>* drafts, v1::Plan* plan);

// Appends one draft to plan->subtasks as step `step` (its dependencies, 0-based, become step
// numbers), moving its text out as MoveDraftsToPlan does.
void MoveDraftToPlan(StepDraft* draft, int step, v1::Plan* plan);

// The object phrase a step refers to: ObjectPhrase(object), at most 60 characters, or
// "the result" when empty.
std::string ObjectRef(absl::string_view object);

}  // namespace armature::planner
