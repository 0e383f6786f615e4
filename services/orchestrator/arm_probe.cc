#include "services/orchestrator/arm_probe.h"

#include "grpcpp/client_context.h"
#include "libs/runtime/status.h"

namespace armature::orchestrator {

ArmProbe::ArmProbe(std::string name, std::string target, std::shared_ptr<grpc::Channel> channel,
                   std::chrono::milliseconds timeout)
    : name_(std::move(name)),
      target_(std::move(target)),
      timeout_(timeout),
      stub_(grpc::health::v1::Health::NewStub(std::move(channel))) {}

armature::v1::ReadinessCheck ArmProbe::Check() const {
  armature::v1::ReadinessCheck check;
  check.set_name("arm:" + name_);
  check.set_critical(false);
  grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() + timeout_);
  grpc::health::v1::HealthCheckRequest request;
  request.set_service("readiness");
  grpc::health::v1::HealthCheckResponse response;
  const grpc::Status status = stub_->Check(&context, request, &response);
  if (!status.ok()) {
    check.set_ok(false);
    check.set_detail(name_ + " at " + target_ +
                     " unreachable: " + std::string(runtime::StatusCodeName(status.error_code())) +
                     " " + status.error_message());
  } else if (response.status() != grpc::health::v1::HealthCheckResponse::SERVING) {
    check.set_ok(false);
    check.set_detail(name_ + " at " + target_ + " is not ready");
  } else {
    check.set_ok(true);
    check.set_detail(name_ + " at " + target_ + " is ready");
  }
  return check;
}

}  // namespace armature::orchestrator
