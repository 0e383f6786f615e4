#include "services/planner_arm/planner_service.h"

#include "libs/runtime/metrics.h"
#include "libs/runtime/status.h"

namespace armature::planner_arm {

PlannerArmService::PlannerArmService(PlannerCore* core, runtime::WorkerPool* pool,
                                     prometheus::Registry& registry)
    : core_(core),
      pool_(pool),
      plans_(prometheus::BuildCounter()
                 .Name("armature_planner_plans_total")
                 .Help("Plans returned, by backend that produced them and whether cached.")
                 .Register(registry)),
      scene_plans_(prometheus::BuildCounter()
                       .Name("armature_planner_scene_plans_total")
                       .Help("Scene plans returned, by backend.")
                       .Register(registry)),
      repairs_(prometheus::BuildCounter()
                   .Name("armature_planner_plan_repairs_total")
                   .Help("Repairs and notable decisions (warnings) attached to new plans.")
                   .Register(registry)
                   .Add({})),
      cache_hits_(prometheus::BuildCounter()
                      .Name("armature_planner_cache_lookups_total")
                      .Help("Plan cache lookups by result.")
                      .Register(registry)
                      .Add({{"result", "hit"}})),
      cache_misses_(prometheus::BuildCounter()
                        .Name("armature_planner_cache_lookups_total")
                        .Help("Plan cache lookups by result.")
                        .Register(registry)
                        .Add({{"result", "miss"}})) {}

void PlannerArmService::Dispatch(grpc::ServerUnaryReactor* reactor,
                                 std::function<grpc::Status()> work) {
  if (pool_ == nullptr || !core_->uses_llm()) {
    reactor->Finish(work());
    return;
  }
  auto task = [reactor, work = std::move(work)] { reactor->Finish(work()); };
  if (!pool_->TrySubmit(task)) {
    reactor->Finish(
        grpc::Status(grpc::StatusCode::RESOURCE_EXHAUSTED,
                     "planner arm overloaded: " + std::to_string(pool_->options().max_queued) +
                         " requests already queued; retry with backoff"));
  }
}

grpc::ServerUnaryReactor* PlannerArmService::Plan(grpc::CallbackServerContext* context,
                                                  const v1::PlanRequest* request,
                                                  v1::PlanResponse* response) {
  auto* reactor = context->DefaultReactor();
  const std::string request_id =
      request->request_id().empty() ? runtime::RequestId(*context) : request->request_id();
  Dispatch(reactor, [this, request, response, request_id]() -> grpc::Status {
    absl::StatusOr<PlanOutcome> outcome = core_->Plan(*request);
    if (!outcome.ok()) return runtime::ToGrpcStatus(outcome.status());
    (outcome->cached ? cache_hits_ : cache_misses_).Increment();
    plans_
        .Add({{"backend", outcome->plan.backend()}, {"cached", outcome->cached ? "true" : "false"}})
        .Increment();
    if (!outcome->cached) repairs_.Increment(outcome->plan.warnings_size());
    *response->mutable_plan() = std::move(outcome->plan);
    response->set_request_id(request_id);
    response->set_cached(outcome->cached);
    return grpc::Status::OK;
  });
  return reactor;
}

grpc::ServerUnaryReactor* PlannerArmService::PlanScene(grpc::CallbackServerContext* context,
                                                       const v1::PlanSceneRequest* request,
                                                       v1::PlanSceneResponse* response) {
  auto* reactor = context->DefaultReactor();
  const std::string request_id =
      request->request_id().empty() ? runtime::RequestId(*context) : request->request_id();
  Dispatch(reactor, [this, request, response, request_id]() -> grpc::Status {
    absl::StatusOr<v1::ScenePlan> scene = core_->PlanScene(request->prompt());
    if (!scene.ok()) return runtime::ToGrpcStatus(scene.status());
    scene_plans_.Add({{"backend", scene->backend()}}).Increment();
    *response->mutable_scene() = std::move(*scene);
    response->set_request_id(request_id);
    return grpc::Status::OK;
  });
  return reactor;
}

void PlannerArmInfo::Describe(v1::GetCapabilitiesResponse* out) const {
  out->set_arm_id("planner");
  for (const char* c : {"task_decomposition", "plan_validation", "plan_repair", "scene_planning"}) {
    out->add_capabilities(c);
  }
  out->set_cost_tier(core_->uses_llm() ? 2 : 1);
  for (auto& b : core_->Backends()) *out->add_backends() = std::move(b);
}

std::vector<v1::ReadinessCheck> PlannerArmInfo::ReadinessChecks() const {
  v1::ReadinessCheck check;
  check.set_name("backends");
  check.set_critical(true);
  std::string detail;
  check.set_ok(core_->HasUsableBackend(&detail));
  check.set_detail(detail);
  return {check};
}

}  // namespace armature::planner_arm
