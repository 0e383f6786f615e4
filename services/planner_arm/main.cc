// armature-planner-arm: turns goals into plans and scene prompts into scene plans.
#include "libs/runtime/arm_info.h"
#include "libs/runtime/server.h"
#include "libs/runtime/server_flags.h"

int main(int argc, char** argv) {
  using namespace armature::runtime;
  BlockShutdownSignals();
  const BinaryDefaults defaults{
      .name = "armature-planner-arm",
      .description = "the planner arm: goals into validated plans, scene prompts into scene plans.",
      .listen = "127.0.0.1:50052",
      .metrics_listen = "127.0.0.1:9092"};
  ParseCommandLine(argc, argv, defaults);
  StaticArmInfo info({.arm_id = "planner", .capabilities = {}, .cost_tier = 2});
  ArmServer server(ServerOptionsFromFlags(defaults), &info);
  return ServeUntilSignal(server);
}
