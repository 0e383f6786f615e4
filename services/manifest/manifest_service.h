#pragma once

#include "armature/v1/manifest.grpc.pb.h"
#include "libs/runtime/arm_info.h"
#include "libs/runtime/unary_call.h"
#include "libs/runtime/worker_pool.h"
#include "prometheus/counter.h"
#include "prometheus/family.h"
#include "prometheus/histogram.h"
#include "prometheus/registry.h"
#include "services/manifest/manifest_core.h"

namespace armature::manifest_service {

// ManifestGrpcService is the thin gRPC layer over ManifestCore. Metrics:
//   armature_manifest_built_total{engine}          parser | llm: what extracted the scenes
//   armature_manifest_repairs_total{kind}          repairs applied, by kind (manifest::kRepair*:
//                                                  durations, ..., llm, fallback)
//   armature_manifest_fallbacks_total              minimal fallback manifests returned
//   armature_manifest_build_seconds                histogram of BuildManifest processing time
class ManifestGrpcService final : public v1::ManifestService::CallbackService,
                                  public runtime::InstrumentedService {
 public:
  // `pool` may be null when the core never calls an LLM.
  ManifestGrpcService(ManifestCore* core, runtime::WorkerPool* pool,
                      prometheus::Registry& registry);

  void BindMetrics(runtime::ServerMetrics& metrics) override;

  grpc::ServerUnaryReactor* BuildManifest(grpc::CallbackServerContext* context,
                                          const v1::BuildManifestRequest* request,
                                          v1::BuildManifestResponse* response) override;
  grpc::ServerUnaryReactor* ValidateManifest(grpc::CallbackServerContext* context,
                                             const v1::ValidateManifestRequest* request,
                                             v1::ValidateManifestResponse* response) override;

 private:
  grpc::Status DoBuild(const v1::BuildManifestRequest& request, const std::string& request_id,
                       v1::BuildManifestResponse* response);

  ManifestCore* core_;
  runtime::WorkerPool* pool_;
  prometheus::Family<prometheus::Counter>& built_;
  prometheus::Family<prometheus::Counter>& repairs_;
  prometheus::Counter& fallbacks_;
  prometheus::Histogram& build_seconds_;
  // built_{engine="parser"}, resolved once: the common case.
  prometheus::Counter& built_by_parser_;
  runtime::MethodMetrics* build_metrics_ = nullptr;
  runtime::MethodMetrics* validate_metrics_ = nullptr;
};

// ManifestArmInfo: arm id "manifest", capabilities, the parser and any LLM providers.
class ManifestArmInfo final : public runtime::ArmInfoProvider {
 public:
  explicit ManifestArmInfo(const ManifestCore* core) : core_(core) {}
  void Describe(v1::GetCapabilitiesResponse* out) const override;
  std::vector<v1::ReadinessCheck> ReadinessChecks() const override;

 private:
  const ManifestCore* core_;
};

}  // namespace armature::manifest_service
