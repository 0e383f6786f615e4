#include "libs/planner/goal_analysis.h"

#include <emmintrin.h>

#include <algorithm>
#include <array>
#include <cstring>
#include <forward_list>
#include <optional>
#include <string_view>
#include <utility>

#include "absl/base/optimization.h"
#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/container/inlined_vector.h"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_replace.h"
#include "absl/strings/str_split.h"
#include "absl/types/span.h"
#include "libs/planner/arm_registry.h"
#include "libs/planner/lexicon.h"
#include "libs/planner/small_vector.h"
#include "libs/planner/text.h"

namespace armature::planner {
namespace {

// A clause as words: views into text that outlives them (see TextStore).
using Tokens = WordViews;
// Tokens being read; stripping words shrinks the span.
using TokenSpan = absl::Span<const absl::string_view>;

// Owns the text that tokens point into while a goal is split. Nodes never move, so views into
// the strings stay valid.
class TextStore {
 public:
  const std::string& Keep(std::string text) { return texts_.emplace_front(std::move(text)); }

 private:
  std::forward_list<std::string> texts_;
};

// CollapseWhitespace(s).empty().
bool IsBlank(absl::string_view s) {
  return std::all_of(s.begin(), s.end(),
                     [](char c) { return absl::ascii_isspace(static_cast<unsigned char>(c)); });
}

// DefiniteObject(object) as two pieces: "the " or "", and the rest of `object`.
std::pair<absl::string_view, absl::string_view> DefiniteParts(absl::string_view object) {
  auto lower = [&object](size_t i) {
    return absl::ascii_tolower(static_cast<unsigned char>(object[i]));
  };
  static constexpr absl::string_view kThe = "the ";
  if (object.size() >= 2 && lower(0) == 'a' && object[1] == ' ') return {kThe, object.substr(2)};
  if (object.size() >= 3 && lower(0) == 'a' && lower(1) == 'n' && object[2] == ' ') {
    return {kThe, object.substr(3)};
  }
  return {absl::string_view(), object};
}

// absl::EqualsIgnoreCase, inline: most calls compare short or differently sized strings.
bool EqualsFold(absl::string_view a, absl::string_view b) {
  const size_t n = a.size();
  if (n != b.size()) return false;
  if (n >= 8) {
    // Eight characters a step (the last step overlaps the one before).
    auto same = [&a, &b](size_t i) {
      uint64_t x;
      uint64_t y;
      std::memcpy(&x, a.data() + i, 8);
      std::memcpy(&y, b.data() + i, 8);
      return x == y || text_internal::LowerBytes(x) == text_internal::LowerBytes(y);
    };
    for (size_t i = 0; i + 8 <= n; i += 8) {
      if (!same(i)) return false;
    }
    return n % 8 == 0 || same(n - 8);
  }
  for (size_t i = 0; i < n; ++i) {
    if (a[i] != b[i] && absl::ascii_tolower(static_cast<unsigned char>(a[i])) !=
                            absl::ascii_tolower(static_cast<unsigned char>(b[i]))) {
      return false;
    }
  }
  return true;
}

// absl::EqualsIgnoreCase(DefiniteObject(a), DefiniteObject(b)) without building either.
bool DefiniteEqualsIgnoreCase(absl::string_view a, absl::string_view b) {
  auto [a_prefix, a_rest] = DefiniteParts(a);
  auto [b_prefix, b_rest] = DefiniteParts(b);
  if (a_prefix.size() + a_rest.size() != b_prefix.size() + b_rest.size()) return false;
  if (a_prefix.size() == b_prefix.size()) return EqualsFold(a_rest, b_rest);
  if (a_prefix.empty()) {
    std::swap(a_prefix, b_prefix);
    std::swap(a_rest, b_rest);
  }
  // a is "the " + a_rest; b is b_rest, 4 characters longer than a_rest.
  return EqualsFold(a_prefix, b_rest.substr(0, a_prefix.size())) &&
         EqualsFold(a_rest, b_rest.substr(a_prefix.size()));
}

// ---------------------------------------------------------------------------------------------
// Lexicons
// ---------------------------------------------------------------------------------------------

struct VerbInfo {
  WorkKind kind;
  // Generic verbs ("write", "create", "set up") take their kind from their object.
  bool generic = false;
  // Also a common noun ("test", "plan", "release"): only splits a clause when followed by a
  // determiner, pronoun, number or the end of the clause.
  bool ambiguous = false;
};

using VerbTable = WordMap<VerbInfo>;

const VerbTable& Verbs() {
  static const auto* table = [] {
    auto* t = new VerbTable();
    auto add = [t](WorkKind kind, bool generic, bool ambiguous,
                   std::initializer_list<absl::string_view> words) {
      for (absl::string_view w : words) (*t)[w] = VerbInfo{kind, generic, ambiguous};
    };
    using K = WorkKind;
    // Generic verbs: the object decides; the kind given is the fallback.
    add(K::kCode, true, false,
        {"write", "implement", "develop", "code", "program", "add", "extend", "integrate", "modify",
         "rewrite", "port", "convert", "improve", "optimize", "optimise", "enhance", "support",
         "expose", "generate"});
    add(K::kCode, true, true, {"build", "update", "change"});
    add(K::kUnknown, true, false,
        {"create", "make", "prepare", "produce", "do", "handle", "get", "complete", "finish",
         "deliver", "put", "turn", "help"});
    add(K::kPlan, true, true, {"design"});
    add(K::kExecute, true, false, {"set up", "setup", "remove", "delete", "migrate", "upgrade"});
    add(K::kExecute, true, true, {"start", "store", "save"});
    add(K::kRefactor, true, true, {"clean", "clean up"});
    // Specific verbs.
    add(K::kCode, false, false, {"scaffold", "prototype", "scrape", "automate", "parse"});
    add(K::kRefactor, false, false,
        {"refactor", "restructure", "simplify", "modularize", "modularise", "decouple", "tidy",
         "rename", "reorganize", "reorganise"});
    add(K::kDebug, false, false,
        {"debug", "fix", "troubleshoot", "repair", "diagnose", "resolve", "reproduce"});
    add(K::kDebug, false, true, {"patch", "solve"});
    add(K::kRunTests, false, true, {"test", "retest"});
    add(K::kResearch, false, false,
        {"find",       "look up",     "look into", "look for", "find out",
         "figure out", "investigate", "explore",   "discover", "gather",
         "collect",    "read",        "study",     "survey",   "learn",
         "identify",   "compare",     "browse",    "retrieve", "locate",
         "examine",    "understand",  "determine", "catalog",  "catalogue"});
    add(K::kResearch, false, true, {"research", "search", "list", "source", "compile"});
    add(K::kSummarize, false, false,
        {"summarize", "summarise", "condense", "explain", "describe", "recap"});
    add(K::kWriteProse, false, false,
        {"draft", "compose", "translate", "paraphrase", "proofread", "write up", "edit"});
    add(K::kWriteProse, false, true, {"document", "blog"});
    add(K::kExecute, false, false,
        {"run",          "execute",   "install",    "configure",  "launch",    "restart",
         "call",         "invoke",    "send",       "notify",     "upload",    "download",
         "fetch",        "provision", "spin up",    "clone",      "back up",   "restore",
         "import",       "export",    "initialize", "initialise", "bootstrap", "containerize",
         "containerise", "dockerize", "trigger",    "email",      "query"});
    add(K::kExecute, false, true,
        {"stop", "post", "schedule", "backup", "scale", "monitor", "sync", "seed", "mount",
         "package", "push", "pull", "apply", "tag", "move", "copy", "host"});
    add(K::kExecute, false, false,
        {"reserve",   "buy",      "purchase",  "pay",       "hire",   "invite",
         "contact",   "register", "sign up",   "subscribe", "cancel", "renew",
         "submit",    "print",    "cut over",  "redirect",  "enable", "disable",
         "uninstall", "reboot",   "shut down", "kill",      "rerun"});
    add(K::kExecute, false, true, {"book", "order", "switch", "route", "toggle", "file"});
    add(K::kSummarize, false, true, {"report"});
    add(K::kDeploy, false, false, {"deploy", "ship", "publish", "roll out", "rollout", "go live"});
    add(K::kDeploy, false, true, {"release"});
    add(K::kAnalyze, false, false,
        {"analyze", "analyse", "calculate", "compute", "measure", "quantify", "aggregate",
         "visualize", "visualise", "forecast", "predict", "correlate", "tabulate", "crunch",
         "train", "classify"});
    add(K::kAnalyze, false, true,
        {"plot", "chart", "graph", "model", "cluster", "segment", "estimate", "benchmark",
         "profile", "process", "mine"});
    add(K::kSecurity, false, false,
        {"redact", "anonymize", "anonymise", "pseudonymize", "pseudonymise", "encrypt", "sanitize",
         "sanitise", "scrub", "harden", "secure", "protect", "pentest", "revoke", "exploit",
         "hack"});
    add(K::kSecurity, false, true, {"mask", "rotate", "crack"});
    add(K::kValidate, false, false,
        {"verify", "validate", "check", "ensure", "confirm", "assess", "evaluate", "audit",
         "inspect", "approve", "double-check", "grade", "critique"});
    add(K::kValidate, false, true, {"review"});
    add(K::kPlan, false, false,
        {"architect", "organize", "organise", "prioritize", "prioritise", "break down",
         "strategize", "coordinate", "decide", "choose", "brainstorm", "propose", "map out",
         "recommend", "define", "specify"});
    add(K::kPlan, false, true, {"plan", "outline", "scope", "pick", "select"});
    return t;
  }();
  return *table;
}

// Second words of two-word verbs.
bool IsParticle(absl::string_view w) {
  return w == "up" || w == "out" || w == "into" || w == "for" || w == "down" || w == "live" ||
         w == "over";
}

bool IsDeterminer(absl::string_view w) {
  static const auto* words = new WordSet{
      "the",  "a",     "an",   "it",    "them", "this",  "that",    "these", "those",     "all",
      "my",   "our",   "your", "their", "its",  "each",  "every",   "some",  "any",       "both",
      "his",  "her",   "up",   "out",   "new",  "one",   "two",     "three", "four",      "five",
      "more", "every", "how",  "why",   "what", "which", "whether", "if",    "everything"};
  if (words->contains(w)) return true;
  return !w.empty() && absl::ascii_isdigit(static_cast<unsigned char>(w[0]));
}

// Words that turn an ambiguous verb into the first half of a compound noun: "test plan",
// "release notes", "search results". After "and", such a verb only starts a new clause when the
// next word is not one of these.
bool IsNounPartner(absl::string_view verb, absl::string_view next) {
  static const auto* partners =
      new absl::flat_hash_map<absl::string_view, absl::flat_hash_set<absl::string_view>>{
          {"test",
           {"plan",    "plans",     "case",    "cases",  "suite",   "suites",      "result",
            "results", "coverage",  "data",    "report", "reports", "environment", "run",
            "runs",    "framework", "harness", "script", "scripts", "fixtures",    "strategy"}},
          {"retest", {"results"}},
          {"release",
           {"notes", "note", "candidate", "branch", "process", "date", "pipeline", "schedule",
            "build", "checklist", "version"}},
          {"plan", {"document", "template", "b"}},
          {"design",
           {"doc", "docs", "document", "system", "review", "pattern", "patterns", "spec", "specs",
            "tokens", "decisions", "mockups"}},
          {"review", {"comments", "process", "notes", "board", "checklist", "feedback"}},
          {"research",
           {"paper", "papers", "notes", "findings", "team", "question", "questions", "report",
            "reports", "summary", "results"}},
          {"search",
           {"results", "bar", "box", "engine", "index", "feature", "page", "functionality",
            "ranking", "terms", "queries", "api"}},
          {"list", {"view", "item", "items", "page", "endpoint"}},
          {"source", {"code", "files", "file", "tree", "map", "maps"}},
          {"compile", {"errors", "error", "times", "time", "flags", "step"}},
          {"document", {"store", "database", "storage", "db", "model"}},
          {"blog", {"post", "posts"}},
          {"build",
           {"system", "scripts", "script", "pipeline", "process", "times", "cache", "step", "steps",
            "artifacts", "server", "errors", "failures", "config", "configuration", "tool", "tools",
            "status"}},
          {"update",
           {"notes", "process", "mechanism", "logic", "script", "scripts", "log", "logs",
            "history"}},
          {"change", {"log", "logs", "request", "requests", "management", "history"}},
          {"start", {"page", "date", "time", "screen", "script", "menu"}},
          {"store", {"page", "front", "listing"}},
          {"save", {"file", "files", "data", "button", "state"}},
          {"clean", {"code", "architecture", "data", "install", "build"}},
          {"patch", {"notes", "version", "release", "set"}},
          {"solve", {"rate"}},
          {"stop", {"words", "button", "condition"}},
          {"post", {"mortem", "processing", "request", "requests", "body"}},
          {"schedule", {"data", "page", "view"}},
          {"backup", {"files", "file", "strategy", "policy", "job", "jobs", "server", "storage"}},
          {"scale", {"factor", "model"}},
          {"monitor", {"setup", "output"}},
          {"sync", {"job", "jobs", "service", "status"}},
          {"seed", {"data", "file", "files", "value", "script"}},
          {"package", {"manager", "json", "lock", "name", "version", "versions", "registry"}},
          {"push", {"notifications", "notification", "button", "events"}},
          {"pull", {"request", "requests"}},
          {"apply", {"button", "form"}},
          {"tag", {"names", "cloud", "manager"}},
          {"move", {"semantics", "constructor"}},
          {"copy", {"button", "text", "editor", "constructor"}},
          {"host", {"name", "names", "machine", "os"}},
          {"plot", {"twist", "twists", "points", "summary"}},
          {"chart", {"library", "data", "type", "types", "colors"}},
          {"graph", {"database", "db", "library", "data", "theory"}},
          {"model", {"weights", "card", "training", "accuracy", "checkpoint", "checkpoints"}},
          {"cluster", {"nodes", "size", "config", "configuration", "status"}},
          {"segment", {"tree", "size", "data"}},
          {"estimate", {"accuracy"}},
          {"benchmark", {"results", "suite", "numbers", "data"}},
          {"profile", {"page", "picture", "pictures", "settings", "data", "photo", "photos"}},
          {"process", {"flow", "documentation", "id", "ids", "manager", "improvements"}},
          {"mine", {"craft"}},
          {"mask", {"layer", "image"}},
          {"rotate", {"button"}},
          {"crack", {"length"}},
          {"scope", {"creep", "document"}},
          {"outline", {"view"}},
          {"pick", {"list"}},
          {"select", {"box", "statement", "statements", "query", "queries", "menu"}},
          {"scan", {"results", "report"}},
          {"report", {"card", "cards", "generator", "template", "builder", "page", "format"}},
          {"book", {"club", "review", "reviews", "store", "cover", "title", "titles", "series"}},
          {"order", {"form", "forms", "history", "status", "page", "book", "id", "ids", "number"}},
          {"switch", {"statement", "statements", "case", "button", "port"}},
          {"route", {"handler", "handlers", "table", "tables", "map"}},
          {"toggle", {"button", "switch", "state"}},
          {"file",
           {"system", "systems", "format", "formats", "upload", "uploads", "size", "sizes", "path",
            "paths", "name", "names", "handling", "storage"}}};
  auto it = partners->find(verb);
  if (next == "of" || next == "and" || next == "or" || next == "is" || next == "are" ||
      next == "was" || next == "were") {
    return true;
  }
  return it != partners->end() && it->second.contains(next);
}

// Object keyword classes.
enum ObjectClass : unsigned {
  kObjTests = 1u << 0,
  kObjProse = 1u << 1,
  kObjCode = 1u << 2,
  kObjInfra = 1u << 3,
  kObjData = 1u << 4,
  kObjPlan = 1u << 5,
  kObjBug = 1u << 6,
  kObjBuildArtifact = 1u << 7,
};

const WordMap<unsigned>& ObjectWords() {
  static const auto* table = [] {
    auto* t = new WordMap<unsigned>();
    auto add = [t](unsigned cls, std::initializer_list<absl::string_view> words) {
      for (absl::string_view w : words) (*t)[w] |= cls;
    };
    add(kObjTests, {"test", "tests", "testing", "coverage", "e2e", "spec", "specs", "unittest",
                    "unittests", "pytest"});
    add(kObjProse,
        {"report",       "reports",       "summary",      "blog",        "article",  "articles",
         "essay",        "documentation", "docs",         "readme",      "proposal", "memo",
         "letter",       "guide",         "tutorial",     "notes",       "story",    "paper",
         "whitepaper",   "newsletter",    "presentation", "slides",      "deck",     "changelog",
         "announcement", "resume",        "cv",           "description", "faq",      "wiki",
         "manual",       "handbook",      "speech",       "pitch",       "abstract", "thesis",
         "chapter",      "book",          "poem",         "content",     "tweet",    "post",
         "posts",        "email",         "emails",       "copy",        "brief",    "writeup"});
    add(kObjCode,
        {"function",     "functions",  "method",      "class",      "classes",        "script",
         "scripts",      "api",        "apis",        "endpoint",   "endpoints",      "service",
         "microservice", "app",        "application", "program",    "module",         "library",
         "cli",          "tool",       "website",     "webapp",     "site",           "frontend",
         "backend",      "ui",         "component",   "components", "feature",        "features",
         "parser",       "bot",        "crawler",     "scraper",    "plugin",         "extension",
         "algorithm",    "sdk",        "code",        "codebase",   "regex",          "handler",
         "middleware",   "widget",     "game",        "interface",  "compiler",       "form",
         "page",         "button",     "login",       "signup",     "authentication", "auth",
         "rest",         "graphql",    "grpc",        "schema",     "implementation", "mvp",
         "driver",       "calculator", "converter",   "cache",      "queue",          "struct",
         "library",      "framework",  "dashboard",   "checkout",   "search",         "lexer",
         "tokenizer",    "shell",      "extension",   "hook",       "webhook",        "migration",
         "query",        "queries",    "sql"});
    add(kObjInfra, {"server",
                    "servers",
                    "cluster",
                    "kubernetes",
                    "k8s",
                    "docker",
                    "container",
                    "containers",
                    "vm",
                    "vms",
                    "instance",
                    "instances",
                    "environment",
                    "pipeline",
                    "ci",
                    "cd",
                    "cron",
                    "dns",
                    "domain",
                    "certificate",
                    "certificates",
                    "ssl",
                    "tls",
                    "nginx",
                    "database",
                    "postgres",
                    "postgresql",
                    "mysql",
                    "redis",
                    "kafka",
                    "bucket",
                    "s3",
                    "terraform",
                    "helm",
                    "monitoring",
                    "alerting",
                    "alerts",
                    "dependencies",
                    "packages",
                    "firewall",
                    "vpn",
                    "network",
                    "staging",
                    "production",
                    "prod",
                    "cloud",
                    "aws",
                    "gcp",
                    "azure",
                    "machine",
                    "workstation",
                    "backups",
                    "infrastructure",
                    "vps",
                    "github",
                    "gitlab",
                    "jenkins",
                    "workflow",
                    "workflows"});
    add(kObjData,
        {"data",      "dataset",    "datasets",   "csv",          "spreadsheet", "excel",
         "metrics",   "statistics", "stats",      "trends",       "sales",       "revenue",
         "churn",     "kpi",        "kpis",       "dashboard",    "chart",       "charts",
         "graph",     "graphs",     "regression", "distribution", "correlation", "cohort",
         "cohorts",   "funnel",     "numbers",    "figures",      "survey",      "responses",
         "traffic",   "usage",      "latency",    "growth",       "retention",   "conversion",
         "logs",      "model",      "models",     "predictions",  "time-series", "parquet",
         "telemetry", "analytics",  "clicks",     "prices",       "transactions"});
    add(kObjPlan, {"plan",     "plans",        "roadmap",    "strategy", "schedule",   "itinerary",
                   "timeline", "architecture", "milestones", "budget",   "agenda",     "curriculum",
                   "syllabus", "sprint",       "backlog",    "trip",     "vacation",   "event",
                   "party",    "wedding",      "launch",     "okrs",     "priorities", "approach"});
    add(kObjBug,
        {"bug",       "bugs",       "error",      "errors",   "crash",   "crashes",  "crashing",
         "exception", "exceptions", "failure",    "failures", "failing", "fails",    "broken",
         "issue",     "issues",     "regression", "leak",     "leaks",   "deadlock", "flaky",
         "timeout",   "timeouts",   "segfault",   "glitch",   "defect",  "defects",  "problem",
         "hang",      "hangs",      "500",        "404",      "outage",  "slowdown", "race"});
    add(kObjBuildArtifact, {"image", "images", "binary", "binaries", "artifact", "artifacts",
                            "wheel", "package", "container", "docker"});
    return t;
  }();
  return *table;
}

unsigned ObjectClasses(absl::string_view object) {
  unsigned classes = 0;
  const auto& table = ObjectWords();
  // Each word with the one after it (for "email addresses").
  const char* p = object.data();
  const char* const end = p + object.size();
  auto next_word = [&p, end]() {
    while (p < end && IsAsciiSpace(*p)) ++p;
    const char* word = p;
    p = SkipWord(p, end);
    return absl::string_view(word, static_cast<size_t>(p - word));
  };
  absl::string_view word = next_word();
  while (!word.empty()) {
    const absl::string_view next = next_word();
    const absl::string_view stripped = StripPunctView(word);  // NormWord(word), but for case
    word = next;
    if (!table.MayContainLowered(stripped)) continue;  // neither an object word nor "email(s)"
    const LowerText norm(stripped);
    const absl::string_view w = norm.view();
    // "email addresses" are personal data, not an email to write.
    if ((w == "email" || w == "emails") && !next.empty()) {
      const absl::string_view next_stripped = StripPunctView(next);
      if (next_stripped.size() >= 7 &&
          absl::StartsWith(LowerText(next_stripped.substr(0, 7)).view(), "address")) {
        continue;
      }
    }
    auto it = table.find(w);
    if (it != table.end()) classes |= it->second;
  }
  return classes;
}

// Sensitive phrases in normalised form (lower case, non-alphanumerics as spaces).
struct SensitiveTerm {
  absl::string_view phrase;
  int kind;  // 0 personal data, 1 secrets, 2 exploitation
};

const std::vector<SensitiveTerm>& SensitiveTerms() {
  static const auto* terms = new std::vector<SensitiveTerm>{{"pii", 0},
                                                            {"personal data", 0},
                                                            {"personal information", 0},
                                                            {"personally identifiable", 0},
                                                            {"gdpr", 0},
                                                            {"hipaa", 0},
                                                            {"ccpa", 0},
                                                            {"ssn", 0},
                                                            {"ssns", 0},
                                                            {"social security", 0},
                                                            {"credit card", 0},
                                                            {"credit cards", 0},
                                                            {"credit card number", 0},
                                                            {"credit card numbers", 0},
                                                            {"card number", 0},
                                                            {"card numbers", 0},
                                                            {"passport", 0},
                                                            {"passports", 0},
                                                            {"email address", 0},
                                                            {"email addresses", 0},
                                                            {"phone number", 0},
                                                            {"phone numbers", 0},
                                                            {"home address", 0},
                                                            {"home addresses", 0},
                                                            {"date of birth", 0},
                                                            {"dates of birth", 0},
                                                            {"medical record", 0},
                                                            {"medical records", 0},
                                                            {"health record", 0},
                                                            {"health records", 0},
                                                            {"patient data", 0},
                                                            {"patient records", 0},
                                                            {"customer data", 0},
                                                            {"user data", 0},
                                                            {"customer records", 0},
                                                            {"personal details", 0},
                                                            {"salary", 0},
                                                            {"salaries", 0},
                                                            {"bank account", 0},
                                                            {"bank accounts", 0},
                                                            {"biometric", 0},
                                                            {"biometrics", 0},
                                                            {"national id", 0},
                                                            {"tax id", 0},
                                                            {"driver s license", 0},
                                                            {"sensitive data", 0},
                                                            {"private data", 0},
                                                            {"password", 1},
                                                            {"passwords", 1},
                                                            {"secret", 1},
                                                            {"secrets", 1},
                                                            {"credential", 1},
                                                            {"credentials", 1},
                                                            {"api key", 1},
                                                            {"api keys", 1},
                                                            {"private key", 1},
                                                            {"private keys", 1},
                                                            {"access token", 1},
                                                            {"access tokens", 1},
                                                            {"auth token", 1},
                                                            {"auth tokens", 1},
                                                            {"jwt", 1},
                                                            {"ssh key", 1},
                                                            {"ssh keys", 1},
                                                            {"encryption key", 1},
                                                            {"encryption keys", 1},
                                                            {"client secret", 1},
                                                            {"secret key", 1},
                                                            {"exploit", 2},
                                                            {"exploits", 2},
                                                            {"exploitation", 2},
                                                            {"exploiting", 2},
                                                            {"vulnerability", 2},
                                                            {"vulnerabilities", 2},
                                                            {"cve", 2},
                                                            {"penetration test", 2},
                                                            {"penetration testing", 2},
                                                            {"pentest", 2},
                                                            {"pen test", 2},
                                                            {"privilege escalation", 2},
                                                            {"malware", 2},
                                                            {"ransomware", 2},
                                                            {"phishing", 2},
                                                            {"sql injection", 2},
                                                            {"xss", 2},
                                                            {"cross site scripting", 2},
                                                            {"reverse shell", 2},
                                                            {"brute force", 2},
                                                            {"zero day", 2},
                                                            {"0day", 2},
                                                            {"keylogger", 2},
                                                            {"botnet", 2},
                                                            {"ddos", 2},
                                                            {"bypass authentication", 2},
                                                            {"hack", 2},
                                                            {"hacking", 2},
                                                            {"security audit", 2},
                                                            {"attack surface", 2},
                                                            {"rootkit", 2},
                                                            {"backdoor", 2}};
  return *terms;
}

// ---------------------------------------------------------------------------------------------
// Verbs
// ---------------------------------------------------------------------------------------------

struct VerbMatch {
  absl::string_view base;  // "set up": a word of Verbs(), which lives as long as the program
  size_t length = 0;       // tokens consumed
  VerbInfo info;
  bool gerund = false;
};

// Longer than every word of Verbs(): a longer word (or phrase) is no verb.
constexpr size_t kVerbBuffer = 48;

// The verb a gerund comes from as the word of Verbs(): "writing" -> write, "running" -> run,
// "deploying" -> deploy; empty when none.
absl::string_view GerundBase(absl::string_view w) {
  if (w.size() < 5 || !absl::EndsWith(w, "ing")) return absl::string_view();
  const absl::string_view stem = w.substr(0, w.size() - 3);
  const VerbTable& verbs = Verbs();
  if (auto it = verbs.find(stem); it != verbs.end()) return it->first;
  if (stem.size() < kVerbBuffer) {
    char with_e[kVerbBuffer];
    std::memcpy(with_e, stem.data(), stem.size());
    with_e[stem.size()] = 'e';
    if (auto it = verbs.find(absl::string_view(with_e, stem.size() + 1)); it != verbs.end()) {
      return it->first;
    }
  }
  if (stem.size() >= 2 && stem[stem.size() - 1] == stem[stem.size() - 2]) {
    const absl::string_view undoubled = stem.substr(0, stem.size() - 1);
    if (auto it = verbs.find(undoubled); it != verbs.end()) return it->first;
  }
  return absl::string_view();
}

bool HasGerundBase(absl::string_view w) { return !GerundBase(w).empty(); }

// Matches a verb at tokens[j]. With `strict`, an ambiguous verb (also a noun) only counts when
// followed by a determiner, pronoun, number, punctuation, the end of the clause or a word that
// is not its usual noun partner; third-person forms ("cleans", "sets up") count too.
std::optional<VerbMatch> MatchVerb(TokenSpan tokens, size_t j, bool strict) {
  if (j >= tokens.size()) return std::nullopt;
  const VerbTable& verbs = Verbs();
  const absl::string_view stripped = StripPunctView(tokens[j]);
  const LowerText written_text(stripped);  // NormWord(tokens[j])
  const absl::string_view written = written_text.view();
  const absl::string_view gerund = GerundBase(written);
  // Candidate base forms: as written, from a gerund, from a third-person form. Forms longer
  // than any verb are left out: they match nothing.
  struct Base {
    absl::string_view text;
    bool converted;
  };
  Base bases[5];
  size_t base_count = 0;
  bases[base_count++] = {written, false};
  if (!gerund.empty()) bases[base_count++] = {gerund, true};
  char ies[kVerbBuffer];
  if (strict && written.size() > 3 && absl::EndsWith(written, "s") &&
      !absl::EndsWith(written, "ss")) {
    if (absl::EndsWith(written, "ies") && written.size() - 2 <= kVerbBuffer) {
      std::memcpy(ies, written.data(), written.size() - 3);
      ies[written.size() - 3] = 'y';
      bases[base_count++] = {absl::string_view(ies, written.size() - 2), true};
    }
    if (absl::EndsWith(written, "es")) {
      bases[base_count++] = {written.substr(0, written.size() - 2), true};
    }
    bases[base_count++] = {written.substr(0, written.size() - 1), true};
  }
  const bool phrase_ends = stripped.size() != tokens[j].size();
  const LowerText second_text(j + 1 < tokens.size() ? StripPunctView(tokens[j + 1])
                                                    : absl::string_view());
  const absl::string_view second = second_text.view();  // NormWord of the next token
  const bool two_word = !phrase_ends && IsParticle(second);
  char phrase[kVerbBuffer];
  for (size_t b = 0; b < base_count; ++b) {
    const absl::string_view base = bases[b].text;
    const bool converted = bases[b].converted;
    // Two-word verbs first ("set up", "look into"), unless the first token ends a phrase.
    if (two_word && base.size() + 1 + second.size() <= sizeof(phrase)) {
      std::memcpy(phrase, base.data(), base.size());
      phrase[base.size()] = ' ';
      std::memcpy(phrase + base.size() + 1, second.data(), second.size());
      auto it = verbs.find(absl::string_view(phrase, base.size() + 1 + second.size()));
      if (it != verbs.end()) return VerbMatch{it->first, 2, it->second, converted};
    }
    auto it = verbs.find(base);
    if (it == verbs.end()) continue;
    VerbMatch match{it->first, 1, it->second, converted};
    // A gerund's base counts even when ambiguous ("testing it").
    if (strict && it->second.ambiguous && !(converted && !gerund.empty())) {
      const bool at_end = j + 1 >= tokens.size();
      if (!phrase_ends && !at_end && !IsDeterminer(second) && IsNounPartner(match.base, second)) {
        return std::nullopt;
      }
      // "tests", "plans", "reports": a plural noun unless a determiner follows.
      if (converted && gerund.empty() && !at_end && !IsDeterminer(second)) {
        return std::nullopt;
      }
    }
    return match;
  }
  return std::nullopt;
}

// ---------------------------------------------------------------------------------------------
// Classification
// ---------------------------------------------------------------------------------------------

// What an object asks for when no verb decides: `cls` is ObjectClasses(object), `sensitive()`
// whether the object names personal data, secrets or exploitation.
template <typename Sensitive>
WorkKind ClassifyByObject(unsigned cls, Sensitive&& sensitive) {
  if (cls & kObjBug) return WorkKind::kDebug;
  if (cls & kObjTests) return WorkKind::kWriteTests;
  if (sensitive()) return WorkKind::kSecurity;
  if (cls & kObjProse) return WorkKind::kWriteProse;
  if (cls & kObjPlan) return WorkKind::kPlan;
  if ((cls & kObjInfra) && !(cls & kObjCode)) return WorkKind::kExecute;
  if ((cls & kObjData) && !(cls & kObjCode)) return WorkKind::kAnalyze;
  if (cls & kObjCode) return WorkKind::kCode;
  return WorkKind::kUnknown;
}

// The last few objects ObjectClasses read and their classes: goal splitting classifies the same
// object under several verbs.
class ObjectClassCache {
 public:
  unsigned Classes(absl::string_view object) {
    for (const Entry& e : entries_) {
      if (e.size == object.size() && std::memcmp(e.text, object.data(), object.size()) == 0) {
        return e.classes;
      }
    }
    const unsigned classes = ObjectClasses(object);
    if (object.size() <= sizeof(Entry::text)) {
      Entry& e = entries_[next_];
      next_ = (next_ + 1) % kEntries;
      std::memcpy(e.text, object.data(), object.size());
      e.size = object.size();
      e.classes = classes;
    }
    return classes;
  }

