// armctl: command-line client for Armature services.
//
//   armctl [--target=HOST:PORT] [--json] [--timeout_seconds=N] COMMAND [ARGS] [FLAGS]
//
// Arm commands: health [SERVICE], ready, capabilities, plan GOAL, scene PROMPT, manifest FILE.
// Task commands (orchestrator): submit TEXT, get ID, watch ID, list, cancel ID, manifest-of ID.
#include <iostream>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "tools/armctl/args.h"
#include "tools/armctl/cli.h"

// Every command.
ABSL_FLAG(std::string, target, "",
          "gRPC target of the service to talk to. Default: the planner arm (127.0.0.1:50052) for "
          "plan and scene, the manifest service (127.0.0.1:50053) for manifest, the orchestrator "
          "(127.0.0.1:50051) otherwise.");
ABSL_FLAG(bool, json, false,
          "Print the response message as JSON (proto field names) instead of text; watch prints "
          "one JSON object per event per line.");
ABSL_FLAG(int, timeout_seconds, 10,
          "Deadline of each call, in seconds. submit --wait and watch have none unless this is "
          "given (submit --wait with --deadline_seconds=N waits N plus this many seconds).");
// plan, submit.
ABSL_FLAG(std::string, constraint, "",
          "plan, submit: a constraint for the planner, e.g. \"Python only\"; repeat for more.");
// manifest.
ABSL_FLAG(double, duration, 0, "manifest: total duration in seconds (default 60).");
ABSL_FLAG(std::string, aspect_ratio, "", "manifest: aspect ratio, e.g. 16:9 (default auto).");
ABSL_FLAG(std::string, platform, "", "manifest: target platform (default social).");
ABSL_FLAG(std::string, language, "", "manifest: language code (default en).");
ABSL_FLAG(std::string, tone, "", "manifest: tone (default neutral).");
// submit, list.
ABSL_FLAG(std::string, kind, "",
          "submit: the task kind, goal (default), scene or production. list: only tasks of this "
          "kind.");
// submit.
ABSL_FLAG(std::string, context, "",
          "submit: KEY=VALUE context passed to the planner; repeat for more.");
ABSL_FLAG(std::string, idempotency_key, "",
          "submit: resubmitting with the same key returns the task first created with it.");
ABSL_FLAG(int, deadline_seconds, 0,
          "submit: time the task may take, in seconds (0 = the orchestrator's default).");
ABSL_FLAG(bool, wait, false,
          "submit: answer when the task has ended and print its result; exit 1 unless it "
          "SUCCEEDED.");
ABSL_FLAG(std::string, file, "",
          "submit: read the text (e.g. a production treatment) from this file; - = stdin.");
// list.
ABSL_FLAG(std::string, status, "",
          "list: only tasks with this status (pending, planning, planned, building_manifest, "
          "succeeded, failed, cancelled).");
ABSL_FLAG(int, page_size, 0, "list: tasks per page, 1-1000 (0 = the orchestrator's default, 50).");
ABSL_FLAG(std::string, page_token, "", "list: start at this page (a previous next page token).");
ABSL_FLAG(bool, all, false, "list: walk every page from the first (or --page_token) to the last.");
// cancel.
ABSL_FLAG(std::string, reason, "", "cancel: why, recorded on the task.");

