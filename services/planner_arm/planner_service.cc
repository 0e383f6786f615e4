#include "services/planner_arm/planner_service.h"

#include "libs/runtime/metrics.h"
#include "libs/runtime/status.h"

namespace armature::planner_arm {

namespace {

constexpr char kNoBackend[] = "none";

// The outcome label of a finished call.
const char* OutcomeLabel(const absl::Status& status) {
  if (status.ok()) return "ok";
  if (status.code() == absl::StatusCode::kInvalidArgument) return "invalid_argument";
  return "failed";
}

}  // namespace

PlannerArmService::PlannerArmService(PlannerCore* core, runtime::WorkerPool* pool,
                                     prometheus::Registry& registry)
    : core_(core),
      pool_(pool),
      plans_(prometheus::BuildCounter()
                 .Name("armature_planner_plans_total")
                 .Help("Plan calls, by outcome (ok, invalid_argument, failed), the backend that "
                       "produced the plan (none unless ok) and whether it was cached.")
                 .Register(registry)),
      scene_plans_(prometheus::BuildCounter()
                       .Name("armature_planner_scene_plans_total")
                       .Help("PlanScene calls, by outcome (ok, invalid_argument, failed) and the "
                             "backend that produced the scene plan (none unless ok).")
                       .Register(registry)),
      repairs_(prometheus::BuildCounter()
                   .Name("armature_planner_plan_repairs_total")
                   .Help("Repairs applied to accepted LLM plan replies, by kind.")
                   .Register(registry)),
      cache_hits_(prometheus::BuildCounter()
                      .Name("armature_planner_cache_lookups_total")
                      .Help("Plan cache lookups by result.")
                      .Register(registry)
                      .Add({{"result", "hit"}})),
      cache_misses_(prometheus::BuildCounter()
                        .Name("armature_planner_cache_lookups_total")
                        .Help("Plan cache lookups by result.")
                        .Register(registry)
                        .Add({{"result", "miss"}})),
      builtin_plans_(plans_.Add({{"backend", "builtin"}, {"cached", "false"}, {"outcome", "ok"}})),
      builtin_cached_plans_(
          plans_.Add({{"backend", "builtin"}, {"cached", "true"}, {"outcome", "ok"}})) {
  SetMessageAllocatorFor_Plan(&plan_allocator_);
  for (planner::RepairKind kind : planner::AllRepairKinds()) {
    repairs_by_kind_.push_back(
        &repairs_.Add({{"kind", std::string(planner::RepairKindName(kind))}}));
  }
  // The failure series exist from start-up, so rates and alerts see zeros instead of gaps.
  for (const char* outcome : {"invalid_argument", "failed"}) {
    plans_.Add({{"backend", kNoBackend}, {"cached", "false"}, {"outcome", outcome}});
    scene_plans_.Add({{"backend", kNoBackend}, {"outcome", outcome}});
  }
}

void PlannerArmService::BindMetrics(runtime::ServerMetrics& metrics) {
  plan_metrics_ = &metrics.Instrument("/armature.v1.PlannerArm/Plan");
  plan_scene_metrics_ = &metrics.Instrument("/armature.v1.PlannerArm/PlanScene");
}

void PlannerArmService::CountPlan(const absl::Status& status, const std::string& backend,
                                  bool cached) {
  if (status.ok() && backend == "builtin") {
    (cached ? builtin_cached_plans_ : builtin_plans_).Increment();
    return;
  }
  plans_
      .Add({{"backend", status.ok() ? backend : kNoBackend},
            {"cached", status.ok() && cached ? "true" : "false"},
            {"outcome", OutcomeLabel(status)}})
      .Increment();
}

void PlannerArmService::CountScene(const absl::Status& status, const std::string& backend) {
  scene_plans_
      .Add({{"backend", status.ok() ? backend : kNoBackend}, {"outcome", OutcomeLabel(status)}})
      .Increment();
}

template <typename Work>
bool PlannerArmService::Dispatch(runtime::UnaryCall* call, Work work) {
  if (pool_ == nullptr || !core_->uses_llm()) {
    call->Finish(work());
    return true;
  }
  if (pool_->TrySubmit([call, work = std::move(work)] { call->Finish(work()); })) return true;
  call->Finish(
      grpc::Status(grpc::StatusCode::RESOURCE_EXHAUSTED,
                   "planner arm overloaded: " + std::to_string(pool_->options().max_queued) +
                       " requests already queued; retry with backoff"));
  return false;
}

grpc::ServerUnaryReactor* PlannerArmService::Plan(grpc::CallbackServerContext* context,
                                                  const v1::PlanRequest* request,
                                                  v1::PlanResponse* response) {
  runtime::UnaryCall* call = runtime::UnaryCall::Start(context, plan_metrics_);
  // Both outlive the work: the request until the call is done, the call until it finishes.
  const std::string* request_id =
      request->request_id().empty() ? &call->request_id() : &request->request_id();
  const bool ran = Dispatch(call, [this, request, response, request_id]() -> grpc::Status {
    // The plan is built in place, on the call's arena (see plan_allocator_).
    absl::StatusOr<PlanInfo> info = core_->Plan(*request, response->mutable_plan());
    if (!info.ok()) {
      // Only an invalid request is refused before the cache lookup.
      if (info.status().code() != absl::StatusCode::kInvalidArgument) {
        cache_misses_.Increment();
      }
      CountPlan(info.status(), "", false);
      return runtime::ToGrpcStatus(info.status());
    }
    (info->cached ? cache_hits_ : cache_misses_).Increment();
    CountPlan(absl::OkStatus(), response->plan().backend(), info->cached);
    for (planner::RepairKind kind : info->repairs) {
      repairs_by_kind_[static_cast<size_t>(kind)]->Increment();
    }
    response->set_request_id(*request_id);
    response->set_cached(info->cached);
    return grpc::Status::OK;
  });
  if (!ran) CountPlan(absl::ResourceExhaustedError("overloaded"), "", false);
  return call->reactor();
}

grpc::ServerUnaryReactor* PlannerArmService::PlanScene(grpc::CallbackServerContext* context,
                                                       const v1::PlanSceneRequest* request,
                                                       v1::PlanSceneResponse* response) {
  runtime::UnaryCall* call = runtime::UnaryCall::Start(context, plan_scene_metrics_);
  const std::string* request_id =
      request->request_id().empty() ? &call->request_id() : &request->request_id();
  const bool ran = Dispatch(call, [this, request, response, request_id]() -> grpc::Status {
    absl::StatusOr<v1::ScenePlan> scene = core_->PlanScene(request->prompt());
    if (!scene.ok()) {
      CountScene(scene.status(), "");
      return runtime::ToGrpcStatus(scene.status());
    }
    CountScene(absl::OkStatus(), scene->backend());
    *response->mutable_scene() = std::move(*scene);
    response->set_request_id(*request_id);
    return grpc::Status::OK;
  });
  if (!ran) CountScene(absl::ResourceExhaustedError("overloaded"), "");
  return call->reactor();
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