 private:
  static constexpr size_t kEntries = 2;
  struct Entry {
    char text[64];
    size_t size = ~size_t{0};  // none
    unsigned classes = 0;
  };
  Entry entries_[kEntries];
  size_t next_ = 0;
};

// `verb_info`, when given, is Verbs()'s entry of `verb`.
WorkKind ClassifyPart(absl::string_view verb, absl::string_view object,
                      ObjectClassCache* cache = nullptr, const VerbInfo* verb_info = nullptr) {
  // The object's classes and sensitivity are read only when a rule needs them (both are pure,
  // so the order of the checks below does not matter).
  std::optional<unsigned> cls_memo;
  auto cls = [&] {
    if (!cls_memo.has_value()) {
      cls_memo = cache != nullptr ? cache->Classes(object) : ObjectClasses(object);
    }
    return *cls_memo;
  };
  std::optional<Sensitivity> found;
  auto find_sensitive = [&]() -> const Sensitivity& {
    if (!found.has_value()) found = DetectSensitivityKinds(object);
    return *found;
  };
  auto sensitive = [&] { return find_sensitive().any(); };
  // Handling personal data or secrets is guardian work; writing an exploit is still coding
  // (the guardian gate in front of the plan covers its authorisation).
  auto data_sensitive = [&] {
    const Sensitivity& s = find_sensitive();
    return s.personal_data || s.secrets;
  };
  if (verb.empty()) return ClassifyByObject(cls(), sensitive);
  if (verb_info == nullptr) {
    auto it = Verbs().find(verb);
    if (it == Verbs().end()) return ClassifyByObject(cls(), sensitive);
    verb_info = &it->second;
  }
  const VerbInfo& info = *verb_info;
  const WorkKind kind = info.kind;
  if (info.generic) {
    if (verb == "remove" || verb == "delete") {
      if (data_sensitive()) return WorkKind::kSecurity;
      if (cls() & kObjCode) return WorkKind::kRefactor;
      return WorkKind::kExecute;
    }
    if (verb == "clean" || verb == "clean up") {
      if (data_sensitive()) return WorkKind::kSecurity;
      if ((cls() & kObjData) && !(cls() & kObjCode)) return WorkKind::kAnalyze;
      return WorkKind::kRefactor;
    }
    const unsigned c = cls();
    if (c & kObjTests) return WorkKind::kWriteTests;
    if (c & kObjBug) return WorkKind::kDebug;
    // Handling personal data or secrets as such is guardian work; putting them into a system
    // ("store them in Postgres") is still that system's work, behind the guardian gate.
    if (!(c & (kObjCode | kObjInfra)) && data_sensitive()) return WorkKind::kSecurity;
    if (c & kObjProse) return WorkKind::kWriteProse;
    if ((c & kObjPlan) && !(c & kObjCode)) return WorkKind::kPlan;
    if (verb == "build" && (c & kObjBuildArtifact)) return WorkKind::kExecute;
    auto setup_verb = [&verb] {
      return verb == "set up" || verb == "setup" || verb == "create" || verb == "prepare" ||
             verb == "get" || verb == "make" || verb == "update" || verb == "upgrade" ||
             verb == "migrate" || verb == "start" || verb == "store" || verb == "save" ||
             verb == "add";
    };
    auto making_verb = [&verb] {
      return verb == "write" || verb == "build" || verb == "implement" || verb == "develop" ||
             verb == "code" || verb == "program" || verb == "create" || verb == "generate";
    };
    // "Write a data pipeline": software, even though it names infrastructure and data.
    if ((c & kObjInfra) && (c & kObjData) && making_verb()) return WorkKind::kCode;
    if ((c & kObjInfra) && !(c & kObjCode) && setup_verb()) return WorkKind::kExecute;
    if ((c & kObjData) && !(c & kObjCode)) return WorkKind::kAnalyze;
    if (!(c & kObjCode) && data_sensitive()) return WorkKind::kSecurity;
    if (c & kObjCode) return WorkKind::kCode;
    if (verb == "design") return WorkKind::kPlan;
    return kind;
  }
  switch (kind) {
    case WorkKind::kResearch:
      if (cls() & kObjBug) return WorkKind::kDebug;
      if ((verb == "find" || verb == "identify" || verb == "locate" || verb == "search" ||
           verb == "look for") &&
          sensitive()) {
        return WorkKind::kSecurity;
      }
      if (verb == "compile" && (cls() & (kObjCode | kObjInfra))) return WorkKind::kExecute;
      return kind;
    case WorkKind::kExecute:
      if (verb == "run" && (cls() & kObjTests)) return WorkKind::kRunTests;
      if (verb == "run" && (cls() & kObjData) && !(cls() & kObjCode)) return WorkKind::kAnalyze;
      if ((verb == "rotate" || verb == "revoke") && sensitive()) return WorkKind::kSecurity;
      if (verb == "run" && sensitive()) {
        const std::string lower = AsciiLower(object);
        for (absl::string_view w :
             {"check", "audit", "scan", "compliance", "review", "assessment"}) {
          if (ContainsPhrase(lower, w)) return WorkKind::kSecurity;
        }
      }
      return kind;
    case WorkKind::kValidate:
      if (sensitive()) return WorkKind::kSecurity;
      return kind;
    case WorkKind::kWriteProse:
      if (verb == "translate" && (cls() & kObjCode)) return WorkKind::kCode;
      if (verb == "document" && (cls() & kObjCode)) return WorkKind::kWriteProse;
      return kind;
    default:
      return kind;
  }
}

// ---------------------------------------------------------------------------------------------
// Splitting
// ---------------------------------------------------------------------------------------------

bool IsConnector(absl::string_view w) {
  return w == "and" || w == "then" || w == "also" || w == "finally" || w == "afterwards" ||
         w == "next" || w == "plus" || w == "&" || w == "lastly" || w == "subsequently" ||
         w == "afterward";
}

// The words that may join clauses: IsConnector's and "after", "followed", "before".
const WordSet& ClauseWords() {
  static const auto* words =
      new WordSet{"and", "then",   "also",         "finally",   "afterwards", "next",     "plus",
                  "&",   "lastly", "subsequently", "afterward", "after",      "followed", "before"};
  return *words;
}

bool IsSequenceWord(absl::string_view w) {
  return w == "then" || w == "finally" || w == "afterwards" || w == "afterward" || w == "next" ||
         w == "lastly" || w == "subsequently";
}

// Leading fillers removed from a clause; the sequence words among them are reported.
struct FillerPattern {
  std::vector<absl::string_view> words;
  bool sequence;
};

const std::vector<FillerPattern>& LeadingFillers() {
  static const auto* patterns =
      new std::vector<FillerPattern>{{{"i", "would", "like", "to"}, false},
                                     {{"the", "goal", "is", "to"}, false},
                                     {{"my", "goal", "is", "to"}, false},
                                     {{"our", "goal", "is", "to"}, false},
                                     {{"i", "am", "trying", "to"}, false},
                                     {{"we", "are", "trying", "to"}, false},
                                     {{"i", "want", "to"}, false},
                                     {{"i", "need", "to"}, false},
                                     {{"i'd", "like", "to"}, false},
                                     {{"i'd", "love", "to"}, false},
                                     {{"we", "need", "to"}, false},
                                     {{"we", "want", "to"}, false},
                                     {{"we", "have", "to"}, false},
                                     {{"i", "have", "to"}, false},
                                     {{"i'm", "trying", "to"}, false},
                                     {{"we're", "trying", "to"}, false},
                                     {{"make", "sure", "to"}, false},
                                     {{"be", "sure", "to"}, false},
                                     {{"go", "ahead", "and"}, false},
                                     {{"help", "me", "to"}, false},
                                     {{"help", "us", "to"}, false},
                                     {{"after", "that"}, true},
                                     {{"once", "done"}, true},
                                     {{"when", "done"}, true},
                                     {{"followed", "by"}, true},
                                     {{"we", "should"}, false},
                                     {{"we", "must"}, false},
                                     {{"you", "should"}, false},
                                     {{"start", "by"}, false},
                                     {{"begin", "by"}, false},
                                     {{"to", "start"}, false},
                                     {{"to", "begin"}, false},
                                     {{"you", "must"}, false},
                                     {{"can", "you"}, false},
                                     {{"could", "you"}, false},
                                     {{"would", "you"}, false},
                                     {{"will", "you"}, false},
                                     {{"help", "me"}, false},
                                     {{"help", "us"}, false},
                                     {{"let", "us"}, false},
                                     {{"try", "to"}, false},
                                     {{"need", "to"}, false},
                                     {{"want", "to"}, false},
                                     {{"let's"}, false},
                                     {{"lets"}, false},
                                     {{"please"}, false},
                                     {{"kindly"}, false},
                                     {{"and"}, false},
                                     {{"also"}, false},
                                     {{"plus"}, false},
                                     {{"first"}, false},
                                     {{"firstly"}, false},
                                     {{"second"}, true},
                                     {{"secondly"}, true},
                                     {{"third"}, true},
                                     {{"thirdly"}, true},
                                     {{"now"}, false},
                                     {{"additionally"}, false},
                                     {{"furthermore"}, false},
                                     {{"moreover"}, false},
                                     {{"so"}, false},
                                     {{"just"}, false},
                                     {{"to"}, false},
                                     {{"then"}, true},
                                     {{"finally"}, true},
                                     {{"lastly"}, true},
                                     {{"next"}, true},
                                     {{"afterwards"}, true},
                                     {{"afterward"}, true},
                                     {{"subsequently"}, true},
                                     {{"&"}, false}};
  return *patterns;
}

// LeadingFillers() by first word, each list in LeadingFillers() order: only the patterns that
// start with a clause's first word can match it.
const WordMap<std::vector<const FillerPattern*>>& FillersByFirstWord() {
  static const auto* index = [] {
    auto* m = new WordMap<std::vector<const FillerPattern*>>();
    for (const FillerPattern& p : LeadingFillers()) (*m)[p.words[0]].push_back(&p);
    return m;
  }();
  return *index;
}

// NormWord(token) == word for a lower-case `word`, without building the normalised token.
bool NormIs(absl::string_view token, absl::string_view word) {
  if (token.size() < word.size()) return false;
  const absl::string_view t = StripPunctView(token);
  if (t.size() != word.size()) return false;
  for (size_t i = 0; i < t.size(); ++i) {
    if (absl::ascii_tolower(static_cast<unsigned char>(t[i])) != word[i]) return false;
  }
  return true;
}

// Removes leading fillers; returns true when a sequence word ("then", "finally") was among them.
// `starts_steps` is set when the clause opens a list of steps ("First, ...", "Start by ...").
bool StripLeadingFillers(TokenSpan* tokens, bool* starts_steps = nullptr) {
  if (starts_steps != nullptr && !tokens->empty()) {
    const absl::string_view w0 = (*tokens)[0];
    auto w1_is = [tokens](absl::string_view w) {
      return tokens->size() > 1 && NormIs((*tokens)[1], w);
    };
    if (NormIs(w0, "first") || NormIs(w0, "firstly") ||
        ((NormIs(w0, "start") || NormIs(w0, "begin")) && w1_is("by")) ||
        (NormIs(w0, "to") && (w1_is("start") || w1_is("begin")))) {
      *starts_steps = true;
    }
  }
  bool sequence = false;
  bool changed = true;
  const auto& fillers = FillersByFirstWord();
  while (changed && !tokens->empty()) {
    changed = false;
    const absl::string_view first_token = StripPunctView((*tokens)[0]);
    if (!fillers.MayContainLowered(first_token)) break;
    const LowerText first(first_token);  // NormWord
    auto candidates = fillers.find(first.view());
    if (candidates == fillers.end()) break;
    for (const FillerPattern* pattern : candidates->second) {
      const FillerPattern& p = *pattern;
      if (tokens->size() <= p.words.size()) continue;  // never strip a clause to nothing
      // p.words[0] is the first token (the index key).
      bool match = true;
      for (size_t k = 1; k < p.words.size(); ++k) {
        if (!NormIs((*tokens)[k], p.words[k])) {
          match = false;
          break;
        }
      }
      if (!match) continue;
      // "Next steps", "First draft": only strip ordinal words when a verb follows.
      if (p.words.size() == 1 &&
          (p.words[0] == "next" || p.words[0] == "first" || p.words[0] == "second" ||
           p.words[0] == "third" || p.words[0] == "to" || p.words[0] == "so" ||
           p.words[0] == "now" || p.words[0] == "just")) {
        if (!MatchVerb(*tokens, 1, false).has_value()) continue;
      }
      tokens->remove_prefix(p.words.size());
      sequence = sequence || p.sequence;
      changed = true;
      break;
    }
  }
  // Trailing politeness.
  while (!tokens->empty()) {
    const absl::string_view last = tokens->back();
    if (NormIs(last, "please") || NormIs(last, "asap") || NormIs(last, "thanks")) {
      tokens->remove_suffix(1);
    } else {
      break;
    }
  }
  return sequence;
}

// Removes a trailing time limit ("within 30 minutes", "in under 2 hours") from a clause: it is
// a constraint on the whole plan, applied to the estimates, not part of the action.
void StripTimePhrase(TokenSpan* tokens) {
  const size_t n = tokens->size();
  if (n < 2) return;
  // A time limit ends with its unit: "minutes", "2h", "90s".
  const absl::string_view last = StripPunctView(tokens->back());  // NormWord, but for case
  size_t digits = 0;
  while (digits < last.size() &&
         (absl::ascii_isdigit(static_cast<unsigned char>(last[digits])) || last[digits] == '.')) {
    ++digits;
  }
  static const auto* kUnitWords = new WordSet{
      "s",  "sec", "secs", "second", "seconds", "m",   "min",  "mins", "minute", "minutes", "h",
      "hr", "hrs", "hour", "hours",  "d",       "day", "days", "w",    "week",   "weeks"};
  const absl::string_view unit = last.substr(digits);
  if (!kUnitWords->MayContainLowered(unit) || !kUnitWords->contains(LowerText(unit).view())) {
    return;
  }
  for (size_t k = n > 6 ? n - 6 : 1; k < n; ++k) {
    const absl::string_view w = (*tokens)[k];
    if (!NormIs(w, "within") && !NormIs(w, "in") && !NormIs(w, "under") && !NormIs(w, "by")) {
      continue;
    }
    const std::string tail =
        absl::StrJoin(tokens->begin() + static_cast<std::ptrdiff_t>(k), tokens->end(), " ");
    if (ParseTimeLimitSeconds(tail, /*require_trigger=*/true) > 0) {
      *tokens = tokens->subspan(0, k);
      return;
    }
  }
}

// A clause: its words are pool[begin, end) of the pool SplitClauses appends to.
struct Clause {
  size_t begin = 0;
  size_t end = 0;
  bool after_previous = false;
  bool starts_steps = false;     // "First, ..." opens the goal's list of steps
  bool before_previous = false;  // "... after testing it": this clause goes first
  int group = 0;                 // clauses of one sentence share a group
  absl::string_view origin;      // a literal: "sentence", "list item"
};

// Splits a sentence's tokens into clauses at "and"/"then"/commas followed by a verb. The
// clauses' words are appended to `pool`; words the clauses gain are kept in `store`.
void SplitClauses(TokenSpan tokens, int group, bool sentence_after, absl::string_view origin,
                  SmallVector<Clause, 8>* out, SmallVector<absl::string_view, 32>* pool,
                  TextStore* store) {
  Clause cur;
  cur.begin = cur.end = pool->size();
  cur.group = group;
  cur.after_previous = sentence_after;
  cur.origin = origin;
  size_t i = 0;
  const size_t n = tokens.size();
  while (i < n) {
    size_t j = i;
    bool sequence = false;
    bool reverse = false;
    bool saw_connector = false;
    while (j < n) {
      const absl::string_view stripped = StripPunctView(tokens[j]);
      if (!ClauseWords().MayContainLowered(stripped)) break;  // most words
      const LowerText norm(stripped);                         // NormWord
      const absl::string_view w = norm.view();
      if (IsConnector(w)) {
        sequence = sequence || IsSequenceWord(w);
        saw_connector = true;
        ++j;
      } else if ((w == "after" || w == "followed" || w == "before") && j + 1 < n) {
        const LowerText next_text(StripPunctView(tokens[j + 1]));  // NormWord
        const absl::string_view next = next_text.view();
        if (next != "that" && next != "by" && !HasGerundBase(next)) break;
        if (w == "after" && next != "that") {
          reverse = true;  // "deploy after testing": testing first
          ++j;
        } else if (w == "before") {
          sequence = true;  // "test before deploying": deploying second
          ++j;
        } else {
          sequence = true;  // "after that", "followed by"
          j += 2;
        }
        saw_connector = true;
      } else {
        break;
      }
    }
    const bool prev_comma =
        i > 0 && (absl::EndsWith(tokens[i - 1], ",") || absl::EndsWith(tokens[i - 1], ";"));
    std::optional<VerbMatch> verb;
    if (cur.end > cur.begin && (saw_connector || prev_comma) && j < n) {
      verb = MatchVerb(tokens, j, /*strict=*/true);
    }
    if (verb.has_value()) {
      out->push_back(cur);
      cur = Clause();
      cur.begin = cur.end = pool->size();
      cur.group = group;
      cur.origin = origin;
      cur.after_previous = sequence;
      cur.before_previous = reverse;
      // "..., cleans the data" / "followed by deploying it": the clause starts imperative.
      if (verb->gerund) {
        const absl::string_view base = verb->base.substr(0, verb->base.find(' '));
        pool->push_back(store->Keep(absl::StrCat(base, absl::EndsWith(tokens[j], ",") ? "," : "")));
        ++cur.end;
        i = j + 1;
        continue;
      }
      i = j;
      continue;
    }
    pool->push_back(tokens[i]);
    ++cur.end;
    ++i;
  }
  if (cur.end > cur.begin) out->push_back(cur);
}

bool IsAbbreviation(absl::string_view word_lower) {
  static const auto* abbreviations =
      new WordSet{"e.g",  "i.e", "etc", "vs", "mr", "mrs", "ms", "dr", "st",  "no",  "approx",
                  "incl", "fig", "eg",  "ie", "cf", "al",  "jr", "sr", "inc", "ltd", "co"};
  // Initials ("J. Smith") too, but not numbers ("step 2.").
  return abbreviations->contains(word_lower) ||
         (word_lower.size() == 1 && absl::ascii_isalpha(static_cast<unsigned char>(word_lower[0])));
}

// Splits a paragraph into sentences at ".", "!", "?", ";" followed by whitespace or the end.
// The paragraph's whitespace is collapsed already (CollapseWhitespace, perhaps with surrounding
// spaces), so the sentences are views of it, trimmed.
SmallVector<absl::string_view, 4> SplitSentences(absl::string_view paragraph) {
  SmallVector<absl::string_view, 4> sentences;
  auto add = [&](absl::string_view text) {
    // CollapsedView(text): the text is collapsed apart from surrounding whitespace.
    while (!text.empty() && IsAsciiSpace(text.front())) text.remove_prefix(1);
    while (!text.empty() && IsAsciiSpace(text.back())) text.remove_suffix(1);
    if (!text.empty()) sentences.push_back(text);
  };
  // The next position of each sentence end ('.', '!', '?', ';') at or after `from`.
  static constexpr char kEnds[] = {'.', '!', '?', ';'};
  size_t next[4];
  auto find = [&paragraph](char c, size_t from) {
    const void* hit = from < paragraph.size()
                          ? std::memchr(paragraph.data() + from, c, paragraph.size() - from)
                          : nullptr;
    return hit == nullptr ? paragraph.size()
                          : static_cast<size_t>(static_cast<const char*>(hit) - paragraph.data());
  };
  for (int k = 0; k < 4; ++k) next[k] = find(kEnds[k], 0);
  size_t start = 0;
  while (true) {
    int k = 0;
    for (int m = 1; m < 4; ++m) {
      if (next[m] < next[k]) k = m;
    }
    const size_t i = next[k];
    if (i >= paragraph.size()) break;
    next[k] = find(kEnds[k], i + 1);
    const char c = paragraph[i];
    const bool boundary = i + 1 == paragraph.size() || IsAsciiSpace(paragraph[i + 1]);
    if (!boundary) continue;
    if (c == '.') {
      size_t w = i;
      while (w > start && !IsAsciiSpace(paragraph[w - 1])) --w;
      const LowerText word(paragraph.substr(w, i - w));
      if (IsAbbreviation(StripPunctView(word.view()))) continue;
    }
    add(paragraph.substr(start, i - start));
    start = i + 1;
  }
  add(paragraph.substr(start));
  return sentences;
}

// Recognises list markers: "- ", "* ", "• ", "1. ", "2) ", "a) ". `trimmed` is a line with its
// whitespace collapsed (CollapseWhitespace); returns where the text after the marker starts.
std::optional<size_t> BulletEnd(absl::string_view trimmed) {
  if (trimmed.empty()) return std::nullopt;
  static constexpr absl::string_view kMarkers[] = {"- ", "* ", "+ ", "\xE2\x80\xA2 ",
                                                   "\xE2\x80\x93 "};
  for (absl::string_view marker : kMarkers) {
    if (absl::StartsWith(trimmed, marker)) return marker.size();
  }
  size_t k = 0;
  while (k < trimmed.size() && absl::ascii_isdigit(static_cast<unsigned char>(trimmed[k]))) ++k;
  if (k > 0 && k <= 3 && k + 1 < trimmed.size() && (trimmed[k] == '.' || trimmed[k] == ')') &&
      trimmed[k + 1] == ' ') {
    return k + 2;
  }
  if (trimmed.size() > 3 && absl::ascii_islower(static_cast<unsigned char>(trimmed[0])) &&
      trimmed[1] == ')' && trimmed[2] == ' ') {
    return 3;
  }
  return std::nullopt;
}

// How list items relate to the line that introduces them.
enum class HeaderMode {
  kNone,      // no header
  kVerb,      // "Research the following topics:" -> items take the header's verb
  kPrefix,    // "Write tests for:" -> header + item
  kFeatures,  // "Build a website with:" -> the header is a step; items are its features
};

struct Header {
  HeaderMode mode = HeaderMode::kNone;
  Tokens tokens;  // cleaned header clause
};

bool IsPreposition(absl::string_view w) {
  return w == "for" || w == "on" || w == "about" || w == "of" || w == "in" || w == "to" ||
         w == "from" || w == "across" || w == "against" || w == "at" || w == "into" ||
         w == "around" || w == "covering" || w == "regarding";
}

// `text` must outlive the header (its tokens point into it).
Header ParseHeader(absl::string_view text) {
  Header header;
  const Tokens words = SplitWordViews(StripTrailingPunctView(text));
  TokenSpan stripped(words);
  StripLeadingFillers(&stripped);
  Tokens tokens(stripped.begin(), stripped.end());
  if (tokens.empty()) return header;
  // "with", "including", "that has": the items are features of the header's object.
  static const std::vector<std::vector<absl::string_view>> kFeatureTails = {
      {"that", "has"},  {"that", "have"}, {"that", "includes"},
      {"which", "has"}, {"with"},         {"including"},
      {"featuring"},    {"containing"},   {"that", "supports"},
      {"supporting"}};
  for (const auto& tail : kFeatureTails) {
    if (tokens.size() <= tail.size()) continue;
    bool match = true;
    for (size_t k = 0; k < tail.size(); ++k) {
      if (NormWord(tokens[tokens.size() - tail.size() + k]) != tail[k]) match = false;
    }
    if (match) {
      tokens.resize(tokens.size() - tail.size());
      header.mode = HeaderMode::kFeatures;
      header.tokens = std::move(tokens);
      return header;
    }
  }
  if (IsPreposition(NormWord(tokens.back()))) {
    header.mode = HeaderMode::kPrefix;
    header.tokens = std::move(tokens);
    return header;
  }
  // "the following (tasks)", "these steps", "as follows", "below": not an object.
  static const WordSet kFillerNouns = {
      "following", "these",  "those",  "below",        "follows", "tasks",     "steps", "items",
      "things",    "topics", "points", "bugs",         "issues",  "questions", "areas", "parts",
      "goals",     "todo",   "todos",  "requirements", "the",     "as",        "list",  "stuff"};
  while (!tokens.empty() && kFillerNouns.contains(NormWord(tokens.back()))) tokens.pop_back();
  header.mode = HeaderMode::kVerb;
  header.tokens = std::move(tokens);
  return header;
}

// Words that make a verb-less clause a problem statement ("the login page crashes on Safari").
bool LooksLikeProblemStatement(absl::string_view lower) {
  for (absl::string_view w :
       {"crashes",    "fails",   "failing", "doesn't", "does not", "can't",       "cannot",
        "won't",      "throws",  "hangs",   "breaks",  "broke",    "stopped",     "is broken",
        "are broken", "is slow", "returns", "leaks",   "freezes",  "not working", "times out"}) {
    if (ContainsPhrase(lower, w)) return true;
  }
  return false;
}

absl::string_view DefaultVerbFor(WorkKind kind) {
  switch (kind) {
    case WorkKind::kCode:
      return "Implement";
    case WorkKind::kDebug:
      return "Fix";
    case WorkKind::kRefactor:
      return "Refactor";
    case WorkKind::kWriteTests:
      return "Write";
    case WorkKind::kRunTests:
      return "Run";
    case WorkKind::kResearch:
      return "Research";
    case WorkKind::kSummarize:
      return "Summarise";
    case WorkKind::kWriteProse:
      return "Write";
    case WorkKind::kExecute:
      return "Set up";
    case WorkKind::kDeploy:
      return "Deploy";
    case WorkKind::kAnalyze:
      return "Analyse";
    case WorkKind::kSecurity:
      return "Secure";
    case WorkKind::kValidate:
      return "Verify";
    case WorkKind::kPlan:
      return "Plan";
    case WorkKind::kUnknown:
      return "Complete";
  }
  return "Complete";
}

// Appends the tokens joined by single spaces: absl::StrJoin(tokens, " ").
void AppendTokens(TokenSpan tokens, std::string* out) {
  if (tokens.empty()) return;
  // Tokens of collapsed text are one space apart already: one copy.
  bool contiguous = true;
  size_t size = tokens.size() - 1;
  for (size_t i = 0; i < tokens.size(); ++i) {
    size += tokens[i].size();
    if (i > 0 && (tokens[i].data() != tokens[i - 1].data() + tokens[i - 1].size() + 1 ||
                  tokens[i].data()[-1] != ' ')) {
      contiguous = false;
    }
  }
  if (contiguous) {
    out->append(tokens.front().data(), size);
    return;
  }
  out->reserve(out->size() + size);
  for (size_t i = 0; i < tokens.size(); ++i) {
    if (i > 0) out->push_back(' ');
    out->append(tokens[i].data(), tokens[i].size());
  }
}

// Builds a part from a clause's tokens (fillers already stripped).
GoalPart MakePart(TokenSpan tokens, absl::string_view origin, ObjectClassCache* cache = nullptr) {
  GoalPart part;
  part.origin = origin;
  std::optional<VerbMatch> verb = MatchVerb(tokens, 0, /*strict=*/false);
  if (verb.has_value()) {
    const TokenSpan head = tokens.subspan(0, verb->length);
    AppendTokens(tokens.subspan(verb->length), &part.object);
    part.object.resize(StripTrailingPunctView(part.object).size());
    // The text: the verb as written (or the base of a gerund), a space and the object.
    size_t head_size = verb->base.size() + head.size();
    for (absl::string_view t : head) head_size += t.size();
    part.text.reserve(head_size + 1 + part.object.size());
    if (verb->gerund) {
      part.text.assign(verb->base.data(), verb->base.size());  // "Deploying it" -> "Deploy it"
    } else {
      AppendTokens(head, &part.text);
      const absl::string_view stripped = StripPunctView(part.text);
      const size_t begin = static_cast<size_t>(stripped.data() - part.text.data());
      part.text.erase(begin + stripped.size());
      part.text.erase(0, begin);
    }
    if (!part.object.empty()) {
      part.text.push_back(' ');
      part.text.append(part.object);
    }
    CapitalizeFirstInPlace(&part.text);
    part.verb = verb->base;
    part.kind = ClassifyPart(part.verb, part.object, cache, &verb->info);
    return part;
  }
  AppendTokens(tokens, &part.object);
  part.object.resize(StripTrailingPunctView(part.object).size());
  part.kind = ClassifyPart("", part.object, cache);
  return part;
}

// Gives a verb-less part an imperative in its own words.
void MakeImperative(GoalPart* part) {
  if (!part->verb.empty() || part->object.empty()) return;
  const std::string lowered = LowerFirstWord(part->object, &IsCommonWord);
  if (part->kind == WorkKind::kDebug && LooksLikeProblemStatement(AsciiLower(part->object))) {
    part->text = absl::StrCat("Fix the problem where ", lowered);
  } else {
    part->text = absl::StrCat(DefaultVerbFor(part->kind), " ", lowered);
  }
}

// Longer than the phrases IsPronounObject looks for.
constexpr size_t kPronounHead = 12;

// Whether an object is (or starts with) a pronoun phrase: `head` is the object's first
// kPronounHead characters (all of it when shorter) in lower case, `size` its size.
bool IsPronounObject(absl::string_view head, size_t size) {
  // Each pronoun starts with 'i', 't' or 'e'.
  if (head.empty() || (head[0] != 'i' && head[0] != 't' && head[0] != 'e')) return false;
  static constexpr absl::string_view kPronouns[] = {
      "it",    "them",       "this",        "that",       "these",
      "those", "the result", "the results", "the output", "everything"};
  for (absl::string_view p : kPronouns) {
    // The object is p or starts with p followed by a space.
    if (absl::StartsWith(head, p) && (size == p.size() || head[p.size()] == ' ')) return true;
  }
  return false;
}

// Case-insensitive: the lower case of object[pos, pos + lower.size()) is `lower`.
bool LowerAt(absl::string_view object, size_t pos, absl::string_view lower) {
  if (pos + lower.size() > object.size()) return false;
  for (size_t k = 0; k < lower.size(); ++k) {
    if (absl::ascii_tolower(static_cast<unsigned char>(object[pos + k])) != lower[k]) return false;
  }
  return true;
}

// Removes a "with tests" clause: "a REST API with tests" -> "a REST API" (whitespace collapsed).
// Returns false, leaving *object as it is, without such a clause or when nothing would remain.
bool StripTestsClause(std::string* object) {
  const absl::string_view text = *object;
  // Every phrase contains "test" once, so each occurrence of a phrase lines up with an
  // occurrence of "test": the phrases are looked for only there.
  SmallVector<size_t, 4> tests;
  for (size_t t = 0; t + 4 <= text.size(); ++t) {
    if ((text[t] | 0x20) == 't' && LowerAt(text, t, "test")) tests.push_back(t);
  }
  if (tests.empty()) return false;
  // The phrases in the order they are tried, each with where "test" starts in it.
  struct Phrase {
    absl::string_view text;
    size_t test_at;
  };
  static const auto* kPhrases = [] {
    auto* phrases = new std::vector<Phrase>();
    for (absl::string_view text :
         {" with unit and integration tests", " with unit tests", " with integration tests",
          " with automated tests", " with end-to-end tests", " with e2e tests",
          " with a test suite", " with test coverage", " with tests", " including tests",
          " including unit tests", " and unit tests", " and tests", " plus tests"}) {
      phrases->push_back({text, text.find("test")});
    }
    return phrases;
  }();
  for (const auto& [phrase, offset] : *kPhrases) {
    // The first occurrence of the phrase, ignoring case.
    size_t pos = absl::string_view::npos;
    for (size_t t : tests) {
      // The character two before "test" first: it tells most phrases apart. It is a lower-case
      // letter in every phrase, and '| 0x20' lower-cases a letter and maps no other byte to one.
      if (t >= offset && (text[t - 2] | 0x20) == phrase[offset - 2] &&
          LowerAt(text, t - offset, phrase)) {
        pos = t - offset;
        break;
      }
    }
    if (pos == absl::string_view::npos) continue;
    const size_t end = pos + phrase.size();
    if (end < text.size() && absl::ascii_isalnum(static_cast<unsigned char>(text[end]))) continue;
    // CollapseWhitespace(before + after) is empty when both are blank.
    if (IsBlank(text.substr(0, pos)) && IsBlank(text.substr(end))) return false;
    object->erase(pos, phrase.size());
    CollapseWhitespaceInPlace(object);
    return true;
  }
  return false;
}

// StripTestsClause with the last object it read and the result: parts of one sentence often
// share their object ("Build and deploy a REST API with tests").
class TestsClauseStripper {
 public:
  bool Strip(std::string* object) {
    if (input_size_ == object->size() && std::memcmp(input_, object->data(), input_size_) == 0) {
      if (!stripped_) return false;
      object->assign(output_, output_size_);
      return true;
    }
    if (object->size() > sizeof(input_)) return StripTestsClause(object);
    std::memcpy(input_, object->data(), object->size());
    input_size_ = object->size();
    stripped_ = StripTestsClause(object);
    output_size_ = object->size();  // never longer than the input
    std::memcpy(output_, object->data(), output_size_);
    return stripped_;
  }

