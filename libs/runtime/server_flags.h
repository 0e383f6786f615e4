#pragma once

#include <string>
#include <string_view>

#include "libs/runtime/logging.h"
#include "libs/runtime/server.h"

namespace armature::runtime {

// Per-binary defaults for the shared flags.
struct BinaryDefaults {
  // Binary name for logs and --help, e.g. "armature-planner-arm".
  std::string name;
  // One-paragraph description printed by --help.
  std::string description;
  std::string listen;
  std::string metrics_listen;
};

// ParseCommandLine parses argv (exiting with a message on a bad flag; --help lists every
// flag of the project, not Abseil's internals) and sets up logging from --log_format.
// The shared flags (--listen, --metrics_listen, --log_format, --shutdown_grace_seconds,
// --max_message_bytes, --keepalive_time_seconds, --keepalive_timeout_seconds) are defined
// once in server_flags.cc; each binary's own flags stay in its main.cc.
void ParseCommandLine(int argc, char** argv, const BinaryDefaults& defaults);

// ServerOptions from the shared flags (after ParseCommandLine).
ServerOptions ServerOptionsFromFlags(const BinaryDefaults& defaults);

// Debian's Abseil is built with absl::Mutex deadlock detection on (a debug-build default): every
// lock and every mutex destroyed by gRPC updates a global lock graph, a few percent of an RPC's
// CPU. ParseCommandLine turns it off; the echo baseline of bench/ does the same.
void DisableMutexDeadlockDetection();

// The version compiled into every binary.
std::string_view ArmatureVersion();

}  // namespace armature::runtime
