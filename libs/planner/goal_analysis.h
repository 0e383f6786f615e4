#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "absl/strings/string_view.h"
#include "armature/v1/planner.pb.h"
#include "libs/planner/small_vector.h"

// Reading a goal: its parts (clauses, sentences, list items), what each part needs, the
// constraints that shape the plan, and whether personal data, secrets or exploitation are
// involved. Shared by the built-in engine and by plan repair; pure and deterministic.
namespace armature::planner {

// WorkKind is what a part of a goal asks for.
enum class WorkKind {
  kCode,        // write or build software
  kDebug,       // find and fix a defect
  kRefactor,    // restructure code without changing behaviour
  kWriteTests,  // write tests
  kRunTests,    // run tests
  kResearch,    // find and read information
  kSummarize,   // condense information
  kWriteProse,  // write documents, posts, reports
  kExecute,     // run commands, call APIs, configure systems
  kDeploy,      // ship software to an environment
  kAnalyze,     // analyse data
  kSecurity,    // handle personal data, secrets, security work
  kValidate,    // check or review results
  kPlan,        // plan, design, prioritise
  kUnknown,     // nothing recognisable
};

// Human-readable name ("coding", "research", ...), used in rationales.
absl::string_view WorkKindName(WorkKind kind);

// The registry arm that does this kind of work.
absl::string_view ArmForKind(WorkKind kind);

// GoalPart is one piece of work the goal names, in the goal's own words.
struct GoalPart {
  // Imperative clause, verb first, fillers ("please", "I want to") removed.
  std::string text;
  // Base form of the leading verb in lower case ("deploy", "set up"); empty when none. A word of
  // the engine's verb list or another literal, which lives as long as the program.
  absl::string_view verb;
  // The words after the verb (for verb-less parts: the whole clause).
  std::string object;
  // What the part needs.
  WorkKind kind = WorkKind::kUnknown;
  // Introduced by "then", "after that", "finally", "followed by", ... : runs after the previous
  // part.
  bool after_previous = false;
  // Object is a pronoun ("test it"): builds on the previous part.
  bool refers_back = false;
  // Where the part came from: "clause", "sentence", "list item", "with tests" (a literal).
  absl::string_view origin;
  // Index of the sentence (or list item) the part came from; parts of one sentence share it.
  int sentence = 0;
  // Items of one list under a shared header ("Build a site with: login, search") share a
  // group (>= 0): they are siblings, not a sequence.
  int list_group = -1;
};

// Sensitivity records personal data, secrets or exploitation in a request.
struct Sensitivity {
  bool personal_data = false;
  bool secrets = false;
  bool exploitation = false;
  // Matched terms as written in the goal (or constraints), first appearance first, at most 4.
  std::vector<std::string> terms;

  bool any() const { return personal_data || secrets || exploitation; }
};

// ConstraintEffects is what the constraints (and well-known context keys) change in a plan.
struct ConstraintEffects {
  // Time limit from "within 30 minutes", "in 2 hours", "<2 minutes", context time_limit; 0 = none.
  int64_t time_limit_seconds = 0;
  // Programming languages from "Python only", "use Go", context language ("Python", "C++").
  std::vector<std::string> languages;
  // Constraints with no recognised effect, trimmed, in request order.
  std::vector<std::string> other;
  // Context keys, sorted.
  std::vector<std::string> context_keys;
};

// How a goal was split (see GoalAnalysis::split_signals): views of literals.
using SplitSignals = SmallVector<absl::string_view, 4>;

// GoalAnalysis is everything the planners read from a request.
struct GoalAnalysis {
  // The parts of the goal in order (at least one).
  std::vector<GoalPart> parts;
  Sensitivity sensitivity;
  ConstraintEffects constraints;
  // How the goal was split, for the rationale ("sentences", "list items", ...), in a fixed order.
  // The views are of literals, which live as long as the program.
  SplitSignals split_signals;
  // The goal on one line (list markers turned into "; "), at most 100 characters, for quoting.
  std::string summary;
};

// Reads a request. Assumes ValidatePlanRequest passed (a non-empty goal).
GoalAnalysis AnalyzeGoal(const v1::PlanRequest& request);

// Splits goal text into parts (exposed for tests).
// The signals are views of literals (see GoalAnalysis::split_signals).
std::vector<GoalPart> SplitGoal(absl::string_view goal, SplitSignals* split_signals);

// Reads a free-text action such as an LLM step ("Deploy the API to staging") as a goal part.
GoalPart ParseAction(absl::string_view action);

// The verb of a free-text action: ParseAction(action).verb, without classifying the action.
std::string ActionVerb(absl::string_view action);

// Classifies a free-text action: ParseAction(action).kind.
WorkKind ClassifyAction(absl::string_view action);

// Finds personal data, secrets and exploitation terms.
Sensitivity DetectSensitivity(absl::string_view text);
// DetectSensitivity(text) without the terms (left empty): only what kinds are involved.
Sensitivity DetectSensitivityKinds(absl::string_view text);

// Parses a time limit. With `require_trigger`, only durations introduced by "within", "in",
// "under", "less than", "at most", "<", ... count (so "a 10 minute talk" is not a limit).
// Returns seconds, 0 when none; the smallest when several.
int64_t ParseTimeLimitSeconds(absl::string_view text, bool require_trigger);

// Programming languages a constraint asks for ("Python only" -> {"Python"}); negated mentions
// ("no Java") are ignored.
std::vector<std::string> DetectLanguages(absl::string_view constraint);

// "90 seconds", "30 minutes", "2 hours", "1 day".
std::string FormatDuration(int64_t seconds);
// Appends FormatDuration(seconds) to *out.
void AppendDuration(int64_t seconds, std::string* out);

// True when an object names data to analyse ("a dashboard of revenue trends").
bool IsDataObject(absl::string_view object);

// A phrase that refers back to an object: "a parser" -> "the parser", "authentication issue"
// -> "the authentication issue"; capitalised names ("Postgres") and determiners stay.
std::string ObjectPhrase(absl::string_view object);

// True for the common words the engine knows (verbs, object words), used to decide whether a
// capitalised first word may be lower-cased inside a sentence.
bool IsCommonWord(absl::string_view lower_word);

}  // namespace armature::planner