 private:
  char input_[64];
  size_t input_size_ = ~size_t{0};  // none yet
  bool stripped_ = false;
  char output_[64];
  size_t output_size_ = 0;
};

// The verb as written at the start of a part's text ("Build", "Set up"):
// FirstWords(part.text, CountWords(part.verb)), a view into part.text when the words are one
// space apart there (else into *storage).
absl::string_view VerbTextView(const GoalPart& part, std::string* storage) {
  if (part.verb.empty()) return absl::string_view();
  const absl::string_view text = part.text;
  // CountWords(part.verb); verbs are a word or two.
  size_t n = 0;
  bool in_word = false;
  for (char c : part.verb) {
    const bool space = IsAsciiSpace(c);
    n += !space && !in_word;
    in_word = !space;
  }
  if (n == 1 && !text.empty() && !IsAsciiSpace(text[0])) {
    // The first word of the text.
    return text.substr(
        0, static_cast<size_t>(SkipWord(text.data(), text.data() + text.size()) - text.data()));
  }
  // Where the n-th word of the text ends, if the text starts with a word and its first n words
  // are single spaces apart.
  size_t pos = 0;
  size_t words = 0;
  while (pos < text.size() && !IsAsciiSpace(text[pos])) {
    pos = static_cast<size_t>(SkipWord(text.data() + pos, text.data() + text.size()) - text.data());
    if (++words == n) return text.substr(0, pos);
    if (pos + 1 < text.size() && text[pos] == ' ' && !IsAsciiSpace(text[pos + 1])) {
      ++pos;
    } else {
      break;
    }
  }
  if (pos == text.size() && words < n && words > 0 && !IsAsciiSpace(text.back())) return text;
  *storage = FirstWords(text, n);
  return *storage;
}

std::string RebuildText(const GoalPart& part, absl::string_view verb_text) {
  std::string text;
  text.reserve(verb_text.size() + 1 + part.object.size());
  text.append(verb_text.data(), verb_text.size());
  if (!part.object.empty()) {
    text.push_back(' ');
    text.append(part.object);
  }
  CapitalizeFirstInPlace(&text);
  return text;
}

// The verb as written at the start of a part's text ("Build", "Set up").
std::string VerbText(const GoalPart& part) {
  std::string storage;
  return std::string(VerbTextView(part, &storage));
}

// part->text = RebuildText(*part, VerbText(*part)), reusing the text's buffer.
void RebuildTextInPlace(GoalPart* part) {
  std::string storage;
  const absl::string_view verb_text = VerbTextView(*part, &storage);
  if (verb_text.data() == part->text.data()) {
    part->text.resize(verb_text.size());  // the verb text is the start of the text
  } else {
    part->text.assign(verb_text.data(), verb_text.size());
  }
  if (!part->object.empty()) {
    part->text.reserve(part->text.size() + 1 + part->object.size());
    part->text.push_back(' ');
    part->text.append(part->object);
  }
  CapitalizeFirstInPlace(&part->text);
}

// `signal` is a literal.
void AddSignal(SplitSignals* signals, absl::string_view signal) {
  if (signals != nullptr && std::find(signals->begin(), signals->end(), signal) == signals->end()) {
    signals->push_back(signal);
  }
}

// Whether StripLeadingFillers certainly keeps every word of collapsed text (single spaces, no
// surrounding whitespace): its first word starts no filler and its last is no politeness.
bool StripsNoFillers(absl::string_view collapsed) {
  if (collapsed.empty()) return true;
  const size_t first_end = collapsed.find(' ');
  const absl::string_view first = StripPunctView(collapsed.substr(0, first_end));
  const auto& fillers = FillersByFirstWord();
  if (fillers.MayContainLowered(first) && fillers.contains(LowerText(first).view())) return false;
  const size_t last_space = collapsed.rfind(' ');
  const absl::string_view last =
      last_space == absl::string_view::npos ? collapsed : collapsed.substr(last_space + 1);
  return !NormIs(last, "please") && !NormIs(last, "asap") && !NormIs(last, "thanks");
}

std::string SummaryOf(absl::string_view goal) {
  TextStore store;  // lines whose whitespace had to be collapsed
  SmallVector<absl::string_view, 8> pieces;
  SmallVector<bool, 8> introduces;  // the piece ended with ':'
  size_t length = 0;
  for (size_t pos = 0, line_end = 0; line_end != absl::string_view::npos; pos = line_end + 1) {
    line_end = goal.find('\n', pos);  // the lines of absl::StrSplit(goal, '\n')
    absl::string_view line = goal.substr(pos, line_end - pos);
    if (length > 400) break;  // the summary keeps 100 characters
    if (line.size() > 800) line = line.substr(0, 800);
    std::string collapsed;
    absl::string_view text = CollapsedView(line, &collapsed);
    if (!collapsed.empty()) text = store.Keep(std::move(collapsed));
    if (std::optional<size_t> start = BulletEnd(text); start.has_value()) {
      text.remove_prefix(*start);
    }
    if (text.empty()) continue;
    introduces.push_back(absl::EndsWith(text, ":"));
    text = StripTrailingPunctView(text);
    length += text.size();
    pieces.push_back(text);
  }
  std::string joined_storage;
  absl::string_view joined;
  if (pieces.size() == 1) {
    joined = pieces[0];
  } else {
    for (size_t i = 0; i < pieces.size(); ++i) {
      if (i > 0) joined_storage += introduces[i - 1] ? ": " : "; ";
      absl::StrAppend(&joined_storage, pieces[i]);
    }
    joined = joined_storage;
  }
  // "Can you please help me write ..." -> "Write ...".
  std::string summary = StripsNoFillers(joined) ? std::string(joined) : [joined] {
    std::string stripped;
    const Tokens words = SplitWordViews(joined);
    TokenSpan tokens(words);
    StripLeadingFillers(&tokens);
    AppendTokens(tokens, &stripped);
    return stripped;
  }();
  CapitalizeFirstInPlace(&summary);
  summary.resize(StripTrailingPunctView(summary).size());
  TruncateTextInPlace(&summary, 100);
  return summary;
}

}  // namespace

// A referring phrase for an object: "a parser" -> "the parser", "authentication issue" ->
// "the authentication issue"; capitalised names ("Postgres") and determiners stay.
std::string ObjectPhrase(absl::string_view object) {
  // DefiniteObject(object) is prefix + rest; one that starts with "the " stays as it is.
  const auto [prefix, rest] = DefiniteParts(object);
  if (!prefix.empty()) {
    std::string out;
    out.reserve(prefix.size() + rest.size());
    out.append(prefix.data(), prefix.size());
    out.append(rest.data(), rest.size());
    return out;
  }
  const absl::string_view definite = object;
  // The first and the last word.
  const char* const begin = definite.data();
  const char* const end = begin + definite.size();
  const char* p = begin;
  while (p < end && IsAsciiSpace(*p)) ++p;
  if (p == end) return std::string(definite);  // no words
  const absl::string_view first_word(p, static_cast<size_t>(SkipWord(p, end) - p));
  const char* last_end = end;
  while (IsAsciiSpace(last_end[-1])) --last_end;  // stops at the first word at the latest
  const char* last_begin = last_end;
  while (last_begin > begin && !IsAsciiSpace(last_begin[-1])) --last_begin;
  const absl::string_view last_word(last_begin, static_cast<size_t>(last_end - last_begin));
  const bool several_words = last_begin != p;
  // "why the build fails" -> "the failure where the build fails".
  if (several_words && NormIs(first_word, "why")) {
    const absl::string_view clause = definite.substr(definite.find(' ') + 1);
    constexpr absl::string_view kFailure = "the failure where ";
    std::string out;
    out.reserve(kFailure.size() + clause.size());
    out.append(kFailure.data(), kFailure.size());
    out.append(clause.data(), clause.size());
    return out;
  }
  const bool lower_case = absl::ascii_islower(static_cast<unsigned char>(definite[0]));
  // Identifiers read better bare: "pull request 42", "issue 1234".
  const bool identifier = std::any_of(last_word.begin(), last_word.end(),
                                      [](char c) { return absl::ascii_isdigit(c); });
  if (!lower_case || identifier) return std::string(definite);
  if (NormIs(first_word, "the")) return std::string(definite);  // a determiner
  const LowerText first_text(StripPunctView(first_word));       // NormWord
  const absl::string_view first = first_text.view();
  if (!IsDeterminer(first) && first != "no" && first != "his" && first != "her" && first != "how" &&
      first != "what" && first != "whether" && first != "where" && first != "when" &&
      first != "which" && first != "who") {
    std::string out;
    out.reserve(4 + definite.size());
    out.append("the ");
    out.append(definite.data(), definite.size());
    return out;
  }
  return std::string(definite);
}

absl::string_view WorkKindName(WorkKind kind) {
  switch (kind) {
    case WorkKind::kCode:
      return "coding";
    case WorkKind::kDebug:
      return "debugging";
    case WorkKind::kRefactor:
      return "refactoring";
    case WorkKind::kWriteTests:
      return "test writing";
    case WorkKind::kRunTests:
      return "test runs";
    case WorkKind::kResearch:
      return "research";
    case WorkKind::kSummarize:
      return "summarising";
    case WorkKind::kWriteProse:
      return "writing";
    case WorkKind::kExecute:
      return "running commands";
    case WorkKind::kDeploy:
      return "deployment";
    case WorkKind::kAnalyze:
      return "data analysis";
    case WorkKind::kSecurity:
      return "security and privacy";
    case WorkKind::kValidate:
      return "validation";
    case WorkKind::kPlan:
      return "planning";
    case WorkKind::kUnknown:
      return "unclassified work";
  }
  return "unclassified work";
}

absl::string_view ArmForKind(WorkKind kind) {
  switch (kind) {
    case WorkKind::kCode:
    case WorkKind::kDebug:
    case WorkKind::kRefactor:
    case WorkKind::kWriteTests:
    case WorkKind::kAnalyze:
      return kCoderArm;
    case WorkKind::kRunTests:
    case WorkKind::kExecute:
    case WorkKind::kDeploy:
      return kExecutorArm;
    case WorkKind::kResearch:
    case WorkKind::kSummarize:
    case WorkKind::kWriteProse:
      return kRetrieverArm;
    case WorkKind::kSecurity:
      return kGuardianArm;
    case WorkKind::kValidate:
      return kJudgeArm;
    case WorkKind::kPlan:
    case WorkKind::kUnknown:
      return kPlannerArm;
  }
  return kPlannerArm;
}

bool IsDataObject(absl::string_view object) { return (ObjectClasses(object) & kObjData) != 0; }

bool IsCommonWord(absl::string_view lower_word) {
  if (Verbs().contains(lower_word) || ObjectWords().contains(lower_word) ||
      HasGerundBase(lower_word)) {
    return true;
  }
  // First words of two-word verbs: "set" (up), "look" (into), "roll" (out).
  std::string phrase(lower_word);
  static constexpr absl::string_view kParticles[] = {" up",  " out",  " into",
                                                     " for", " down", " over"};
  for (absl::string_view particle : kParticles) {
    phrase.resize(lower_word.size());
    phrase.append(particle.data(), particle.size());
    if (Verbs().contains(phrase)) return true;
  }
  return false;
}

std::vector<GoalPart> SplitGoal(absl::string_view goal, SplitSignals* split_signals) {
  // Carriage returns end lines; tabs are spaces.
  std::string normalized;
  absl::string_view text = goal;
  if (std::memchr(text.data(), '\r', text.size()) != nullptr ||
      std::memchr(text.data(), '\t', text.size()) != nullptr) {
    normalized = std::string(goal);
    std::replace(normalized.begin(), normalized.end(), '\r', '\n');
    std::replace(normalized.begin(), normalized.end(), '\t', ' ');
    text = normalized;
  }

  // 1. Lines into paragraphs and list items (with the line that introduces them).
  TextStore store;  // text the blocks, headers and clauses point into, unless in `text`
  struct Block {
    absl::string_view text;  // in `text` or `store`
    bool item = false;
    bool numbered = false;
    int header = -1;
    int list = -1;  // items of one list share it
  };
  SmallVector<Block, 4> blocks;
  std::vector<Header> headers;
  // The current paragraph: its lines joined by spaces, each after a space. A paragraph of one
  // line found in `text` is that line (`paragraph_line`) until a second line comes.
  std::string paragraph;
  absl::string_view paragraph_line;
  int current_header = -1;
  int current_list = -1;
  int lists = 0;
  auto flush_paragraph = [&]() {
    // The sentences of " line" and "line" are the same.
    if (!paragraph_line.empty()) {
      blocks.push_back({paragraph_line, false, false, -1, -1});
    } else if (!IsBlank(paragraph)) {
      blocks.push_back({store.Keep(std::move(paragraph)), false, false, -1, -1});
    }
    paragraph.clear();
    paragraph_line = absl::string_view();
  };
  SmallVector<absl::string_view, 8> lines;
  for (size_t pos = 0, end = 0; end != absl::string_view::npos; pos = end + 1) {
    end = text.find('\n', pos);  // the lines of absl::StrSplit(text, '\n')
    lines.push_back(text.substr(pos, end - pos));
  }
  std::string collapsed;  // a line CollapsedView had to rewrite
  for (size_t li = 0; li < lines.size(); ++li) {
    collapsed.clear();
    const absl::string_view trimmed = CollapsedView(lines[li], &collapsed);
    const bool in_text = collapsed.empty();  // else `trimmed` views `collapsed`
    if (std::optional<size_t> item = BulletEnd(trimmed); item.has_value()) {
      flush_paragraph();
      if (current_list < 0) current_list = lists++;
      const bool numbered = absl::ascii_isdigit(static_cast<unsigned char>(trimmed[0]));
      const absl::string_view item_text = trimmed.substr(*item);
      blocks.push_back({in_text ? item_text : absl::string_view(store.Keep(std::string(item_text))),
                        true, numbered, current_header, current_list});
      continue;
    }
    if (trimmed.empty()) continue;  // blank lines inside a list keep the list going
    current_list = -1;
    // A line ending in ':' followed by list items introduces them.
    bool next_is_item = false;
    if (absl::EndsWith(trimmed, ":")) {
      for (size_t k = li + 1; k < lines.size(); ++k) {
        if (IsBlank(lines[k])) continue;
        std::string next;
        next_is_item = BulletEnd(CollapsedView(lines[k], &next)).has_value();
        break;
      }
    }
    if (next_is_item) {
      flush_paragraph();
      headers.push_back(ParseHeader(store.Keep(std::string(trimmed))));
      current_header = static_cast<int>(headers.size()) - 1;
      continue;
    }
    current_header = -1;
    if (paragraph.empty() && paragraph_line.empty() && in_text) {
      paragraph_line = trimmed;
      continue;
    }
    if (!paragraph_line.empty()) {
      absl::StrAppend(&paragraph, " ", paragraph_line);
      paragraph_line = absl::string_view();
    }
    absl::StrAppend(&paragraph, " ", trimmed);
  }
  flush_paragraph();

  // 2. Blocks into clauses.
  struct ClauseInfo {
    int header = -1;
    bool item = false;
    int list = -1;
    bool numbered = false;
  };
  SmallVector<Clause, 8> clauses;
  SmallVector<absl::string_view, 32> pool;  // the clauses' words
  SmallVector<ClauseInfo, 8> info;
  int group = 0;
  int sentence_count = 0;
  // `sentence` must outlive the clauses (it lives in `blocks`, `text` or `store`).
  auto add_sentence = [&](absl::string_view sentence, absl::string_view origin,
                          const ClauseInfo& ci) {
    const Tokens words = SplitWordViews(sentence);
    TokenSpan tokens(words);
    bool starts_steps = false;
    const bool after = StripLeadingFillers(&tokens, &starts_steps);
    if (tokens.empty()) return;
    const size_t before = clauses.size();
    SplitClauses(tokens, group++, after, origin, &clauses, &pool, &store);
    if (clauses.size() > before) clauses[before].starts_steps = starts_steps;
    if (clauses.size() - before > 1) AddSignal(split_signals, "clauses joined by \"and\"/\"then\"");
    for (size_t k = before; k < clauses.size(); ++k) info.push_back(ci);
  };
  for (const Block& block : blocks) {
    if (block.item) AddSignal(split_signals, "list items");
    const absl::string_view origin = block.item ? "list item" : "sentence";
    const ClauseInfo base{block.header, block.item, block.header >= 0 ? block.header : -1,
                          block.numbered};
    for (absl::string_view sentence : SplitSentences(block.text)) {
      ++sentence_count;
      // Inline list after a colon: "Build a site with: login, search and payments".
      size_t colon = absl::string_view::npos;  // sentence.find(": ")
      for (const char *p = sentence.data(), *end = p + sentence.size();
           (p = static_cast<const char*>(std::memchr(p, ':', static_cast<size_t>(end - p)))) !=
           nullptr;
           ++p) {
        if (p + 1 < end && p[1] == ' ') {
          colon = static_cast<size_t>(p - sentence.data());
          break;
        }
      }
      if (colon != absl::string_view::npos) {
        const absl::string_view head = sentence.substr(0, colon);
        const absl::string_view tail = sentence.substr(colon + 2);
        if (tail.find(',') != absl::string_view::npos) {
          headers.push_back(ParseHeader(head));
          const int h = static_cast<int>(headers.size()) - 1;
          AddSignal(split_signals, "list items");
          std::string items(tail);
          for (absl::string_view sep : {", and ", ", or ", " and ", " or "}) {
            items = absl::StrReplaceAll(items, {{sep, ", "}});
          }
          for (absl::string_view piece : absl::StrSplit(items, ',')) {
            std::string item = CollapseWhitespace(piece);
            if (!item.empty()) {
              add_sentence(store.Keep(std::move(item)), "list item", ClauseInfo{h, true, h, false});
            }
          }
          continue;
        }
        // "Goal: build X" / "Note: use staging": a short label before the colon is dropped.
        const Tokens head_tokens = SplitWordViews(head);
        if (head_tokens.size() <= 3 && !MatchVerb(head_tokens, 0, false).has_value()) {
          add_sentence(tail, origin, base);
          continue;
        }
        add_sentence(head, origin, base);
        add_sentence(tail, origin, base);
        continue;
      }
      add_sentence(sentence, origin, base);
    }
  }
  if (sentence_count > 1 &&
      std::count_if(info.begin(), info.end(), [](const ClauseInfo& c) { return !c.item; }) > 1) {
    AddSignal(split_signals, "sentences");
  }

  // An opening sentence followed by "First, ..." states the goal; the steps come after it.
  size_t first_clause = 0;
  for (size_t c = 1; c < clauses.size(); ++c) {
    if (clauses[c].starts_steps && !info[c].item) {
      bool overview = true;
      for (size_t k = 0; k < c; ++k) overview = overview && !info[k].item;
      if (overview) {
        first_clause = c;
        AddSignal(split_signals, "the steps introduced by \"first\"");
      }
      break;
    }
  }

  // 3. Clauses into parts, applying list headers.
  ObjectClassCache classes;
  std::vector<GoalPart> parts;
  parts.reserve(clauses.size() + headers.size() + 1);
  std::vector<bool> header_emitted(headers.size(), false);
  SmallVector<int, 8> list_seen(static_cast<size_t>(lists) + headers.size() + 1, 0);
  for (size_t c = first_clause; c < clauses.size(); ++c) {
    const Clause& clause = clauses[c];
    const ClauseInfo& ci = info[c];
    TokenSpan tokens(pool.data() + clause.begin, clause.end - clause.begin);
    bool clause_after = StripLeadingFillers(&tokens) || clause.after_previous;
    StripTimePhrase(&tokens);
    if (tokens.empty()) continue;
    absl::string_view origin = clause.origin;
    if (origin == "sentence" && c > 0 && clauses[c - 1].group == clause.group) origin = "clause";
    GoalPart part = MakePart(tokens, origin, &classes);
    const int h = ci.header;
    const bool noun_like =
        part.verb.empty() || part.object.empty() || Verbs().at(part.verb).ambiguous;
    if (h >= 0 && (part.verb.empty() || (headers[h].mode == HeaderMode::kFeatures && noun_like))) {
      const Header& header = headers[h];
      GoalPart head_part =
          header.tokens.empty() ? GoalPart() : MakePart(header.tokens, "sentence", &classes);
      const std::string item_text =
          StripTrailingPunct(LowerFirstWord(absl::StrJoin(tokens, " "), &IsCommonWord));
      switch (header.mode) {
        case HeaderMode::kFeatures: {
          if (!header_emitted[h] && !head_part.verb.empty()) {
            header_emitted[h] = true;
            head_part.sentence = clause.group;
            parts.push_back(head_part);
          }
          const std::string target = DefiniteObject(head_part.object);
          const bool code =
              head_part.kind == WorkKind::kCode || head_part.kind == WorkKind::kUnknown;
          part = GoalPart();
          part.origin = "list item";
          part.verb = code ? "implement" : "include";
          part.object = target.empty() ? item_text : absl::StrCat(item_text, " for ", target);
          part.text = target.empty() ? absl::StrCat(code ? "Implement " : "Include ", item_text)
                      : code         ? absl::StrCat("Implement ", item_text, " for ", target)
                                     : absl::StrCat("Include ", item_text, " in ", target);
          part.kind = code ? WorkKind::kCode : head_part.kind;
          break;
        }
        case HeaderMode::kPrefix: {
          Tokens joined = header.tokens;
          joined.insert(joined.end(), tokens.begin(), tokens.end());
          part = MakePart(joined, "list item", &classes);
          break;
        }
        case HeaderMode::kVerb: {
          if (!head_part.verb.empty()) {
            const std::string verb_text = VerbText(head_part);
            Tokens joined = SplitWordViews(verb_text);
            joined.insert(joined.end(), tokens.begin(), tokens.end());
            part = MakePart(joined, "list item", &classes);
          }
          break;
        }
        case HeaderMode::kNone:
          break;
      }
    }
    // Numbered list items run in order; bulleted ones are independent unless they say "then".
    if (ci.item && ci.numbered) {
      const size_t list_id = static_cast<size_t>(std::max(ci.list, 0));
      if (list_seen[list_id]++ > 0) clause_after = true;
    }
    part.after_previous = clause_after;
    part.sentence = clause.group;
    part.list_group = ci.header;
    MakeImperative(&part);
    if (clause.before_previous && !parts.empty() && parts.back().sentence == clause.group) {
      // "Deploy it after testing it": the later clause runs first.
      GoalPart previous = std::move(parts.back());
      parts.back() = std::move(part);
      previous.after_previous = true;
      parts.push_back(std::move(previous));
      continue;
    }
    parts.push_back(std::move(part));
  }

  // Each part's text before pronouns were resolved, where that differs from its text now.
  absl::InlinedVector<std::optional<std::string>, 8> written(parts.size());
  auto written_text = [&](size_t i) -> const std::string& {
    return written[i].has_value() ? *written[i] : parts[i].text;
  };

  // 4. Verb-only parts share the object of the next part of the same sentence ("Build and
  //    deploy a REST API"); pronouns refer back ("write a parser and test it").
  for (size_t i = 0; i < parts.size(); ++i) {
    GoalPart& part = parts[i];
    if (!part.verb.empty() && part.object.empty()) {
      for (size_t k = i + 1; k < parts.size() && parts[k].sentence == part.sentence; ++k) {
        if (!parts[k].object.empty() && !parts[k].verb.empty()) {
          part.object = parts[k].object;
          RebuildTextInPlace(&part);
          part.kind = ClassifyPart(part.verb, part.object, &classes);
          break;
        }
      }
    }
    if (i == 0 || part.verb.empty()) continue;
    // The object's start in lower case (the pronoun phrases are shorter) and its size.
    char head_buffer[kPronounHead];
    const size_t object_size = part.object.size();
    const absl::string_view head(head_buffer, std::min(object_size, sizeof(head_buffer)));
    AsciiLowerInto(absl::string_view(part.object).substr(0, head.size()), head_buffer);
    if (IsPronounObject(head, object_size)) {
      part.refers_back = true;
      const GoalPart& prev = parts[i - 1];
      absl::string_view prev_first;  // the first word of prev.object (NormWord compares below)
      ForEachWord(prev.object, [&prev_first](absl::string_view w) {
        prev_first = w;
        return false;
      });
      const bool clause_object = NormIs(prev_first, "why") || NormIs(prev_first, "how") ||
                                 NormIs(prev_first, "what") || NormIs(prev_first, "whether") ||
                                 NormIs(prev_first, "where") || NormIs(prev_first, "when") ||
                                 NormIs(prev_first, "which") || NormIs(prev_first, "who");
      auto object_is = [&](absl::string_view w) { return object_size == w.size() && head == w; };
      if (!prev.object.empty() && !clause_object &&
          (object_is("it") || object_is("them") || object_is("this") ||
           absl::StartsWith(head, "it ") || absl::StartsWith(head, "them "))) {
        const size_t space = part.object.find(' ');
        const std::string tail = space == std::string::npos ? "" : part.object.substr(space);
        part.object = absl::StrCat(DefiniteObject(prev.object), tail);
        std::string verb_text = VerbText(part);
        written[i] = std::exchange(part.text, RebuildText(part, verb_text));
        if (part.kind == WorkKind::kUnknown || Verbs().at(part.verb).generic) {
          part.kind = ClassifyPart(part.verb, part.object, &classes);
        }
      }
    }
  }

  // 5. Neighbours of one sentence doing the same kind of work on the same thing become one
  //    part: "Find and fix the memory leak", "Investigate why the build fails and fix it".
  for (size_t i = 0; i + 1 < parts.size();) {
    GoalPart& a = parts[i];
    GoalPart& b = parts[i + 1];
    const bool same_object = !a.object.empty() && DefiniteEqualsIgnoreCase(a.object, b.object);
    if (same_object && a.verb == b.verb) {  // said twice: keep it once
      parts.erase(parts.begin() + static_cast<std::ptrdiff_t>(i) + 1);
      written.erase(written.begin() + static_cast<std::ptrdiff_t>(i) + 1);
      continue;
    }
    if (a.sentence == b.sentence && a.kind == b.kind && a.kind != WorkKind::kUnknown &&
        !a.verb.empty() && !b.verb.empty() && (same_object || b.refers_back)) {
      const std::string verbs = absl::StrCat(VerbText(a), " and ", AsciiLower(VerbText(b)));
      a.text = same_object ? CapitalizeFirst(absl::StrCat(verbs, " ", a.object))
                           : absl::StrCat(StripTrailingPunctView(written_text(i)), " and ",
                                          LowerFirstWord(written_text(i + 1), &IsCommonWord));
      written[i].reset();
      parts.erase(parts.begin() + static_cast<std::ptrdiff_t>(i) + 1);
      written.erase(written.begin() + static_cast<std::ptrdiff_t>(i) + 1);
      continue;
    }
    ++i;
  }

  // 6. "with tests" becomes its own test-writing part after the code that it tests.
  TestsClauseStripper tests_clause;
  for (size_t i = 0; i < parts.size(); ++i) {
    GoalPart& part = parts[i];
    if (part.verb.empty()) continue;
    if (!tests_clause.Strip(&part.object)) continue;
    RebuildTextInPlace(&part);
    part.kind = ClassifyPart(part.verb, part.object, &classes);
    // The target, DefiniteObject(part.object): on the stack when short.
    const auto [article, rest] = DefiniteParts(part.object);
    char target_buffer[64];
    std::string target_storage;
    absl::string_view target;
    if (article.size() + rest.size() <= sizeof(target_buffer)) {
      std::memcpy(target_buffer, article.data(), article.size());
      if (!rest.empty()) std::memcpy(target_buffer + article.size(), rest.data(), rest.size());
      target = absl::string_view(target_buffer, article.size() + rest.size());
    } else {
      target_storage = absl::StrCat(article, rest);
      target = target_storage;
    }
    auto writes_tests = [](const GoalPart& p) { return p.kind == WorkKind::kWriteTests; };
    if (std::any_of(parts.begin(), parts.end(), writes_tests)) {
      const LowerText lower_target(target);
      bool exists = false;
      for (const GoalPart& p : parts) {
        if (writes_tests(p) && absl::StrContains(LowerText(p.object).view(), lower_target.view())) {
          exists = true;
        }
      }
      if (exists) continue;
    }
    GoalPart tests;
    // "tests for " + the target.
    constexpr absl::string_view kTestsFor = "tests for ";
    tests.object.reserve(kTestsFor.size() + target.size());
    tests.object.append(kTestsFor.data(), kTestsFor.size());
    tests.object.append(target.data(), target.size());
    tests.verb = "write";
    tests.text.reserve(6 + tests.object.size());
    tests.text.append("Write ").append(tests.object);
    tests.kind = WorkKind::kWriteTests;
    tests.origin = "with tests";
    tests.sentence = part.sentence;
    tests.list_group = part.list_group;
    // Place it after the first code part about the same object (or after this part).
    size_t insert_at = i + 1;
    for (size_t k = 0; k < parts.size(); ++k) {
      if ((parts[k].kind == WorkKind::kCode || parts[k].kind == WorkKind::kRefactor ||
           parts[k].kind == WorkKind::kDebug) &&
          DefiniteEqualsIgnoreCase(parts[k].object, target)) {
        insert_at = k + 1;
        break;
      }
    }
    if (part.kind != WorkKind::kCode && insert_at == i + 1 && i > 0) insert_at = i;
    parts.insert(parts.begin() + static_cast<std::ptrdiff_t>(insert_at), std::move(tests));
    AddSignal(split_signals, "a \"with tests\" clause");
    if (insert_at <= i + 1) ++i;  // skip the part that moved or was inserted next
  }

  // 7. "add tests" without a target tests the code of the nearest earlier coding part.
  for (size_t i = 1; i < parts.size(); ++i) {
    GoalPart& part = parts[i];
    if (part.kind != WorkKind::kWriteTests || part.verb.empty()) continue;
    // The parts made for "with tests" clauses name their target ("tests for ...").
    if (absl::StartsWith(part.object, "tests for ")) continue;
    const LowerText lower_text(part.object);
    const absl::string_view lower = lower_text.view();
    if (ContainsPhrase(lower, "for") || ContainsPhrase(lower, "of") ||
        ContainsPhrase(lower, "on") || ContainsPhrase(lower, "to")) {
      continue;
    }
    for (size_t k = i; k-- > 0;) {
      const WorkKind kind = parts[k].kind;
      if ((kind == WorkKind::kCode || kind == WorkKind::kDebug || kind == WorkKind::kRefactor) &&
          !parts[k].object.empty()) {
        part.object = absl::StrCat(part.object, " for ", ObjectPhrase(parts[k].object));
        RebuildTextInPlace(&part);
        break;
      }
    }
  }

  // 8. A later mention of the same object refers back to it with "the"; drop duplicates. The
  //    parts kept move to the front: parts[0, kept).
  size_t kept = 0;
  for (size_t i = 0; i < parts.size(); ++i) {
    GoalPart& part = parts[i];
    if (part.text.empty()) continue;
    const absl::Span<const GoalPart> unique(parts.data(), kept);
    for (const GoalPart& earlier : unique) {
      if (!part.object.empty() && EqualsFold(earlier.object, part.object)) {
        // part.object = DefiniteObject(part.object), when that changes it.
        const auto [article, rest] = DefiniteParts(part.object);
        if (!article.empty()) {
          part.object.replace(0, part.object.size() - rest.size(), article.data(), article.size());
          RebuildTextInPlace(&part);
        }
        break;
      }
    }
    bool duplicate = false;
    for (const GoalPart& earlier : unique) {
      if (EqualsFold(earlier.text, part.text)) duplicate = true;
    }
    if (duplicate) continue;
    if (kept != i) parts[kept] = std::move(part);
    ++kept;
  }
  parts.erase(parts.begin() + static_cast<std::ptrdiff_t>(kept), parts.end());
  return parts;
}

GoalPart ParseAction(absl::string_view action) {
  const Tokens words = SplitWordViews(action);
  TokenSpan tokens(words);
  StripLeadingFillers(&tokens);
  if (tokens.empty()) return GoalPart();
  GoalPart part = MakePart(tokens, "action");
  MakeImperative(&part);
  return part;
}

std::string ActionVerb(absl::string_view action) {
  // Usually StripLeadingFillers strips nothing (the first word starts no filler, the last is no
  // politeness): then only the first two words matter to MatchVerb.
  absl::string_view head[2];
  size_t head_size = 0;
  ForEachWord(action, [&](absl::string_view w) {
    head[head_size++] = w;
    return head_size < 2;
  });
  if (head_size == 0) return std::string();
  const char* const begin = action.data();
  const char* last_end = begin + action.size();
  while (IsAsciiSpace(last_end[-1])) --last_end;  // stops at the first word at the latest
  const char* last_begin = last_end;
  while (last_begin > begin && !IsAsciiSpace(last_begin[-1])) --last_begin;
  const absl::string_view last(last_begin, static_cast<size_t>(last_end - last_begin));
  const absl::string_view first = StripPunctView(head[0]);
  const auto& fillers = FillersByFirstWord();
  const bool filler = fillers.MayContainLowered(first) && fillers.contains(LowerText(first).view());
  if (!filler && !NormIs(last, "please") && !NormIs(last, "asap") && !NormIs(last, "thanks")) {
    std::optional<VerbMatch> verb = MatchVerb(TokenSpan(head, head_size), 0, /*strict=*/false);
    return verb.has_value() ? std::string(verb->base) : std::string();
  }
  const Tokens words = SplitWordViews(action);
  TokenSpan tokens(words);
  StripLeadingFillers(&tokens);
  std::optional<VerbMatch> verb = MatchVerb(tokens, 0, /*strict=*/false);
  return verb.has_value() ? std::string(verb->base) : std::string();
}

WorkKind ClassifyAction(absl::string_view action) { return ParseAction(action).kind; }

namespace {

// Sensitive terms indexed by their first word, so one pass over the words finds every match.
// Words are runs of letters and digits compared in lower case; `lengths` and `last_lengths`
// filter them before the look-up (bit n of lengths[c]: some first word starts with c and is n
// characters long; of last_lengths[c]: some first word ends with c and is n characters long).
struct SensitiveIndex {
  WordMap<std::vector<const SensitiveTerm*>> by_first_word;
  uint32_t lengths[256] = {};
  uint32_t last_lengths[256] = {};
};

const SensitiveIndex& GetSensitiveIndex() {
  static const auto* index = [] {
    auto* index = new SensitiveIndex();
    for (const SensitiveTerm& term : SensitiveTerms()) {
      const absl::string_view first = term.phrase.substr(0, term.phrase.find(' '));
      index->by_first_word[first].push_back(&term);
      index->lengths[static_cast<unsigned char>(first[0])] |= uint32_t{1} << first.size();
      index->last_lengths[static_cast<unsigned char>(first.back())] |= uint32_t{1} << first.size();
    }
    return index;
  }();
  return *index;
}

// Calls match(term, pos) for each occurrence of a sensitive term in `text` at byte `pos`, in
// order of position (the terms of one position in index order). The text is read as if
// normalised byte for byte (lower case, everything else a space), so offsets map back to it.
template <typename Match>
void ForEachSensitiveTerm(absl::string_view text, Match&& match) {
  const SensitiveIndex& index = GetSensitiveIndex();
  auto alnum = [](char c) { return absl::ascii_isalnum(static_cast<unsigned char>(c)); };
  auto lower = [](char c) { return absl::ascii_tolower(static_cast<unsigned char>(c)); };
  auto norm_equals = [&](size_t pos, absl::string_view phrase) {
    for (size_t k = 0; k < phrase.size(); ++k) {
      const char c = text[pos + k];
      if ((alnum(c) ? lower(c) : ' ') != phrase[k]) return false;
    }
    return true;
  };
  const size_t n = text.size();
  char word[32];
  size_t pos = 0;
  while (pos < n) {
    while (pos < n && !alnum(text[pos])) ++pos;
    size_t end = pos;
    while (end < n && alnum(text[end])) ++end;
    const size_t len = end - pos;
    if (len > 0 && len < 32 &&
        ((index.lengths[static_cast<unsigned char>(lower(text[pos]))] >> len) & 1) != 0 &&
        ((index.last_lengths[static_cast<unsigned char>(lower(text[end - 1]))] >> len) & 1) != 0) {
      for (size_t k = 0; k < len; ++k) word[k] = lower(text[pos + k]);
      auto it = index.by_first_word.find(absl::string_view(word, len));
      if (it != index.by_first_word.end()) {
        for (const SensitiveTerm* term : it->second) {
          const size_t term_end = pos + term->phrase.size();
          if (term_end <= n && norm_equals(pos, term->phrase) &&
              (term_end == n || !alnum(text[term_end]))) {
            match(*term, pos);
          }
        }
      }
    }
    pos = end;
  }
}

void SetKind(const SensitiveTerm& term, Sensitivity* result) {
  if (term.kind == 0) result->personal_data = true;
  if (term.kind == 1) result->secrets = true;
  if (term.kind == 2) result->exploitation = true;
}

}  // namespace

Sensitivity DetectSensitivityKinds(absl::string_view text) {
  Sensitivity result;
  ForEachSensitiveTerm(text,
                       [&result](const SensitiveTerm& term, size_t) { SetKind(term, &result); });
  return result;
}

Sensitivity DetectSensitivity(absl::string_view text) {
  Sensitivity result;
  struct Hit {
    size_t pos;
    size_t len;
  };
  SmallVector<Hit, 4> hits;
  ForEachSensitiveTerm(text, [&](const SensitiveTerm& term, size_t pos) {
    SetKind(term, &result);
    hits.push_back({pos, term.phrase.size()});
  });
  std::sort(hits.begin(), hits.end(), [](const Hit& a, const Hit& b) {
    return a.pos != b.pos ? a.pos < b.pos : a.len > b.len;
  });
  size_t covered_until = 0;
  for (const Hit& hit : hits) {
    if (hit.pos < covered_until) continue;  // "api keys" already covers "api key"
    covered_until = hit.pos + hit.len;
    std::string term(text.substr(hit.pos, hit.len));
    // "CVE-2024-1234": keep the identifier that follows.
    if (absl::EqualsIgnoreCase(term, "cve")) {
      size_t end = hit.pos + hit.len;
      while (end < text.size() &&
             (absl::ascii_isalnum(static_cast<unsigned char>(text[end])) || text[end] == '-')) {
        ++end;
      }
      term = std::string(text.substr(hit.pos, end - hit.pos));
      covered_until = end;
    }
    if (result.terms.size() < 4 &&
        std::none_of(result.terms.begin(), result.terms.end(),
                     [&](const std::string& t) { return absl::EqualsIgnoreCase(t, term); })) {
      result.terms.push_back(std::move(term));
    }
  }
  return result;
}

namespace {

// absl::SimpleAtod(t, value), with a fast path for plain integers of up to 15 digits (exact in
// a double, so the result is the same).
bool ParseNumber(absl::string_view t, double* value) {
  if (!t.empty() && t.size() <= 15 && std::all_of(t.begin(), t.end(), [](char c) {
        return absl::ascii_isdigit(static_cast<unsigned char>(c));
      })) {
    int64_t n = 0;
    for (char c : t) n = n * 10 + (c - '0');
    *value = static_cast<double>(n);
    return true;
  }
  return absl::SimpleAtod(t, value);
}

}  // namespace

namespace {

// Whether `text` has an ASCII digit; sixteen characters a step.
bool HasDigit(absl::string_view text) {
  auto digits = [](const char* p) {  // a bit for each of p[0, 16) that is a digit
    const __m128i v = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p));
    // Signed compares: bytes from 0x80 up are negative, below '0'.
    return _mm_movemask_epi8(_mm_and_si128(_mm_cmpgt_epi8(v, _mm_set1_epi8('0' - 1)),
                                           _mm_cmplt_epi8(v, _mm_set1_epi8('9' + 1))));
  };
  const char* p = text.data();
  const char* const end = p + text.size();
  for (; end - p >= 16; p += 16) {
    if (digits(p) != 0) return true;
  }
  if (p == end) return false;
  char padded[16] = {};  // the rest, padded with zeros (no digits)
  std::memcpy(padded, p, static_cast<size_t>(end - p));
  return digits(padded) != 0;
}

}  // namespace

