#include "services/orchestrator/arm_probe.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "grpcpp/client_context.h"
#include "libs/runtime/status.h"

namespace armature::orchestrator {

ArmProbe::ArmProbe(std::string name, std::string target, std::shared_ptr<grpc::Channel> channel,
                   std::vector<std::string> required, resilience::CircuitBreaker* breaker,
                   std::chrono::milliseconds timeout)
    : name_(std::move(name)),
      target_(std::move(target)),
      required_(std::move(required)),
      breaker_(breaker),
      timeout_(timeout),
      stub_(grpc::health::v1::Health::NewStub(channel)),
      info_stub_(armature::v1::ArmInfo::NewStub(channel)) {}

std::string ArmProbe::CheckCapabilities() const {
  if (required_.empty()) return "";
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (capabilities_ok_) return "";
  }
  grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() + timeout_);
  armature::v1::GetCapabilitiesResponse response;
  const grpc::Status status =
      info_stub_->GetCapabilities(&context, armature::v1::GetCapabilitiesRequest(), &response);
  if (!status.ok()) {
    return absl::StrCat("capabilities unknown (",
                        std::string(runtime::StatusCodeName(status.error_code())), ")");
  }
  std::vector<std::string> missing;
  for (const std::string& c : required_) {
    if (std::find(response.capabilities().begin(), response.capabilities().end(), c) ==
        response.capabilities().end()) {
      missing.push_back(c);
    }
  }
  if (!missing.empty()) {
    return absl::StrCat("lacks capabilities the pipeline needs: ", absl::StrJoin(missing, ", "),
                        " (it is arm \"", response.arm_id(), "\")");
  }
  std::lock_guard<std::mutex> lock(mu_);
  capabilities_ok_ = true;
  return "";
}

armature::v1::ReadinessCheck ArmProbe::Check() const {
  armature::v1::ReadinessCheck check;
  check.set_name("arm:" + name_);
  check.set_critical(false);
  const std::string circuit =
      breaker_ == nullptr
          ? ""
          : absl::StrCat("; circuit ",
                         std::string(resilience::CircuitStateName(breaker_->State())));
  grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() + timeout_);
  grpc::health::v1::HealthCheckRequest request;
  request.set_service("readiness");
  grpc::health::v1::HealthCheckResponse response;
  const grpc::Status status = stub_->Check(&context, request, &response);
  if (!status.ok()) {
    check.set_ok(false);
    check.set_detail(absl::StrCat(name_, " at ", target_, " unreachable: ",
                                  std::string(runtime::StatusCodeName(status.error_code())), " ",
                                  status.error_message(), circuit));
    return check;
  }
  if (response.status() != grpc::health::v1::HealthCheckResponse::SERVING) {
    check.set_ok(false);
    check.set_detail(absl::StrCat(name_, " at ", target_, " is not ready", circuit));
    return check;
  }
  const std::string capabilities = CheckCapabilities();
  check.set_ok(capabilities.empty());
  check.set_detail(absl::StrCat(name_, " at ", target_, " is ready",
                                capabilities.empty() ? "" : "; ", capabilities, circuit));
  return check;
}

}  // namespace armature::orchestrator
