#include "services/manifest/manifest_service.h"

#include <chrono>

#include "libs/runtime/metrics.h"
#include "libs/runtime/status.h"

namespace armature::manifest_service {

ManifestGrpcService::ManifestGrpcService(ManifestCore* core, runtime::WorkerPool* pool,
                                         prometheus::Registry& registry)
    : core_(core),
      pool_(pool),
      built_(prometheus::BuildCounter()
                 .Name("armature_manifest_built_total")
                 .Help("Manifests built, by engine that extracted the scenes (parser or llm).")
                 .Register(registry)),
      repairs_(prometheus::BuildCounter()
                   .Name("armature_manifest_repairs_total")
                   .Help("Manifest repairs applied, by kind.")
                   .Register(registry)),
      fallbacks_(prometheus::BuildCounter()
                     .Name("armature_manifest_fallbacks_total")
                     .Help("Minimal fallback manifests returned because nothing else validated.")
                     .Register(registry)
                     .Add({})),
      build_seconds_(prometheus::BuildHistogram()
                         .Name("armature_manifest_build_seconds")
                         .Help("BuildManifest processing time in seconds.")
                         .Register(registry)
                         .Add({},
                              prometheus::Histogram::BucketBoundaries{
                                  0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05,
                                  0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60})),
      built_by_parser_(built_.Add({{"engine", "parser"}})) {
  SetMessageAllocatorFor_BuildManifest(&build_allocator_);
}

void ManifestGrpcService::BindMetrics(runtime::ServerMetrics& metrics) {
  build_metrics_ = &metrics.Instrument("/armature.v1.ManifestService/BuildManifest");
  validate_metrics_ = &metrics.Instrument("/armature.v1.ManifestService/ValidateManifest");
}

grpc::Status ManifestGrpcService::DoBuild(const v1::BuildManifestRequest& request,
                                          const std::string& request_id,
                                          v1::BuildManifestResponse* response) {
  const auto start = std::chrono::steady_clock::now();
  // The manifest and jobs go straight into the response (on its arena): nothing is copied.
  absl::StatusOr<manifest::BuildInfo> result = core_->Build(request, response);
  if (!result.ok()) return runtime::ToGrpcStatus(result.status());
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  build_seconds_.Observe(seconds);
  (result->llm_extracted ? built_.Add({{"engine", "llm"}}) : built_by_parser_).Increment();
  for (const auto& [kind, count] : result->repairs_by_kind) {
    repairs_.Add({{"kind", kind}}).Increment(count);
  }
  if (result->fell_back) fallbacks_.Increment();
  response->mutable_warnings()->Reserve(static_cast<int>(result->warnings.size()));
  for (auto& w : result->warnings) response->add_warnings(std::move(w));
  response->set_used_repair(result->used_repair);
  response->set_used_llm(result->used_llm);
  response->set_processing_time_ms(seconds * 1000.0);
  response->set_request_id(request_id);
  return grpc::Status::OK;
}

grpc::ServerUnaryReactor* ManifestGrpcService::BuildManifest(
    grpc::CallbackServerContext* context, const v1::BuildManifestRequest* request,
    v1::BuildManifestResponse* response) {
  runtime::UnaryCall* call = runtime::UnaryCall::Start(context, build_metrics_);
  // Both outlive the build: the request until the call is done, the call until it finishes.
  const std::string* request_id =
      request->request_id().empty() ? &call->request_id() : &request->request_id();
  if (pool_ == nullptr || !core_->uses_llm()) {
    call->Finish(DoBuild(*request, *request_id, response));
    return call->reactor();
  }
  const bool queued = pool_->TrySubmit([this, call, request, response, request_id] {
    call->Finish(DoBuild(*request, *request_id, response));
  });
  if (!queued) {
    call->Finish(
        grpc::Status(grpc::StatusCode::RESOURCE_EXHAUSTED,
                     "manifest service overloaded: " + std::to_string(pool_->options().max_queued) +
                         " builds already queued; retry with backoff"));
  }
  return call->reactor();
}

grpc::ServerUnaryReactor* ManifestGrpcService::ValidateManifest(
    grpc::CallbackServerContext* context, const v1::ValidateManifestRequest* request,
    v1::ValidateManifestResponse* response) {
  runtime::UnaryCall* call = runtime::UnaryCall::Start(context, validate_metrics_);
  absl::StatusOr<v1::ValidateManifestResponse> result = core_->Validate(*request);
  if (!result.ok()) {
    call->Finish(runtime::ToGrpcStatus(result.status()));
    return call->reactor();
  }
  *response = std::move(*result);
  call->Finish(grpc::Status::OK);
  return call->reactor();
}

void ManifestArmInfo::Describe(v1::GetCapabilitiesResponse* out) const {
  out->set_arm_id("manifest");
  for (const char* c : {"treatment_parsing", "manifest_building", "manifest_validation",
                        "manifest_repair", "job_decomposition"}) {
    out->add_capabilities(c);
  }
  out->set_cost_tier(core_->uses_llm() ? 2 : 1);
  for (auto& b : core_->Backends()) *out->add_backends() = std::move(b);
}

std::vector<v1::ReadinessCheck> ManifestArmInfo::ReadinessChecks() const {
  v1::ReadinessCheck check;
  check.set_name("backends");
  check.set_critical(true);
  check.set_ok(true);
  check.set_detail("deterministic parser available");
  return {check};
}

}  // namespace armature::manifest_service