namespace {

// Bit i is set when p[i], p[i + 1] (either case) is "se", "mi", "hr", "ho", "da" or "we", for i
// in [0, 16): reads p[0, 17).
uint32_t UnitPairStarts(const unsigned char* p) {
  const __m128i lower = _mm_set1_epi8(0x20);  // '|' 0x20 lower-cases letters, makes no others
  const __m128i first = _mm_or_si128(_mm_loadu_si128(reinterpret_cast<const __m128i*>(p)), lower);
  const __m128i second =
      _mm_or_si128(_mm_loadu_si128(reinterpret_cast<const __m128i*>(p + 1)), lower);
  auto is = [](__m128i v, char c) { return _mm_cmpeq_epi8(v, _mm_set1_epi8(c)); };
  const __m128i e = is(second, 'e');
  const __m128i pairs = _mm_or_si128(
      _mm_or_si128(_mm_and_si128(_mm_or_si128(is(first, 's'), is(first, 'w')), e),
                   _mm_and_si128(is(first, 'm'), is(second, 'i'))),
      _mm_or_si128(_mm_and_si128(is(first, 'h'), _mm_or_si128(is(second, 'r'), is(second, 'o'))),
                   _mm_and_si128(is(first, 'd'), is(second, 'a'))));
  return static_cast<uint32_t>(_mm_movemask_epi8(pairs));
}

}  // namespace

