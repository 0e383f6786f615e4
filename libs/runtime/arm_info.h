#pragma once

#include <chrono>
#include <functional>
#include <mutex>
#include <string>
#include <vector>

#include "armature/v1/arm_info.grpc.pb.h"
#include "grpcpp/support/byte_buffer.h"
#include "libs/runtime/metrics.h"
#include "libs/runtime/unary_call.h"

namespace armature::runtime {

// ArmInfoProvider is what a binary knows about itself: implemented by each service's
// wiring and fed into the shared ArmInfo service.
class ArmInfoProvider {
 public:
  virtual ~ArmInfoProvider() = default;
  // Fills arm_id, capabilities, cost_tier and backends. Version, services and the
  // observed latency/success rate of domain RPCs are filled by the runtime.
  virtual void Describe(armature::v1::GetCapabilitiesResponse* out) const = 0;
  // Named checks; a failing check with critical=true makes the process unready.
  virtual std::vector<armature::v1::ReadinessCheck> ReadinessChecks() const = 0;
};

// StaticArmInfo is a provider with fixed capabilities and extra checks supplied as
// functions (for binaries whose state is simple).
class StaticArmInfo final : public ArmInfoProvider {
 public:
  struct Options {
    std::string arm_id;
    std::vector<std::string> capabilities;
    int cost_tier = 1;
  };
  using CheckFn = std::function<armature::v1::ReadinessCheck()>;

  explicit StaticArmInfo(Options options, std::vector<CheckFn> checks = {})
      : options_(std::move(options)), checks_(std::move(checks)) {}

  void Describe(armature::v1::GetCapabilitiesResponse* out) const override;
  std::vector<armature::v1::ReadinessCheck> ReadinessChecks() const override;

 private:
  Options options_;
  std::vector<CheckFn> checks_;
};

// ArmInfoService serves armature.v1.ArmInfo from a provider plus runtime facts.
//
// GetCapabilities is answered from serialized bytes that are rebuilt after any domain call
// (DomainStats::calls() changed) and otherwise at least every kCapabilitiesMaxAge, so callers
// polling it (probes, dashboards, load balancers) share one answer instead of each rebuilding
// and re-serializing it; the bytes are handed to gRPC by reference.
class ArmInfoService final
    : public armature::v1::ArmInfo::WithRawCallbackMethod_GetCapabilities<
          armature::v1::ArmInfo::WithCallbackMethod_GetReadiness<armature::v1::ArmInfo::Service>>,
      public InstrumentedService {
 public:
  struct Options {
    // Version of the binary.
    std::string version;
    // Fully-qualified services this process serves.
    std::vector<std::string> services;
  };

  // `shutting_down` reports whether the process is draining (then it is not ready).
  ArmInfoService(const ArmInfoProvider* provider, const DomainStats* stats, Options options,
                 std::function<bool()> shutting_down);

  armature::v1::GetCapabilitiesResponse Capabilities() const;
  void FillCapabilities(armature::v1::GetCapabilitiesResponse* out) const;
  // Evaluates every check now; ready = all critical checks pass and not shutting down.
  armature::v1::GetReadinessResponse Readiness() const;

  void BindMetrics(ServerMetrics& metrics) override;

  static constexpr std::chrono::milliseconds kCapabilitiesMaxAge{100};

  grpc::ServerUnaryReactor* GetCapabilities(grpc::CallbackServerContext* context,
                                            const grpc::ByteBuffer* request,
                                            grpc::ByteBuffer* response) override;
  grpc::ServerUnaryReactor* GetReadiness(grpc::CallbackServerContext* context,
                                         const armature::v1::GetReadinessRequest* request,
                                         armature::v1::GetReadinessResponse* response) override;

 private:
  const ArmInfoProvider* provider_;
  const DomainStats* stats_;
  const Options options_;
  const std::function<bool()> shutting_down_;
  // The serialized GetCapabilities answer, the domain call count it was built at and when.
  mutable std::mutex answer_mu_;
  grpc::ByteBuffer answer_;
  uint64_t answer_calls_ = 0;
  std::chrono::steady_clock::time_point answer_built_;
  bool answer_valid_ = false;
  MethodMetrics* capabilities_metrics_ = nullptr;
  MethodMetrics* readiness_metrics_ = nullptr;
};

}  // namespace armature::runtime
