#pragma once

#include <chrono>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "armature/v1/arm_info.grpc.pb.h"
#include "grpc/health/v1/health.grpc.pb.h"
#include "grpcpp/channel.h"
#include "libs/resilience/circuit_breaker.h"

namespace armature::orchestrator {

// ArmProbe reports whether a downstream arm is ready, as a named, non-critical readiness
// check "arm:<name>": an arm being down must not make the orchestrator itself unready. The
// detail says where the arm is, whether it answers, its circuit breaker's state and whether it
// reports the capabilities the pipeline's stages need from it.
class ArmProbe {
 public:
  // `name` is the arm ("planner"), `target` its gRPC target string for the check detail,
  // `required` the capabilities the pipeline needs from it, `breaker` its client's breaker
  // (may be null; borrowed).
  ArmProbe(std::string name, std::string target, std::shared_ptr<grpc::Channel> channel,
           std::vector<std::string> required = {}, resilience::CircuitBreaker* breaker = nullptr,
           std::chrono::milliseconds timeout = std::chrono::milliseconds(500));

  // Calls Health.Check("readiness") on the arm with a short deadline and, until it has once
  // succeeded, ArmInfo.GetCapabilities to check the required capabilities.
  armature::v1::ReadinessCheck Check() const;

 private:
  // "" when every required capability is there, else what is missing (or why unknown).
  std::string CheckCapabilities() const;

  const std::string name_;
  const std::string target_;
  const std::vector<std::string> required_;
  resilience::CircuitBreaker* breaker_;
  const std::chrono::milliseconds timeout_;
  std::unique_ptr<grpc::health::v1::Health::Stub> stub_;
  std::unique_ptr<armature::v1::ArmInfo::Stub> info_stub_;

  mutable std::mutex mu_;
  mutable bool capabilities_ok_ = false;
};

}  // namespace armature::orchestrator