int64_t ParseTimeLimitSeconds(absl::string_view text, bool require_trigger) {
  // A limit needs a number in digits or a unit of more than one letter (a one-letter unit only
  // counts after digits): without a digit and without "sec", "min", "hr", "hou", "day" or "wee"
  // anywhere there is none.
  const bool digits = HasDigit(text);
  if (!digits) {
    const unsigned char* const begin = reinterpret_cast<const unsigned char*>(text.data());
    const unsigned char* const end = begin + text.size();
    // Whether "sec", "min", "hr", "hou", "day" or "wee" starts at p (either case).
    auto unit_at = [end](const unsigned char* p) {
      // The next characters in lower case (letters only: '|' 0x20 maps no other byte to them).
      const char c1 = p + 1 < end ? static_cast<char>(p[1] | 0x20) : '\0';
      const char c2 = p + 2 < end ? static_cast<char>(p[2] | 0x20) : '\0';
      switch (*p | 0x20) {
        case 's':
          return c1 == 'e' && c2 == 'c';
        case 'm':
          return c1 == 'i' && c2 == 'n';
        case 'h':
          return c1 == 'r' || (c1 == 'o' && c2 == 'u');
        case 'd':
          return c1 == 'a' && c2 == 'y';
        case 'w':
          return c1 == 'e' && c2 == 'e';
        default:
          return false;
      }
    };
    // unit_at(p) needs its first two characters, in either case ("se", "mi", "hr", "ho", "da" or
    // "we"): sixteen positions a step find where they are.
    bool possible = false;
    const unsigned char* p = begin;
    auto check = [&unit_at, &possible](const unsigned char* at, uint32_t starts) {
      for (; starts != 0 && !possible; starts &= starts - 1) {
        possible = unit_at(at + __builtin_ctz(starts));
      }
    };
    for (; end - p >= 17 && !possible; p += 16) check(p, UnitPairStarts(p));
    if (p < end && !possible) {
      // The rest, padded with zeros (no letters).
      unsigned char padded[32] = {};
      std::memcpy(padded, p, static_cast<size_t>(end - p));
      check(p, UnitPairStarts(padded));
    }
    if (!possible) return 0;
  }
  // The tokens of the text read in lower case, with "<" and "≤" as tokens of their own ("<2
  // minutes", "≤ 2h") and '-' as a space ("30-minute"), each without surrounding punctuation
  // (but "<"): views of `text`, compared in lower case below.
  static constexpr absl::string_view kLess = "<";
  auto is_le = [&text](size_t i) {  // "≤" at text[i]
    return i + 2 < text.size() && text[i + 1] == '\x89' && text[i + 2] == '\xA4';
  };
  // kClass[c]: 0 a word character, 1 a separator (whitespace, '-'), 2 '<', 3 the first byte of
  // "≤" (or of another character, then part of a word).
  static constexpr std::array<uint8_t, 256> kClass = [] {
    std::array<uint8_t, 256> table{};
    for (char c : std::string_view(" \t\n\v\f\r-")) table[static_cast<unsigned char>(c)] = 1;
    table['<'] = 2;
    table[0xE2] = 3;
    return table;
  }();
  SmallVector<absl::string_view, 32> tokens;
  const size_t n = text.size();
  for (size_t i = 0; i < n;) {
    const uint8_t kind = kClass[static_cast<unsigned char>(text[i])];
    if (kind == 1) {
      ++i;
    } else if (kind == 2 || (kind == 3 && is_le(i))) {
      tokens.push_back(kLess);
      i += kind == 2 ? 1 : 3;
    } else {
      const size_t word = i++;
      while (i < n) {
        const uint8_t next = kClass[static_cast<unsigned char>(text[i])];
        if (next == 0 || (next == 3 && !is_le(i))) {
          ++i;
        } else {
          break;
        }
      }
      tokens.push_back(StripPunctView(text.substr(word, i - word)));
    }
  }

  static const WordMap<int64_t> kUnits = {
      {"s", 1},         {"sec", 1},     {"secs", 1},     {"second", 1},  {"seconds", 1},
      {"m", 60},        {"min", 60},    {"mins", 60},    {"minute", 60}, {"minutes", 60},
      {"h", 3600},      {"hr", 3600},   {"hrs", 3600},   {"hour", 3600}, {"hours", 3600},
      {"d", 86400},     {"day", 86400}, {"days", 86400}, {"w", 604800},  {"week", 604800},
      {"weeks", 604800}};
  static const WordMap<double> kNumberWords = {
      {"a", 1},       {"an", 1},      {"one", 1},     {"two", 2},     {"three", 3},
      {"four", 4},    {"five", 5},    {"six", 6},     {"seven", 7},   {"eight", 8},
      {"nine", 9},    {"ten", 10},    {"eleven", 11}, {"twelve", 12}, {"fifteen", 15},
      {"twenty", 20}, {"thirty", 30}, {"forty", 40},  {"fifty", 50},  {"sixty", 60},
      {"ninety", 90}, {"half", 0.5}};
  static const WordSet kTriggers = {
      "within", "in",     "under",    "<",     "max",     "maximum", "limit",   "deadline",
      "budget", "inside", "most",     "than",  "only",    "timebox", "cap",     "capped",
      "less",   "fewer",  "about",    "take",  "takes",   "spend",   "last",    "completed",
      "done",   "finish", "finished", "allow", "allowed", "have",    "lasting", "upto"};
  // A token in lower case in `buffer`, for the look-ups above; tokens longer than any of their
  // words come back as "\x01" (which matches none).
  struct Lowered {
    char buffer[16];
    absl::string_view Of(absl::string_view t) {
      if (t.size() > sizeof(buffer)) return "\x01";
      AsciiLowerInto(t, buffer);
      return absl::string_view(buffer, t.size());
    }
  };
  // Without a digit a limit needs a unit word of two letters or more (a number word before a
  // one-letter unit does not count): most text has neither.
  if (!digits) {
    bool unit = false;
    for (absl::string_view t : tokens) {
      Lowered lower;
      if (t.size() >= 2 && kUnits.MayContainLowered(t) && kUnits.contains(lower.Of(t))) {
        unit = true;
        break;
      }
    }
    if (!unit) return 0;
  }
  auto lower_is = [](absl::string_view t, absl::string_view lower) {
    if (t.size() != lower.size()) return false;
    for (size_t k = 0; k < t.size(); ++k) {
      if (absl::ascii_tolower(static_cast<unsigned char>(t[k])) != lower[k]) return false;
    }
    return true;
  };

  int64_t best = 0;
  for (size_t i = 0; i < tokens.size(); ++i) {
    double value = 0;
    int64_t unit = 0;
    size_t unit_at = i + 1;
    const absl::string_view t = tokens[i];
    const bool numeric =
        !t.empty() && (absl::ascii_isdigit(static_cast<unsigned char>(t[0])) || t[0] == '.');
    if (numeric && ParseNumber(LowerText(t).view(), &value)) {
      // "30" followed by a unit token.
    } else {
      // "30min", "2h", "90s".
      size_t k = 0;
      while (k < t.size() &&
             (absl::ascii_isdigit(static_cast<unsigned char>(t[k])) || t[k] == '.')) {
        ++k;
      }
      Lowered suffix;
      const absl::string_view unit_word = k > 0 && k < t.size() ? suffix.Of(t.substr(k)) : "";
      if (k > 0 && k < t.size() && kUnits.contains(unit_word) &&
          ParseNumber(t.substr(0, k), &value)) {
        unit = kUnits.at(unit_word);
        unit_at = i;
      } else if (!kNumberWords.MayContainLowered(t)) {
        continue;
      } else if (Lowered word; auto it = kNumberWords.find(word.Of(t))) {
        value = it->second;
        // "half an hour", "an hour and a half" are close enough as "half" + "an hour".
        if (it->first == "half" && i + 1 < tokens.size() &&
            (lower_is(tokens[i + 1], "an") || lower_is(tokens[i + 1], "a"))) {
          unit_at = i + 2;
        }
      } else {
        continue;
      }
    }
    if (unit == 0) {
      if (unit_at >= tokens.size()) continue;
      Lowered unit_text;
      auto it = kUnits.find(unit_text.Of(tokens[unit_at]));
      // Single letters as separate tokens are too ambiguous ("2 m" is fine, "a m" is not).
      if (it == kUnits.end() || (it->first.size() == 1 && !absl::ascii_isdigit(t[0]))) continue;
      unit = it->second;
    }
    if (value <= 0) continue;
    if (require_trigger) {
      bool triggered = false;
      for (size_t back = 1; back <= 3 && back <= i; ++back) {
        const absl::string_view before = tokens[i - back];
        Lowered trigger;
        if (kTriggers.MayContainLowered(before) && kTriggers.contains(trigger.Of(before))) {
          triggered = true;
        }
      }
      if (!triggered) continue;
    }
    const int64_t seconds = std::max<int64_t>(1, static_cast<int64_t>(value * unit + 0.5));
    if (best == 0 || seconds < best) best = seconds;
  }
  return best;
}

