#include "libs/planner/step_templates.h"

#include <algorithm>
#include <set>

#include "absl/container/inlined_vector.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "libs/planner/lexicon.h"
#include "libs/planner/text.h"

namespace armature::planner {
namespace {

std::string LanguageText(const GoalAnalysis& analysis) {
  return JoinWithAnd(analysis.constraints.languages);
}

bool UsesCode(WorkKind kind) {
  return kind == WorkKind::kCode || kind == WorkKind::kDebug || kind == WorkKind::kRefactor ||
         kind == WorkKind::kWriteTests || kind == WorkKind::kAnalyze;
}

std::string SensitiveTermsText(const GoalAnalysis& analysis) {
  if (analysis.sensitivity.terms.empty()) return "personal data or secrets";
  return JoinWithAnd(analysis.sensitivity.terms);
}

void AddUnique(std::vector<std::string>* list, std::string item) {
  if (item.empty() || list->size() >= kMaxCriteria) return;
  if (std::find(list->begin(), list->end(), item) == list->end()) list->push_back(std::move(item));
}

// "deploy the web app" for use after "needed to".
std::string Infinitive(absl::string_view action) {
  return LowerFirstWord(StripTrailingPunct(action), &IsCommonWord);
}

// The criteria of a kind of work, moved into a vector with room for the ones added later.
template <typename... Items>
std::vector<std::string> Criteria(Items&&... items) {
  std::vector<std::string> c;
  c.reserve(kMaxCriteria);
  (c.emplace_back(std::forward<Items>(items)), ...);
  return c;
}

// A draft of `kind` with the registry's estimates; `with_criteria` false leaves its criteria
// empty for the caller to write.
StepDraft MakeDraft(std::string action, WorkKind kind, std::string object,
                    const GoalAnalysis& analysis, const ArmRegistry& registry,
                    absl::string_view arm_override = "", bool with_criteria = true) {
  StepDraft d;
  CapitalizeFirstInPlace(&action);
  TruncateTextInPlace(&action, kMaxActionChars);
  d.action = std::move(action);
  d.kind = kind;
  d.arm = std::string(arm_override.empty() ? ArmForKind(kind) : arm_override);
  d.object = std::move(object);
  if (with_criteria) d.criteria = CriteriaFor(kind, d.object, d.action, analysis);
  const ArmSpec& arm = registry.Get(d.arm);
  d.cost_tier = arm.cost_tier;
  d.duration_seconds = EstimateDurationSeconds(kind, arm, d.action);
  return d;
}

}  // namespace

std::string ObjectRef(absl::string_view object) {
  std::string collapsed;
  absl::string_view trimmed = StripTrailingPunctView(CollapsedView(object, &collapsed));
  if (trimmed.empty()) return "the result";
  // Keep the head of the phrase: "the web app to production" -> "the web app",
  // "a Python function to sort a list" -> "the Python function".
  static const auto* kCut =
      new WordSet{"to",   "into",   "in",      "on",    "from",   "at",    "using",
                  "with", "so",     "that",    "which", "and",    "via",   "within",
                  "onto", "across", "because", "while", "before", "after", "by"};
  size_t index = 0;
  ForEachWord(trimmed, [&](absl::string_view word) {
    if (index++ < 2 || !kCut->contains(LowerText(word).view())) return true;
    // The words before this one, single spaces apart as in `trimmed`.
    trimmed = trimmed.substr(0, static_cast<size_t>(word.data() - trimmed.data()) - 1);
    return false;
  });
  std::string phrase = ObjectPhrase(trimmed);
  TruncateTextInPlace(&phrase, 60);
  return phrase;
}

std::vector<std::string> CriteriaFor(WorkKind kind, absl::string_view object,
                                     absl::string_view action, const GoalAnalysis& analysis) {
  const std::string r = ObjectRef(object);
  auto R = [&r] { return CapitalizeFirst(r); };
  std::vector<std::string> c;
  switch (kind) {
    case WorkKind::kCode: {
      // "Build a parser" makes the object; "Scrape the pages" acts on it.
      const std::string verb = ActionVerb(action);
      static const auto* kMaking =
          new WordSet{"write",   "implement", "build",    "create",    "develop",   "code",
                      "program", "add",       "generate", "scaffold",  "prototype", "make",
                      "design",  "extend",    "rewrite",  "port",      "set up",    "setup",
                      "update",  "improve",   "optimize", "optimise",  "enhance",   "modify",
                      "change",  "support",   "expose",   "integrate", "implement"};
      if (verb.empty() || kMaking->contains(verb) || object.empty()) {
        c = Criteria(
            absl::StrCat(R(), " is implemented and builds without errors or warnings"),
            absl::StrCat("Automated tests cover the main path and at least two edge cases of ", r,
                         ", and pass"));
      } else {
        const std::string what =
            TruncateText(LowerFirstWord(StripTrailingPunct(action), &IsCommonWord), 80);
        c = Criteria(absl::StrCat("Code to ", what, " runs end to end without errors"),
                     "Automated tests cover the main path and at least two edge cases, and pass");
      }
      break;
    }
    case WorkKind::kDebug:
      c = Criteria(absl::StrCat("A test reproduces ", r, " and fails before the fix"),
                   "The same test passes after the fix",
                   "The existing test suite passes with no new failures");
      break;
    case WorkKind::kRefactor:
      c = Criteria(absl::StrCat("Existing tests for ", r, " pass before and after the change"),
                   absl::StrCat("Public behaviour and interfaces of ", r, " are unchanged"),
                   "Duplicated code is removed and no changed function exceeds 50 lines");
      break;
    case WorkKind::kWriteTests:
      c = Criteria("Tests cover the main path and at least three edge or error cases",
                   "All new tests pass", "Line coverage of the code under test is at least 80%");
      break;
    case WorkKind::kRunTests:
      c = Criteria("The test command exits with status 0",
                   "Passed, failed and skipped counts are recorded",
                   "Every failure is reported with its test name and error output");
      break;
    case WorkKind::kResearch:
      c = Criteria(absl::StrCat("At least 3 relevant sources on ", r,
                                " are listed with links or references"),
                   "Key findings are summarised in at most 10 bullet points",
                   "Every finding cites at least one listed source");
      break;
    case WorkKind::kSummarize:
      c = Criteria(absl::StrCat("The summary of ", r, " is at most 400 words"),
                   "Every claim in the summary points to its source");
      break;
    case WorkKind::kWriteProse:
      c = Criteria(
          absl::StrCat("A complete draft of ", r, " exists with every planned section filled"),
          "A spelling and grammar check reports no errors",
          "Facts and figures in the draft match their sources");
      break;
    case WorkKind::kExecute:
      c = Criteria("Every command exits with status 0 and every API call returns a 2xx status",
                   "Commands, outputs and changed settings are logged",
                   absl::StrCat("The resulting state of ", r,
                                " is checked (service responds, files exist)"));
      break;
    case WorkKind::kDeploy:
      c = Criteria(absl::StrCat(R(), " is deployed and its health check returns success"),
                   "The deployed version or commit is recorded",
                   "A rollback procedure is documented and can be run in one command");
      break;
    case WorkKind::kAnalyze: {
      const std::string verb = ActionVerb(action);
      if (verb == "train" || verb == "forecast" || verb == "predict" || verb == "classify" ||
          verb == "cluster" || verb == "model") {
        c = Criteria(
            absl::StrCat(R(), " is evaluated on held-out data and its metrics are recorded"),
            "Training reruns from a script with a fixed seed and gives the same metrics",
            "Input data, features and parameters are documented");
      } else {
        c = Criteria(absl::StrCat("The analysis of ", r,
                                  " produces the requested figures as a table or chart"),
                     "The analysis reruns from a script on the same input with identical results",
                     "Missing or invalid records are counted and reported");
      }
      break;
    }
    case WorkKind::kSecurity:
      if (!analysis.sensitivity.personal_data && !analysis.sensitivity.secrets &&
          analysis.sensitivity.exploitation) {
        c = Criteria("Findings are recorded with severity and reproduction steps",
                     "Work stays within the authorised scope and test environment",
                     "No exploit code or payload leaves the test environment");
      } else {
        c = Criteria(absl::StrCat("No ", SensitiveTermsText(analysis),
                                  " remain exposed in outputs, logs or test data"),
                     "A scan for personal data and secrets finds no exposed values",
                     "Each safeguard applied is recorded for audit");
      }
      break;
    case WorkKind::kValidate:
      c = Criteria(
          absl::StrCat(
              R(),
              " is checked against the stated requirements, each check recorded as pass or fail"),
          "Every failure is reported with evidence");
      break;
    case WorkKind::kPlan:
      c = Criteria(
          absl::StrCat("The plan for ", r, " lists milestones, each with an owner and a date"),
          "Dependencies and risks are listed, each with a mitigation");
      break;
    case WorkKind::kUnknown:
      c = Criteria(
          absl::StrCat("Scope, deliverables and success criteria for ", r, " are written down"),
          "Open questions are listed, each with an owner");
      break;
  }
  if (UsesCode(kind) && !analysis.constraints.languages.empty()) {
    AddUnique(&c, absl::StrCat("All code is written in ", LanguageText(analysis), " only"));
  }
  if (c.size() > kMaxCriteria) c.resize(kMaxCriteria);
  return c;
}

int EstimateDurationSeconds(WorkKind kind, const ArmSpec& arm, absl::string_view action) {
  int percent = 100;
  switch (kind) {
    case WorkKind::kDebug:
      percent = 120;
      break;
    case WorkKind::kWriteTests:
      percent = 60;
      break;
    case WorkKind::kRunTests:
      percent = 40;
      break;
    case WorkKind::kSummarize:
      percent = 50;
      break;
    case WorkKind::kExecute:
      percent = 60;
      break;
    case WorkKind::kAnalyze:
      percent = 80;
      break;
    default:
      break;
  }
  // Longer actions describe more work: +5% per word past 12, at most +50%.
  const int words = static_cast<int>(CountWords(action));
  percent += std::min(50, std::max(0, words - 12) * 5);
  int64_t seconds = static_cast<int64_t>(arm.default_duration_seconds) * percent / 100;
  if (seconds >= 60) seconds = (seconds + 5) / 10 * 10;  // round to 10 s
  return static_cast<int>(std::max<int64_t>(1, seconds));
}

StepDraft DraftForPart(const GoalPart& part, const GoalAnalysis& analysis,
                       const ArmRegistry& registry) {
  std::string action;
  bool mentioned = true;  // the language constraints, if any, in the action
  if (ArmForKind(part.kind) == kCoderArm && !analysis.constraints.languages.empty()) {
    const LowerText lower(part.text);
    mentioned = false;
    for (const std::string& lang : analysis.constraints.languages) {
      if (ContainsPhrase(lower.view(), LowerText(lang).view())) mentioned = true;
    }
  }
  if (mentioned) {
    action = part.text;
  } else {
    const absl::string_view text = StripTrailingPunctView(part.text);
    const std::string languages = LanguageText(analysis);
    action.reserve(text.size() + 4 + languages.size());
    absl::StrAppend(&action, text, " in ", languages);
  }
  std::string object = part.object;
  if (part.kind == WorkKind::kWriteTests && absl::StartsWithIgnoreCase(object, "tests for ")) {
    object.erase(0, 10);
  }
  return MakeDraft(std::move(action), part.kind, std::move(object), analysis, registry);
}

StepDraft GuardianGateDraft(const GoalAnalysis& analysis, const ArmRegistry& registry) {
  const Sensitivity& s = analysis.sensitivity;
  const std::string terms = SensitiveTermsText(analysis);
  std::string summary;
  const std::string goal = absl::StrCat("\"", TruncatedView(analysis.summary, 80, &summary), "\"");
  std::string action;
  if (s.exploitation) {
    action = absl::StrCat("Confirm authorisation and scope for the ", terms, " work in ", goal,
                          " before any other step runs");
  } else if (s.personal_data) {
    action = absl::StrCat("Identify the ", terms, " involved in ", goal,
                          " and set handling rules (masking, access, retention) before other "
                          "steps start");
  } else {
    action = absl::StrCat("Check how ", terms, " are stored and passed for ", goal,
                          " and keep them out of code, logs and outputs");
  }
  StepDraft d = MakeDraft(std::move(action), WorkKind::kSecurity, "", analysis, registry, "",
                          /*with_criteria=*/false);
  if (s.exploitation) {
    d.criteria.push_back("Written authorisation for the target systems is recorded");
    d.criteria.push_back(
        "Allowed techniques, targets and time window are listed; anything else is out of scope");
    d.criteria.push_back("Work is confined to an isolated test environment");
  }
  if (s.personal_data) {
    AddUnique(&d.criteria, absl::StrCat("Every field holding ", terms,
                                        " is listed with its protection (masking, encryption or "
                                        "removal)"));
    AddUnique(&d.criteria, absl::StrCat("No ", terms, " appear in logs, outputs or test fixtures"));
    AddUnique(&d.criteria, "Retention and deletion rules for personal data are stated");
  }
  if (s.secrets) {
    AddUnique(&d.criteria,
              "Secrets are loaded from the environment or a secret store, never hard-coded");
    AddUnique(&d.criteria, "A secret scan of code, config and history finds no credentials");
  }
  if (d.criteria.empty()) {
    d.criteria.push_back("Personal data, secrets and security risks in scope are listed");
  }
  return d;
}

StepDraft VerificationDraft(const GoalAnalysis& analysis, const ArmRegistry& registry,
                            int earlier_steps, const GoalPart* closing) {
  std::string summary_storage;
  const absl::string_view summary = TruncatedView(analysis.summary, 80, &summary_storage);
  std::string action;
  if (closing != nullptr) {
    action = absl::StrCat(StripTrailingPunctView(closing->text),
                          "; confirm every earlier step's acceptance criteria are met");
  } else {
    action = absl::StrCat("Verify that the result achieves \"", summary,
                          "\" and that every earlier step's acceptance criteria are met");
  }
  StepDraft d = MakeDraft(std::move(action), WorkKind::kValidate, closing ? closing->object : "",
                          analysis, registry, kJudgeArm, /*with_criteria=*/false);
  d.criteria.reserve(kMaxCriteria);
  constexpr absl::string_view kChecked =
      " checked against their acceptance criteria, each recorded as pass or fail";
  if (earlier_steps == 1) {
    d.criteria.push_back(absl::StrCat("The earlier step is", kChecked));
  } else if (earlier_steps == 2) {
    d.criteria.push_back(absl::StrCat("Both earlier steps are", kChecked));
  } else {
    d.criteria.push_back(absl::StrCat("All ", earlier_steps, " earlier steps are", kChecked));
  }
  d.criteria.push_back(absl::StrCat("The delivered result achieves the goal: ", summary));
  if (!analysis.constraints.languages.empty()) {
    AddUnique(&d.criteria,
              absl::StrCat("All code is written in ", LanguageText(analysis), " only"));
  }
  if (analysis.constraints.time_limit_seconds > 0) {
    AddUnique(&d.criteria, absl::StrCat("The work finishes within ",
                                        FormatDuration(analysis.constraints.time_limit_seconds)));
  }
  for (const std::string& c : analysis.constraints.other) {
    AddUnique(&d.criteria, absl::StrCat("Constraint met: ", TruncateText(c, 100)));
  }
  return d;
}

std::vector<HelperDraft> HelpersFor(const GoalPart& main, const GoalAnalysis& analysis,
                                    const ArmRegistry& registry, int count) {
  // Without an object ("Optimize", "Help") the goal's own words are quoted instead.
  const std::string r =
      main.object.empty()
          ? absl::StrCat("\"", TruncateText(StripTrailingPunct(main.text), 60), "\"")
          : ObjectRef(main.object);
  const std::string verb_phrase = Infinitive(main.text);
  const std::string terms = SensitiveTermsText(analysis);
  std::vector<HelperDraft> out;
  // A helper step; `criteria` replaces the kind's generic criteria when given.
  // Only the first `count` helpers are kept.
  auto add = [&](bool before, std::string action, WorkKind kind,
                 std::vector<std::string> criteria = {}) {
    if (static_cast<int>(out.size()) >= count) return;
    StepDraft d = MakeDraft(std::move(action), kind, main.object, analysis, registry, "",
                            /*with_criteria=*/criteria.empty());
    if (!criteria.empty()) d.criteria = std::move(criteria);
    out.push_back({std::move(d), before});
  };
  constexpr bool kBefore = true;
  constexpr bool kAfter = false;
  const std::string R = CapitalizeFirst(r);
  switch (main.kind) {
    case WorkKind::kCode:
      add(kAfter, absl::StrCat("Run the tests for ", r, " and try it on sample inputs"),
          WorkKind::kRunTests);
      add(kBefore, absl::StrCat("Collect the requirements and existing code relevant to ", r),
          WorkKind::kResearch,
          {absl::StrCat("Requirements for ", r, " are listed, each one testable"),
           "Existing code, interfaces and conventions to follow are identified"});
      break;
    case WorkKind::kDebug:
      add(kBefore, absl::StrCat("Reproduce ", r, " and capture the logs and error output"),
          WorkKind::kExecute,
          {absl::StrCat(R, " is reproduced with exact steps, inputs and environment"),
           "Logs and error output of the failure are saved"});
      add(kAfter, absl::StrCat("Run the full test suite after the fix for ", r),
          WorkKind::kRunTests);
      break;
    case WorkKind::kRefactor:
      add(kBefore, absl::StrCat("Run the existing tests for ", r, " to record a passing baseline"),
          WorkKind::kRunTests,
          {"The existing test suite passes and its results are saved as the baseline",
           "Test coverage of the code to change is recorded"});
      add(kAfter, absl::StrCat("Run the tests for ", r, " again and compare with the baseline"),
          WorkKind::kRunTests);
      break;
    case WorkKind::kWriteTests: {
      const std::string lower = AsciiLower(main.object);
      const std::string tests = ContainsPhrase(lower, "tests") || ContainsPhrase(lower, "test")
                                    ? ObjectPhrase(main.object)
                                    : absl::StrCat("the tests for ", r);
      add(kAfter, absl::StrCat("Run ", TruncateText(tests, 80), " and record the results"),
          WorkKind::kRunTests);
      add(kBefore, "Read the code under test and list its main paths and edge cases",
          WorkKind::kResearch,
          {"Main paths and at least three edge or error cases of the code under test are listed"});
      break;
    }
    case WorkKind::kRunTests:
      add(kBefore, absl::StrCat("Collect the test setup and environment needed to ", verb_phrase),
          WorkKind::kResearch,
          {"The test command, environment and required services are written down"});
      add(kAfter, absl::StrCat("Summarise the test results for ", r, " and list every failure"),
          WorkKind::kSummarize);
      break;
    case WorkKind::kResearch:
      add(kAfter, absl::StrCat("Summarise the findings on ", r, " with a source for each claim"),
          WorkKind::kSummarize);
      add(kBefore, absl::StrCat("List the questions and search terms to ", verb_phrase),
          WorkKind::kPlan, {"At least 3 questions are listed, each with its search terms"});
      break;
    case WorkKind::kSummarize:
      add(kBefore, absl::StrCat("Gather the sources needed to ", verb_phrase), WorkKind::kResearch);
      add(kBefore, absl::StrCat("Pick the key points to keep when you ", verb_phrase),
          WorkKind::kPlan, {"The key points to keep are listed in order of importance"});
      break;
    case WorkKind::kWriteProse:
      add(kBefore, absl::StrCat("Gather the source material needed to ", verb_phrase),
          WorkKind::kResearch);
      add(kBefore, absl::StrCat("Outline the sections of ", r), WorkKind::kPlan,
          {absl::StrCat("An outline lists every section of ", r, " with its main point")});
      break;
    case WorkKind::kExecute:
    case WorkKind::kDeploy:
      add(kBefore,
          absl::StrCat("Collect the prerequisites and configuration needed to ", verb_phrase),
          WorkKind::kResearch,
          {"Required access, versions and configuration values are listed",
           "Every prerequisite is confirmed to be available"});
      add(kAfter, absl::StrCat("Run a smoke test against ", r, " and record the output"),
          WorkKind::kRunTests,
          {absl::StrCat("A smoke test against ", r, " succeeds"), "Its output is recorded"});
      break;
    case WorkKind::kAnalyze:
      add(kBefore, absl::StrCat("Gather and load the data needed to ", verb_phrase),
          WorkKind::kResearch,
          {"The input data is loaded and its row count and columns are recorded",
           "Every data source is listed with its date"});
      add(kAfter, absl::StrCat("Summarise the results for ", r, " with the key figures"),
          WorkKind::kSummarize);
      break;
    case WorkKind::kPlan:
      add(kBefore, absl::StrCat("Gather the information needed to ", verb_phrase),
          WorkKind::kResearch, {"Options, constraints and costs are listed, each with its source"});
      add(kAfter, absl::StrCat("List the risks and open questions in the plan for ", r),
          WorkKind::kSummarize, {"Every risk has a likelihood, an impact and a mitigation"});
      break;
    case WorkKind::kSecurity:
      add(kAfter, absl::StrCat("Scan ", r, " to confirm no ", terms, " remain exposed"),
          WorkKind::kExecute,
          {absl::StrCat("A scan of ", r, " finds no exposed ", terms),
           "The scan command and its results are saved"});
      add(kBefore, absl::StrCat("List where ", r, " is stored, logged and shared"),
          WorkKind::kResearch,
          {absl::StrCat("Every place ", r, " is stored, logged or shared is listed")});
      break;
    case WorkKind::kValidate:
      add(kBefore, absl::StrCat("Collect ", r, " and the context needed to ", verb_phrase),
          WorkKind::kResearch,
          {absl::StrCat(R, " and its context (requirements, related changes) are collected")});
      add(kBefore, absl::StrCat("Define the checklist to ", verb_phrase, " against"),
          WorkKind::kPlan,
          {"The checklist covers every stated requirement",
           "Each checklist item can be answered pass or fail"});
      break;
    case WorkKind::kUnknown:
      add(kBefore, absl::StrCat("Find out what ", r, " should cover and gather its requirements"),
          WorkKind::kResearch,
          {"Requirements, constraints and open questions are listed",
           "Each requirement names who asked for it"});
      add(kBefore, absl::StrCat("Define the scope, deliverables and first actions for ", r),
          WorkKind::kUnknown);
      break;
  }
  if (static_cast<int>(out.size()) > count) out.resize(static_cast<size_t>(std::max(0, count)));
  return out;
}

std::vector<std::string> MergeToFit(std::vector<StepDraft>* drafts, size_t max_count) {
  std::vector<std::string> notes;
  std::vector<StepDraft>& d = *drafts;
  while (d.size() > max_count && d.size() >= 2) {
    // Prefer adjacent steps on the same arm; among candidates, the shortest combined action.
    size_t best = d.size();
    size_t best_len = 0;
    for (int pass = 0; pass < 2 && best == d.size(); ++pass) {
      for (size_t i = 0; i + 1 < d.size(); ++i) {
        if (pass == 0 && d[i].arm != d[i + 1].arm) continue;
        const size_t len = d[i].action.size() + d[i + 1].action.size();
        if (best == d.size() || len < best_len) {
          best = i;
          best_len = len;
        }
      }
    }
    StepDraft& a = d[best];
    StepDraft& b = d[best + 1];
    notes.push_back(absl::StrCat("steps ", best + 1, " and ", best + 2, " (", a.arm,
                                 a.arm == b.arm ? "" : absl::StrCat("/", b.arm), ")"));
    StepDraft merged;
    merged.action = TruncateText(
        absl::StrCat(StripTrailingPunct(a.action), "; ", LowerFirstWord(b.action, &IsCommonWord)),
        kMaxActionChars);
    // Keep the guardian when one of them is a guardian step; otherwise the first arm.
    const bool take_b = b.arm == kGuardianArm && a.arm != kGuardianArm;
    merged.arm = take_b ? b.arm : a.arm;
    merged.kind = take_b ? b.kind : a.kind;
    merged.object = a.object;
    for (size_t k = 0; k < std::max(a.criteria.size(), b.criteria.size()); ++k) {
      if (k < a.criteria.size()) AddUnique(&merged.criteria, a.criteria[k]);
      if (k < b.criteria.size()) AddUnique(&merged.criteria, b.criteria[k]);
    }
    merged.cost_tier = std::max(a.cost_tier, b.cost_tier);
    merged.duration_seconds = a.duration_seconds + b.duration_seconds;
    std::set<int> deps(a.depends_on.begin(), a.depends_on.end());
    deps.insert(b.depends_on.begin(), b.depends_on.end());
    deps.erase(static_cast<int>(best));
    deps.erase(static_cast<int>(best) + 1);
    merged.depends_on.assign(deps.begin(), deps.end());
    d[best] = std::move(merged);
    d.erase(d.begin() + static_cast<std::ptrdiff_t>(best) + 1);
    // Renumber later dependencies: best+1 -> best, beyond -> one less.
    for (size_t k = best + 1; k < d.size(); ++k) {
      std::set<int> renumbered;
      for (int dep : d[k].depends_on) {
        renumbered.insert(dep > static_cast<int>(best) ? dep - 1 : dep);
      }
      d[k].depends_on.assign(renumbered.begin(), renumbered.end());
    }
  }
  return notes;
}

std::vector<int> SinkSteps(const std::vector<StepDraft>& drafts) {
  absl::InlinedVector<bool, 16> has_dependent(drafts.size(), false);
  for (const StepDraft& d : drafts) {
    for (int dep : d.depends_on) {
      if (dep >= 0 && static_cast<size_t>(dep) < drafts.size()) has_dependent[dep] = true;
    }
  }
  std::vector<int> sinks;
  for (size_t i = 0; i < drafts.size(); ++i) {
    if (!has_dependent[i]) sinks.push_back(static_cast<int>(i));
  }
  return sinks;
}

void WriteDraftsToPlan(const std::vector<StepDraft>& drafts, v1::Plan* plan) {
  plan->clear_subtasks();
  for (size_t i = 0; i < drafts.size(); ++i) {
    const StepDraft& d = drafts[i];
    v1::SubTask* t = plan->add_subtasks();
    t->set_step(static_cast<int>(i) + 1);
    t->set_action(d.action);
    t->set_required_arm(d.arm);
    for (const std::string& c : d.criteria) t->add_acceptance_criteria(c);
    for (int dep : d.depends_on) t->add_depends_on(dep + 1);
    t->set_estimated_cost_tier(d.cost_tier);
    t->set_estimated_duration_seconds(d.duration_seconds);
  }
}

void MoveDraftsToPlan(std::vector<StepDraft>* drafts, v1::Plan* plan) {
  plan->clear_subtasks();
  plan->mutable_subtasks()->Reserve(static_cast<int>(drafts->size()));
  for (size_t i = 0; i < drafts->size(); ++i) {
    StepDraft& d = (*drafts)[i];
    v1::SubTask* t = plan->add_subtasks();
    t->set_step(static_cast<int>(i) + 1);
    t->set_action(std::move(d.action));
    t->set_required_arm(std::move(d.arm));
    t->mutable_acceptance_criteria()->Reserve(static_cast<int>(d.criteria.size()));
    for (std::string& c : d.criteria) t->add_acceptance_criteria(std::move(c));
    t->mutable_depends_on()->Reserve(static_cast<int>(d.depends_on.size()));
    for (int dep : d.depends_on) t->add_depends_on(dep + 1);
    t->set_estimated_cost_tier(d.cost_tier);
    t->set_estimated_duration_seconds(d.duration_seconds);
  }
}

void ReduceDependencies(std::vector<StepDraft>* drafts) {
  std::vector<StepDraft>& d = *drafts;
  const size_t n = d.size();
  // Row i of `ancestors` (`words` bits wide) = every step i depends on, directly or not.
  const size_t words = (n + 63) / 64;
  absl::InlinedVector<uint64_t, 16> ancestors(n * words, 0);
  auto row = [&](size_t i) { return ancestors.data() + i * words; };
  auto is_ancestor = [&](size_t i, size_t j) { return ((row(i)[j / 64] >> (j % 64)) & 1) != 0; };
  for (size_t i = 0; i < n; ++i) {
    for (int dep : d[i].depends_on) {
      if (dep < 0 || static_cast<size_t>(dep) >= i) continue;
      const size_t j = static_cast<size_t>(dep);
      row(i)[j / 64] |= uint64_t{1} << (j % 64);
      for (size_t w = 0; w < words; ++w) row(i)[w] |= row(j)[w];
    }
  }
  absl::InlinedVector<int, 8> direct;
  absl::InlinedVector<int, 8> kept;
  for (size_t i = 0; i < n; ++i) {
    direct.clear();
    for (int dep : d[i].depends_on) {
      if (dep >= 0 && static_cast<size_t>(dep) < i) direct.push_back(dep);
    }
    std::sort(direct.begin(), direct.end());
    direct.erase(std::unique(direct.begin(), direct.end()), direct.end());
    kept.clear();
    for (int dep : direct) {
      bool implied = false;
      for (int other : direct) {
        if (other != dep && is_ancestor(static_cast<size_t>(other), static_cast<size_t>(dep))) {
          implied = true;
        }
      }
      if (!implied) kept.push_back(dep);
    }
    d[i].depends_on.assign(kept.begin(), kept.end());
  }
}

}  // namespace armature::planner
