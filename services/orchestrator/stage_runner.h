#pragma once

#include <memory>

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "armature/v1/manifest.grpc.pb.h"
#include "armature/v1/orchestrator.pb.h"
#include "armature/v1/planner.grpc.pb.h"
#include "libs/downstream/downstream.h"
#include "services/orchestrator/pipeline_config.h"

namespace armature::orchestrator {

// What one stage call may use.
struct StageCall {
  // The call's deadline: min(task deadline, now + stage timeout).
  absl::Time deadline = absl::InfiniteFuture();
  // Sent to the arm as x-request-id (and request_id in the request).
  std::string request_id;
  downstream::CancelToken* cancel = nullptr;
};

// StageRunner performs one call of a stage for a task. Implementations are thread-safe.
class StageRunner {
 public:
  virtual ~StageRunner() = default;
  // Calls the stage's arm with input from `task` and, on success, stores the output in `task`
  // (plan, scene_plan, or manifest and jobs). Returns the call's final status. When it is not
  // OK, `task` is left as it was (the engine relies on this rather than copying the task).
  virtual absl::Status Run(const StageSpec& stage, v1::Task& task, const StageCall& call,
                           downstream::CallReport* report) = 0;
};

// Longest goal sent to the planner for a PRODUCTION task's plan stage (the treatment itself may
// be far longer; the plan is of the production work, not of the text).
inline constexpr size_t kProductionGoalChars = 2000;

// The PlanRequest for a task: its text (summarised for PRODUCTION), constraints and context.
v1::PlanRequest MakePlanRequest(const v1::Task& task);
// The BuildManifestRequest for a task: its text as the treatment and hints from its context
// (duration_seconds, aspect_ratio, platform, language, tone, profile).
v1::BuildManifestRequest MakeBuildManifestRequest(const v1::Task& task);

// ArmStageRunner calls the real arms through their resilient clients.
class ArmStageRunner final : public StageRunner {
 public:
  // Both downstreams are borrowed and must outlive the runner.
  ArmStageRunner(downstream::Downstream* planner, downstream::Downstream* manifest);

  absl::Status Run(const StageSpec& stage, v1::Task& task, const StageCall& call,
                   downstream::CallReport* report) override;

 private:
  downstream::Downstream* planner_;
  downstream::Downstream* manifest_;
  std::unique_ptr<v1::PlannerArm::Stub> planner_stub_;
  std::unique_ptr<v1::ManifestService::Stub> manifest_stub_;
};

}  // namespace armature::orchestrator