namespace {

struct Language {
  absl::string_view display;
  bool ambiguous;
};

// By the token that names the language.
inline const WordMap<Language>& Languages() {
  static const auto* kLanguages = new WordMap<Language>{{"python", {"Python", false}},
                                                        {"python3", {"Python", false}},
                                                        {"golang", {"Go", false}},
                                                        {"go", {"Go", true}},
                                                        {"rust", {"Rust", false}},
                                                        {"java", {"Java", false}},
                                                        {"javascript", {"JavaScript", false}},
                                                        {"js", {"JavaScript", true}},
                                                        {"node.js", {"JavaScript", false}},
                                                        {"nodejs", {"JavaScript", false}},
                                                        {"typescript", {"TypeScript", false}},
                                                        {"ts", {"TypeScript", true}},
                                                        {"c++", {"C++", false}},
                                                        {"cpp", {"C++", false}},
                                                        {"c#", {"C#", false}},
                                                        {"csharp", {"C#", false}},
                                                        {"c", {"C", true}},
                                                        {"ruby", {"Ruby", false}},
                                                        {"php", {"PHP", false}},
                                                        {"kotlin", {"Kotlin", false}},
                                                        {"swift", {"Swift", false}},
                                                        {"scala", {"Scala", false}},
                                                        {"bash", {"Bash", false}},
                                                        {"sql", {"SQL", false}},
                                                        {"r", {"R", true}},
                                                        {"haskell", {"Haskell", false}},
                                                        {"elixir", {"Elixir", false}},
                                                        {"lua", {"Lua", false}},
                                                        {"dart", {"Dart", false}},
                                                        {"julia", {"Julia", false}},
                                                        {"perl", {"Perl", false}},
                                                        {"zig", {"Zig", false}},
                                                        {"ocaml", {"OCaml", false}},
                                                        {"clojure", {"Clojure", false}},
                                                        {"erlang", {"Erlang", false}},
                                                        {"fortran", {"Fortran", false}},
                                                        {"matlab", {"MATLAB", false}},
                                                        {"f#", {"F#", false}}};
  return *kLanguages;
}

// Longer than every word of Languages() and of DetectLanguages' other lists.
constexpr size_t kLongestLanguageWord = 12;

// Whether some word of `text` names a language: most text names none, and then DetectLanguages
// need not read the words' context.
bool NamesLanguage(absl::string_view text) {
  const WordMap<Language>& languages = Languages();
  const char* p = text.data();
  const char* const end = p + text.size();
  while (p < end) {
    if (IsAsciiSpace(*p)) {
      ++p;
      continue;
    }
    const char* const word = p;
    p = SkipWord(p, end);
    const absl::string_view stripped =
        StripPunctView(absl::string_view(word, static_cast<size_t>(p - word)));
    if (stripped.empty() || stripped.size() > kLongestLanguageWord ||
        !languages.MayContainLowered(stripped)) {
      continue;
    }
    char lower[kLongestLanguageWord];
    AsciiLowerInto(stripped, lower);
    if (languages.contains(absl::string_view(lower, stripped.size()))) return true;
  }
  return false;
}

// DetectLanguages for text that names a language, each language appended to *found unless it is
// there already; returns whether the text names any.
bool AppendNamedLanguages(absl::string_view constraint, std::vector<std::string>* found) {
  const WordMap<Language>* kLanguages = &Languages();
  static const WordSet kIntro = {"in",      "use",  "using", "with", "language",
                                 "written", "lang", "write", "only", "pure"};
  static const WordSet kNegations = {"no",      "not",   "don't",  "dont",      "avoid",
                                     "without", "never", "except", "excluding", "nor"};
  // The words of the constraint in lower case without surrounding punctuation. Words longer
  // than any word of the tables above are kept empty: neither matches anything.
  constexpr size_t kLongestWord = kLongestLanguageWord;
  struct Token {
    char text[kLongestWord];
    uint8_t size;
    absl::string_view view() const { return absl::string_view(text, size); }
  };
  SmallVector<Token, 16> tokens;
  ForEachWord(constraint, [&tokens](absl::string_view word) {
    const absl::string_view stripped = StripPunctView(word);
    Token& t = tokens.emplace_back();
    t.size = stripped.size() <= sizeof(t.text) ? static_cast<uint8_t>(stripped.size()) : 0;
    for (size_t k = 0; k < t.size; ++k) {
      t.text[k] = absl::ascii_tolower(static_cast<unsigned char>(stripped[k]));
    }
    return true;
  });
  auto says_only = [&tokens] {
    return std::any_of(tokens.begin(), tokens.end(),
                       [](const Token& t) { return t.view() == "only"; });
  };
  bool any = false;
  for (size_t i = 0; i < tokens.size(); ++i) {
    auto it = kLanguages->find(tokens[i].view());
    if (it == kLanguages->end()) continue;
    const Language& lang = it->second;
    bool negated = false;
    for (size_t back = 1; back <= 3 && back <= i; ++back) {
      if (kNegations.contains(tokens[i - back].view())) negated = true;
    }
    if (negated) continue;
    if (lang.ambiguous) {
      const bool introduced = (i > 0 && kIntro.contains(tokens[i - 1].view())) ||
                              (i + 1 < tokens.size() && tokens[i + 1].view() == "only") ||
                              tokens.size() == 1 || (tokens.size() <= 3 && says_only());
      if (!introduced) continue;
    }
    any = true;
    if (std::find(found->begin(), found->end(), lang.display) == found->end()) {
      found->emplace_back(lang.display);
    }
  }
  return any;
}

}  // namespace

