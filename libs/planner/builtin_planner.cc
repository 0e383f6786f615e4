#include "libs/planner/builtin_planner.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/types/span.h"
#include "libs/planner/goal_analysis.h"
#include "libs/planner/lexicon.h"
#include "libs/planner/small_vector.h"
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
  // The content stems of the parts' objects (ContentStems), each distinct stem once in `chars`
  // and numbered; row i of `holds` (`words` 64-bit words) has the bits of part i's stems.
  struct Stem {
    lexicon_internal::WordKey key;
    uint32_t offset;  // in `chars`
  };
  size_t total = 0;
  for (const GoalPart& p : parts) total += p.object.size();
  SmallVector<char, 512> chars_buffer(total);
  char* const chars = chars_buffer.data();
  size_t used = 0;
  SmallVector<Stem, 64> distinct;
  // Open addressing over `distinct` (a content word has two characters and a space at least).
  size_t slots_size = 16;
  while (slots_size < total + 2) slots_size *= 2;
  SmallVector<int, 256> slots(slots_size, -1);
  const size_t mask = slots_size - 1;
  SmallVector<uint32_t, 64> ids;  // each part's stems, in order, without repeats
  SmallVector<size_t, 16> ids_begin;
  for (const GoalPart& p : parts) {
    const size_t first = ids.size();
    ids_begin.push_back(first);
    ForEachContentStem(p.object, [&](absl::string_view stem) {
      const lexicon_internal::WordKey key = lexicon_internal::KeyOf(stem);
      size_t slot = lexicon_internal::HashOf(key) & mask;
      int id = -1;
      for (; slots[slot] >= 0; slot = (slot + 1) & mask) {
        const Stem& s = distinct[static_cast<size_t>(slots[slot])];
        if (s.key.size == key.size && s.key.head == key.head && s.key.tail == key.tail &&
            (key.size <= 16 || std::memcmp(chars + s.offset, stem.data(), stem.size()) == 0)) {
          id = slots[slot];
          break;
        }
      }
      if (id < 0) {
        id = static_cast<int>(distinct.size());
        slots[slot] = id;
        std::memcpy(chars + used, stem.data(), stem.size());
        distinct.push_back({key, static_cast<uint32_t>(used)});
        used += stem.size();
      }
      for (size_t k = first; k < ids.size(); ++k) {
        if (ids[k] == static_cast<uint32_t>(id)) return;  // a repeat within the part
      }
      ids.push_back(static_cast<uint32_t>(id));
    });
  }
  ids_begin.push_back(ids.size());
  const size_t words = (distinct.size() + 63) / 64;
  SmallVector<uint64_t, 32> holds(parts.size() * words, 0);
  SmallVector<uint64_t, 4> linking(words, 0);  // IsLinkingStem
  for (size_t i = 0; i < parts.size(); ++i) {
    for (size_t k = ids_begin[i]; k < ids_begin[i + 1]; ++k) {
      holds[i * words + ids[k] / 64] |= uint64_t{1} << (ids[k] % 64);
    }
  }
  for (size_t id = 0; id < distinct.size(); ++id) {
    const absl::string_view text(chars + distinct[id].offset, distinct[id].key.size);
    if (IsLinkingStem(text)) linking[id / 64] |= uint64_t{1} << (id % 64);
  }
  struct Secrets {
    bool personal_data;
    bool secrets;
  };
  // SharesSubject: a linking stem of part a is a stem of part b.
  auto shares_subject = [&](size_t a, size_t b) {
    for (size_t w = 0; w < words; ++w) {
      if ((holds[a * words + w] & linking[w] & holds[b * words + w]) != 0) return true;
    }
    return false;
  };
  // What each part's object holds, found when first needed.
  SmallVector<std::optional<Secrets>, 16> sensitive(parts.size());
  auto secrets = [&](size_t i) -> const Secrets& {
    if (!sensitive[i].has_value()) {
      const Sensitivity s = DetectSensitivityKinds(parts[i].object);
      sensitive[i] = Secrets{s.personal_data, s.secrets};
    }
    return *sensitive[i];
  };
  // IsDataObject of each part's object, computed when first needed (-1: not yet).
  SmallVector<signed char, 16> data_object(parts.size(), -1);
  auto is_data_object = [&](size_t i) {
    if (data_object[i] < 0) data_object[i] = IsDataObject(parts[i].object) ? 1 : 0;
    return data_object[i] == 1;
  };
  SmallVector<int, 16> deps;  // of the part being linked, sorted and unique when assigned
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
      if (shares_subject(j, i) || shared_secret()) deps.push_back(static_cast<int>(i));
    }
    for (size_t i = j; i-- > 0;) {
      if (siblings(i)) continue;
      // Analysis needs the data an earlier step collects ("scrape prices, analyse the trends").
      auto collects_data = [&] {
        static const auto* kCollecting =
            new WordSet{"gather", "collect", "fetch",  "download", "export",
                        "import", "query",   "scrape", "retrieve"};
        return kCollecting->contains(parts[i].verb) ||
               ((parts[i].kind == WorkKind::kResearch || parts[i].kind == WorkKind::kExecute) &&
                is_data_object(i));
      };
      if (Feeds(parts[i].kind, part.kind) || (part.kind == WorkKind::kAnalyze && collects_data()) ||
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
void AppendNumbersWithAnd(absl::Span<const int> numbers, TextWriter* out) {
  for (size_t i = 0; i < numbers.size(); ++i) {
    if (i > 0) {
      if (i + 1 == numbers.size()) {
        out->Append(" and ");
      } else {
        out->Append(", ");
      }
    }
    if (numbers[i] >= 0 && numbers[i] < 10) {
      out->Append(static_cast<char>('0' + numbers[i]));  // step numbers are small
    } else {
      out->AppendInt(numbers[i]);
    }
  }
}

// Appends JoinWithAnd(items).
template <typename Items>
void AppendJoinedWithAnd(const Items& items, TextWriter* out) {
  const size_t n = items.size();
  size_t i = 0;
  for (const auto& item : items) {
    if (i > 0) {
      if (i + 1 == n) {
        out->Append(" and ");
      } else {
        out->Append(", ");
      }
    }
    out->Append(absl::string_view(item));
    ++i;
  }
}

// Appends one piece of a rationale sentence: text or a number.
void AppendPiece(TextWriter* out, absl::string_view piece) { out->Append(piece); }
template <size_t N>
void AppendPiece(TextWriter* out, const char (&piece)[N]) {
  out->Append(piece);
}
template <typename Int, typename = std::enable_if_t<std::is_integral_v<Int>>>
void AppendPiece(TextWriter* out, Int piece) {
  out->AppendInt(static_cast<int64_t>(piece));
}

// Appends "coding (step 1), test writing (step 2) and deployment (steps 3 and 4)".
void AppendKindsByStep(absl::Span<const StepDraft> steps, int offset, TextWriter* out) {
  // Each kind in order of first appearance, with how many steps have it.
  constexpr size_t kKinds = static_cast<size_t>(WorkKind::kUnknown) + 1;
  size_t count[kKinds] = {};
  WorkKind order[kKinds];
  size_t kinds = 0;
  for (const StepDraft& step : steps) {
    if (count[static_cast<size_t>(step.kind)]++ == 0) order[kinds++] = step.kind;
  }
  for (size_t k = 0; k < kinds; ++k) {
    if (k > 0) {
      if (k + 1 == kinds) {
        out->Append(" and ");
      } else {
        out->Append(", ");
      }
    }
    const size_t n = count[static_cast<size_t>(order[k])];
    out->Append(WorkKindName(order[k]));
    if (n == 1) {
      out->Append(" (step ");
    } else {
      out->Append(" (steps ");
    }
    // The step numbers, joined as AppendNumbersWithAnd joins them.
    size_t written = 0;
    for (size_t i = 0; i < steps.size(); ++i) {
      if (steps[i].kind != order[k]) continue;
      if (written > 0) {
        if (written + 1 == n) {
          out->Append(" and ");
        } else {
          out->Append(", ");
        }
      }
      ++written;
      const int number = static_cast<int>(i) + 1 + offset;
      if (number >= 0 && number < 10) {
        out->Append(static_cast<char>('0' + number));
      } else {
        out->AppendInt(number);
      }
    }
    out->Append(')');
  }
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
  v1::Plan plan;
  PlanValidRequest(request, &plan);
  return plan;
}

void BuiltinPlanner::PlanValidRequest(const v1::PlanRequest& request, v1::Plan* out) const {
  v1::Plan& plan = *out;
  const PlanRules& rules = options_.rules;
  const GoalAnalysis analysis = AnalyzeGoal(request);
  absl::Span<const GoalPart> work(analysis.parts);
  std::vector<std::string> warnings;
  // Sentences of the rationale, joined by single spaces.
  std::string rationale;
  TextWriter text(&rationale, 640);
  size_t rationale_sentences = 0;
  auto add_rationale = [&](const auto&... pieces) {
    if (rationale_sentences++ > 0) text.Append(' ');
    (AppendPiece(&text, pieces), ...);
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
  for (const GoalPart& part : work) {
    DraftForPartInto(part, analysis, registry_, &drafts.emplace_back());
  }
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

  // Assemble: [guardian gate] work... judge, written straight into the plan. The drafts keep
  // their kinds and dependencies for the rationale.
  const int offset = gate ? 1 : 0;
  std::optional<StepDraft> guardian;
  if (gate) guardian = GuardianGateDraft(analysis, registry_);
  for (StepDraft& d : drafts) {
    for (int& dep : d.depends_on) dep += offset;
    if (gate && d.depends_on.empty()) d.depends_on.push_back(0);
  }
  // The judge depends on the steps no other step depends on (SinkSteps).
  const size_t judge_index = drafts.size() + static_cast<size_t>(offset);
  SmallVector<bool, 16> has_dependent(judge_index, false);
  for (const StepDraft& d : drafts) {
    for (int dep : d.depends_on) {
      if (dep >= 0 && static_cast<size_t>(dep) < judge_index) has_dependent[dep] = true;
    }
  }
  StepDraft judge = VerificationDraft(analysis, registry_, static_cast<int>(judge_index), closing);
  judge.depends_on.clear();
  for (size_t i = 0; i < judge_index; ++i) {
    if (!has_dependent[i]) judge.depends_on.push_back(static_cast<int>(i));
  }
  plan.mutable_subtasks()->Reserve(static_cast<int>(judge_index) + 1);
  int number = 1;
  if (guardian.has_value()) MoveDraftToPlan(&*guardian, number++, &plan);
  for (StepDraft& d : drafts) MoveDraftToPlan(&d, number++, &plan);
  MoveDraftToPlan(&judge, number, &plan);
  plan.set_backend(kBackend.data(), kBackend.size());

  // Rationale.
  const absl::Span<const StepDraft> work_steps = drafts;
  if (vague) {
    add_rationale(
        "The goal \"", TruncateText(analysis.summary, 60),
        "\" is too short to tell what to work on, so the plan first finds out what it should "
        "cover and then settles scope or does the named work.");
  } else if (goal_parts == 1) {
    add_rationale("The goal is a single ", WorkKindName(analysis.parts[0].kind), " task",
                  helper_note.empty() ? "" : ", so the plan adds ", helper_note, ".");
  } else {
    add_rationale("The goal has ", goal_parts, " parts (");
    if (analysis.split_signals.empty()) {
      text.Append("read as separate tasks");
    } else {
      text.Append("split at ");
      AppendJoinedWithAnd(analysis.split_signals, &text);
    }
    text.Append("); by what each needs: ");
    AppendKindsByStep(work_steps, offset, &text);
    text.Append('.');
  }
  if (gate) {
    add_rationale("Step 1 (guardian) comes first because the goal involves ",
                  JoinWithAnd(analysis.sensitivity.terms), "; all other work waits for it.");
  }
  // Steps without dependencies on work steps, then each other step after its dependencies.
  SmallVector<int, 8> roots;
  SmallVector<int, 8> deps;
  auto work_deps = [&](size_t i) {  // the step numbers of work_steps[i]'s work dependencies
    deps.clear();
    for (int dep : work_steps[i].depends_on) {
      if (dep >= offset) deps.push_back(dep + 1);
    }
  };
  for (size_t i = 0; i < work_steps.size(); ++i) {
    work_deps(i);
    if (deps.empty()) roots.push_back(static_cast<int>(i) + 1 + offset);
  }
  if (roots.size() > 1) {
    add_rationale("Steps ");
    AppendNumbersWithAnd(roots, &text);
    text.Append(" do not depend on each other and can run in parallel.");
  }
  if (roots.size() < work_steps.size()) {  // "2 after 1; step 3 after 2"
    add_rationale(goal_parts > 1
                      ? "Order follows shared subjects, explicit order words and the flow of "
                        "work: step "
                      : "Order: step ");
    bool first = true;
    for (size_t i = 0; i < work_steps.size(); ++i) {
      work_deps(i);
      if (deps.empty()) continue;
      if (!first) text.Append("; step ");
      first = false;
      AppendNumbersWithAnd({static_cast<int>(i) + 1 + offset}, &text);
      text.Append(" after ");
      AppendNumbersWithAnd(deps, &text);
    }
    text.Append('.');
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
    add_rationale("Coder steps are held to ");
    AppendJoinedWithAnd(constraints.languages, &text);
    text.Append(" only.");
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
      std::string duration;
      AppendDuration(before, &duration);
      add_rationale("The critical path of ", duration, " fits the time limit of ");
      duration.clear();
      AppendDuration(constraints.time_limit_seconds, &duration);
      text.Append(duration);
      text.Append('.');
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
  text.Finish();
  plan.set_rationale(std::move(rationale));
  for (std::string& w : warnings) plan.add_warnings(std::move(w));
  ComputePlanMetrics(&plan);
  // The engine knows more than the plan shows: vague goals and forced merges lower confidence.
  double confidence = plan.confidence();
  if (vague) confidence -= 0.25;
  confidence -= 0.05 * static_cast<double>(std::min<size_t>(merges, 3));
  plan.set_confidence(std::round(std::max(0.05, confidence) * 100.0) / 100.0);
}

}  // namespace armature::planner
