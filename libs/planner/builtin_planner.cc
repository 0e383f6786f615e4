#include "libs/planner/builtin_planner.h"

#include <algorithm>
#include <cmath>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/container/inlined_vector.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/types/span.h"
#include "libs/planner/goal_analysis.h"
#include "libs/planner/lexicon.h"
#include "libs/planner/step_templates.h"
#include "libs/planner/text.h"

namespace armature::planner {
namespace {

// Words too common to tie two parts together.
bool IsLinkingStem(absl::string_view stem) {
  static const auto* generic = new WordSet{
      "code",   "fil",   "result", "output", "work",       "task",       "step", "thing",  "python",
      "java",   "go",    "golang", "rust",   "javascript", "typescript", "c++",  "ruby",   "php",
      "kotlin", "swift", "sql",    "bash",   "simpl",      "quick",      "good", "better", "best",
      "small",  "larg",  "big",    "main",   "each",       "whol"};
  return !generic->contains(stem);
}

bool SharesSubject(absl::Span<const std::string> a, absl::Span<const std::string> b) {
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
void LinkParts(absl::Span<const GoalPart> parts, std::vector<StepDraft>* drafts) {
  // The content stems of part i are all_stems[stem_begin[i], stem_begin[i + 1]).
  std::vector<std::string> all_stems;
  all_stems.reserve(4 * parts.size());
  absl::InlinedVector<size_t, 16> stem_begin;
  struct Secrets {
    bool personal_data;
    bool secrets;
  };
  for (const GoalPart& p : parts) {
    stem_begin.push_back(all_stems.size());
    AppendContentStems(p.object, &all_stems);
  }
  // What each part's object holds, found when first needed.
  absl::InlinedVector<std::optional<Secrets>, 16> sensitive(parts.size());
  auto secrets = [&](size_t i) -> const Secrets& {
    if (!sensitive[i].has_value()) {
      const Sensitivity s = DetectSensitivity(parts[i].object);
      sensitive[i] = Secrets{s.personal_data, s.secrets};
    }
    return *sensitive[i];
  };
  stem_begin.push_back(all_stems.size());
  auto stems = [&](size_t i) {
    return absl::MakeConstSpan(all_stems).subspan(stem_begin[i], stem_begin[i + 1] - stem_begin[i]);
  };
  // IsDataObject of each part's object, computed when first needed (-1: not yet).
  absl::InlinedVector<signed char, 16> data_object(parts.size(), -1);
  auto is_data_object = [&](size_t i) {
    if (data_object[i] < 0) data_object[i] = IsDataObject(parts[i].object) ? 1 : 0;
    return data_object[i] == 1;
  };
  absl::InlinedVector<int, 16> deps;  // of the part being linked, sorted and unique when assigned
  for (size_t j = 0; j < parts.size(); ++j) {
    const GoalPart& part = parts[j];
    deps.clear();
    if (j > 0 && (part.after_previous || part.refers_back || part.kind == WorkKind::kValidate)) {
      deps.push_back(static_cast<int>(j) - 1);
    }
    // A check in the middle of a sentence gates what follows it: "verify row counts and switch
    // traffic".
    if (j > 0 && parts[j - 1].kind == WorkKind::kValidate &&
        parts[j - 1].sentence == part.sentence) {
      deps.push_back(static_cast<int>(j) - 1);
    }
    auto siblings = [&](size_t i) {
      return part.list_group >= 0 && parts[i].list_group == part.list_group;
    };
    for (size_t i = 0; i < j; ++i) {
      if (siblings(i)) continue;
      // Both handle secrets, or both personal data.
      auto shared_secret = [&] {
        return (secrets(i).secrets && secrets(j).secrets) ||
               (secrets(i).personal_data && secrets(j).personal_data);
      };
      if (SharesSubject(stems(j), stems(i)) || shared_secret()) deps.push_back(static_cast<int>(i));
    }
    for (size_t i = j; i-- > 0;) {
      if (siblings(i)) continue;
      // Analysis needs the data an earlier step collects ("scrape prices, analyse the trends").
      const bool collects_data =
          parts[i].verb == "gather" || parts[i].verb == "collect" || parts[i].verb == "fetch" ||
          parts[i].verb == "download" || parts[i].verb == "export" || parts[i].verb == "import" ||
          parts[i].verb == "query" || parts[i].verb == "scrape" || parts[i].verb == "retrieve" ||
          ((parts[i].kind == WorkKind::kResearch || parts[i].kind == WorkKind::kExecute) &&
           is_data_object(i));
      if (Feeds(parts[i].kind, part.kind) || (part.kind == WorkKind::kAnalyze && collects_data) ||
          (part.kind == WorkKind::kExecute && parts[i].kind == WorkKind::kExecute &&
           parts[i].sentence == part.sentence) ||
          (parts[i].kind == WorkKind::kAnalyze && is_data_object(j) &&
           (part.kind == WorkKind::kCode || part.kind == WorkKind::kWriteProse ||
            part.kind == WorkKind::kSummarize))) {
        deps.push_back(static_cast<int>(i));
        break;
      }
    }
    std::sort(deps.begin(), deps.end());
    deps.erase(std::unique(deps.begin(), deps.end()), deps.end());
    (*drafts)[j].depends_on.assign(deps.begin(), deps.end());
  }
}

// Appends "1", "1 and 2", "1, 2 and 3" (JoinWithAnd of the numbers).
void AppendNumbersWithAnd(absl::Span<const int> numbers, std::string* out) {
  for (size_t i = 0; i < numbers.size(); ++i) {
    if (i > 0) *out += i + 1 == numbers.size() ? " and " : ", ";
    absl::StrAppend(out, numbers[i]);
  }
}

std::string NumbersWithAnd(absl::Span<const int> numbers) {
  std::string out;
  AppendNumbersWithAnd(numbers, &out);
  return out;
}

// "coding (step 1), test writing (step 2) and deployment (steps 3 and 4)".
std::string KindsByStep(absl::Span<const StepDraft> steps, int offset) {
  // Each kind in order of first appearance, with its step numbers.
  absl::InlinedVector<WorkKind, 8> order;
  absl::InlinedVector<absl::InlinedVector<int, 4>, 8> numbers;
  for (size_t i = 0; i < steps.size(); ++i) {
    auto it = std::find(order.begin(), order.end(), steps[i].kind);
    if (it == order.end()) {
      order.push_back(steps[i].kind);
      numbers.emplace_back();
      numbers.back().push_back(static_cast<int>(i) + 1 + offset);
    } else {
      numbers[it - order.begin()].push_back(static_cast<int>(i) + 1 + offset);
    }
  }
  std::string out;
  out.reserve(160);
  for (size_t k = 0; k < order.size(); ++k) {
    if (k > 0) out += k + 1 == order.size() ? " and " : ", ";
    absl::StrAppend(&out, WorkKindName(order[k]), numbers[k].size() == 1 ? " (step " : " (steps ");
    AppendNumbersWithAnd(numbers[k], &out);
    out += ')';
  }
  return out;
}

}  // namespace

BuiltinPlanner::BuiltinPlanner(ArmRegistry registry, BuiltinPlannerOptions options)
    : registry_(std::move(registry)), options_(std::move(options)) {}

absl::StatusOr<v1::Plan> BuiltinPlanner::Plan(const v1::PlanRequest& request) {
  if (absl::Status status = ValidatePlanRequest(request, options_.limits); !status.ok()) {
    return status;
  }
  return PlanValidRequest(request);
}

v1::Plan BuiltinPlanner::PlanValidRequest(const v1::PlanRequest& request) const {
  const PlanRules& rules = options_.rules;
  const GoalAnalysis analysis = AnalyzeGoal(request);
  absl::Span<const GoalPart> work(analysis.parts);
  std::vector<std::string> warnings;
  // Sentences of the rationale, joined by single spaces.
  std::string rationale;
  size_t rationale_sentences = 0;
  rationale.reserve(640);
  auto add_rationale = [&](const auto&... pieces) {
    if (rationale_sentences++ > 0) rationale += ' ';
    absl::StrAppend(&rationale, pieces...);
  };

  // The goal's own final check becomes the closing judge step.
  const GoalPart* closing = nullptr;
  if (work.back().kind == WorkKind::kValidate) {
    closing = &work.back();
    work.remove_suffix(1);
  }
  const size_t goal_parts = analysis.parts.size();

  std::vector<StepDraft> drafts;
  drafts.reserve(work.size() + 2);
  for (const GoalPart& part : work) drafts.push_back(DraftForPart(part, analysis, registry_));
  LinkParts(work, &drafts);

  bool gate = analysis.sensitivity.any() && (drafts.empty() || drafts.front().arm != kGuardianArm);

  // Short goals: helper steps around the main part so the plan has at least min_steps.
  bool vague = false;
  const int total = static_cast<int>(drafts.size()) + (gate ? 1 : 0) + 1;
  std::string helper_note;
  if (total < rules.min_steps) {
    const int needed = rules.min_steps - total;
    const bool single = work.size() == 1 && closing == nullptr;
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
      warnings.push_back(absl::StrCat("the goal \"", TruncateText(analysis.summary, 60),
                                      "\" is too short to tell what to work on; the plan first "
                                      "finds out what it should cover"));
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
    warnings.push_back(absl::StrCat("the goal names ", before,
                                    " parts; merged related neighbours into ", drafts.size(),
                                    " steps to stay within ", rules.max_steps));
  }
  ReduceDependencies(&drafts);

  // Assemble: [guardian gate] work... judge.
  std::vector<StepDraft> steps;
  steps.reserve(drafts.size() + 2);
  if (gate) steps.push_back(GuardianGateDraft(analysis, registry_));
  const int offset = gate ? 1 : 0;
  for (StepDraft& d : drafts) {
    for (int& dep : d.depends_on) dep += offset;
    if (gate && d.depends_on.empty()) d.depends_on.push_back(0);
    steps.push_back(std::move(d));
  }
  StepDraft judge = VerificationDraft(analysis, registry_, static_cast<int>(steps.size()), closing);
  judge.depends_on = SinkSteps(steps);
  steps.push_back(std::move(judge));

  v1::Plan plan;
  MoveDraftsToPlan(&steps, &plan);  // the steps keep their kinds and dependencies
  plan.set_backend(std::string(kBackend));

  // Rationale.
  const absl::Span<const StepDraft> work_steps =
      absl::MakeConstSpan(steps).subspan(offset, steps.size() - 1 - offset);
  if (vague) {
    add_rationale(
        "The goal \"", TruncateText(analysis.summary, 60),
        "\" is too short to tell what to work on, so the plan first finds out what it should "
        "cover and then settles scope or does the named work.");
  } else if (goal_parts == 1) {
    add_rationale("The goal is a single ", WorkKindName(analysis.parts[0].kind), " task",
                  helper_note.empty() ? "" : ", so the plan adds ", helper_note, ".");
  } else {
    add_rationale("The goal has ", goal_parts, " parts (",
                  analysis.split_signals.empty()
                      ? std::string("read as separate tasks")
                      : absl::StrCat("split at ", JoinWithAnd(analysis.split_signals)),
                  "); by what each needs: ", KindsByStep(work_steps, offset), ".");
  }
  if (gate) {
    add_rationale("Step 1 (guardian) comes first because the goal involves ",
                  JoinWithAnd(analysis.sensitivity.terms), "; all other work waits for it.");
  }
  absl::InlinedVector<int, 8> roots;
  std::vector<std::string> links;
  absl::InlinedVector<int, 8> deps;
  for (size_t i = 0; i < work_steps.size(); ++i) {
    const int number = static_cast<int>(i) + 1 + offset;
    deps.clear();
    for (int dep : work_steps[i].depends_on) {
      if (dep >= offset) deps.push_back(dep + 1);
    }
    if (deps.empty()) {
      roots.push_back(number);
    } else {
      links.push_back(absl::StrCat(number, " after ", NumbersWithAnd(deps)));
    }
  }
  if (roots.size() > 1) {
    add_rationale("Steps ", NumbersWithAnd(roots),
                  " do not depend on each other and can run in parallel.");
  }
  if (!links.empty()) {
    add_rationale(goal_parts > 1
                      ? "Order follows shared subjects, explicit order words and the flow of "
                        "work: step "
                      : "Order: step ",
                  absl::StrJoin(links, "; step "), ".");
  }
  if (merges > 0) {
    add_rationale("Related neighbouring parts were merged (", merges, " merge",
                  merges == 1 ? "" : "s", ") to keep the plan within ", rules.max_steps, " steps.");
  }
  add_rationale(
      "Step ", plan.subtasks_size(),
      " (judge) verifies the result against the goal and every step's acceptance criteria.");
  const ConstraintEffects& constraints = analysis.constraints;
  if (!constraints.languages.empty()) {
    add_rationale("Coder steps are held to ", JoinWithAnd(constraints.languages), " only.");
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
      warnings.push_back(absl::StrCat(
          "the goal mentions ", JoinWithAnd(conflicting), " but the constraints ask for ",
          JoinWithAnd(constraints.languages), " only; coder steps follow the constraints"));
    }
  }
  if (constraints.time_limit_seconds > 0) {
    const int before = CriticalPathSeconds(plan);
    // FitToTimeLimit changes nothing (factor 1) when the critical path already fits.
    const double factor = before <= constraints.time_limit_seconds
                              ? 1.0
                              : FitToTimeLimit(&plan, constraints.time_limit_seconds);
    if (factor < 1.0) {
      const int after = CriticalPathSeconds(plan);
      add_rationale(absl::StrFormat(
          "The time limit of %s scales every estimate by %.2f so the critical path fits (%d s "
          "-> %d s).",
          FormatDuration(constraints.time_limit_seconds), factor, before, after));
      warnings.push_back(absl::StrFormat("estimates scaled by %.2f to fit the time limit of %s",
                                         factor, FormatDuration(constraints.time_limit_seconds)));
      if (after > constraints.time_limit_seconds) {
        warnings.push_back(
            absl::StrCat("the critical path of ", after, " s still exceeds the time limit of ",
                         FormatDuration(constraints.time_limit_seconds), " at 1 s per step"));
      }
    } else {
      add_rationale("The critical path of ", FormatDuration(before), " fits the time limit of ",
                    FormatDuration(constraints.time_limit_seconds), ".");
    }
  }
  if (!constraints.other.empty()) {
    std::vector<std::string> quoted;
    quoted.reserve(constraints.other.size());
    for (const std::string& c : constraints.other) {
      quoted.push_back(absl::StrCat("\"", TruncateText(c, 60), "\""));
    }
    add_rationale("The final check covers the constraint", constraints.other.size() == 1 ? "" : "s",
                  " ", JoinWithAnd(quoted), ".");
  }
  if (!constraints.context_keys.empty()) {
    add_rationale("Context considered: ", absl::StrJoin(constraints.context_keys, ", "), ".");
  }
  plan.set_rationale(std::move(rationale));
  for (std::string& w : warnings) plan.add_warnings(std::move(w));
  ComputePlanMetrics(&plan);
  // The engine knows more than the plan shows: vague goals and forced merges lower confidence.
  double confidence = plan.confidence();
  if (vague) confidence -= 0.25;
  confidence -= 0.05 * static_cast<double>(std::min<size_t>(merges, 3));
  plan.set_confidence(std::round(std::max(0.05, confidence) * 100.0) / 100.0);
  return plan;
}

}  // namespace armature::planner
