// Shared pieces of the armctl commands: exit codes, the call context and the command options.
#pragma once

#include <chrono>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "grpcpp/grpcpp.h"

namespace armature::armctl {

// Exit codes.
inline constexpr int kOk = 0;
// Not serving / not ready; a task that ended FAILED or CANCELLED; an RPC error of a task command.
inline constexpr int kFailed = 1;
// A usage error; also an RPC error of the arm commands (health ... manifest), as they always did.
inline constexpr int kUsage = 2;

// CommandOptions are the command-specific flags, read once in main().
struct CommandOptions {
  // plan, submit: --constraint values in order.
  std::vector<std::string> constraints;
  // submit: --context KEY=VALUE pairs (a repeated key keeps its last value).
  std::map<std::string, std::string> context;
  // manifest: hints; 0 / empty = the service's default.
  double duration_seconds = 0;
  std::string aspect_ratio;
  std::string platform;
  std::string language;
  std::string tone;
  // submit, list: task kind name (goal, scene, production); empty = default (goal / any).
  std::string kind;
  // submit: --idempotency_key.
  std::string idempotency_key;
  // submit: time the task may take, in seconds; 0 = the server's default.
  int deadline_seconds = 0;
  // submit: answer only when the task ends.
  bool wait = false;
  // submit: read the text from this file ("-" = stdin).
  std::string file;
  // list: status name filter; empty = any.
  std::string status;
  // list: page size, 0 = the server's default.
  int page_size = 0;
  // list: token of the page to start at.
  std::string page_token;
  // list: walk every page.
  bool all = false;
  // cancel: why.
  std::string reason;
};

// Context is what every command gets: where to call, how to print, and its options.
struct Context {
  std::shared_ptr<grpc::Channel> channel;
  std::string target;
  bool json = false;
  // Deadline of each call, in seconds.
  int timeout_seconds = 10;
  // Whether --timeout_seconds was given (long calls have no deadline of their own otherwise).
  bool timeout_given = false;
  CommandOptions options;

  // A call that should answer promptly: the --timeout_seconds deadline.
  void Prepare(grpc::ClientContext* ctx) const {
    ctx->set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(timeout_seconds));
  }
  // A call that lasts as long as a task runs (submit --wait, watch): the --timeout_seconds
  // deadline when given, else `task_seconds` plus a margin when known, else none.
  void PrepareLong(grpc::ClientContext* ctx, std::optional<int> task_seconds) const {
    if (timeout_given) {
      Prepare(ctx);
    } else if (task_seconds.has_value() && *task_seconds > 0) {
      ctx->set_deadline(std::chrono::system_clock::now() +
                        std::chrono::seconds(*task_seconds + timeout_seconds));
    }
  }
};

// Prints "armctl: METHOD on TARGET failed: CODE: message" to stderr and returns `exit_code`.
int CallFailed(const Context& c, std::string_view method, const grpc::Status& status,
               int exit_code);

// Prints a usage problem ("armctl: ...") to stderr and returns kUsage.
int UsageError(std::string_view message);

using Handler = int (*)(const Context&, const std::vector<std::string>& args);

// Commands on the arms (arm_commands.cc).
int HealthCommand(const Context& c, const std::vector<std::string>& args);
int ReadyCommand(const Context& c, const std::vector<std::string>& args);
int CapabilitiesCommand(const Context& c, const std::vector<std::string>& args);
int PlanCommand(const Context& c, const std::vector<std::string>& args);
int SceneCommand(const Context& c, const std::vector<std::string>& args);
int ManifestCommand(const Context& c, const std::vector<std::string>& args);

// Commands on the orchestrator's tasks (task_commands.cc).
int SubmitCommand(const Context& c, const std::vector<std::string>& args);
int GetCommand(const Context& c, const std::vector<std::string>& args);
int WatchCommand(const Context& c, const std::vector<std::string>& args);
int ListCommand(const Context& c, const std::vector<std::string>& args);
int CancelCommand(const Context& c, const std::vector<std::string>& args);
int GetManifestCommand(const Context& c, const std::vector<std::string>& args);

}  // namespace armature::armctl