std::vector<std::string> DetectLanguages(absl::string_view constraint) {
  std::vector<std::string> found;
  if (NamesLanguage(constraint)) AppendNamedLanguages(constraint, &found);
  return found;
}

void AppendDuration(int64_t seconds, std::string* out) {
  auto plural = [out](int64_t n, absl::string_view unit) {
    // "<n> <unit>[s]", built on the stack and appended at once.
    char text[absl::numbers_internal::kFastToBufferSize + 10];
    char* end = absl::numbers_internal::FastIntToBuffer(n, text);
    *end++ = ' ';
    std::memcpy(end, unit.data(), unit.size());
    end += unit.size();
    if (n != 1) *end++ = 's';
    out->append(text, static_cast<size_t>(end - text));
  };
  if (seconds >= 86400 && seconds % 86400 == 0) return plural(seconds / 86400, "day");
  if (seconds >= 3600 && seconds % 3600 == 0) return plural(seconds / 3600, "hour");
  if (seconds >= 60 && seconds % 60 == 0) return plural(seconds / 60, "minute");
  return plural(seconds, "second");
}

std::string FormatDuration(int64_t seconds) {
  std::string out;
  AppendDuration(seconds, &out);
  return out;
}

GoalAnalysis AnalyzeGoal(const v1::PlanRequest& request) {
  GoalAnalysis analysis;
  const absl::string_view goal = absl::StripAsciiWhitespace(request.goal());
  analysis.parts = SplitGoal(goal, &analysis.split_signals);
  if (analysis.parts.empty()) {
    // Nothing but fillers or punctuation: the goal itself is the one part.
    GoalPart part;
    part.object = CollapseWhitespace(goal);
    part.text = CapitalizeFirst(part.object);
    part.kind = WorkKind::kUnknown;
    part.origin = "sentence";
    analysis.parts.push_back(std::move(part));
  }
  analysis.summary = SummaryOf(goal);

  // Sensitivity: the goal, then constraints and context values.
  // The text scanned: the goal, then each constraint and context value after a newline (on the
  // stack when short).
  size_t scanned_size = goal.size();
  for (const std::string& c : request.constraints()) scanned_size += 1 + c.size();
  for (const auto& [key, value] : request.context()) scanned_size += 1 + value.size();
  SmallVector<char, 512> scanned_buffer(scanned_size);
  char* const scanned = scanned_buffer.data();
  size_t scanned_used = 0;
  auto scan = [&](absl::string_view piece) {
    if (!piece.empty()) std::memcpy(scanned + scanned_used, piece.data(), piece.size());
    scanned_used += piece.size();
  };
  scan(goal);
  for (const std::string& c : request.constraints()) {
    scanned[scanned_used++] = '\n';
    scan(c);
  }
  ConstraintEffects& effects = analysis.constraints;
  for (const auto& [key, value] : request.context()) effects.context_keys.push_back(key);
  std::sort(effects.context_keys.begin(), effects.context_keys.end());
  for (const std::string& key : effects.context_keys) {
    scanned[scanned_used++] = '\n';
    scan(request.context().at(key));
  }
  analysis.sensitivity = DetectSensitivity(absl::string_view(scanned, scanned_used));

  // Constraints.
  int64_t limit = ParseTimeLimitSeconds(goal, /*require_trigger=*/true);
  auto take_limit = [&limit](int64_t candidate) {
    if (candidate > 0 && (limit == 0 || candidate < limit)) limit = candidate;
  };
  auto add_languages = [&effects](const std::vector<std::string>& languages) {
    for (const std::string& lang : languages) {
      if (std::find(effects.languages.begin(), effects.languages.end(), lang) ==
          effects.languages.end()) {
        effects.languages.push_back(lang);
      }
    }
  };
  for (const std::string& raw : request.constraints()) {
    std::string collapsed;
    const absl::string_view c = CollapsedView(raw, &collapsed);
    if (c.empty()) continue;
    const int64_t seconds = ParseTimeLimitSeconds(c, /*require_trigger=*/false);
    take_limit(seconds);
    // add_languages(DetectLanguages(c)), without the list.
    const bool languages = NamesLanguage(c) && AppendNamedLanguages(c, &effects.languages);
    if (seconds == 0 && !languages) effects.other.emplace_back(c);
  }
  for (const std::string& key : effects.context_keys) {
    const std::string k = AsciiLower(key);
    const std::string& value = request.context().at(key);
    if (k == "language" || k == "programming_language" || k == "lang") {
      std::vector<std::string> languages = DetectLanguages(absl::StrCat(value, " only"));
      add_languages(languages);
    } else if (k == "time_limit" || k == "deadline" || k == "time_budget" || k == "max_duration") {
      take_limit(ParseTimeLimitSeconds(value, /*require_trigger=*/false));
    } else if (absl::EndsWith(k, "_seconds") || absl::EndsWith(k, "_minutes") ||
               absl::EndsWith(k, "_hours")) {
      if (absl::StartsWith(k, "time_limit") || absl::StartsWith(k, "deadline") ||
          absl::StartsWith(k, "max_duration")) {
        double v = 0;
        if (absl::SimpleAtod(value, &v) && v > 0) {
          const int64_t unit = absl::EndsWith(k, "_seconds")   ? 1
                               : absl::EndsWith(k, "_minutes") ? 60
                                                               : 3600;
          take_limit(std::max<int64_t>(1, static_cast<int64_t>(v * unit + 0.5)));
        }
      }
    }
  }
  effects.time_limit_seconds = limit;
  return analysis;
}

}  // namespace armature::planner
