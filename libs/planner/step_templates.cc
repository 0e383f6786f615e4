#include "libs/planner/step_templates.h"

#include <algorithm>
#include <iterator>
#include <set>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "libs/planner/lexicon.h"
#include "libs/planner/small_vector.h"
#include "libs/planner/text.h"

namespace armature::planner {
namespace {

// The languages the constraints ask for, "Python" or "Python and Go": a view of the one
// language, or of *storage.
absl::string_view LanguageTextView(const GoalAnalysis& analysis, std::string* storage) {
  const std::vector<std::string>& languages = analysis.constraints.languages;
  if (languages.size() == 1) return languages[0];
  *storage = JoinWithAnd(languages);
  return *storage;
}

bool UsesCode(WorkKind kind) {
  return kind == WorkKind::kCode || kind == WorkKind::kDebug || kind == WorkKind::kRefactor ||
         kind == WorkKind::kWriteTests || kind == WorkKind::kAnalyze;
}

std::string SensitiveTermsText(const GoalAnalysis& analysis) {
  if (analysis.sensitivity.terms.empty()) return "personal data or secrets";
  return JoinWithAnd(analysis.sensitivity.terms);
}

void AddUnique(Criteria* list, std::string item) {
  if (item.empty() || list->size() >= kMaxCriteria) return;
  if (std::find(list->begin(), list->end(), item) == list->end()) list->push_back(std::move(item));
}

// "deploy the web app" for use after "needed to".
std::string Infinitive(absl::string_view action) {
  return LowerFirstWord(StripTrailingPunct(action), &IsCommonWord);
}

// A piece of Cat: a literal (its size known at compile time) or a string (view).
template <size_t N>
constexpr absl::string_view Piece(const char (&literal)[N]) {
  return absl::string_view(literal, N - 1);
}
inline absl::string_view Piece(absl::string_view s) { return s; }

// One string made of `pieces`, sized once.
template <typename... Pieces>
std::string Cat(const Pieces&... pieces) {
  const absl::string_view views[] = {Piece(pieces)...};
  size_t size = 0;
  for (absl::string_view v : views) size += v.size();
  std::string out;
  out.reserve(size);
  for (absl::string_view v : views) out.append(v.data(), v.size());
  return out;
}

// Adds a criterion made of `pieces` (see Cat) to *c.
template <typename... Pieces>
void Add(Criteria* c, const Pieces&... pieces) {
  c->push_back(Cat(pieces...));
}

// Adds a criterion that starts with `r` capitalised (the "R" of the templates).
template <typename... Pieces>
void AddCapitalized(Criteria* c, absl::string_view r, const Pieces&... pieces) {
  c->push_back(Cat(r, pieces...));
  CapitalizeFirstInPlace(&c->back());
}

// CriteriaFor(kind, object, action, analysis) appended to *c (empty, with room reserved).
void AppendCriteriaFor(WorkKind kind, absl::string_view object, absl::string_view action,
                       const GoalAnalysis& analysis, Criteria* c);

// A draft of `kind` with the registry's estimates; `with_criteria` false leaves its criteria
// empty for the caller to write.
// MakeDraft into *d, a default-constructed draft.
void MakeDraftInto(StepDraft* d, std::string action, WorkKind kind, std::string object,
                   const GoalAnalysis& analysis, const ArmRegistry& registry,
                   absl::string_view arm_override = "", bool with_criteria = true) {
  CapitalizeFirstInPlace(&action);
  TruncateTextInPlace(&action, kMaxActionChars);
  d->action = std::move(action);
  d->kind = kind;
  const absl::string_view arm_id = arm_override.empty() ? ArmForKind(kind) : arm_override;
  d->arm.assign(arm_id.data(), arm_id.size());
  d->object = std::move(object);
  if (with_criteria) AppendCriteriaFor(kind, d->object, d->action, analysis, &d->criteria);
  const ArmSpec& arm = registry.Get(arm_id);
  d->cost_tier = arm.cost_tier;
  d->duration_seconds = EstimateDurationSeconds(kind, arm, d->action);
}

StepDraft MakeDraft(std::string action, WorkKind kind, std::string object,
                    const GoalAnalysis& analysis, const ArmRegistry& registry,
                    absl::string_view arm_override = "", bool with_criteria = true) {
  StepDraft d;
  MakeDraftInto(&d, std::move(action), kind, std::move(object), analysis, registry, arm_override,
                with_criteria);
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
    if (index++ < 2 || !kCut->MayContainLowered(word) || !kCut->contains(LowerText(word).view())) {
      return true;
    }
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
  Criteria c;
  AppendCriteriaFor(kind, object, action, analysis, &c);
  return std::vector<std::string>(std::make_move_iterator(c.begin()),
                                  std::make_move_iterator(c.end()));
}

namespace {

void AppendCriteriaFor(WorkKind kind, absl::string_view object, absl::string_view action,
                       const GoalAnalysis& analysis, Criteria* c) {
  // ObjectRef(object), computed when a criterion names it.
  std::string r_storage;
  bool has_r = false;
  auto r = [&]() -> absl::string_view {
    if (!has_r) {
      r_storage = ObjectRef(object);
      has_r = true;
    }
    return r_storage;
  };
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
        AddCapitalized(c, r(), " is implemented and builds without errors or warnings");
        Add(c, "Automated tests cover the main path and at least two edge cases of ", r(),
            ", and pass");
      } else {
        const std::string what =
            TruncateText(LowerFirstWord(StripTrailingPunct(action), &IsCommonWord), 80);
        Add(c, "Code to ", what, " runs end to end without errors");
        Add(c, "Automated tests cover the main path and at least two edge cases, and pass");
      }
      break;
    }
    case WorkKind::kDebug:
      Add(c, "A test reproduces ", r(), " and fails before the fix");
      Add(c, "The same test passes after the fix");
      Add(c, "The existing test suite passes with no new failures");
      break;
    case WorkKind::kRefactor:
      Add(c, "Existing tests for ", r(), " pass before and after the change");
      Add(c, "Public behaviour and interfaces of ", r(), " are unchanged");
      Add(c, "Duplicated code is removed and no changed function exceeds 50 lines");
      break;
    case WorkKind::kWriteTests:
      Add(c, "Tests cover the main path and at least three edge or error cases");
      Add(c, "All new tests pass");
      Add(c, "Line coverage of the code under test is at least 80%");
      break;
    case WorkKind::kRunTests:
      Add(c, "The test command exits with status 0");
      Add(c, "Passed, failed and skipped counts are recorded");
      Add(c, "Every failure is reported with its test name and error output");
      break;
    case WorkKind::kResearch:
      Add(c, "At least 3 relevant sources on ", r(), " are listed with links or references");
      Add(c, "Key findings are summarised in at most 10 bullet points");
      Add(c, "Every finding cites at least one listed source");
      break;
    case WorkKind::kSummarize:
      Add(c, "The summary of ", r(), " is at most 400 words");
      Add(c, "Every claim in the summary points to its source");
      break;
    case WorkKind::kWriteProse:
      Add(c, "A complete draft of ", r(), " exists with every planned section filled");
      Add(c, "A spelling and grammar check reports no errors");
      Add(c, "Facts and figures in the draft match their sources");
      break;
    case WorkKind::kExecute:
      Add(c, "Every command exits with status 0 and every API call returns a 2xx status");
      Add(c, "Commands, outputs and changed settings are logged");
      Add(c, "The resulting state of ", r(), " is checked (service responds, files exist)");
      break;
    case WorkKind::kDeploy:
      AddCapitalized(c, r(), " is deployed and its health check returns success");
      Add(c, "The deployed version or commit is recorded");
      Add(c, "A rollback procedure is documented and can be run in one command");
      break;
    case WorkKind::kAnalyze: {
      const std::string verb = ActionVerb(action);
      if (verb == "train" || verb == "forecast" || verb == "predict" || verb == "classify" ||
          verb == "cluster" || verb == "model") {
        AddCapitalized(c, r(), " is evaluated on held-out data and its metrics are recorded");
        Add(c, "Training reruns from a script with a fixed seed and gives the same metrics");
        Add(c, "Input data, features and parameters are documented");
      } else {
        Add(c, "The analysis of ", r(), " produces the requested figures as a table or chart");
        Add(c, "The analysis reruns from a script on the same input with identical results");
        Add(c, "Missing or invalid records are counted and reported");
      }
      break;
    }
    case WorkKind::kSecurity:
      if (!analysis.sensitivity.personal_data && !analysis.sensitivity.secrets &&
          analysis.sensitivity.exploitation) {
        Add(c, "Findings are recorded with severity and reproduction steps");
        Add(c, "Work stays within the authorised scope and test environment");
        Add(c, "No exploit code or payload leaves the test environment");
      } else {
        Add(c, "No ", SensitiveTermsText(analysis),
            " remain exposed in outputs, logs or test data");
        Add(c, "A scan for personal data and secrets finds no exposed values");
        Add(c, "Each safeguard applied is recorded for audit");
      }
      break;
    case WorkKind::kValidate:
      AddCapitalized(
          c, r(),
          " is checked against the stated requirements, each check recorded as pass or fail");
      Add(c, "Every failure is reported with evidence");
      break;
    case WorkKind::kPlan:
      Add(c, "The plan for ", r(), " lists milestones, each with an owner and a date");
      Add(c, "Dependencies and risks are listed, each with a mitigation");
      break;
    case WorkKind::kUnknown:
      Add(c, "Scope, deliverables and success criteria for ", r(), " are written down");
      Add(c, "Open questions are listed, each with an owner");
      break;
  }
  if (UsesCode(kind) && !analysis.constraints.languages.empty()) {
    std::string storage;
    AddUnique(c, Cat("All code is written in ", LanguageTextView(analysis, &storage), " only"));
  }
  if (c->size() > kMaxCriteria) c->resize(kMaxCriteria);
}

}  // namespace

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
  // (More than 12 words take 25 characters at least.)
  const int words = action.size() < 25 ? 0 : static_cast<int>(CountWords(action));
  percent += std::min(50, std::max(0, words - 12) * 5);
  int64_t seconds = static_cast<int64_t>(arm.default_duration_seconds) * percent / 100;
  if (seconds >= 60) seconds = (seconds + 5) / 10 * 10;  // round to 10 s
  return static_cast<int>(std::max<int64_t>(1, seconds));
}

