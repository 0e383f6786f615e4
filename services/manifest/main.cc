// armature-manifest: turns video treatments into production manifests and job DAGs.
#include "libs/runtime/arm_info.h"
#include "libs/runtime/server.h"
#include "libs/runtime/server_flags.h"

int main(int argc, char** argv) {
  using namespace armature::runtime;
  BlockShutdownSignals();
  const BinaryDefaults defaults{
      .name = "armature-manifest",
      .description =
          "the manifest service: treatments into validated production manifests and job DAGs.",
      .listen = "127.0.0.1:50053",
      .metrics_listen = "127.0.0.1:9093"};
  ParseCommandLine(argc, argv, defaults);
  StaticArmInfo info({.arm_id = "manifest", .capabilities = {}, .cost_tier = 2});
  ArmServer server(ServerOptionsFromFlags(defaults), &info);
  return ServeUntilSignal(server);
}