namespace armature::armctl {
namespace {

constexpr char kUsageText[] = R"(armctl: talk to Armature services.

Usage: armctl [--target=HOST:PORT] [--json] [--timeout_seconds=N] COMMAND [ARGS] [FLAGS]
Flags may come before or after the command; "--" ends them (for a TEXT starting with "-").

Arm commands (default target: the arm named below):
  health [SERVICE]   grpc.health.v1.Health/Check (SERVICE "" = liveness, "readiness", or a
                     full service name); exit 0 when SERVING, 1 otherwise
  ready              armature.v1.ArmInfo/GetReadiness with every named check; exit 0 when ready
  capabilities       armature.v1.ArmInfo/GetCapabilities
  plan GOAL [--constraint=TEXT ...]
                     armature.v1.PlannerArm/Plan (planner arm, 127.0.0.1:50052): a readable plan
  scene PROMPT       armature.v1.PlannerArm/PlanScene (planner arm): a readable scene plan
  manifest FILE [--duration=SECONDS] [--aspect_ratio=16:9] [--platform=P] [--language=L] [--tone=T]
                     armature.v1.ManifestService/BuildManifest (manifest service, 127.0.0.1:50053)
                     on a treatment file ("-" = stdin): scenes, narration and the job DAG

Task commands (armature.v1.Orchestrator, default target 127.0.0.1:50051):
  submit TEXT [--kind=goal|scene|production] [--constraint=C ...] [--context=KEY=VALUE ...]
              [--idempotency_key=K] [--deadline_seconds=N] [--wait] [--file=PATH]
                     SubmitTask. TEXT is the goal, scene prompt or treatment; for production it
                     may be @FILE ("@-" = stdin), or give --file=PATH instead of TEXT (any kind).
                     Prints the task id and status ("deduplicated" when the idempotency key
                     matched an existing task). With --wait, prints the finished task: the plan
                     (goal), the scene plan (scene) or the manifest and job DAG (production), or
                     the error's stage, code and reason
  get ID             GetTask: status, stage, attempts, last error, error, timestamps and result
  watch ID           WatchTask: one line per event as it arrives ("#3 PLANNING stage=plan  ..."),
                     then the result at the terminal state (--json: one JSON object per line)
  list [--status=S] [--kind=K] [--page_size=N] [--page_token=T] [--all]
                     ListTasks, newest first: id, kind, status, stage, created, text; prints the
                     next page token when there is one; --all walks every page
  cancel ID [--reason=R]
                     CancelTask
  manifest-of ID     GetManifest of a production task, printed like manifest (alias get-manifest)

--json prints each response message as JSON instead of text.

Exit codes:
  0  success (submit --wait, watch: the task SUCCEEDED)
  1  not serving / not ready; task commands: the call failed (its gRPC code and message are
     printed) or the awaited task ended FAILED or CANCELLED
  2  usage error (unknown command, flag or kind, missing argument); arm commands: the call failed)";

// Flags every command takes.
const std::set<std::string> kGlobalFlags = {"target", "json", "timeout_seconds"};
// Flags that may repeat; ParseArgs collects their values.
const std::set<std::string> kRepeatableFlags = {"constraint", "context"};
// Only flags declared in this directory are armctl's (libraries may link in others).
const std::string kFlagFiles = "tools/armctl/";

struct Command {
  Handler handler;
  // Target when --target is not given.
  std::string default_target;
  // Command-specific flags it takes (besides kGlobalFlags).
  std::set<std::string> flags;
};

const std::map<std::string, Command>& Commands() {
  static const auto* commands = [] {
    const std::string orchestrator = "127.0.0.1:50051";
    const Command manifest_of{GetManifestCommand, orchestrator, {}};
    return new std::map<std::string, Command>{
        {"health", {HealthCommand, orchestrator, {}}},
        {"ready", {ReadyCommand, orchestrator, {}}},
        {"capabilities", {CapabilitiesCommand, orchestrator, {}}},
        {"plan", {PlanCommand, "127.0.0.1:50052", {"constraint"}}},
        {"scene", {SceneCommand, "127.0.0.1:50052", {}}},
        {"manifest",
         {ManifestCommand,
          "127.0.0.1:50053",
          {"duration", "aspect_ratio", "platform", "language", "tone"}}},
        {"submit",
         {SubmitCommand,
          orchestrator,
          {"kind", "constraint", "context", "idempotency_key", "deadline_seconds", "wait",
           "file"}}},
        {"get", {GetCommand, orchestrator, {}}},
        {"watch", {WatchCommand, orchestrator, {}}},
        {"list", {ListCommand, orchestrator, {"status", "kind", "page_size", "page_token", "all"}}},
        {"cancel", {CancelCommand, orchestrator, {"reason"}}},
        {"manifest-of", manifest_of},
        {"get-manifest", manifest_of},
    };
  }();
  return *commands;
}

// Reads the command-specific flags; fails on a malformed --context.
absl::StatusOr<CommandOptions> ReadOptions(const ParsedArgs& parsed) {
  CommandOptions o;
  if (auto it = parsed.repeated.find("constraint"); it != parsed.repeated.end()) {
    o.constraints = it->second;
  }
  if (auto it = parsed.repeated.find("context"); it != parsed.repeated.end()) {
    for (const std::string& pair : it->second) {
      const size_t eq = pair.find('=');
      if (eq == std::string::npos || eq == 0) {
        return absl::InvalidArgumentError(
            absl::StrCat("--context: want KEY=VALUE, got \"", pair, "\""));
      }
      o.context[pair.substr(0, eq)] = pair.substr(eq + 1);
    }
  }
  o.duration_seconds = absl::GetFlag(FLAGS_duration);
  o.aspect_ratio = absl::GetFlag(FLAGS_aspect_ratio);
  o.platform = absl::GetFlag(FLAGS_platform);
  o.language = absl::GetFlag(FLAGS_language);
  o.tone = absl::GetFlag(FLAGS_tone);
  o.kind = absl::GetFlag(FLAGS_kind);
  o.idempotency_key = absl::GetFlag(FLAGS_idempotency_key);
  o.deadline_seconds = absl::GetFlag(FLAGS_deadline_seconds);
  o.wait = absl::GetFlag(FLAGS_wait);
  o.file = absl::GetFlag(FLAGS_file);
  o.status = absl::GetFlag(FLAGS_status);
  o.page_size = absl::GetFlag(FLAGS_page_size);
  o.page_token = absl::GetFlag(FLAGS_page_token);
  o.all = absl::GetFlag(FLAGS_all);
  o.reason = absl::GetFlag(FLAGS_reason);
  return o;
}

int Run(int argc, char** argv) {
  absl::StatusOr<ParsedArgs> parsed = ParseArgs(argc, argv, kRepeatableFlags, kFlagFiles);
  if (!parsed.ok()) {
    return UsageError(absl::StrCat(parsed.status().message(), " (see armctl --help)"));
  }
  if (parsed->help) {
    std::cout << kUsageText << "\n\nFlags:\n" << FlagsHelp(kFlagFiles);
    return kOk;
  }
  if (parsed->positional.empty()) {
    std::cerr << kUsageText << "\n";
    return kUsage;
  }
  const std::string& name = parsed->positional[0];
  const auto it = Commands().find(name);
  if (it == Commands().end()) {
    std::cerr << "armctl: unknown command \"" << name << "\"\n\n" << kUsageText << "\n";
    return kUsage;
  }
  const Command& command = it->second;
  for (const std::string& flag : parsed->given) {
    if (kGlobalFlags.count(flag) == 0 && command.flags.count(flag) == 0) {
      return UsageError(
          absl::StrCat("--", flag, " does not apply to ", name, " (see armctl --help)"));
    }
  }
  absl::StatusOr<CommandOptions> options = ReadOptions(*parsed);
  if (!options.ok()) return UsageError(std::string(options.status().message()));

  Context c;
  c.options = *std::move(options);
  c.target = absl::GetFlag(FLAGS_target);
  if (c.target.empty()) c.target = command.default_target;
  c.json = absl::GetFlag(FLAGS_json);
  c.timeout_seconds = absl::GetFlag(FLAGS_timeout_seconds);
  c.timeout_given = parsed->given.count("timeout_seconds") > 0;
  if (c.timeout_seconds < 1) return UsageError("--timeout_seconds: must be >= 1");
  c.channel = grpc::CreateChannel(c.target, grpc::InsecureChannelCredentials());
  const std::vector<std::string> args(parsed->positional.begin() + 1, parsed->positional.end());
  return command.handler(c, args);
}

}  // namespace
}  // namespace armature::armctl

int main(int argc, char** argv) { return armature::armctl::Run(argc, argv); }
