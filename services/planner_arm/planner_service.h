#pragma once

#include "armature/v1/planner.grpc.pb.h"
#include "libs/runtime/arm_info.h"
#include "libs/runtime/worker_pool.h"
#include "prometheus/counter.h"
#include "prometheus/family.h"
#include "prometheus/registry.h"
#include "services/planner_arm/planner_core.h"

namespace armature::planner_arm {

// PlannerArmService is the thin gRPC layer over PlannerCore: it unpacks the request, runs
// the core (on the worker pool when an LLM may be called, inline otherwise), converts the
// status once and records the planner metrics:
//   armature_planner_plans_total{backend,cached}
//   armature_planner_scene_plans_total{backend}
//   armature_planner_plan_repairs_total              warnings (repairs) attached to plans
//   armature_planner_cache_lookups_total{result}     hit | miss
class PlannerArmService final : public v1::PlannerArm::CallbackService {
 public:
  // `pool` may be null when the core never calls an LLM.
  PlannerArmService(PlannerCore* core, runtime::WorkerPool* pool, prometheus::Registry& registry);

  grpc::ServerUnaryReactor* Plan(grpc::CallbackServerContext* context,
                                 const v1::PlanRequest* request,
                                 v1::PlanResponse* response) override;
  grpc::ServerUnaryReactor* PlanScene(grpc::CallbackServerContext* context,
                                      const v1::PlanSceneRequest* request,
                                      v1::PlanSceneResponse* response) override;

 private:
  // Runs `work` inline or on the pool; RESOURCE_EXHAUSTED when the pool's queue is full.
  void Dispatch(grpc::ServerUnaryReactor* reactor, std::function<grpc::Status()> work);

  PlannerCore* core_;
  runtime::WorkerPool* pool_;
  prometheus::Family<prometheus::Counter>& plans_;
  prometheus::Family<prometheus::Counter>& scene_plans_;
  prometheus::Counter& repairs_;
  prometheus::Counter& cache_hits_;
  prometheus::Counter& cache_misses_;
};

// PlannerArmInfo describes the planner arm for ArmInfo: arm id "planner", its capabilities,
// every backend with state and observed performance; ready while a backend is usable.
class PlannerArmInfo final : public runtime::ArmInfoProvider {
 public:
  explicit PlannerArmInfo(const PlannerCore* core) : core_(core) {}
  void Describe(v1::GetCapabilitiesResponse* out) const override;
  std::vector<v1::ReadinessCheck> ReadinessChecks() const override;

 private:
  const PlannerCore* core_;
};

}  // namespace armature::planner_arm
