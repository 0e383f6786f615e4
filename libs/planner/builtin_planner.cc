#include "libs/planner/builtin_planner.h"

#include <algorithm>
#include <cmath>
#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_set.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "libs/planner/goal_analysis.h"
#include "libs/planner/step_templates.h"
#include "libs/planner/text.h"

namespace armature::planner {
namespace {

// Words too common to tie two parts together.
bool IsLinkingStem(absl::string_view stem) {
  static const auto* generic = new absl::flat_hash_set<absl::string_view>{
      "code",   "fil",   "result", "output", "work",       "task",       "step", "thing",  "python",
      "java",   "go",    "golang", "rust",   "javascript", "typescript", "c++",  "ruby",   "php",
      "kotlin", "swift", "sql",    "bash",   "simpl",      "quick",      "good", "better", "best",
      "small",  "larg",  "big",    "main",   "each",       "whol"};
  return !generic->contains(stem);
}

bool SharesSubject(const std::vector<std::string>& a, const std::vector<std::string>& b) {
  for (const std::string& x : a) {
    if (!IsLinkingStem(x)) continue;
    if (std::find(b.begin(), b.end(), x) != b.end()) return true;
  }
  return false;
}

// Kinds whose output a part of kind `kind` consumes even without shared words.
bool Feeds(WorkKind producer, WorkKind kind) {
  using K = WorkKind;
  switch (kind) {
    case K::kRunTests:
      return producer == K::kCode || producer == K::kDebug || producer == K::kRefactor ||
             producer == K::kWriteTests || producer == K::kExecute;
    case K::kDeploy:
      return producer == K::kCode || producer == K::kDebug || producer == K::kRefactor ||
             producer == K::kWriteTests || producer == K::kRunTests || producer == K::kExecute ||
             producer == K::kPlan;
    case K::kWriteProse:
      return producer == K::kResearch || producer == K::kAnalyze || producer == K::kSummarize;
    case K::kSummarize:
      return producer == K::kResearch || producer == K::kAnalyze || producer == K::kRunTests;
    case K::kCode:
    case K::kExecute:
      return producer == K::kPlan;
    case K::kPlan:
      return producer == K::kResearch || producer == K::kAnalyze;
    default:
      return false;
  }
}

// Dependencies between the goal's parts: explicit order ("then", numbered lists, pronouns),
// shared subjects, and the natural flow of work (tests run after code, write-ups after research,
// commands of one sentence in order). Items of one list under a shared header are siblings.
void LinkParts(const std::vector<GoalPart>& parts, std::vector<StepDraft>* drafts) {
  std::vector<std::vector<std::string>> stems;
  std::vector<Sensitivity> sensitive;
  stems.reserve(parts.size());
  for (const GoalPart& p : parts) {
    stems.push_back(ContentStems(p.object));
    sensitive.push_back(DetectSensitivity(p.object));
  }
  for (size_t j = 0; j < parts.size(); ++j) {
    const GoalPart& part = parts[j];
    std::set<int> deps;
    if (j > 0 && (part.after_previous || part.refers_back || part.kind == WorkKind::kValidate)) {
      deps.insert(static_cast<int>(j) - 1);
    }
    // A check in the middle of a sentence gates what follows it: "verify row counts and switch
    // traffic".
    if (j > 0 && parts[j - 1].kind == WorkKind::kValidate &&
        parts[j - 1].sentence == part.sentence) {
      deps.insert(static_cast<int>(j) - 1);
    }
    auto siblings = [&](size_t i) {
      return part.list_group >= 0 && parts[i].list_group == part.list_group;
    };
    for (size_t i = 0; i < j; ++i) {
      if (siblings(i)) continue;
      const bool shared_secret = (sensitive[i].secrets && sensitive[j].secrets) ||
                                 (sensitive[i].personal_data && sensitive[j].personal_data);
      if (SharesSubject(stems[j], stems[i]) || shared_secret) deps.insert(static_cast<int>(i));
    }
    for (size_t i = j; i-- > 0;) {
      if (siblings(i)) continue;
      // Analysis needs the data an earlier step collects ("scrape prices, analyse the trends").
      const bool collects_data =
          parts[i].verb == "gather" || parts[i].verb == "collect" || parts[i].verb == "fetch" ||
          parts[i].verb == "download" || parts[i].verb == "export" || parts[i].verb == "import" ||
          parts[i].verb == "query" || parts[i].verb == "scrape" || parts[i].verb == "retrieve" ||
          ((parts[i].kind == WorkKind::kResearch || parts[i].kind == WorkKind::kExecute) &&
           IsDataObject(parts[i].object));
      if (Feeds(parts[i].kind, part.kind) || (part.kind == WorkKind::kAnalyze && collects_data) ||
          (part.kind == WorkKind::kExecute && parts[i].kind == WorkKind::kExecute &&
           parts[i].sentence == part.sentence) ||
          (parts[i].kind == WorkKind::kAnalyze && IsDataObject(part.object) &&
           (part.kind == WorkKind::kCode || part.kind == WorkKind::kWriteProse ||
            part.kind == WorkKind::kSummarize))) {
        deps.insert(static_cast<int>(i));
        break;
      }
    }
    (*drafts)[j].depends_on.assign(deps.begin(), deps.end());
  }
}

std::string StepsText(const std::vector<int>& one_based) {
  std::vector<std::string> numbers;
  for (int n : one_based) numbers.push_back(absl::StrCat(n));
  return absl::StrCat(one_based.size() == 1 ? "step " : "steps ", JoinWithAnd(numbers));
}

// "coding (step 1), test writing (step 2) and deployment (step 3)".
std::string KindsByStep(const std::vector<StepDraft>& steps, int offset) {
  std::vector<WorkKind> order;
  std::vector<std::vector<int>> numbers;
  for (size_t i = 0; i < steps.size(); ++i) {
    auto it = std::find(order.begin(), order.end(), steps[i].kind);
    if (it == order.end()) {
      order.push_back(steps[i].kind);
      numbers.push_back({static_cast<int>(i) + 1 + offset});
    } else {
      numbers[it - order.begin()].push_back(static_cast<int>(i) + 1 + offset);
    }
  }
  std::vector<std::string> pieces;
  for (size_t k = 0; k < order.size(); ++k) {
    pieces.push_back(absl::StrCat(WorkKindName(order[k]), " (", StepsText(numbers[k]), ")"));
  }
  return JoinWithAnd(pieces);
}

}  // namespace

BuiltinPlanner::BuiltinPlanner(ArmRegistry registry, BuiltinPlannerOptions options)
    : registry_(std::move(registry)), options_(std::move(options)) {}

absl::StatusOr<v1::Plan> BuiltinPlanner::Plan(const v1::PlanRequest& request) {
  if (absl::Status status = ValidatePlanRequest(request, options_.limits); !status.ok()) {
    return status;
  }
  const PlanRules& rules = options_.rules;
  const GoalAnalysis analysis = AnalyzeGoal(request);
  std::vector<GoalPart> work = analysis.parts;
  std::vector<std::string> warnings;
  std::vector<std::string> rationale;

  // The goal's own final check becomes the closing judge step.
  std::optional<GoalPart> closing;
  if (work.back().kind == WorkKind::kValidate) {
    closing = work.back();
    work.pop_back();
  }
  const size_t goal_parts = analysis.parts.size();

  std::vector<StepDraft> drafts;
  for (const GoalPart& part : work) drafts.push_back(DraftForPart(part, analysis, registry_));
  LinkParts(work, &drafts);

  bool gate = analysis.sensitivity.any() && (drafts.empty() || drafts.front().arm != kGuardianArm);

  // Short goals: helper steps around the main part so the plan has at least min_steps.
  bool vague = false;
  const int total = static_cast<int>(drafts.size()) + (gate ? 1 : 0) + 1;
  std::string helper_note;
  if (total < rules.min_steps) {
    const int needed = rules.min_steps - total;
    const bool single = work.size() == 1 && !closing.has_value();
    if (single && (work[0].kind == WorkKind::kUnknown || work[0].object.empty())) {
      // A word or two without recognisable work or without an object ("Fibonacci", "Help",
      // "Optimize"): find out what is meant, then settle scope (or do the named work).
      vague = true;
      GoalPart scope = work[0];
      scope.kind = WorkKind::kUnknown;
      std::vector<HelperDraft> helpers = HelpersFor(scope, analysis, registry_, 2);
      StepDraft second = work[0].kind == WorkKind::kUnknown ? helpers[1].draft : drafts[0];
      second.depends_on = {0};
      drafts = {helpers[0].draft, second};
      warnings.push_back(absl::StrFormat(
          "the goal \"%s\" is too short to tell what to work on; the plan first finds out what it "
          "should cover",
          TruncateText(analysis.summary, 60)));
    } else {
      const GoalPart& main = work.empty() ? *closing : work[0];
      std::vector<HelperDraft> helpers = HelpersFor(main, analysis, registry_, needed);
      std::vector<StepDraft> shaped;
      for (HelperDraft& h : helpers) {
        if (h.before) shaped.push_back(std::move(h.draft));
      }
      const int befores = static_cast<int>(shaped.size());
      for (StepDraft& d : drafts) {
        for (int& dep : d.depends_on) dep += befores;
        if (d.depends_on.empty()) {
          for (int k = 0; k < befores; ++k) d.depends_on.push_back(k);
        }
        shaped.push_back(std::move(d));
      }
      for (HelperDraft& h : helpers) {
        if (h.before) continue;
        if (!work.empty()) h.draft.depends_on = {befores};
        shaped.push_back(std::move(h.draft));
      }
      std::vector<std::string> added;
      for (const HelperDraft& h : helpers) {
        added.push_back(
            absl::StrCat(WorkKindName(h.draft.kind), h.before ? " before" : " after", " it"));
      }
      helper_note = JoinWithAnd(added);
      drafts = std::move(shaped);
    }
  }

  // Helpers may now stand in front of a guardian part: the gate decision follows the shape.
  gate = analysis.sensitivity.any() && (drafts.empty() || drafts.front().arm != kGuardianArm);

  // Long goals: merge neighbours until the plan fits.
  const size_t max_work = static_cast<size_t>(std::max(1, rules.max_steps - 1 - (gate ? 1 : 0)));
  size_t merges = 0;
  if (drafts.size() > max_work) {
    const size_t before = drafts.size();
    merges = MergeToFit(&drafts, max_work).size();
    warnings.push_back(absl::StrFormat(
        "the goal names %d parts; merged related neighbours into %d steps to stay within %d",
        before, drafts.size(), rules.max_steps));
  }
  ReduceDependencies(&drafts);

  // Assemble: [guardian gate] work... judge.
  std::vector<StepDraft> steps;
  if (gate) steps.push_back(GuardianGateDraft(analysis, registry_));
  const int offset = gate ? 1 : 0;
  for (StepDraft& d : drafts) {
    for (int& dep : d.depends_on) dep += offset;
    if (gate && d.depends_on.empty()) d.depends_on.push_back(0);
    steps.push_back(std::move(d));
  }
  StepDraft judge = VerificationDraft(analysis, registry_, static_cast<int>(steps.size()),
                                      closing ? &*closing : nullptr);
  judge.depends_on = SinkSteps(steps);
  steps.push_back(std::move(judge));

  v1::Plan plan;
  WriteDraftsToPlan(steps, &plan);
  plan.set_backend(std::string(kBackend));

  // Rationale.
  const std::vector<StepDraft> work_steps(steps.begin() + offset, steps.end() - 1);
  if (vague) {
    rationale.push_back(absl::StrFormat(
        "The goal \"%s\" is too short to tell what to work on, so the plan first finds out what "
        "it should cover and then settles scope or does the named work.",
        TruncateText(analysis.summary, 60)));
  } else if (goal_parts == 1) {
    rationale.push_back(absl::StrFormat(
        "The goal is a single %s task%s.", WorkKindName(analysis.parts[0].kind),
        helper_note.empty() ? "" : absl::StrCat(", so the plan adds ", helper_note)));
  } else {
    rationale.push_back(
        absl::StrFormat("The goal has %d parts (%s); by what each needs: %s.", goal_parts,
                        analysis.split_signals.empty()
                            ? "read as separate tasks"
                            : absl::StrCat("split at ", JoinWithAnd(analysis.split_signals)),
                        KindsByStep(work_steps, offset)));
  }
  if (gate) {
    rationale.push_back(absl::StrFormat(
        "Step 1 (guardian) comes first because the goal involves %s; all other work waits for it.",
        JoinWithAnd(analysis.sensitivity.terms)));
  }
  std::vector<int> roots;
  std::vector<std::string> links;
  for (size_t i = 0; i < work_steps.size(); ++i) {
    const int number = static_cast<int>(i) + 1 + offset;
    std::vector<int> deps;
    for (int dep : work_steps[i].depends_on) {
      if (dep >= offset) deps.push_back(dep + 1);
    }
    if (deps.empty()) {
      roots.push_back(number);
    } else {
      std::vector<std::string> names;
      for (int d : deps) names.push_back(absl::StrCat(d));
      links.push_back(absl::StrCat(number, " after ", JoinWithAnd(names)));
    }
  }
  if (roots.size() > 1) {
    rationale.push_back(absl::StrFormat(
        "Steps %s do not depend on each other and can run in parallel.", JoinWithAnd([&] {
          std::vector<std::string> r;
          for (int x : roots) r.push_back(absl::StrCat(x));
          return r;
        }())));
  }
  if (!links.empty()) {
    rationale.push_back(absl::StrCat(
        goal_parts > 1 ? "Order follows shared subjects, explicit order words and the flow of "
                         "work: step "
                       : "Order: step ",
        absl::StrJoin(links, "; step "), "."));
  }
  if (merges > 0) {
    rationale.push_back(absl::StrFormat(
        "Related neighbouring parts were merged (%d merge%s) to keep the plan within %d steps.",
        merges, merges == 1 ? "" : "s", rules.max_steps));
  }
  rationale.push_back(absl::StrFormat(
      "Step %d (judge) verifies the result against the goal and every step's acceptance "
      "criteria.",
      plan.subtasks_size()));
  const ConstraintEffects& constraints = analysis.constraints;
  if (!constraints.languages.empty()) {
    rationale.push_back(
        absl::StrFormat("Coder steps are held to %s only.", JoinWithAnd(constraints.languages)));
    std::vector<std::string> conflicting;
    for (const GoalPart& part : analysis.parts) {
      for (const std::string& lang : DetectLanguages(part.text)) {
        if (std::find(constraints.languages.begin(), constraints.languages.end(), lang) ==
                constraints.languages.end() &&
            std::find(conflicting.begin(), conflicting.end(), lang) == conflicting.end()) {
          conflicting.push_back(lang);
        }
      }
    }
    if (!conflicting.empty()) {
      warnings.push_back(absl::StrFormat(
          "the goal mentions %s but the constraints ask for %s only; coder steps follow the "
          "constraints",
          JoinWithAnd(conflicting), JoinWithAnd(constraints.languages)));
    }
  }
  if (constraints.time_limit_seconds > 0) {
    const int before = CriticalPathSeconds(plan);
    const double factor = FitToTimeLimit(&plan, constraints.time_limit_seconds);
    const int after = CriticalPathSeconds(plan);
    if (factor < 1.0) {
      rationale.push_back(absl::StrFormat(
          "The time limit of %s scales every estimate by %.2f so the critical path fits (%d s "
          "-> %d s).",
          FormatDuration(constraints.time_limit_seconds), factor, before, after));
      warnings.push_back(absl::StrFormat("estimates scaled by %.2f to fit the time limit of %s",
                                         factor, FormatDuration(constraints.time_limit_seconds)));
      if (after > constraints.time_limit_seconds) {
        warnings.push_back(absl::StrFormat(
            "the critical path of %d s still exceeds the time limit of %s at 1 s per step", after,
            FormatDuration(constraints.time_limit_seconds)));
      }
    } else {
      rationale.push_back(absl::StrFormat("The critical path of %s fits the time limit of %s.",
                                          FormatDuration(before),
                                          FormatDuration(constraints.time_limit_seconds)));
    }
  }
  if (!constraints.other.empty()) {
    rationale.push_back(absl::StrFormat("The final check covers the constraint%s %s.",
                                        constraints.other.size() == 1 ? "" : "s", JoinWithAnd([&] {
                                          std::vector<std::string> q;
                                          for (const std::string& c : constraints.other) {
                                            q.push_back(
                                                absl::StrCat("\"", TruncateText(c, 60), "\""));
                                          }
                                          return q;
                                        }())));
  }
  if (!constraints.context_keys.empty()) {
    rationale.push_back(
        absl::StrFormat("Context considered: %s.", absl::StrJoin(constraints.context_keys, ", ")));
  }
  plan.set_rationale(absl::StrJoin(rationale, " "));
  for (const std::string& w : warnings) plan.add_warnings(w);
  ComputePlanMetrics(&plan);
  // The engine knows more than the plan shows: vague goals and forced merges lower confidence.
  double confidence = plan.confidence();
  if (vague) confidence -= 0.25;
  confidence -= 0.05 * static_cast<double>(std::min<size_t>(merges, 3));
  plan.set_confidence(std::round(std::max(0.05, confidence) * 100.0) / 100.0);
  return plan;
}

}  // namespace armature::planner
