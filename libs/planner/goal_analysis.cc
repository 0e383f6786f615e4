#include "libs/planner/goal_analysis.h"

#include <algorithm>
#include <optional>
#include <utility>

#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_replace.h"
#include "absl/strings/str_split.h"
#include "libs/planner/arm_registry.h"
#include "libs/planner/text.h"

namespace armature::planner {
namespace {

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

using VerbTable = absl::flat_hash_map<absl::string_view, VerbInfo>;

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
  static const auto* words = new absl::flat_hash_set<absl::string_view>{
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

const absl::flat_hash_map<absl::string_view, unsigned>& ObjectWords() {
  static const auto* table = [] {
    auto* t = new absl::flat_hash_map<absl::string_view, unsigned>();
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
  const std::vector<std::string> words = SplitWords(object);
  for (size_t i = 0; i < words.size(); ++i) {
    const std::string w = NormWord(words[i]);
    // "email addresses" are personal data, not an email to write.
    if ((w == "email" || w == "emails") && i + 1 < words.size() &&
        absl::StartsWith(NormWord(words[i + 1]), "address")) {
      continue;
    }
    auto it = ObjectWords().find(w);
    if (it != ObjectWords().end()) classes |= it->second;
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
  std::string base;   // "set up"
  size_t length = 0;  // tokens consumed
  VerbInfo info;
  bool gerund = false;
};

// Base forms a gerund may come from: "writing" -> write, "running" -> run, "deploying" -> deploy.
std::optional<std::string> GerundBase(absl::string_view w) {
  if (w.size() < 5 || !absl::EndsWith(w, "ing")) return std::nullopt;
  const std::string stem(w.substr(0, w.size() - 3));
  const VerbTable& verbs = Verbs();
  if (verbs.contains(stem)) return stem;
  if (verbs.contains(stem + "e")) return stem + "e";
  if (stem.size() >= 2 && stem[stem.size() - 1] == stem[stem.size() - 2]) {
    std::string undoubled = stem.substr(0, stem.size() - 1);
    if (verbs.contains(undoubled)) return undoubled;
  }
  return std::nullopt;
}

// Matches a verb at tokens[j]. With `strict`, an ambiguous verb (also a noun) only counts when
// followed by a determiner, pronoun, number, punctuation, the end of the clause or a word that
// is not its usual noun partner; third-person forms ("cleans", "sets up") count too.
std::optional<VerbMatch> MatchVerb(const std::vector<std::string>& tokens, size_t j, bool strict) {
  if (j >= tokens.size()) return std::nullopt;
  const VerbTable& verbs = Verbs();
  const std::string written = NormWord(tokens[j]);
  // Candidate base forms: as written, from a gerund, from a third-person form.
  std::vector<std::pair<std::string, bool>> bases = {{written, false}};
  if (std::optional<std::string> g = GerundBase(written); g.has_value())
    bases.push_back({*g, true});
  if (strict && written.size() > 3 && absl::EndsWith(written, "s") &&
      !absl::EndsWith(written, "ss")) {
    if (absl::EndsWith(written, "ies")) {
      bases.push_back({absl::StrCat(written.substr(0, written.size() - 3), "y"), true});
    }
    if (absl::EndsWith(written, "es"))
      bases.push_back({written.substr(0, written.size() - 2), true});
    bases.push_back({written.substr(0, written.size() - 1), true});
  }
  const bool phrase_ends = StripPunct(tokens[j]) != tokens[j];
  const std::string second = j + 1 < tokens.size() ? NormWord(tokens[j + 1]) : "";
  for (const auto& [base, converted] : bases) {
    VerbMatch match;
    match.gerund = converted;
    // Two-word verbs first ("set up", "look into"), unless the first token ends a phrase.
    if (!phrase_ends && IsParticle(second)) {
      auto it = verbs.find(absl::StrCat(base, " ", second));
      if (it != verbs.end()) {
        match.base = std::string(it->first);
        match.length = 2;
        match.info = it->second;
        return match;
      }
    }
    auto it = verbs.find(base);
    if (it == verbs.end()) continue;
    match.base = std::string(it->first);
    match.length = 1;
    match.info = it->second;
    if (strict && it->second.ambiguous &&
        !(converted && base == bases[1].first && bases.size() > 1 &&
          GerundBase(written).has_value())) {
      const bool at_end = j + 1 >= tokens.size();
      if (!phrase_ends && !at_end && !IsDeterminer(second) && IsNounPartner(match.base, second)) {
        return std::nullopt;
      }
      // "tests", "plans", "reports": a plural noun unless a determiner follows.
      if (converted && !GerundBase(written).has_value() && !at_end && !IsDeterminer(second)) {
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

WorkKind ClassifyByObject(unsigned cls, bool sensitive) {
  if (cls & kObjBug) return WorkKind::kDebug;
  if (cls & kObjTests) return WorkKind::kWriteTests;
  if (sensitive) return WorkKind::kSecurity;
  if (cls & kObjProse) return WorkKind::kWriteProse;
  if (cls & kObjPlan) return WorkKind::kPlan;
  if ((cls & kObjInfra) && !(cls & kObjCode)) return WorkKind::kExecute;
  if ((cls & kObjData) && !(cls & kObjCode)) return WorkKind::kAnalyze;
  if (cls & kObjCode) return WorkKind::kCode;
  return WorkKind::kUnknown;
}

WorkKind ClassifyPart(absl::string_view verb, absl::string_view object) {
  const unsigned cls = ObjectClasses(object);
  const Sensitivity found = DetectSensitivity(object);
  const bool sensitive = found.any();
  // Handling personal data or secrets is guardian work; writing an exploit is still coding
  // (the guardian gate in front of the plan covers its authorisation).
  const bool data_sensitive = found.personal_data || found.secrets;
  if (verb.empty()) return ClassifyByObject(cls, sensitive);
  auto it = Verbs().find(verb);
  if (it == Verbs().end()) return ClassifyByObject(cls, sensitive);
  const VerbInfo& info = it->second;
  const WorkKind kind = info.kind;
  if (info.generic) {
    if (verb == "remove" || verb == "delete") {
      if (data_sensitive) return WorkKind::kSecurity;
      if (cls & kObjCode) return WorkKind::kRefactor;
      return WorkKind::kExecute;
    }
    if (verb == "clean" || verb == "clean up") {
      if (data_sensitive) return WorkKind::kSecurity;
      if ((cls & kObjData) && !(cls & kObjCode)) return WorkKind::kAnalyze;
      return WorkKind::kRefactor;
    }
    if (cls & kObjTests) return WorkKind::kWriteTests;
    if (cls & kObjBug) return WorkKind::kDebug;
    // Handling personal data or secrets as such is guardian work; putting them into a system
    // ("store them in Postgres") is still that system's work, behind the guardian gate.
    if (data_sensitive && !(cls & (kObjCode | kObjInfra))) return WorkKind::kSecurity;
    if (cls & kObjProse) return WorkKind::kWriteProse;
    if ((cls & kObjPlan) && !(cls & kObjCode)) return WorkKind::kPlan;
    if (verb == "build" && (cls & kObjBuildArtifact)) return WorkKind::kExecute;
    const bool setup_verb = verb == "set up" || verb == "setup" || verb == "create" ||
                            verb == "prepare" || verb == "get" || verb == "make" ||
                            verb == "update" || verb == "upgrade" || verb == "migrate" ||
                            verb == "start" || verb == "store" || verb == "save" || verb == "add";
    const bool making_verb = verb == "write" || verb == "build" || verb == "implement" ||
                             verb == "develop" || verb == "code" || verb == "program" ||
                             verb == "create" || verb == "generate";
    // "Write a data pipeline": software, even though it names infrastructure and data.
    if (making_verb && (cls & kObjInfra) && (cls & kObjData)) return WorkKind::kCode;
    if ((cls & kObjInfra) && setup_verb && !(cls & kObjCode)) return WorkKind::kExecute;
    if ((cls & kObjData) && !(cls & kObjCode)) return WorkKind::kAnalyze;
    if (data_sensitive && !(cls & kObjCode)) return WorkKind::kSecurity;
    if (cls & kObjCode) return WorkKind::kCode;
    if (verb == "design") return WorkKind::kPlan;
    return kind;
  }
  switch (kind) {
    case WorkKind::kResearch:
      if (cls & kObjBug) return WorkKind::kDebug;
      if (sensitive && (verb == "find" || verb == "identify" || verb == "locate" ||
                        verb == "search" || verb == "look for")) {
        return WorkKind::kSecurity;
      }
      if (verb == "compile" && (cls & (kObjCode | kObjInfra))) return WorkKind::kExecute;
      return kind;
    case WorkKind::kExecute:
      if (verb == "run" && (cls & kObjTests)) return WorkKind::kRunTests;
      if (verb == "run" && (cls & kObjData) && !(cls & kObjCode)) return WorkKind::kAnalyze;
      if (sensitive && (verb == "rotate" || verb == "revoke")) return WorkKind::kSecurity;
      if (sensitive && verb == "run") {
        const std::string lower = AsciiLower(object);
        for (absl::string_view w :
             {"check", "audit", "scan", "compliance", "review", "assessment"}) {
          if (ContainsPhrase(lower, w)) return WorkKind::kSecurity;
        }
      }
      return kind;
    case WorkKind::kValidate:
      if (sensitive) return WorkKind::kSecurity;
      return kind;
    case WorkKind::kWriteProse:
      if (verb == "translate" && (cls & kObjCode)) return WorkKind::kCode;
      if (verb == "document" && (cls & kObjCode)) return WorkKind::kWriteProse;
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

// Removes leading fillers; returns true when a sequence word ("then", "finally") was among them.
// `starts_steps` is set when the clause opens a list of steps ("First, ...", "Start by ...").
bool StripLeadingFillers(std::vector<std::string>* tokens, bool* starts_steps = nullptr) {
  if (starts_steps != nullptr && !tokens->empty()) {
    const std::string w0 = NormWord((*tokens)[0]);
    const std::string w1 = tokens->size() > 1 ? NormWord((*tokens)[1]) : "";
    if (w0 == "first" || w0 == "firstly" || ((w0 == "start" || w0 == "begin") && w1 == "by") ||
        (w0 == "to" && (w1 == "start" || w1 == "begin"))) {
      *starts_steps = true;
    }
  }
  bool sequence = false;
  bool changed = true;
  while (changed && !tokens->empty()) {
    changed = false;
    // Normalise the first few tokens once; patterns are at most four words long.
    std::vector<std::string> head;
    for (size_t k = 0; k < tokens->size() && k < 4; ++k) head.push_back(NormWord((*tokens)[k]));
    for (const FillerPattern& p : LeadingFillers()) {
      if (tokens->size() <= p.words.size()) continue;  // never strip a clause to nothing
      bool match = true;
      for (size_t k = 0; k < p.words.size(); ++k) {
        if (head[k] != p.words[k]) {
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
      tokens->erase(tokens->begin(), tokens->begin() + static_cast<std::ptrdiff_t>(p.words.size()));
      sequence = sequence || p.sequence;
      changed = true;
      break;
    }
  }
  // Trailing politeness.
  while (!tokens->empty()) {
    const std::string last = NormWord(tokens->back());
    if (last == "please" || last == "asap" || last == "thanks") {
      tokens->pop_back();
    } else {
      break;
    }
  }
  return sequence;
}

// Removes a trailing time limit ("within 30 minutes", "in under 2 hours") from a clause: it is
// a constraint on the whole plan, applied to the estimates, not part of the action.
void StripTimePhrase(std::vector<std::string>* tokens) {
  const size_t n = tokens->size();
  if (n < 2) return;
  // A time limit ends with its unit: "minutes", "2h", "90s".
  const std::string last = NormWord(tokens->back());
  size_t digits = 0;
  while (digits < last.size() &&
         (absl::ascii_isdigit(static_cast<unsigned char>(last[digits])) || last[digits] == '.')) {
    ++digits;
  }
  static const auto* kUnitWords = new absl::flat_hash_set<absl::string_view>{
      "s",  "sec", "secs", "second", "seconds", "m",   "min",  "mins", "minute", "minutes", "h",
      "hr", "hrs", "hour", "hours",  "d",       "day", "days", "w",    "week",   "weeks"};
  if (!kUnitWords->contains(absl::string_view(last).substr(digits))) return;
  for (size_t k = n > 6 ? n - 6 : 1; k < n; ++k) {
    const std::string w = NormWord((*tokens)[k]);
    if (w != "within" && w != "in" && w != "under" && w != "by") continue;
    std::vector<std::string> tail(tokens->begin() + static_cast<std::ptrdiff_t>(k), tokens->end());
    if (ParseTimeLimitSeconds(absl::StrJoin(tail, " "), /*require_trigger=*/true) > 0) {
      tokens->resize(k);
      return;
    }
  }
}

struct Clause {
  std::vector<std::string> tokens;
  bool after_previous = false;
  bool starts_steps = false;     // "First, ..." opens the goal's list of steps
  bool before_previous = false;  // "... after testing it": this clause goes first
  int group = 0;                 // clauses of one sentence share a group
  std::string origin;
};

// Splits a sentence's tokens into clauses at "and"/"then"/commas followed by a verb.
void SplitClauses(const std::vector<std::string>& tokens, int group, bool sentence_after,
                  const std::string& origin, std::vector<Clause>* out) {
  Clause cur;
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
      const std::string w = NormWord(tokens[j]);
      if (IsConnector(w)) {
        sequence = sequence || IsSequenceWord(w);
        saw_connector = true;
        ++j;
      } else if ((w == "after" || w == "followed" || w == "before") && j + 1 < n &&
                 (NormWord(tokens[j + 1]) == "that" || NormWord(tokens[j + 1]) == "by" ||
                  GerundBase(NormWord(tokens[j + 1])).has_value())) {
        const std::string next = NormWord(tokens[j + 1]);
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
    if (!cur.tokens.empty() && (saw_connector || prev_comma) && j < n) {
      verb = MatchVerb(tokens, j, /*strict=*/true);
    }
    if (verb.has_value()) {
      out->push_back(std::move(cur));
      cur = Clause();
      cur.group = group;
      cur.origin = origin;
      cur.after_previous = sequence;
      cur.before_previous = reverse;
      // "..., cleans the data" / "followed by deploying it": the clause starts imperative.
      if (verb->gerund) {
        const std::string base = verb->base.substr(0, verb->base.find(' '));
        cur.tokens.push_back(absl::StrCat(base, absl::EndsWith(tokens[j], ",") ? "," : ""));
        i = j + 1;
        continue;
      }
      i = j;
      continue;
    }
    cur.tokens.push_back(tokens[i]);
    ++i;
  }
  if (!cur.tokens.empty()) out->push_back(std::move(cur));
}

bool IsAbbreviation(absl::string_view word_lower) {
  static const auto* abbreviations = new absl::flat_hash_set<absl::string_view>{
      "e.g",  "i.e", "etc", "vs", "mr", "mrs", "ms", "dr", "st",  "no",  "approx",
      "incl", "fig", "eg",  "ie", "cf", "al",  "jr", "sr", "inc", "ltd", "co"};
  // Initials ("J. Smith") too, but not numbers ("step 2.").
  return abbreviations->contains(word_lower) ||
         (word_lower.size() == 1 && absl::ascii_isalpha(static_cast<unsigned char>(word_lower[0])));
}

// Splits a paragraph into sentences at ".", "!", "?", ";" followed by whitespace or the end.
std::vector<std::string> SplitSentences(absl::string_view paragraph) {
  std::vector<std::string> sentences;
  size_t start = 0;
  for (size_t i = 0; i < paragraph.size(); ++i) {
    const char c = paragraph[i];
    if (c != '.' && c != '!' && c != '?' && c != ';') continue;
    const bool boundary = i + 1 == paragraph.size() ||
                          absl::ascii_isspace(static_cast<unsigned char>(paragraph[i + 1]));
    if (!boundary) continue;
    if (c == '.') {
      size_t w = i;
      while (w > start && !absl::ascii_isspace(static_cast<unsigned char>(paragraph[w - 1]))) --w;
      const std::string word = AsciiLower(paragraph.substr(w, i - w));
      if (IsAbbreviation(StripPunct(word))) continue;
    }
    std::string sentence = CollapseWhitespace(paragraph.substr(start, i - start));
    if (!sentence.empty()) sentences.push_back(std::move(sentence));
    start = i + 1;
  }
  std::string rest = CollapseWhitespace(paragraph.substr(start));
  if (!rest.empty()) sentences.push_back(std::move(rest));
  return sentences;
}

// Recognises list markers: "- ", "* ", "• ", "1. ", "2) ", "a) ". Returns the text after it.
std::optional<std::string> StripBullet(absl::string_view line) {
  const std::string trimmed = CollapseWhitespace(line);
  if (trimmed.empty()) return std::nullopt;
  for (absl::string_view marker : {"- ", "* ", "+ ", "\xE2\x80\xA2 ", "\xE2\x80\x93 "}) {
    if (absl::StartsWith(trimmed, marker)) return trimmed.substr(marker.size());
  }
  size_t k = 0;
  while (k < trimmed.size() && absl::ascii_isdigit(static_cast<unsigned char>(trimmed[k]))) ++k;
  if (k > 0 && k <= 3 && k + 1 < trimmed.size() && (trimmed[k] == '.' || trimmed[k] == ')') &&
      trimmed[k + 1] == ' ') {
    return trimmed.substr(k + 2);
  }
  if (trimmed.size() > 3 && absl::ascii_islower(static_cast<unsigned char>(trimmed[0])) &&
      trimmed[1] == ')' && trimmed[2] == ' ') {
    return trimmed.substr(3);
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
  std::vector<std::string> tokens;  // cleaned header clause
};

bool IsPreposition(absl::string_view w) {
  return w == "for" || w == "on" || w == "about" || w == "of" || w == "in" || w == "to" ||
         w == "from" || w == "across" || w == "against" || w == "at" || w == "into" ||
         w == "around" || w == "covering" || w == "regarding";
}

Header ParseHeader(absl::string_view text) {
  Header header;
  std::vector<std::string> tokens = SplitWords(StripTrailingPunct(text));
  StripLeadingFillers(&tokens);
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
  static const absl::flat_hash_set<absl::string_view> kFillerNouns = {
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

// Builds a part from a clause's tokens (fillers already stripped).
GoalPart MakePart(const std::vector<std::string>& tokens, const std::string& origin) {
  GoalPart part;
  part.origin = origin;
  std::optional<VerbMatch> verb = MatchVerb(tokens, 0, /*strict=*/false);
  if (verb.has_value()) {
    part.verb = verb->base;
    std::vector<std::string> rest(tokens.begin() + static_cast<std::ptrdiff_t>(verb->length),
                                  tokens.end());
    part.object = StripTrailingPunct(absl::StrJoin(rest, " "));
    std::string verb_text;
    if (verb->gerund) {
      verb_text = verb->base;  // "Deploying it" -> "Deploy it"
    } else {
      std::vector<std::string> head(tokens.begin(),
                                    tokens.begin() + static_cast<std::ptrdiff_t>(verb->length));
      verb_text = StripPunct(absl::StrJoin(head, " "));
    }
    part.text = CapitalizeFirst(part.object.empty() ? verb_text
                                                    : absl::StrCat(verb_text, " ", part.object));
    part.kind = ClassifyPart(part.verb, part.object);
    return part;
  }
  part.object = StripTrailingPunct(absl::StrJoin(tokens, " "));
  part.kind = ClassifyPart("", part.object);
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

bool IsPronounObject(absl::string_view object_lower) {
  for (absl::string_view p : {"it", "them", "this", "that", "these", "those", "the result",
                              "the results", "the output", "everything"}) {
    if (object_lower == p || absl::StartsWith(object_lower, absl::StrCat(p, " "))) return true;
  }
  return false;
}

// "a REST API with tests" -> ("a REST API", true).
std::pair<std::string, bool> ExtractTestsClause(absl::string_view object) {
  const std::string lower = AsciiLower(object);
  static const std::vector<absl::string_view> kPhrases = {" with unit and integration tests",
                                                          " with unit tests",
                                                          " with integration tests",
                                                          " with automated tests",
                                                          " with end-to-end tests",
                                                          " with e2e tests",
                                                          " with a test suite",
                                                          " with test coverage",
                                                          " with tests",
                                                          " including tests",
                                                          " including unit tests",
                                                          " and unit tests",
                                                          " and tests",
                                                          " plus tests"};
  for (absl::string_view phrase : kPhrases) {
    const size_t pos = lower.find(phrase.data(), 0, phrase.size());
    if (pos == std::string::npos) continue;
    const size_t end = pos + phrase.size();
    if (end < lower.size() && absl::ascii_isalnum(static_cast<unsigned char>(lower[end]))) continue;
    std::string rest = absl::StrCat(object.substr(0, pos), object.substr(end));
    return {CollapseWhitespace(rest), true};
  }
  return {std::string(object), false};
}

std::string RebuildText(const GoalPart& part, absl::string_view verb_text) {
  return CapitalizeFirst(part.object.empty() ? std::string(verb_text)
                                             : absl::StrCat(verb_text, " ", part.object));
}

// The verb as written at the start of a part's text ("Build", "Set up").
std::string VerbText(const GoalPart& part) {
  if (part.verb.empty()) return "";
  const size_t words = SplitWords(part.verb).size();
  std::vector<std::string> tokens = SplitWords(part.text);
  tokens.resize(std::min(tokens.size(), words));
  return absl::StrJoin(tokens, " ");
}

void AddSignal(std::vector<std::string>* signals, std::string signal) {
  if (signals != nullptr && std::find(signals->begin(), signals->end(), signal) == signals->end()) {
    signals->push_back(std::move(signal));
  }
}

std::string SummaryOf(absl::string_view goal) {
  std::vector<std::string> pieces;
  std::vector<bool> introduces;  // the piece ended with ':'
  size_t length = 0;
  for (absl::string_view line : absl::StrSplit(goal, '\n')) {
    if (length > 400) break;  // the summary keeps 100 characters
    if (line.size() > 800) line = line.substr(0, 800);
    std::optional<std::string> item = StripBullet(line);
    const std::string text = item.has_value() ? *item : CollapseWhitespace(line);
    if (text.empty()) continue;
    introduces.push_back(absl::EndsWith(text, ":"));
    pieces.push_back(StripTrailingPunct(text));
    length += pieces.back().size();
  }
  std::string joined;
  for (size_t i = 0; i < pieces.size(); ++i) {
    if (i > 0) joined += introduces[i - 1] ? ": " : "; ";
    joined += pieces[i];
  }
  // "Can you please help me write ..." -> "Write ...".
  std::vector<std::string> tokens = SplitWords(joined);
  StripLeadingFillers(&tokens);
  return TruncateText(StripTrailingPunct(CapitalizeFirst(absl::StrJoin(tokens, " "))), 100);
}

}  // namespace

// A referring phrase for an object: "a parser" -> "the parser", "authentication issue" ->
// "the authentication issue"; capitalised names ("Postgres") and determiners stay.
std::string ObjectPhrase(absl::string_view object) {
  const std::string definite = DefiniteObject(object);
  if (definite.empty()) return definite;
  const std::vector<std::string> words = SplitWords(definite);
  const std::string first = NormWord(words[0]);
  // "why the build fails" -> "the failure where the build fails".
  if (first == "why" && words.size() > 1) {
    return absl::StrCat("the failure where ", definite.substr(definite.find(' ') + 1));
  }
  const bool lower_case = absl::ascii_islower(static_cast<unsigned char>(definite[0]));
  // Identifiers read better bare: "pull request 42", "issue 1234".
  const std::string& last = words.back();
  const bool identifier =
      std::any_of(last.begin(), last.end(), [](char c) { return absl::ascii_isdigit(c); });
  if (lower_case && !identifier && !IsDeterminer(first) && first != "no" && first != "his" &&
      first != "her" && first != "how" && first != "what" && first != "whether" &&
      first != "where" && first != "when" && first != "which" && first != "who") {
    return absl::StrCat("the ", definite);
  }
  return definite;
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
      GerundBase(lower_word).has_value()) {
    return true;
  }
  // First words of two-word verbs: "set" (up), "look" (into), "roll" (out).
  for (absl::string_view particle : {" up", " out", " into", " for", " down", " over"}) {
    if (Verbs().contains(absl::StrCat(lower_word, particle))) return true;
  }
  return false;
}

std::vector<GoalPart> SplitGoal(absl::string_view goal, std::vector<std::string>* split_signals) {
  std::string normalized(goal);
  std::replace(normalized.begin(), normalized.end(), '\r', '\n');
  std::replace(normalized.begin(), normalized.end(), '\t', ' ');

  // 1. Lines into paragraphs and list items (with the line that introduces them).
  struct Block {
    std::string text;
    bool item = false;
    bool numbered = false;
    int header = -1;
    int list = -1;  // items of one list share it
  };
  std::vector<Block> blocks;
  std::vector<Header> headers;
  std::string paragraph;
  int current_header = -1;
  int current_list = -1;
  int lists = 0;
  auto flush_paragraph = [&]() {
    if (!CollapseWhitespace(paragraph).empty()) blocks.push_back({paragraph, false, false, -1, -1});
    paragraph.clear();
  };
  std::vector<absl::string_view> lines = absl::StrSplit(normalized, '\n');
  for (size_t li = 0; li < lines.size(); ++li) {
    const absl::string_view line = lines[li];
    std::optional<std::string> item = StripBullet(line);
    if (item.has_value()) {
      flush_paragraph();
      if (current_list < 0) current_list = lists++;
      const std::string trimmed = CollapseWhitespace(line);
      const bool numbered =
          !trimmed.empty() && absl::ascii_isdigit(static_cast<unsigned char>(trimmed[0]));
      blocks.push_back({*item, true, numbered, current_header, current_list});
      continue;
    }
    const std::string trimmed = CollapseWhitespace(line);
    if (trimmed.empty()) continue;  // blank lines inside a list keep the list going
    current_list = -1;
    // A line ending in ':' followed by list items introduces them.
    bool next_is_item = false;
    for (size_t k = li + 1; k < lines.size(); ++k) {
      if (CollapseWhitespace(lines[k]).empty()) continue;
      next_is_item = StripBullet(lines[k]).has_value();
      break;
    }
    if (absl::EndsWith(trimmed, ":") && next_is_item) {
      flush_paragraph();
      headers.push_back(ParseHeader(trimmed));
      current_header = static_cast<int>(headers.size()) - 1;
      continue;
    }
    current_header = -1;
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
  std::vector<Clause> clauses;
  std::vector<ClauseInfo> info;
  int group = 0;
  int sentence_count = 0;
  auto add_sentence = [&](const std::string& sentence, const std::string& origin,
                          const ClauseInfo& ci) {
    std::vector<std::string> tokens = SplitWords(sentence);
    bool starts_steps = false;
    const bool after = StripLeadingFillers(&tokens, &starts_steps);
    if (tokens.empty()) return;
    const size_t before = clauses.size();
    SplitClauses(tokens, group++, after, origin, &clauses);
    if (clauses.size() > before) clauses[before].starts_steps = starts_steps;
    if (clauses.size() - before > 1) AddSignal(split_signals, "clauses joined by \"and\"/\"then\"");
    for (size_t k = before; k < clauses.size(); ++k) info.push_back(ci);
  };
  for (const Block& block : blocks) {
    if (block.item) AddSignal(split_signals, "list items");
    const std::string origin = block.item ? "list item" : "sentence";
    const ClauseInfo base{block.header, block.item, block.header >= 0 ? block.header : -1,
                          block.numbered};
    for (const std::string& sentence : SplitSentences(block.text)) {
      ++sentence_count;
      // Inline list after a colon: "Build a site with: login, search and payments".
      const size_t colon = sentence.find(": ");
      if (colon != std::string::npos) {
        const std::string head = sentence.substr(0, colon);
        const std::string tail = sentence.substr(colon + 2);
        if (tail.find(',') != std::string::npos) {
          headers.push_back(ParseHeader(head));
          const int h = static_cast<int>(headers.size()) - 1;
          AddSignal(split_signals, "list items");
          std::string items = tail;
          for (absl::string_view sep : {", and ", ", or ", " and ", " or "}) {
            items = absl::StrReplaceAll(items, {{sep, ", "}});
          }
          for (absl::string_view piece : absl::StrSplit(items, ',')) {
            const std::string text = CollapseWhitespace(piece);
            if (!text.empty()) add_sentence(text, "list item", ClauseInfo{h, true, h, false});
          }
          continue;
        }
        // "Goal: build X" / "Note: use staging": a short label before the colon is dropped.
        std::vector<std::string> head_tokens = SplitWords(head);
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
  std::vector<GoalPart> parts;
  std::vector<std::string> written;  // each part's text before pronouns were resolved
  std::vector<bool> header_emitted(headers.size(), false);
  std::vector<int> list_seen(static_cast<size_t>(lists) + headers.size() + 1, 0);
  for (size_t c = first_clause; c < clauses.size(); ++c) {
    Clause& clause = clauses[c];
    const ClauseInfo& ci = info[c];
    bool clause_after = StripLeadingFillers(&clause.tokens) || clause.after_previous;
    StripTimePhrase(&clause.tokens);
    if (clause.tokens.empty()) continue;
    std::string origin = clause.origin;
    if (origin == "sentence" && c > 0 && clauses[c - 1].group == clause.group) origin = "clause";
    GoalPart part = MakePart(clause.tokens, origin);
    const int h = ci.header;
    const bool noun_like =
        part.verb.empty() || part.object.empty() || Verbs().at(part.verb).ambiguous;
    if (h >= 0 && (part.verb.empty() || (headers[h].mode == HeaderMode::kFeatures && noun_like))) {
      const Header& header = headers[h];
      GoalPart head_part = header.tokens.empty() ? GoalPart() : MakePart(header.tokens, "sentence");
      const std::string item_text =
          StripTrailingPunct(LowerFirstWord(absl::StrJoin(clause.tokens, " "), &IsCommonWord));
      switch (header.mode) {
        case HeaderMode::kFeatures: {
          if (!header_emitted[h] && !head_part.verb.empty()) {
            header_emitted[h] = true;
            head_part.sentence = clause.group;
            parts.push_back(head_part);
            written.push_back(head_part.text);
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
          std::vector<std::string> joined = header.tokens;
          for (const std::string& t : clause.tokens) joined.push_back(t);
          part = MakePart(joined, "list item");
          break;
        }
        case HeaderMode::kVerb: {
          if (!head_part.verb.empty()) {
            std::vector<std::string> joined = SplitWords(VerbText(head_part));
            for (const std::string& t : clause.tokens) joined.push_back(t);
            part = MakePart(joined, "list item");
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
      std::string previous_written = std::move(written.back());
      written.back() = part.text;
      parts.back() = std::move(part);
      previous.after_previous = true;
      written.push_back(std::move(previous_written));
      parts.push_back(std::move(previous));
      continue;
    }
    written.push_back(part.text);
    parts.push_back(std::move(part));
  }

  // 4. Verb-only parts share the object of the next part of the same sentence ("Build and
  //    deploy a REST API"); pronouns refer back ("write a parser and test it").
  for (size_t i = 0; i < parts.size(); ++i) {
    GoalPart& part = parts[i];
    if (!part.verb.empty() && part.object.empty()) {
      for (size_t k = i + 1; k < parts.size() && parts[k].sentence == part.sentence; ++k) {
        if (!parts[k].object.empty() && !parts[k].verb.empty()) {
          part.object = parts[k].object;
          part.text = RebuildText(part, VerbText(part));
          part.kind = ClassifyPart(part.verb, part.object);
          written[i] = part.text;
          break;
        }
      }
    }
    const std::string lower = AsciiLower(part.object);
    if (i > 0 && !part.verb.empty() && IsPronounObject(lower)) {
      part.refers_back = true;
      const GoalPart& prev = parts[i - 1];
      const std::string prev_first =
          prev.object.empty() ? "" : NormWord(SplitWords(prev.object)[0]);
      const bool clause_object = prev_first == "why" || prev_first == "how" ||
                                 prev_first == "what" || prev_first == "whether" ||
                                 prev_first == "where" || prev_first == "when" ||
                                 prev_first == "which" || prev_first == "who";
      if (!prev.object.empty() && !clause_object &&
          (lower == "it" || lower == "them" || lower == "this" || absl::StartsWith(lower, "it ") ||
           absl::StartsWith(lower, "them "))) {
        const size_t space = part.object.find(' ');
        const std::string tail = space == std::string::npos ? "" : part.object.substr(space);
        part.object = absl::StrCat(DefiniteObject(prev.object), tail);
        part.text = RebuildText(part, VerbText(part));
        if (part.kind == WorkKind::kUnknown || Verbs().at(part.verb).generic) {
          part.kind = ClassifyPart(part.verb, part.object);
        }
      }
    }
  }

  // 5. Neighbours of one sentence doing the same kind of work on the same thing become one
  //    part: "Find and fix the memory leak", "Investigate why the build fails and fix it".
  for (size_t i = 0; i + 1 < parts.size();) {
    GoalPart& a = parts[i];
    GoalPart& b = parts[i + 1];
    const bool same_object = !a.object.empty() && absl::EqualsIgnoreCase(DefiniteObject(a.object),
                                                                         DefiniteObject(b.object));
    if (same_object && a.verb == b.verb) {  // said twice: keep it once
      parts.erase(parts.begin() + static_cast<std::ptrdiff_t>(i) + 1);
      written.erase(written.begin() + static_cast<std::ptrdiff_t>(i) + 1);
      continue;
    }
    if (a.sentence == b.sentence && a.kind == b.kind && a.kind != WorkKind::kUnknown &&
        !a.verb.empty() && !b.verb.empty() && (same_object || b.refers_back)) {
      const std::string verbs = absl::StrCat(VerbText(a), " and ", AsciiLower(VerbText(b)));
      a.text = same_object ? CapitalizeFirst(absl::StrCat(verbs, " ", a.object))
                           : absl::StrCat(StripTrailingPunct(written[i]), " and ",
                                          LowerFirstWord(written[i + 1], &IsCommonWord));
      written[i] = a.text;
      parts.erase(parts.begin() + static_cast<std::ptrdiff_t>(i) + 1);
      written.erase(written.begin() + static_cast<std::ptrdiff_t>(i) + 1);
      continue;
    }
    ++i;
  }

  // 6. "with tests" becomes its own test-writing part after the code that it tests.
  for (size_t i = 0; i < parts.size(); ++i) {
    GoalPart& part = parts[i];
    if (part.verb.empty()) continue;
    auto [object, found] = ExtractTestsClause(part.object);
    if (!found || object.empty()) continue;
    part.object = object;
    part.text = RebuildText(part, VerbText(part));
    part.kind = ClassifyPart(part.verb, part.object);
    const std::string target = DefiniteObject(object);
    bool exists = false;
    for (const GoalPart& p : parts) {
      if (p.kind == WorkKind::kWriteTests &&
          absl::StrContains(AsciiLower(p.object), AsciiLower(target))) {
        exists = true;
      }
    }
    if (exists) continue;
    GoalPart tests;
    tests.verb = "write";
    tests.object = absl::StrCat("tests for ", target);
    tests.text = absl::StrCat("Write tests for ", target);
    tests.kind = WorkKind::kWriteTests;
    tests.origin = "with tests";
    tests.sentence = part.sentence;
    tests.list_group = part.list_group;
    // Place it after the first code part about the same object (or after this part).
    size_t insert_at = i + 1;
    for (size_t k = 0; k < parts.size(); ++k) {
      if ((parts[k].kind == WorkKind::kCode || parts[k].kind == WorkKind::kRefactor ||
           parts[k].kind == WorkKind::kDebug) &&
          absl::EqualsIgnoreCase(DefiniteObject(parts[k].object), target)) {
        insert_at = k + 1;
        break;
      }
    }
    if (part.kind != WorkKind::kCode && insert_at == i + 1 && i > 0) insert_at = i;
    parts.insert(parts.begin() + static_cast<std::ptrdiff_t>(insert_at), tests);
    AddSignal(split_signals, "a \"with tests\" clause");
    if (insert_at <= i + 1) ++i;  // skip the part that moved or was inserted next
  }

  // 7. "add tests" without a target tests the code of the nearest earlier coding part.
  for (size_t i = 1; i < parts.size(); ++i) {
    GoalPart& part = parts[i];
    if (part.kind != WorkKind::kWriteTests || part.verb.empty()) continue;
    const std::string lower = AsciiLower(part.object);
    if (ContainsPhrase(lower, "for") || ContainsPhrase(lower, "of") ||
        ContainsPhrase(lower, "on") || ContainsPhrase(lower, "to")) {
      continue;
    }
    for (size_t k = i; k-- > 0;) {
      const WorkKind kind = parts[k].kind;
      if ((kind == WorkKind::kCode || kind == WorkKind::kDebug || kind == WorkKind::kRefactor) &&
          !parts[k].object.empty()) {
        part.object = absl::StrCat(part.object, " for ", ObjectPhrase(parts[k].object));
        part.text = RebuildText(part, VerbText(part));
        break;
      }
    }
  }

  // 8. A later mention of the same object refers back to it with "the"; drop duplicates.
  std::vector<GoalPart> unique;
  for (GoalPart& part : parts) {
    if (part.text.empty()) continue;
    for (const GoalPart& earlier : unique) {
      if (!part.object.empty() && absl::EqualsIgnoreCase(earlier.object, part.object)) {
        const std::string definite = DefiniteObject(part.object);
        if (definite != part.object) {
          part.object = definite;
          part.text = RebuildText(part, VerbText(part));
        }
        break;
      }
    }
    bool duplicate = false;
    for (const GoalPart& earlier : unique) {
      if (absl::EqualsIgnoreCase(earlier.text, part.text)) duplicate = true;
    }
    if (!duplicate) unique.push_back(std::move(part));
  }
  return unique;
}

GoalPart ParseAction(absl::string_view action) {
  std::vector<std::string> tokens = SplitWords(action);
  StripLeadingFillers(&tokens);
  if (tokens.empty()) return GoalPart();
  GoalPart part = MakePart(tokens, "action");
  MakeImperative(&part);
  return part;
}

WorkKind ClassifyAction(absl::string_view action) { return ParseAction(action).kind; }

Sensitivity DetectSensitivity(absl::string_view text) {
  Sensitivity result;
  // Terms indexed by their first word, so one pass over the words finds every match.
  static const auto* by_first_word = [] {
    auto* index = new absl::flat_hash_map<absl::string_view, std::vector<const SensitiveTerm*>>();
    for (const SensitiveTerm& term : SensitiveTerms()) {
      (*index)[term.phrase.substr(0, term.phrase.find(' '))].push_back(&term);
    }
    return index;
  }();
  // Normalise byte for byte so offsets map back to the original text.
  std::string norm(text.size(), ' ');
  for (size_t i = 0; i < text.size(); ++i) {
    const unsigned char c = static_cast<unsigned char>(text[i]);
    norm[i] = absl::ascii_isalnum(c) ? absl::ascii_tolower(c) : ' ';
  }
  struct Hit {
    size_t pos;
    size_t len;
  };
  std::vector<Hit> hits;
  const absl::string_view view(norm);
  size_t pos = 0;
  while (pos < norm.size()) {
    while (pos < norm.size() && norm[pos] == ' ') ++pos;
    size_t end = pos;
    while (end < norm.size() && norm[end] != ' ') ++end;
    if (end > pos) {
      auto it = by_first_word->find(view.substr(pos, end - pos));
      if (it != by_first_word->end()) {
        for (const SensitiveTerm* term : it->second) {
          const size_t term_end = pos + term->phrase.size();
          if (term_end <= norm.size() && view.substr(pos, term->phrase.size()) == term->phrase &&
              (term_end == norm.size() || norm[term_end] == ' ')) {
            if (term->kind == 0) result.personal_data = true;
            if (term->kind == 1) result.secrets = true;
            if (term->kind == 2) result.exploitation = true;
            hits.push_back({pos, term->phrase.size()});
          }
        }
      }
    }
    pos = end;
  }
  std::sort(hits.begin(), hits.end(), [](const Hit& a, const Hit& b) {
    return a.pos != b.pos ? a.pos < b.pos : a.len > b.len;
  });
  size_t covered_until = 0;
  for (const Hit& hit : hits) {
    if (hit.pos < covered_until) continue;  // "api keys" already covers "api key"
    covered_until = hit.pos + hit.len;
    std::string term(text.substr(hit.pos, hit.len));
    // "CVE-2024-1234": keep the identifier that follows.
    if (AsciiLower(term) == "cve") {
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
      result.terms.push_back(term);
    }
  }
  return result;
}

int64_t ParseTimeLimitSeconds(absl::string_view text, bool require_trigger) {
  std::string lower = AsciiLower(text);
  // "<2 minutes", "≤ 2h": make the comparison its own token.
  lower = absl::StrReplaceAll(lower, {{"<", " < "}, {"\xE2\x89\xA4", " < "}, {"-", " "}});
  const std::vector<std::string> raw = SplitWords(lower);
  std::vector<std::string> tokens;
  tokens.reserve(raw.size());
  for (const std::string& t : raw) tokens.push_back(t == "<" ? t : StripPunct(t));

  static const absl::flat_hash_map<absl::string_view, int64_t> kUnits = {
      {"s", 1},         {"sec", 1},     {"secs", 1},     {"second", 1},  {"seconds", 1},
      {"m", 60},        {"min", 60},    {"mins", 60},    {"minute", 60}, {"minutes", 60},
      {"h", 3600},      {"hr", 3600},   {"hrs", 3600},   {"hour", 3600}, {"hours", 3600},
      {"d", 86400},     {"day", 86400}, {"days", 86400}, {"w", 604800},  {"week", 604800},
      {"weeks", 604800}};
  static const absl::flat_hash_map<absl::string_view, double> kNumberWords = {
      {"a", 1},       {"an", 1},      {"one", 1},     {"two", 2},     {"three", 3},
      {"four", 4},    {"five", 5},    {"six", 6},     {"seven", 7},   {"eight", 8},
      {"nine", 9},    {"ten", 10},    {"eleven", 11}, {"twelve", 12}, {"fifteen", 15},
      {"twenty", 20}, {"thirty", 30}, {"forty", 40},  {"fifty", 50},  {"sixty", 60},
      {"ninety", 90}, {"half", 0.5}};
  static const absl::flat_hash_set<absl::string_view> kTriggers = {
      "within", "in",     "under",    "<",     "max",     "maximum", "limit",   "deadline",
      "budget", "inside", "most",     "than",  "only",    "timebox", "cap",     "capped",
      "less",   "fewer",  "about",    "take",  "takes",   "spend",   "last",    "completed",
      "done",   "finish", "finished", "allow", "allowed", "have",    "lasting", "upto"};

  int64_t best = 0;
  for (size_t i = 0; i < tokens.size(); ++i) {
    double value = 0;
    int64_t unit = 0;
    size_t unit_at = i + 1;
    const std::string& t = tokens[i];
    if (absl::SimpleAtod(t, &value) && !t.empty() &&
        (absl::ascii_isdigit(static_cast<unsigned char>(t[0])) || t[0] == '.')) {
      // "30" followed by a unit token.
    } else {
      // "30min", "2h", "90s".
      size_t k = 0;
      while (k < t.size() &&
             (absl::ascii_isdigit(static_cast<unsigned char>(t[k])) || t[k] == '.')) {
        ++k;
      }
      if (k > 0 && k < t.size() && kUnits.contains(t.substr(k)) &&
          absl::SimpleAtod(t.substr(0, k), &value)) {
        unit = kUnits.at(t.substr(k));
        unit_at = i;
      } else if (auto it = kNumberWords.find(t); it != kNumberWords.end()) {
        value = it->second;
        // "half an hour", "an hour and a half" are close enough as "half" + "an hour".
        if (t == "half" && i + 1 < tokens.size() &&
            (tokens[i + 1] == "an" || tokens[i + 1] == "a")) {
          unit_at = i + 2;
        }
      } else {
        continue;
      }
    }
    if (unit == 0) {
      if (unit_at >= tokens.size()) continue;
      auto it = kUnits.find(tokens[unit_at]);
      // Single letters as separate tokens are too ambiguous ("2 m" is fine, "a m" is not).
      if (it == kUnits.end() || (it->first.size() == 1 && !absl::ascii_isdigit(t[0]))) continue;
      unit = it->second;
    }
    if (value <= 0) continue;
    if (require_trigger) {
      bool triggered = false;
      for (size_t back = 1; back <= 3 && back <= i; ++back) {
        if (kTriggers.contains(tokens[i - back])) triggered = true;
      }
      if (!triggered) continue;
    }
    const int64_t seconds = std::max<int64_t>(1, static_cast<int64_t>(value * unit + 0.5));
    if (best == 0 || seconds < best) best = seconds;
  }
  return best;
}

std::vector<std::string> DetectLanguages(absl::string_view constraint) {
  struct Language {
    absl::string_view token;
    absl::string_view display;
    bool ambiguous;
  };
  static const std::vector<Language> kLanguages = {{"python", "Python", false},
                                                   {"python3", "Python", false},
                                                   {"golang", "Go", false},
                                                   {"go", "Go", true},
                                                   {"rust", "Rust", false},
                                                   {"java", "Java", false},
                                                   {"javascript", "JavaScript", false},
                                                   {"js", "JavaScript", true},
                                                   {"node.js", "JavaScript", false},
                                                   {"nodejs", "JavaScript", false},
                                                   {"typescript", "TypeScript", false},
                                                   {"ts", "TypeScript", true},
                                                   {"c++", "C++", false},
                                                   {"cpp", "C++", false},
                                                   {"c#", "C#", false},
                                                   {"csharp", "C#", false},
                                                   {"c", "C", true},
                                                   {"ruby", "Ruby", false},
                                                   {"php", "PHP", false},
                                                   {"kotlin", "Kotlin", false},
                                                   {"swift", "Swift", false},
                                                   {"scala", "Scala", false},
                                                   {"bash", "Bash", false},
                                                   {"sql", "SQL", false},
                                                   {"r", "R", true},
                                                   {"haskell", "Haskell", false},
                                                   {"elixir", "Elixir", false},
                                                   {"lua", "Lua", false},
                                                   {"dart", "Dart", false},
                                                   {"julia", "Julia", false},
                                                   {"perl", "Perl", false},
                                                   {"zig", "Zig", false},
                                                   {"ocaml", "OCaml", false},
                                                   {"clojure", "Clojure", false},
                                                   {"erlang", "Erlang", false},
                                                   {"fortran", "Fortran", false},
                                                   {"matlab", "MATLAB", false},
                                                   {"f#", "F#", false}};
  static const absl::flat_hash_set<absl::string_view> kIntro = {
      "in", "use", "using", "with", "language", "written", "lang", "write", "only", "pure"};
  static const absl::flat_hash_set<absl::string_view> kNegations = {
      "no", "not", "don't", "dont", "avoid", "without", "never", "except", "excluding", "nor"};
  const std::vector<std::string> words = SplitWords(AsciiLower(constraint));
  std::vector<std::string> tokens;
  for (const std::string& w : words) tokens.push_back(StripPunct(w));
  const bool says_only = std::find(tokens.begin(), tokens.end(), "only") != tokens.end();
  std::vector<std::string> found;
  for (size_t i = 0; i < tokens.size(); ++i) {
    for (const Language& lang : kLanguages) {
      if (tokens[i] != lang.token) continue;
      bool negated = false;
      for (size_t back = 1; back <= 3 && back <= i; ++back) {
        if (kNegations.contains(tokens[i - back])) negated = true;
      }
      if (negated) break;
      if (lang.ambiguous) {
        const bool introduced = (i > 0 && kIntro.contains(tokens[i - 1])) ||
                                (i + 1 < tokens.size() && tokens[i + 1] == "only") ||
                                tokens.size() == 1 || (says_only && tokens.size() <= 3);
        if (!introduced) break;
      }
      if (std::find(found.begin(), found.end(), lang.display) == found.end()) {
        found.emplace_back(lang.display);
      }
      break;
    }
  }
  return found;
}

std::string FormatDuration(int64_t seconds) {
  auto plural = [](int64_t n, absl::string_view unit) {
    return absl::StrCat(n, " ", unit, n == 1 ? "" : "s");
  };
  if (seconds >= 86400 && seconds % 86400 == 0) return plural(seconds / 86400, "day");
  if (seconds >= 3600 && seconds % 3600 == 0) return plural(seconds / 3600, "hour");
  if (seconds >= 60 && seconds % 60 == 0) return plural(seconds / 60, "minute");
  return plural(seconds, "second");
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
  std::string scanned(goal);
  for (const std::string& c : request.constraints()) absl::StrAppend(&scanned, "\n", c);
  ConstraintEffects& effects = analysis.constraints;
  for (const auto& [key, value] : request.context()) effects.context_keys.push_back(key);
  std::sort(effects.context_keys.begin(), effects.context_keys.end());
  for (const std::string& key : effects.context_keys) {
    absl::StrAppend(&scanned, "\n", request.context().at(key));
  }
  analysis.sensitivity = DetectSensitivity(scanned);

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
    const std::string c = CollapseWhitespace(raw);
    if (c.empty()) continue;
    const int64_t seconds = ParseTimeLimitSeconds(c, /*require_trigger=*/false);
    const std::vector<std::string> languages = DetectLanguages(c);
    take_limit(seconds);
    add_languages(languages);
    if (seconds == 0 && languages.empty()) effects.other.push_back(c);
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