StepDraft DraftForPart(const GoalPart& part, const GoalAnalysis& analysis,
                       const ArmRegistry& registry) {
  StepDraft draft;
  DraftForPartInto(part, analysis, registry, &draft);
  return draft;
}

void DraftForPartInto(const GoalPart& part, const GoalAnalysis& analysis,
                      const ArmRegistry& registry, StepDraft* draft) {
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
    std::string storage;
    const absl::string_view languages = LanguageTextView(analysis, &storage);
    action.reserve(text.size() + 4 + languages.size());
    action.append(text.data(), text.size());
    action.append(" in ");
    action.append(languages.data(), languages.size());
  }
  absl::string_view object = part.object;
  if (part.kind == WorkKind::kWriteTests && StartsWithLowerCase(object, "tests for ")) {
    object.remove_prefix(10);
  }
  MakeDraftInto(draft, std::move(action), part.kind, std::string(object), analysis, registry);
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
    action = Cat(StripTrailingPunctView(closing->text),
                 "; confirm every earlier step's acceptance criteria are met");
  } else {
    action = Cat("Verify that the result achieves \"", summary,
                 "\" and that every earlier step's acceptance criteria are met");
  }
  StepDraft d = MakeDraft(std::move(action), WorkKind::kValidate, closing ? closing->object : "",
                          analysis, registry, kJudgeArm, /*with_criteria=*/false);
  constexpr absl::string_view kChecked =
      " checked against their acceptance criteria, each recorded as pass or fail";
  if (earlier_steps == 1) {
    Add(&d.criteria, "The earlier step is", kChecked);
  } else if (earlier_steps == 2) {
    Add(&d.criteria, "Both earlier steps are", kChecked);
  } else {
    char digits[absl::numbers_internal::kFastToBufferSize];
    const char* end = absl::numbers_internal::FastIntToBuffer(earlier_steps, digits);
    Add(&d.criteria, "All ", absl::string_view(digits, static_cast<size_t>(end - digits)),
        " earlier steps are", kChecked);
  }
  Add(&d.criteria, "The delivered result achieves the goal: ", summary);
  if (!analysis.constraints.languages.empty()) {
    std::string storage;
    AddUnique(&d.criteria,
              Cat("All code is written in ", LanguageTextView(analysis, &storage), " only"));
  }
  if (analysis.constraints.time_limit_seconds > 0) {
    constexpr absl::string_view kWithin = "The work finishes within ";
    std::string within;
    within.reserve(kWithin.size() + 24);
    within.append(kWithin.data(), kWithin.size());
    AppendDuration(analysis.constraints.time_limit_seconds, &within);
    AddUnique(&d.criteria, std::move(within));
  }
  for (const std::string& c : analysis.constraints.other) {
    std::string truncated;
    AddUnique(&d.criteria, Cat("Constraint met: ", TruncatedView(c, 100, &truncated)));
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
    if (!criteria.empty()) {
      d.criteria.assign(std::make_move_iterator(criteria.begin()),
                        std::make_move_iterator(criteria.end()));
    }
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
  SmallVector<bool, 16> has_dependent(drafts.size(), false);
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

void MoveDraftToPlan(StepDraft* draft, int step, v1::Plan* plan) {
  StepDraft& d = *draft;
  v1::SubTask* t = plan->add_subtasks();
  t->set_step(step);
  t->set_action(std::move(d.action));
  t->set_required_arm(std::move(d.arm));
  t->mutable_acceptance_criteria()->Reserve(static_cast<int>(d.criteria.size()));
  for (std::string& c : d.criteria) t->add_acceptance_criteria(std::move(c));
  if (!d.depends_on.empty()) {
    google::protobuf::RepeatedField<int32_t>* deps = t->mutable_depends_on();
    deps->Reserve(static_cast<int>(d.depends_on.size()));
    for (int dep : d.depends_on) deps->AddAlreadyReserved(dep + 1);
  }
  t->set_estimated_cost_tier(d.cost_tier);
  t->set_estimated_duration_seconds(d.duration_seconds);
}

void MoveDraftsToPlan(std::vector<StepDraft>* drafts, v1::Plan* plan) {
  plan->clear_subtasks();
  plan->mutable_subtasks()->Reserve(static_cast<int>(drafts->size()));
  for (size_t i = 0; i < drafts->size(); ++i) {
    MoveDraftToPlan(&(*drafts)[i], static_cast<int>(i) + 1, plan);
  }
}

void ReduceDependencies(std::vector<StepDraft>* drafts) {
  std::vector<StepDraft>& d = *drafts;
  const size_t n = d.size();
  // Nothing to reduce when each draft has at most one dependency, on an earlier draft.
  bool simple = true;
  for (size_t i = 0; i < n && simple; ++i) {
    simple = d[i].depends_on.empty() || (d[i].depends_on.size() == 1 && d[i].depends_on[0] >= 0 &&
                                         static_cast<size_t>(d[i].depends_on[0]) < i);
  }
  if (simple) return;
  if (n <= 64) {
    // ancestors[i]: bit j set when draft i depends on draft j, directly or not.
    uint64_t ancestors[64];
    for (size_t i = 0; i < n; ++i) {
      uint64_t direct = 0;
      uint64_t all = 0;
      for (int dep : d[i].depends_on) {
        if (dep < 0 || static_cast<size_t>(dep) >= i) continue;
        direct |= uint64_t{1} << dep;
        all |= ancestors[dep];
      }
      ancestors[i] = direct | all;
      // A direct dependency is implied when another one depends on it (ancestors of earlier
      // drafts hold only earlier drafts, never the draft itself).
      uint64_t kept = direct & ~all;
      d[i].depends_on.clear();
      while (kept != 0) {
        d[i].depends_on.push_back(__builtin_ctzll(kept));
        kept &= kept - 1;
      }
    }
    return;
  }
  // Row i of `ancestors` (`words` bits wide) = every step i depends on, directly or not.
  const size_t words = (n + 63) / 64;
  SmallVector<uint64_t, 16> ancestors(n * words, 0);
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
  SmallVector<int, 8> direct;
  SmallVector<int, 8> kept;
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
