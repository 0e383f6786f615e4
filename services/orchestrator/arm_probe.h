#pragma once

#include <chrono>
#include <memory>
#include <string>

#include "armature/v1/arm_info.pb.h"
#include "grpc/health/v1/health.grpc.pb.h"
#include "grpcpp/channel.h"

namespace armature::orchestrator {

// ArmProbe reports whether a downstream arm is ready, as a named, non-critical readiness
// check: an arm being down must not make the orchestrator itself unready.
class ArmProbe {
 public:
  // `name` is the arm ("planner"), `target` its gRPC target string for the check detail.
  ArmProbe(std::string name, std::string target, std::shared_ptr<grpc::Channel> channel,
           std::chrono::milliseconds timeout = std::chrono::milliseconds(500));

  // Calls Health.Check("readiness") on the arm with a short deadline.
  armature::v1::ReadinessCheck Check() const;

 private:
  const std::string name_;
  const std::string target_;
  const std::chrono::milliseconds timeout_;
  std::unique_ptr<grpc::health::v1::Health::Stub> stub_;
};

}  // namespace armature::orchestrator
