#include "libs/runtime/server_flags.h"

#include <cstdlib>
#include <iostream>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/flags/usage.h"
#include "absl/flags/usage_config.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"

ABSL_FLAG(std::string, listen, "",
          "gRPC listen address HOST:PORT; port 0 picks a free port. Empty = this binary's "
          "default (see the top of --help).");
ABSL_FLAG(std::string, metrics_listen, "",
          "Prometheus /metrics listen address HOST:PORT; port 0 picks a free port; \"off\" "
          "disables the endpoint. Empty = this binary's default.");
ABSL_FLAG(std::string, log_format, "text", "Log line format on stderr: text or json.");
ABSL_FLAG(std::string, rpc_log, "errors",
          "Which finished calls of the domain services get an `rpc` log line (method, code, "
          "duration, request id, peer): all, errors (calls that did not end OK) or off.");
ABSL_FLAG(int, shutdown_grace_seconds, 10,
          "On SIGTERM/SIGINT, seconds in-flight RPCs may take to finish before they are "
          "cancelled (health goes NOT_SERVING first).");
ABSL_FLAG(int, max_message_bytes, 16 * 1024 * 1024,
          "Largest gRPC message accepted or sent, in bytes.");
ABSL_FLAG(int, keepalive_time_seconds, 60, "Interval of server keepalive pings, in seconds.");
ABSL_FLAG(int, keepalive_timeout_seconds, 20,
          "Seconds to wait for a keepalive ping ack before closing the connection.");
ABSL_FLAG(int, max_connection_age_seconds, 0,
          "Close client connections after this many seconds (with a GOAWAY; in-flight calls "
          "get --max_connection_age_grace_seconds to finish), so that clients re-resolve DNS "
          "and spread over replicas added since they connected; 0 = never.");
ABSL_FLAG(int, max_connection_age_grace_seconds, 30,
          "How long calls on a connection closed for its age may still take, in seconds.");

namespace armature::runtime {
namespace {

#ifndef ARMATURE_VERSION
#define ARMATURE_VERSION "dev"
#endif

bool IsOurFlagFile(absl::string_view file) { return !absl::StrContains(file, "absl/"); }

[[noreturn]] void Die(std::string_view message) {
  std::cerr << message << "\n";
  std::exit(2);
}

}  // namespace

std::string_view ArmatureVersion() { return ARMATURE_VERSION; }

void DisableMutexDeadlockDetection() {
  absl::SetMutexDeadlockDetectionMode(absl::OnDeadlockCycle::kIgnore);
}

void ParseCommandLine(int argc, char** argv, const BinaryDefaults& defaults) {
  DisableMutexDeadlockDetection();
  absl::FlagsUsageConfig config;
  config.contains_help_flags = IsOurFlagFile;
  config.contains_helpshort_flags = IsOurFlagFile;
  config.version_string = [name = defaults.name] {
    return absl::StrCat(name, " ", ARMATURE_VERSION, "\n");
  };
  // Show flag files relative to the repository ("libs/runtime/server_flags.cc").
  config.normalize_filename = [](absl::string_view f) {
    for (absl::string_view root : {"/libs/", "/services/", "/tools/"}) {
      const size_t at = f.rfind(root);
      if (at != absl::string_view::npos) return std::string(f.substr(at + 1));
    }
    return std::string(f);
  };
  absl::SetFlagsUsageConfig(config);
  absl::SetProgramUsageMessage(absl::StrCat(
      defaults.description, "\n\nDefaults: --listen=", defaults.listen,
      " --metrics_listen=", defaults.metrics_listen,
      "\nSignals: SIGTERM/SIGINT shut down gracefully (exit 0).\n\nUsage: ", defaults.name,
      " [flags]"));
  std::vector<char*> rest = absl::ParseCommandLine(argc, argv);
  if (rest.size() > 1) {
    Die(absl::StrCat(defaults.name, ": unexpected argument \"", rest[1],
                     "\" (flags look like --name=value; see --help)"));
  }
  auto format = ParseLogFormat(absl::GetFlag(FLAGS_log_format));
  if (!format.ok()) Die(absl::StrCat(defaults.name, ": ", format.status().message()));
  InitLogging(*format, defaults.name);
  if (auto rpc_log = ParseRpcLog(absl::GetFlag(FLAGS_rpc_log)); !rpc_log.ok()) {
    Die(absl::StrCat(defaults.name, ": ", rpc_log.status().message()));
  }
  if (absl::GetFlag(FLAGS_shutdown_grace_seconds) < 0) {
    Die(absl::StrCat(defaults.name, ": shutdown_grace_seconds: must be >= 0"));
  }
  if (absl::GetFlag(FLAGS_max_message_bytes) < 1024) {
    Die(absl::StrCat(defaults.name, ": max_message_bytes: must be at least 1024"));
  }
  if (absl::GetFlag(FLAGS_max_connection_age_seconds) < 0 ||
      absl::GetFlag(FLAGS_max_connection_age_grace_seconds) < 0) {
    Die(absl::StrCat(defaults.name,
                     ": max_connection_age_seconds and max_connection_age_grace_seconds: must be "
                     ">= 0"));
  }
  if (absl::GetFlag(FLAGS_keepalive_time_seconds) < 1 ||
      absl::GetFlag(FLAGS_keepalive_timeout_seconds) < 1) {
    Die(absl::StrCat(defaults.name,
                     ": keepalive_time_seconds and keepalive_timeout_seconds: must be >= 1"));
  }
}

ServerOptions ServerOptionsFromFlags(const BinaryDefaults& defaults) {
  ServerOptions options;
  const std::string listen = absl::GetFlag(FLAGS_listen);
  const std::string metrics = absl::GetFlag(FLAGS_metrics_listen);
  options.listen = listen.empty() ? defaults.listen : listen;
  options.metrics_listen =
      metrics.empty() ? defaults.metrics_listen : (metrics == "off" ? "" : metrics);
  options.shutdown_grace_seconds = absl::GetFlag(FLAGS_shutdown_grace_seconds);
  options.max_message_bytes = absl::GetFlag(FLAGS_max_message_bytes);
  options.keepalive_time_seconds = absl::GetFlag(FLAGS_keepalive_time_seconds);
  options.keepalive_timeout_seconds = absl::GetFlag(FLAGS_keepalive_timeout_seconds);
  options.max_connection_age_seconds = absl::GetFlag(FLAGS_max_connection_age_seconds);
  options.max_connection_age_grace_seconds = absl::GetFlag(FLAGS_max_connection_age_grace_seconds);
  options.version = std::string(ArmatureVersion());
  // Checked by ParseCommandLine.
  options.rpc_log = ParseRpcLog(absl::GetFlag(FLAGS_rpc_log)).value_or(RpcLog::kErrors);
  return options;
}

}  // namespace armature::runtime
