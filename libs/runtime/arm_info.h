#pragma once

#include <functional>
#include <string>
#include <vector>

#include "armature/v1/arm_info.grpc.pb.h"
#include "libs/runtime/arena_allocator.h"
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
class ArmInfoService final : public armature::v1::ArmInfo::CallbackService,
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

  grpc::ServerUnaryReactor* GetCapabilities(
      grpc::CallbackServerContext* context, const armature::v1::GetCapabilitiesRequest* request,
      armature::v1::GetCapabilitiesResponse* response) override;
  grpc::ServerUnaryReactor* GetReadiness(grpc::CallbackServerContext* context,
                                         const armature::v1::GetReadinessRequest* request,
                                         armature::v1::GetReadinessResponse* response) override;

 private:
  const ArmInfoProvider* provider_;
  const DomainStats* stats_;
  const Options options_;
  const std::function<bool()> shutting_down_;
  // GetCapabilities fills its answer in place: on an arena it makes no malloc per field.
  ArenaMessageAllocator<armature::v1::GetCapabilitiesRequest, armature::v1::GetCapabilitiesResponse>
      capabilities_allocator_;
  MethodMetrics* capabilities_metrics_ = nullptr;
  MethodMetrics* readiness_metrics_ = nullptr;
};

}  // namespace armature::runtime
