#pragma once

#include "armature/v1/manifest.grpc.pb.h"
#include "libs/runtime/arena_allocator.h"
#include "libs/runtime/arm_info.h"
#include "libs/runtime/unary_call.h"
#include "libs/runtime/worker_pool.h"
#include "prometheus/counter.h"
#include "prometheus/family.h"
#include "prometheus/histogram.h"
#include "prometheus/registry.h"
#include "services/manifest/manifest_core.h"

namespace armature::manifest_service {

// The arenas of BuildManifest's calls. A 2,000-word treatment (a ~12 KB request) and the
// response built from it (~34 KB on the wire) take ~83 KB of arena
// (bench/manifest_bench.cc, BM_ServiceResponse), so a 128 KB first block holds a typical call
// and its reset frees no growth block (64 KB needs one per call: measurably slower). Up to 32
// idle arenas (4 MB) are kept for concurrent calls.
inline constexpr runtime::ArenaPool::Options kBuildManifestArenas{
    .first_block_bytes = 128 * 1024, .max_block_bytes = 256 * 1024, .max_idle = 32};

// ManifestGrpcService is the thin gRPC layer over ManifestCore. Metrics:
//   armature_manifest_built_total{engine}          parser | llm: what extracted the scenes
//   armature_manifest_repairs_total{kind}          repairs applied, by kind (manifest::kRepair*:
//                                                  durations, ..., llm, fallback)
//   armature_manifest_fallbacks_total              minimal fallback manifests returned
//   armature_manifest_build_seconds                histogram of BuildManifest processing time
//
// BuildManifest's request and response live on a pooled arena per call (ArenaMessageAllocator):
// the manifest and its jobs (mostly the jobs' google.protobuf.Struct payloads) are built into
// the response in place and freed by one reset instead of a walk over every message.
class ManifestGrpcService final : public v1::ManifestService::CallbackService,
                                  public runtime::InstrumentedService {
 public:
  // `pool` may be null when the core never calls an LLM.
  ManifestGrpcService(ManifestCore* core, runtime::WorkerPool* pool,
                      prometheus::Registry& registry);

  void BindMetrics(runtime::ServerMetrics& metrics) override;

  // The arenas of BuildManifest's calls.
  const runtime::ArenaPool& build_arenas() const { return build_allocator_.pool(); }

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
  // BuildManifest's request and response, on pooled arenas (kBuildManifestArenas).
  runtime::ArenaMessageAllocator<v1::BuildManifestRequest, v1::BuildManifestResponse>
      build_allocator_{kBuildManifestArenas};
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
