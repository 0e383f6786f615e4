// armature-orchestrator: accepts tasks and drives them through the arms.
#include "absl/flags/flag.h"
#include "grpcpp/create_channel.h"
#include "libs/runtime/arm_info.h"
#include "libs/runtime/server.h"
#include "libs/runtime/server_flags.h"
#include "services/orchestrator/arm_probe.h"

ABSL_FLAG(
    std::string, planner_target, "127.0.0.1:50052",
    "gRPC target of the planner arm: HOST:PORT, dns:///name:port or ipv4:host:port,host:port.");
ABSL_FLAG(std::string, manifest_target, "127.0.0.1:50053",
          "gRPC target of the manifest service (same forms as --planner_target).");

int main(int argc, char** argv) {
  using namespace armature;
  using namespace armature::runtime;
  BlockShutdownSignals();
  const BinaryDefaults defaults{
      .name = "armature-orchestrator",
      .description = "the orchestrator: accepts tasks and drives them through the arms.",
      .listen = "127.0.0.1:50051",
      .metrics_listen = "127.0.0.1:9091"};
  ParseCommandLine(argc, argv, defaults);

  const std::string planner_target = absl::GetFlag(FLAGS_planner_target);
  const std::string manifest_target = absl::GetFlag(FLAGS_manifest_target);
  orchestrator::ArmProbe planner(
      "planner", planner_target,
      grpc::CreateChannel(planner_target, grpc::InsecureChannelCredentials()));
  orchestrator::ArmProbe manifest(
      "manifest", manifest_target,
      grpc::CreateChannel(manifest_target, grpc::InsecureChannelCredentials()));
  StaticArmInfo info(
      {.arm_id = "orchestrator", .capabilities = {}, .cost_tier = 1},
      {[&planner] { return planner.Check(); }, [&manifest] { return manifest.Check(); }});
  ArmServer server(ServerOptionsFromFlags(defaults), &info);
  return ServeUntilSignal(server);
}
