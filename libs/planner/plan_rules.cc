#include "libs/planner/plan_rules.h"

#include <algorithm>
#include <cmath>
#include <iterator>
#include <map>
#include <optional>
#include <set>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "libs/planner/goal_analysis.h"
#include "libs/planner/small_vector.h"
#include "libs/planner/step_templates.h"
#include "libs/planner/text.h"

namespace armature::planner {
namespace {

double Round2(double x) { return std::round(x * 100.0) / 100.0; }

double Clamp01(double x) { return std::min(1.0, std::max(0.0, x)); }

// Step depths and per-step earliest finish times; invalid references are ignored.
struct Schedule {
  SmallVector<int64_t, 16> finish;
  SmallVector<int, 16> depth;
};

Schedule ComputeSchedule(const v1::Plan& plan) {
  const int n = plan.subtasks_size();
  Schedule s;
  s.finish.assign(n, 0);
  s.depth.assign(n, 1);
  for (int i = 0; i < n; ++i) {
    const v1::SubTask& t = plan.subtasks(i);
    int64_t start = 0;
    int depth = 1;
    for (int dep : t.depends_on()) {
      const int j = dep - 1;
      if (j < 0 || j >= i) continue;
      start = std::max(start, s.finish[j]);
      depth = std::max(depth, s.depth[j] + 1);
    }
    s.finish[i] = start + std::max(0, t.estimated_duration_seconds());
    s.depth[i] = depth;
  }
  return s;
}

// ancestors[i][j]: step i depends on step j directly or transitively (0-based, valid refs only).
std::vector<std::vector<bool>> Ancestors(const v1::Plan& plan) {
  const int n = plan.subtasks_size();
  std::vector<std::vector<bool>> a(n, std::vector<bool>(n, false));
  for (int i = 0; i < n; ++i) {
    for (int dep : plan.subtasks(i).depends_on()) {
      const int j = dep - 1;
      if (j < 0 || j >= i) continue;
      a[i][j] = true;
      for (int k = 0; k < n; ++k) {
        if (a[j][k]) a[i][k] = true;
      }
    }
  }
  return a;
}

std::string ArmList(const ArmRegistry& registry) { return absl::StrJoin(registry.ids(), ", "); }

std::vector<StepDraft> DraftsFromPlan(const v1::Plan& plan) {
  std::vector<StepDraft> drafts;
  for (const v1::SubTask& t : plan.subtasks()) {
    StepDraft d;
    d.action = t.action();
    d.arm = t.required_arm();
    d.criteria.assign(t.acceptance_criteria().begin(), t.acceptance_criteria().end());
    for (int dep : t.depends_on()) d.depends_on.push_back(dep - 1);
    d.cost_tier = t.estimated_cost_tier();
    d.duration_seconds = t.estimated_duration_seconds();
    drafts.push_back(std::move(d));
  }
  return drafts;
}

std::string DefaultActionFor(absl::string_view arm, const GoalAnalysis& analysis) {
  const std::string goal = absl::StrCat("\"", TruncateText(analysis.summary, 80), "\"");
  if (arm == kRetrieverArm) return absl::StrCat("Gather the information needed for ", goal);
  if (arm == kCoderArm) return absl::StrCat("Write the code needed for ", goal);
  if (arm == kExecutorArm) return absl::StrCat("Run the commands needed for ", goal);
  if (arm == kJudgeArm) return absl::StrCat("Check the intermediate results for ", goal);
  if (arm == kGuardianArm) {
    return absl::StrCat("Check ", goal, " for personal data, secrets and security risks");
  }
  return absl::StrCat("Plan the work for ", goal);
}

std::string StepList(const std::vector<int>& zero_based) {
  std::vector<std::string> numbers;
  for (int i : zero_based) numbers.push_back(absl::StrCat(i + 1));
  return JoinWithAnd(numbers);
}

}  // namespace

int CriticalPathSeconds(const v1::Plan& plan) {
  const Schedule s = ComputeSchedule(plan);
  int64_t total = 0;
  for (int64_t f : s.finish) total = std::max(total, f);
  return static_cast<int>(std::min<int64_t>(total, INT32_MAX));
}

double FitToTimeLimit(v1::Plan* plan, int64_t limit_seconds) {
  if (limit_seconds <= 0) return 1.0;
  const int critical = CriticalPathSeconds(*plan);
  if (critical <= limit_seconds) return 1.0;
  const double factor = static_cast<double>(limit_seconds) / critical;
  for (v1::SubTask& t : *plan->mutable_subtasks()) {
    const int scaled = static_cast<int>(std::floor(t.estimated_duration_seconds() * factor));
    t.set_estimated_duration_seconds(std::max(1, scaled));
  }
  return factor;
}

void ComputePlanMetrics(v1::Plan* plan) {
  const int n = plan->subtasks_size();
  const Schedule s = ComputeSchedule(*plan);
  int64_t total = 0;
  int depth = 0;
  for (int i = 0; i < n; ++i) {
    total = std::max(total, s.finish[i]);
    depth = std::max(depth, s.depth[i]);
  }
  SmallVector<absl::string_view, 8> arms;  // distinct
  int thin = 0;
  for (const v1::SubTask& t : plan->subtasks()) {
    if (std::find(arms.begin(), arms.end(), t.required_arm()) == arms.end()) {
      arms.push_back(t.required_arm());
    }
    if (t.acceptance_criteria_size() < 2) ++thin;
  }
  plan->set_total_estimated_duration_seconds(static_cast<int>(std::min<int64_t>(total, INT32_MAX)));
  const double steps_part = Clamp01((n - 3) / 4.0);
  const double arms_part = Clamp01((static_cast<double>(arms.size()) - 1) / 5.0);
  const double depth_part = n > 1 ? Clamp01((depth - 1.0) / (n - 1.0)) : 0.0;
  const double duration_part = Clamp01(static_cast<double>(total) / 14400.0);  // 4 h saturates
  const double complexity =
      Round2(0.30 * steps_part + 0.25 * arms_part + 0.20 * depth_part + 0.25 * duration_part);
  plan->set_complexity_score(complexity);
  const double thin_fraction = n > 0 ? static_cast<double>(thin) / n : 1.0;
  const int warnings = std::min(plan->warnings_size(), 6);
  const double confidence =
      0.95 - 0.25 * complexity - 0.04 * warnings - 0.15 * thin_fraction - (n == 0 ? 0.5 : 0.0);
  plan->set_confidence(Round2(std::min(0.95, std::max(0.05, confidence))));
}

std::vector<std::string> ValidatePlan(const v1::Plan& plan, const ArmRegistry& registry,
                                      const PlanRules& rules) {
  std::vector<std::string> problems;
  const int n = plan.subtasks_size();
  if (n < rules.min_steps || n > rules.max_steps) {
    problems.push_back(absl::StrFormat("subtasks: has %d steps; a plan needs %d-%d", n,
                                       rules.min_steps, rules.max_steps));
  }
  for (int i = 0; i < n; ++i) {
    const v1::SubTask& t = plan.subtasks(i);
    const std::string at = absl::StrCat("step ", i + 1);
    if (t.step() != i + 1) {
      problems.push_back(
          absl::StrFormat("%s: numbered %d; steps must be numbered 1..N in order", at, t.step()));
    }
    if (absl::StripAsciiWhitespace(t.action()).empty()) {
      problems.push_back(absl::StrCat(at, ": action must not be empty"));
    }
    if (registry.Find(t.required_arm()) == nullptr) {
      problems.push_back(absl::StrFormat("%s: required_arm \"%s\" is not a registered arm (%s)", at,
                                         t.required_arm(), ArmList(registry)));
    }
    const int criteria = t.acceptance_criteria_size();
    if (criteria < 1 || criteria > static_cast<int>(kMaxCriteria)) {
      problems.push_back(absl::StrFormat("%s: has %d acceptance criteria; needs 1-%d", at, criteria,
                                         kMaxCriteria));
    }
    for (int c = 0; c < criteria; ++c) {
      if (absl::StripAsciiWhitespace(t.acceptance_criteria(c)).empty()) {
        problems.push_back(absl::StrFormat("%s: acceptance criterion %d is empty", at, c + 1));
      }
    }
    std::set<int> seen;
    for (int dep : t.depends_on()) {
      if (dep < 1 || dep > n) {
        problems.push_back(
            absl::StrFormat("%s: depends on step %d, which does not exist", at, dep));
      } else if (dep == i + 1) {
        problems.push_back(absl::StrFormat("%s: depends on itself", at));
      } else if (dep > i + 1) {
        problems.push_back(absl::StrFormat(
            "%s: depends on later step %d; dependencies must point to earlier steps", at, dep));
      }
      if (!seen.insert(dep).second) {
        problems.push_back(absl::StrFormat("%s: lists step %d twice in depends_on", at, dep));
      }
    }
    if (t.estimated_cost_tier() < 1 || t.estimated_cost_tier() > 5) {
      problems.push_back(absl::StrFormat("%s: estimated_cost_tier is %d; must be 1-5", at,
                                         t.estimated_cost_tier()));
    }
    if (t.estimated_duration_seconds() < 1 ||
        t.estimated_duration_seconds() > rules.max_step_duration_seconds) {
      problems.push_back(absl::StrFormat("%s: estimated_duration_seconds is %d; must be 1-%d", at,
                                         t.estimated_duration_seconds(),
                                         rules.max_step_duration_seconds));
    }
  }
  if (n > 0) {
    const v1::SubTask& last = plan.subtasks(n - 1);
    if (last.required_arm() != kJudgeArm) {
      problems.push_back(
          absl::StrFormat("step %d: the last step must be a judge verification step (is \"%s\")", n,
                          last.required_arm()));
    } else {
      const auto ancestors = Ancestors(plan);
      std::vector<int> missing;
      for (int j = 0; j < n - 1; ++j) {
        if (!ancestors[n - 1][j]) missing.push_back(j);
      }
      if (!missing.empty()) {
        problems.push_back(absl::StrFormat(
            "step %d: the verification step must come after every other step; it does not "
            "depend on step(s) %s",
            n, StepList(missing)));
      }
    }
  }
  if (plan.confidence() < 0 || plan.confidence() > 1 || std::isnan(plan.confidence())) {
    problems.push_back(absl::StrFormat("confidence: %g is outside 0-1", plan.confidence()));
  }
  if (plan.complexity_score() < 0 || plan.complexity_score() > 1 ||
      std::isnan(plan.complexity_score())) {
    problems.push_back(
        absl::StrFormat("complexity_score: %g is outside 0-1", plan.complexity_score()));
  }
  if (const int critical = CriticalPathSeconds(plan);
      plan.total_estimated_duration_seconds() != critical) {
    problems.push_back(
        absl::StrFormat("total_estimated_duration_seconds: is %d but the critical path is %d s",
                        plan.total_estimated_duration_seconds(), critical));
  }
  if (absl::StripAsciiWhitespace(plan.rationale()).empty()) {
    problems.push_back("rationale: must not be empty");
  }
  return problems;
}

std::vector<std::string> ValidatePlanForRequest(const v1::Plan& plan,
                                                const v1::PlanRequest& request,
                                                const ArmRegistry& registry,
                                                const PlanRules& rules) {
  std::vector<std::string> problems = ValidatePlan(plan, registry, rules);
  const GoalAnalysis analysis = AnalyzeGoal(request);
  if (analysis.sensitivity.any() &&
      (plan.subtasks_size() == 0 || plan.subtasks(0).required_arm() != kGuardianArm)) {
    problems.push_back(
        absl::StrFormat("step 1: must be a guardian step because the request involves %s",
                        JoinWithAnd(analysis.sensitivity.terms)));
  }
  const int64_t limit = analysis.constraints.time_limit_seconds;
  if (limit > 0 && plan.subtasks_size() > 0 && limit >= plan.subtasks_size() &&
      CriticalPathSeconds(plan) > limit) {
    problems.push_back(absl::StrFormat(
        "total_estimated_duration_seconds: critical path %d s exceeds the time limit of %s",
        CriticalPathSeconds(plan), FormatDuration(limit)));
  }
  return problems;
}

absl::string_view RepairKindName(RepairKind kind) {
  switch (kind) {
    case RepairKind::kRenumberSteps:
      return "renumber_steps";
    case RepairKind::kDropMissingDependency:
      return "drop_missing_dependency";
    case RepairKind::kDropSelfDependency:
      return "drop_self_dependency";
    case RepairKind::kDropForwardDependency:
      return "drop_forward_dependency";
    case RepairKind::kDropDuplicateDependency:
      return "drop_duplicate_dependency";
    case RepairKind::kMapArm:
      return "map_arm";
    case RepairKind::kAssignArm:
      return "assign_arm";
    case RepairKind::kFillAction:
      return "fill_action";
    case RepairKind::kTruncateAction:
      return "truncate_action";
    case RepairKind::kFillCostTier:
      return "fill_cost_tier";
    case RepairKind::kClampCostTier:
      return "clamp_cost_tier";
    case RepairKind::kFillDuration:
      return "fill_duration";
    case RepairKind::kClampDuration:
      return "clamp_duration";
    case RepairKind::kDropCriteria:
      return "drop_criteria";
    case RepairKind::kTrimCriteria:
      return "trim_criteria";
    case RepairKind::kFillCriteria:
      return "fill_criteria";
    case RepairKind::kAddGuardianStep:
      return "add_guardian_step";
    case RepairKind::kMergeExcessSteps:
      return "merge_excess_steps";
    case RepairKind::kPadSteps:
      return "pad_steps";
    case RepairKind::kExtendVerificationDependencies:
      return "extend_verification_dependencies";
    case RepairKind::kAddVerificationStep:
      return "add_verification_step";
    case RepairKind::kFitTimeLimit:
      return "fit_time_limit";
    case RepairKind::kRecomputeTotal:
      return "recompute_total";
    case RepairKind::kRecomputeConfidence:
      return "recompute_confidence";
    case RepairKind::kRecomputeComplexity:
      return "recompute_complexity";
    case RepairKind::kFillRationale:
      return "fill_rationale";
  }
  return "unknown";
}

const std::vector<RepairKind>& AllRepairKinds() {
  static const auto* kinds = [] {
    auto* out = new std::vector<RepairKind>;
    for (int k = 0; k <= static_cast<int>(RepairKind::kFillRationale); ++k) {
      out->push_back(static_cast<RepairKind>(k));
    }
    return out;
  }();
  return *kinds;
}

std::vector<std::string> RepairWarnings(const std::vector<PlanRepair>& repairs) {
  std::vector<std::string> out;
  out.reserve(repairs.size());
  for (const PlanRepair& r : repairs) out.push_back(r.warning);
  return out;
}

absl::StatusOr<std::vector<PlanRepair>> RepairPlan(v1::Plan* plan, const ArmRegistry& registry,
                                                   const v1::PlanRequest& request,
                                                   const PlanRules& rules) {
  const bool any_action = std::any_of(
      plan->subtasks().begin(), plan->subtasks().end(),
      [](const v1::SubTask& t) { return !absl::StripAsciiWhitespace(t.action()).empty(); });
  if (!any_action) {
    return absl::InvalidArgumentError(
        "plan: no step has an action, so there is nothing to repair (the reply needs at least "
        "one subtask with an action)");
  }
  const GoalAnalysis analysis = AnalyzeGoal(request);
  std::vector<PlanRepair> repairs;
  const auto add = [&repairs](RepairKind kind, std::string warning) {
    repairs.push_back(PlanRepair{kind, std::move(warning)});
  };
  std::vector<StepDraft> drafts = DraftsFromPlan(*plan);
  const int n = static_cast<int>(drafts.size());

  // 1. Numbering: map the reply's step numbers to positions.
  std::map<int, int> index_of;
  bool in_order = true;
  bool all_missing = true;
  std::vector<std::string> old_numbers;
  for (int i = 0; i < n; ++i) {
    const int number = plan->subtasks(i).step();
    old_numbers.push_back(absl::StrCat(number));
    if (number != i + 1) in_order = false;
    if (number != 0) all_missing = false;
    if (number > 0 && !index_of.contains(number)) index_of[number] = i;
  }
  if (all_missing) {
    for (int i = 0; i < n; ++i) index_of[i + 1] = i;  // dependencies count positions
  }
  if (!in_order) {
    add(RepairKind::kRenumberSteps,
        absl::StrFormat("renumbered steps 1..%d (were %s)", n, absl::StrJoin(old_numbers, ", ")));
  }

  // 2. Per-step repairs.
  for (int i = 0; i < n; ++i) {
    StepDraft& d = drafts[i];
    const std::string at = absl::StrCat("step ", i + 1);
    // Dependencies.
    std::vector<int> kept;
    for (int old_ref : plan->subtasks(i).depends_on()) {
      auto it = index_of.find(old_ref);
      if (it == index_of.end()) {
        add(RepairKind::kDropMissingDependency,
            absl::StrFormat("%s: dropped dependency on missing step %d", at, old_ref));
      } else if (it->second == i) {
        add(RepairKind::kDropSelfDependency,
            absl::StrFormat("%s: dropped dependency on itself", at));
      } else if (it->second > i) {
        add(RepairKind::kDropForwardDependency,
            absl::StrFormat(
                "%s: dropped dependency on later step %d (dependencies must point backwards)", at,
                it->second + 1));
      } else if (std::find(kept.begin(), kept.end(), it->second) != kept.end()) {
        add(RepairKind::kDropDuplicateDependency,
            absl::StrFormat("%s: dropped duplicate dependency on step %d", at, it->second + 1));
      } else {
        kept.push_back(it->second);
      }
    }
    std::sort(kept.begin(), kept.end());
    d.depends_on.assign(kept.begin(), kept.end());

    // Action.
    std::string action = CollapseWhitespace(d.action);
    // Arm.
    const std::string written_arm = d.arm;
    std::string arm = std::string(absl::StripAsciiWhitespace(written_arm));
    if (registry.Find(arm) == nullptr) {
      const std::string resolved = registry.Resolve(arm);
      if (!resolved.empty()) {
        add(RepairKind::kMapArm,
            absl::StrFormat("%s: required_arm \"%s\" mapped to \"%s\"", at, written_arm, resolved));
        arm = resolved;
      } else {
        const WorkKind kind = action.empty() ? WorkKind::kUnknown : ClassifyAction(action);
        arm = std::string(ArmForKind(kind));
        add(RepairKind::kAssignArm,
            absl::StrFormat(
                "%s: required_arm \"%s\" is not a registered arm; assigned \"%s\" from the action",
                at, written_arm, arm));
      }
    }
    d.arm = arm;
    if (action.empty()) {
      action = DefaultActionFor(arm, analysis);
      add(RepairKind::kFillAction,
          absl::StrFormat("%s: empty action filled with a default for the %s arm", at, arm));
    } else if (Utf8Length(action) > kMaxActionChars) {
      action = TruncateText(action, kMaxActionChars);
      add(RepairKind::kTruncateAction,
          absl::StrFormat("%s: action shortened to %d characters", at, kMaxActionChars));
    }
    d.action = action;
    const GoalPart parsed = ParseAction(action);
    d.kind = parsed.kind;
    d.object = parsed.object;
    const ArmSpec& spec = registry.Get(arm);
    // Cost tier.
    if (d.cost_tier == 0) {
      d.cost_tier = spec.cost_tier;
      add(RepairKind::kFillCostTier,
          absl::StrFormat("%s: missing estimated_cost_tier set to the %s arm's tier %d", at, arm,
                          spec.cost_tier));
    } else if (d.cost_tier < 1 || d.cost_tier > 5) {
      const int clamped = std::min(5, std::max(1, d.cost_tier));
      add(RepairKind::kClampCostTier,
          absl::StrFormat("%s: estimated_cost_tier %d clamped to %d", at, d.cost_tier, clamped));
      d.cost_tier = clamped;
    }
    // Duration.
    if (d.duration_seconds < 1) {
      const int estimate = EstimateDurationSeconds(d.kind, spec, d.action);
      add(RepairKind::kFillDuration,
          absl::StrFormat(
              "%s: estimated_duration_seconds %d replaced by the %s arm's estimate of %d s", at,
              d.duration_seconds, arm, estimate));
      d.duration_seconds = estimate;
    } else if (d.duration_seconds > rules.max_step_duration_seconds) {
      add(RepairKind::kClampDuration,
          absl::StrFormat("%s: estimated_duration_seconds %d clamped to %d", at, d.duration_seconds,
                          rules.max_step_duration_seconds));
      d.duration_seconds = rules.max_step_duration_seconds;
    }
    // Criteria.
    std::vector<std::string> criteria;
    int dropped = 0;
    for (const std::string& c : d.criteria) {
      std::string trimmed = CollapseWhitespace(c);
      if (trimmed.empty() ||
          std::find(criteria.begin(), criteria.end(), trimmed) != criteria.end()) {
        ++dropped;
        continue;
      }
      criteria.push_back(std::move(trimmed));
    }
    if (dropped > 0) {
      add(RepairKind::kDropCriteria,
          absl::StrFormat("%s: dropped %d empty or duplicate acceptance criteria", at, dropped));
    }
    if (criteria.size() > kMaxCriteria) {
      add(RepairKind::kTrimCriteria,
          absl::StrFormat("%s: kept the first %d of %d acceptance criteria", at, kMaxCriteria,
                          criteria.size()));
      criteria.resize(kMaxCriteria);
    }
    if (criteria.empty()) {
      criteria = CriteriaFor(arm == kJudgeArm ? WorkKind::kValidate : d.kind, d.object, d.action,
                             analysis);
      add(RepairKind::kFillCriteria,
          absl::StrFormat("%s: had no acceptance criteria; added %d default criteria for %s work",
                          at, criteria.size(),
                          WorkKindName(arm == kJudgeArm ? WorkKind::kValidate : d.kind)));
    }
    d.criteria.assign(std::make_move_iterator(criteria.begin()),
                      std::make_move_iterator(criteria.end()));
  }

  // 3. Shape: [guardian gate] work... closing judge.
  std::optional<StepDraft> closing;
  if (!drafts.empty() && drafts.back().arm == kJudgeArm) {
    closing = drafts.back();
    drafts.pop_back();
  }
  bool gate =
      analysis.sensitivity.any() && (drafts.empty() ? true : drafts.front().arm != kGuardianArm);
  auto gate_warning = [&]() {
    add(RepairKind::kAddGuardianStep,
        absl::StrFormat("added a guardian step first because the request involves %s",
                        JoinWithAnd(analysis.sensitivity.terms)));
  };
  if (gate) gate_warning();
  // Once steps are merged or added, the closing step's own references no longer line up; it
  // then depends on the last steps of every branch instead.
  bool reshaped = gate;
  const size_t max_work = static_cast<size_t>(std::max(1, rules.max_steps - 1 - (gate ? 1 : 0)));
  if (drafts.size() > max_work) {
    reshaped = true;
    for (const std::string& note : MergeToFit(&drafts, max_work)) {
      add(RepairKind::kMergeExcessSteps,
          absl::StrFormat("merged %s to stay within %d steps", note, rules.max_steps));
    }
  }
  // Pad short plans with helpers around the main step.
  const int total = static_cast<int>(drafts.size()) + (gate ? 1 : 0) + 1;
  if (total < rules.min_steps) {
    reshaped = true;
    GoalPart main;
    if (!drafts.empty()) {
      main = ParseAction(drafts.front().action);
      main.kind = drafts.front().kind;
    } else {
      main = ParseAction(closing->action);
      main.kind = WorkKind::kValidate;
    }
    if (main.text.empty()) main.text = drafts.empty() ? closing->action : drafts.front().action;
    std::vector<HelperDraft> helpers =
        HelpersFor(main, analysis, registry, rules.min_steps - total);
    std::vector<StepDraft> padded;
    for (const HelperDraft& h : helpers) {
      if (h.before) padded.push_back(h.draft);
    }
    const int shift = static_cast<int>(padded.size());
    for (StepDraft d : drafts) {
      for (int& dep : d.depends_on) dep += shift;
      if (d.depends_on.empty()) {
        for (int k = 0; k < shift; ++k) d.depends_on.push_back(k);
      }
      padded.push_back(std::move(d));
    }
    const int main_index = drafts.empty() ? -1 : shift;
    for (const HelperDraft& h : helpers) {
      if (h.before) continue;
      StepDraft d = h.draft;
      if (main_index >= 0) d.depends_on = {main_index};
      padded.push_back(std::move(d));
    }
    for (const HelperDraft& h : helpers) {
      add(RepairKind::kPadSteps,
          absl::StrFormat("added step \"%s\" so the plan has at least %d steps",
                          TruncateText(h.draft.action, 80), rules.min_steps));
    }
    drafts = std::move(padded);
    // A helper may now stand in front of a guardian step.
    if (!gate && analysis.sensitivity.any() && drafts.front().arm != kGuardianArm) {
      gate = true;
      gate_warning();
    }
  }
  std::vector<StepDraft> assembled;
  if (gate) {
    assembled.push_back(GuardianGateDraft(analysis, registry));
    for (StepDraft& d : drafts) {
      for (int& dep : d.depends_on) dep += 1;
      if (d.depends_on.empty()) d.depends_on.push_back(0);
    }
  }
  for (StepDraft& d : drafts) assembled.push_back(std::move(d));
  const size_t before_judge = assembled.size();
  const std::vector<int> sinks = SinkSteps(assembled);
  if (closing.has_value()) {
    StepDraft judge = *closing;
    std::set<int> deps;
    if (!reshaped) deps.insert(judge.depends_on.begin(), judge.depends_on.end());
    std::vector<StepDraft> probe = assembled;
    StepDraft tmp = judge;
    tmp.depends_on.assign(deps.begin(), deps.end());
    probe.push_back(tmp);
    v1::Plan probe_plan;
    WriteDraftsToPlan(probe, &probe_plan);
    const auto ancestors = Ancestors(probe_plan);
    std::vector<int> added;
    for (int s : sinks) {
      if (!ancestors[before_judge][s]) {
        deps.insert(s);
        added.push_back(s);
      }
    }
    if (!added.empty() && !reshaped) {
      add(RepairKind::kExtendVerificationDependencies,
          absl::StrFormat(
              "step %d: the verification step now also depends on step(s) %s so it runs last",
              before_judge + 1, StepList(added)));
    }
    judge.depends_on.assign(deps.begin(), deps.end());
    assembled.push_back(std::move(judge));
  } else {
    StepDraft judge =
        VerificationDraft(analysis, registry, static_cast<int>(before_judge), nullptr);
    judge.depends_on.assign(sinks.begin(), sinks.end());
    assembled.push_back(std::move(judge));
    add(RepairKind::kAddVerificationStep, "added a final judge verification step");
  }

  WriteDraftsToPlan(assembled, plan);

  // 4. Time limit.
  const int64_t limit = analysis.constraints.time_limit_seconds;
  if (limit > 0) {
    const int before = CriticalPathSeconds(*plan);
    const double factor = FitToTimeLimit(plan, limit);
    if (factor < 1.0) {
      add(RepairKind::kFitTimeLimit,
          absl::StrFormat("scaled step durations by %.2f so the critical path (%d s -> %d s) fits "
                          "the time limit "
                          "of %s",
                          factor, before, CriticalPathSeconds(*plan), FormatDuration(limit)));
    }
  }

  // 5. Totals and scores.
  const int critical = CriticalPathSeconds(*plan);
  if (plan->total_estimated_duration_seconds() != 0 &&
      plan->total_estimated_duration_seconds() != critical) {
    add(RepairKind::kRecomputeTotal,
        absl::StrFormat("total_estimated_duration_seconds %d replaced by the critical path of %d s",
                        plan->total_estimated_duration_seconds(), critical));
  }
  if (plan->confidence() < 0 || plan->confidence() > 1 || std::isnan(plan->confidence())) {
    add(RepairKind::kRecomputeConfidence,
        absl::StrFormat("confidence %g was outside 0-1; recomputed from the plan",
                        plan->confidence()));
  }
  if (plan->complexity_score() < 0 || plan->complexity_score() > 1 ||
      std::isnan(plan->complexity_score())) {
    add(RepairKind::kRecomputeComplexity,
        absl::StrFormat("complexity_score %g was outside 0-1; recomputed from the plan",
                        plan->complexity_score()));
  }
  if (absl::StripAsciiWhitespace(plan->rationale()).empty()) {
    std::vector<std::string> arms;
    for (const v1::SubTask& t : plan->subtasks()) {
      if (std::find(arms.begin(), arms.end(), t.required_arm()) == arms.end()) {
        arms.push_back(t.required_arm());
      }
    }
    plan->set_rationale(absl::StrFormat(
        "%d steps for \"%s\" using the %s arms; the last step verifies the result.",
        plan->subtasks_size(), TruncateText(analysis.summary, 80), JoinWithAnd(arms)));
    add(RepairKind::kFillRationale, "rationale was empty; filled with a summary of the plan");
  }
  for (const PlanRepair& r : repairs) plan->add_warnings(r.warning);
  ComputePlanMetrics(plan);
  return repairs;
}

}  // namespace armature::planner
