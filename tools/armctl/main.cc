// armctl: command-line client for Armature services.
//
//   armctl [--target=HOST:PORT] [--json] [--timeout_seconds=N] COMMAND [ARGS]
//
// Commands: health [SERVICE], ready, capabilities.
#include <cstdio>
#include <iostream>
#include <map>
#include <string>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/flags/usage.h"
#include "absl/flags/usage_config.h"
#include "absl/strings/match.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "armature/v1/arm_info.grpc.pb.h"
#include "google/protobuf/util/json_util.h"
#include "grpc/health/v1/health.grpc.pb.h"
#include "grpcpp/grpcpp.h"
#include "libs/runtime/status.h"

ABSL_FLAG(std::string, target, "127.0.0.1:50051",
          "gRPC target of the service to talk to (orchestrator 50051, planner arm 50052, "
          "manifest 50053 by default).");
ABSL_FLAG(bool, json, false, "Print the response as JSON (for scripts) instead of text.");
ABSL_FLAG(int, timeout_seconds, 10, "Deadline of each call, in seconds.");

namespace {

constexpr char kUsage[] = R"(armctl: talk to Armature services.

Usage: armctl [--target=HOST:PORT] [--json] [--timeout_seconds=N] COMMAND [ARGS]

Commands:
  health [SERVICE]   grpc.health.v1.Health/Check (SERVICE "" = liveness, "readiness", or a
                     full service name); exit 0 when SERVING, 1 otherwise
  ready              armature.v1.ArmInfo/GetReadiness with every named check; exit 0 when ready
  capabilities       armature.v1.ArmInfo/GetCapabilities

Exit codes: 0 success, 1 not serving / not ready, 2 usage or call error.)";

// Exit codes.
constexpr int kOk = 0;
constexpr int kNegative = 1;
constexpr int kError = 2;

struct Context {
  std::shared_ptr<grpc::Channel> channel;
  std::string target;
  bool json = false;
  int timeout_seconds = 10;

  void Prepare(grpc::ClientContext* ctx) const {
    ctx->set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(timeout_seconds));
  }
};

int CallFailed(const Context& c, std::string_view what, const grpc::Status& status) {
  std::cerr << "armctl: " << what << " on " << c.target
            << " failed: " << armature::runtime::StatusCodeName(status.error_code()) << ": "
            << status.error_message() << "\n";
  return kError;
}

void PrintJson(const google::protobuf::Message& message) {
  std::string out;
  google::protobuf::util::JsonPrintOptions options;
  options.add_whitespace = true;
  options.always_print_primitive_fields = true;
  options.preserve_proto_field_names = true;
  (void)google::protobuf::util::MessageToJsonString(message, &out, options);
  std::cout << out;
  if (!out.empty() && out.back() != '\n') std::cout << "\n";
}

int Health(const Context& c, const std::vector<std::string>& args) {
  if (args.size() > 1) {
    std::cerr << "armctl: health takes at most one argument (the service name)\n";
    return kError;
  }
  auto stub = grpc::health::v1::Health::NewStub(c.channel);
  grpc::ClientContext ctx;
  c.Prepare(&ctx);
  grpc::health::v1::HealthCheckRequest req;
  req.set_service(args.empty() ? "" : args[0]);
  grpc::health::v1::HealthCheckResponse resp;
  const grpc::Status status = stub->Check(&ctx, req, &resp);
  if (!status.ok()) return CallFailed(c, "Health/Check", status);
  const bool serving = resp.status() == grpc::health::v1::HealthCheckResponse::SERVING;
  if (c.json) {
    PrintJson(resp);
  } else {
    std::cout << absl::StrFormat(
        "%s: %s (service \"%s\")\n", c.target,
        grpc::health::v1::HealthCheckResponse::ServingStatus_Name(resp.status()), req.service());
  }
  return serving ? kOk : kNegative;
}

