#pragma once

#include <functional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "armature/v1/planner.grpc.pb.h"
#include "libs/runtime/arena_allocator.h"
#include "libs/runtime/arm_info.h"
#include "libs/runtime/unary_call.h"
#include "libs/runtime/worker_pool.h"
#include "prometheus/counter.h"
#include "prometheus/family.h"
#include "prometheus/registry.h"
#include "services/planner_arm/planner_core.h"

namespace armature::planner_arm {

// PlannerArmService is the thin gRPC layer over PlannerCore: it unpacks the request, runs
// the core (on the worker pool when an LLM may be called, inline otherwise), converts the
// status once and records the planner metrics. Every Plan and PlanScene call is counted once:
//   armature_planner_plans_total{backend,cached,outcome}
//   armature_planner_scene_plans_total{backend,outcome}
//       outcome: ok | invalid_argument | failed (any other status, overload included);
//       backend: the producing backend ("builtin", "openai:gpt-4o-mini", ...), "none" unless ok;
//       cached: "true" | "false" ("false" unless ok)
//   armature_planner_plan_repairs_total{kind}        repairs applied to accepted LLM replies
//       (planner::RepairKindName); every kind is exported from start-up
//   armature_planner_cache_lookups_total{result}     hit | miss (every valid Plan request)
class PlannerArmService final : public v1::PlannerArm::CallbackService,
                                public runtime::InstrumentedService {
 public:
  // `pool` may be null when the core never calls an LLM.
  PlannerArmService(PlannerCore* core, runtime::WorkerPool* pool, prometheus::Registry& registry);

  void BindMetrics(runtime::ServerMetrics& metrics) override;

  grpc::ServerUnaryReactor* Plan(grpc::CallbackServerContext* context,
                                 const v1::PlanRequest* request,
                                 v1::PlanResponse* response) override;
  grpc::ServerUnaryReactor* PlanScene(grpc::CallbackServerContext* context,
                                      const v1::PlanSceneRequest* request,
                                      v1::PlanSceneResponse* response) override;

 private:
  // Runs `work` inline or on the pool and finishes the call with its status. When the pool's
  // queue is full, finishes with RESOURCE_EXHAUSTED without running `work` and returns false.
  template <typename Work>
  bool Dispatch(runtime::UnaryCall* call, Work work);
  // Counts one Plan call; `backend` and `cached` only matter when `status` is OK.
  void CountPlan(const absl::Status& status, const std::string& backend, bool cached);
  // Counts one PlanScene call; `backend` only matters when `status` is OK.
  void CountScene(const absl::Status& status, const std::string& backend);

  PlannerCore* core_;
  runtime::WorkerPool* pool_;
  prometheus::Family<prometheus::Counter>& plans_;
  prometheus::Family<prometheus::Counter>& scene_plans_;
  prometheus::Family<prometheus::Counter>& repairs_;
  // One counter of repairs_ per planner::RepairKind, indexed by the enum's value.
  std::vector<prometheus::Counter*> repairs_by_kind_;
  prometheus::Counter& cache_hits_;
  prometheus::Counter& cache_misses_;
  // plans_{backend="builtin",cached,outcome="ok"}, resolved once: the common case.
  prometheus::Counter& builtin_plans_;
  prometheus::Counter& builtin_cached_plans_;
  runtime::MethodMetrics* plan_metrics_ = nullptr;
  runtime::MethodMetrics* plan_scene_metrics_ = nullptr;
  // Plan's request and response live on a pooled arena per call: the plan (~40 messages and
  // strings) is built in place and freed by one reset. 8 KB holds a typical call.
  runtime::ArenaMessageAllocator<v1::PlanRequest, v1::PlanResponse> plan_allocator_{
      runtime::ArenaPool::Options{.first_block_bytes = 8 * 1024}};
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
