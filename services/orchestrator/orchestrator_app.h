#pragma once

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "libs/clock/clock.h"
#include "libs/downstream/downstream.h"
#include "libs/runtime/arm_info.h"
#include "libs/store/task_store.h"
#include "prometheus/registry.h"
#include "services/orchestrator/arm_probe.h"
#include "services/orchestrator/orchestrator_service.h"
#include "services/orchestrator/pipeline_config.h"
#include "services/orchestrator/stage_runner.h"
#include "services/orchestrator/task_engine.h"
#include "services/orchestrator/task_hub.h"

namespace armature::orchestrator {

struct OrchestratorOptions {
  // gRPC targets of the arms.
  std::string planner_target;
  std::string manifest_target;
  PipelineConfig pipeline;
  EngineOptions engine;
  // false switches off circuit breakers, retries and call deadlines (for measuring their cost).
  bool resilience = true;
};

// OrchestratorApp wires the orchestrator together: a resilient client per arm, the stage
// runner, the task engine, the hub, the gRPC service and the ArmInfo provider (readiness checks
// "store", critical, and "arm:planner" / "arm:manifest", informational).
class OrchestratorApp final : public runtime::ArmInfoProvider {
 public:
  // `store`, `registry` and `clock` are borrowed. The sleeps are for tests (null = real waits).
  static absl::StatusOr<std::unique_ptr<OrchestratorApp>> Create(
      OrchestratorOptions options, store::TaskStore& store, prometheus::Registry& registry,
      Clock& clock = RealClock(), TaskEngine::Sleep engine_sleep = nullptr,
      downstream::Downstream::Sleep call_sleep = nullptr);
  ~OrchestratorApp() override;

  // Resumes unfinished tasks and starts the workers.
  absl::Status Start();
  // Shutdown, first half: followers (WatchTask, waiting SubmitTask) are released so the server
  // can drain quickly. Call before the server's Shutdown().
  void ReleaseFollowers();
  // Shutdown, second half: abandons in-flight arm calls and joins the workers.
  void Stop();

  OrchestratorService& service() { return *service_; }
  TaskEngine& engine() { return *engine_; }
  TaskHub& hub() { return hub_; }
  downstream::Downstream& planner() { return *planner_; }
  downstream::Downstream& manifest() { return *manifest_; }
  const OrchestratorOptions& options() const { return options_; }

  void Describe(v1::GetCapabilitiesResponse* out) const override;
  std::vector<v1::ReadinessCheck> ReadinessChecks() const override;

 private:
  OrchestratorApp(OrchestratorOptions options, store::TaskStore& store);

  OrchestratorOptions options_;
  store::TaskStore& store_;
  std::unique_ptr<downstream::DownstreamMetrics> downstream_metrics_;
  std::unique_ptr<downstream::Downstream> planner_;
  std::unique_ptr<downstream::Downstream> manifest_;
  std::unique_ptr<ArmStageRunner> runner_;
  TaskHub hub_;
  std::unique_ptr<TaskEngine> engine_;
  std::unique_ptr<OrchestratorService> service_;
  std::unique_ptr<ArmProbe> planner_probe_;
  std::unique_ptr<ArmProbe> manifest_probe_;
};

}  // namespace armature::orchestrator