int Ready(const Context& c, const std::vector<std::string>& args) {
  if (!args.empty()) {
    std::cerr << "armctl: ready takes no arguments\n";
    return kError;
  }
  auto stub = armature::v1::ArmInfo::NewStub(c.channel);
  grpc::ClientContext ctx;
  c.Prepare(&ctx);
  armature::v1::GetReadinessResponse resp;
  const grpc::Status status = stub->GetReadiness(&ctx, {}, &resp);
  if (!status.ok()) return CallFailed(c, "ArmInfo/GetReadiness", status);
  if (c.json) {
    PrintJson(resp);
  } else {
    std::cout << c.target << ": " << (resp.ready() ? "ready" : "NOT READY") << "\n";
    size_t width = 0;
    for (const auto& check : resp.checks()) width = std::max(width, check.name().size());
    for (const auto& check : resp.checks()) {
      std::cout << absl::StrFormat("  %-4s %-*s  %s%s\n", check.ok() ? "ok" : "FAIL",
                                   static_cast<int>(width), check.name(), check.detail(),
                                   check.critical() ? "" : " (informational)");
    }
  }
  return resp.ready() ? kOk : kNegative;
}

std::string_view BackendStateName(armature::v1::BackendState state) {
  switch (state) {
    case armature::v1::BACKEND_STATE_AVAILABLE:
      return "available";
    case armature::v1::BACKEND_STATE_DEGRADED:
      return "degraded";
    case armature::v1::BACKEND_STATE_UNAVAILABLE:
      return "unavailable";
    default:
      return "unknown";
  }
}

int Capabilities(const Context& c, const std::vector<std::string>& args) {
  if (!args.empty()) {
    std::cerr << "armctl: capabilities takes no arguments\n";
    return kError;
  }
  auto stub = armature::v1::ArmInfo::NewStub(c.channel);
  grpc::ClientContext ctx;
  c.Prepare(&ctx);
  armature::v1::GetCapabilitiesResponse resp;
  const grpc::Status status = stub->GetCapabilities(&ctx, {}, &resp);
  if (!status.ok()) return CallFailed(c, "ArmInfo/GetCapabilities", status);
  if (c.json) {
    PrintJson(resp);
    return kOk;
  }
  std::cout << absl::StrFormat("arm:           %s (version %s) at %s\n", resp.arm_id(),
                               resp.version(), c.target);
  std::cout << absl::StrFormat("cost tier:     %d\n", resp.cost_tier());
  std::cout << "capabilities:  "
            << (resp.capabilities().empty() ? "(none)" : absl::StrJoin(resp.capabilities(), ", "))
            << "\n";
  std::cout << "services:      " << absl::StrJoin(resp.services(), ", ") << "\n";
  std::cout << absl::StrFormat("observed:      %.1f%% success, %.2f ms mean latency\n",
                               resp.success_rate() * 100.0, resp.observed_latency_ms());
  if (!resp.backends().empty()) {
    std::cout << "backends:\n";
    for (const auto& b : resp.backends()) {
      std::cout << absl::StrFormat("  %-28s %-10s %-11s %6d calls %6.1f%% ok %8.2f ms  %s\n",
                                   b.name(), b.kind(), BackendStateName(b.state()), b.calls_total(),
                                   b.success_rate() * 100.0, b.observed_latency_ms(), b.detail());
    }
  }
  return kOk;
}

}  // namespace

int main(int argc, char** argv) {
  absl::FlagsUsageConfig config;
  config.contains_help_flags = [](absl::string_view f) { return !absl::StrContains(f, "absl/"); };
  config.contains_helpshort_flags = config.contains_help_flags;
  absl::SetFlagsUsageConfig(config);
  absl::SetProgramUsageMessage(kUsage);
  std::vector<char*> positional = absl::ParseCommandLine(argc, argv);
  if (positional.size() < 2) {
    std::cerr << kUsage << "\n";
    return kError;
  }
  const std::string command = positional[1];
  const std::vector<std::string> args(positional.begin() + 2, positional.end());

  using Handler = int (*)(const Context&, const std::vector<std::string>&);
  const std::map<std::string, Handler> commands = {
      {"health", Health}, {"ready", Ready}, {"capabilities", Capabilities}};
  auto it = commands.find(command);
  if (it == commands.end()) {
    std::cerr << "armctl: unknown command \"" << command << "\"\n\n" << kUsage << "\n";
    return kError;
  }
  Context c;
  c.target = absl::GetFlag(FLAGS_target);
  c.json = absl::GetFlag(FLAGS_json);
  c.timeout_seconds = absl::GetFlag(FLAGS_timeout_seconds);
  if (c.timeout_seconds < 1) {
    std::cerr << "armctl: timeout_seconds: must be >= 1\n";
    return kError;
  }
  c.channel = grpc::CreateChannel(c.target, grpc::InsecureChannelCredentials());
  return it->second(c, args);
}
