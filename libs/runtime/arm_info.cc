#include "libs/runtime/arm_info.h"

#include <string>
#include <vector>

namespace armature::runtime {

using armature::v1::GetCapabilitiesResponse;
using armature::v1::GetReadinessResponse;
using armature::v1::ReadinessCheck;

void StaticArmInfo::Describe(GetCapabilitiesResponse* out) const {
  out->set_arm_id(options_.arm_id);
  for (const auto& c : options_.capabilities) out->add_capabilities(c);
  out->set_cost_tier(options_.cost_tier);
}

std::vector<ReadinessCheck> StaticArmInfo::ReadinessChecks() const {
  std::vector<ReadinessCheck> out;
  out.reserve(checks_.size());
  for (const auto& check : checks_) out.push_back(check());
  return out;
}

ArmInfoService::ArmInfoService(const ArmInfoProvider* provider, const DomainStats* stats,
                               Options options, std::function<bool()> shutting_down)
    : provider_(provider),
      stats_(stats),
      options_(std::move(options)),
      shutting_down_(std::move(shutting_down)) {}

GetCapabilitiesResponse ArmInfoService::Capabilities() const {
  GetCapabilitiesResponse out;
  FillCapabilities(&out);
  return out;
}

void ArmInfoService::FillCapabilities(GetCapabilitiesResponse* out) const {
  provider_->Describe(out);
  out->set_version(options_.version);
  out->mutable_services()->Reserve(static_cast<int>(options_.services.size()));
  for (const auto& s : options_.services) out->add_services(s);
  out->set_observed_latency_ms(stats_->mean_latency_ms());
  out->set_success_rate(stats_->success_rate());
}

GetReadinessResponse ArmInfoService::Readiness() const {
  GetReadinessResponse out;
  const bool draining = shutting_down_ && shutting_down_();
  ReadinessCheck* serving = out.add_checks();
  serving->set_name("serving");
  serving->set_ok(!draining);
  serving->set_critical(true);
  serving->set_detail(draining ? "shutting down: draining in-flight RPCs" : "accepting RPCs");
  bool ready = !draining;
  for (auto& check : provider_->ReadinessChecks()) {
    if (check.critical() && !check.ok()) ready = false;
    *out.add_checks() = std::move(check);
  }
  out.set_ready(ready);
  return out;
}

void ArmInfoService::BindMetrics(ServerMetrics& metrics) {
  capabilities_metrics_ = &metrics.Instrument("/armature.v1.ArmInfo/GetCapabilities");
  readiness_metrics_ = &metrics.Instrument("/armature.v1.ArmInfo/GetReadiness");
}

grpc::ServerUnaryReactor* ArmInfoService::GetCapabilities(grpc::CallbackServerContext* context,
                                                          const grpc::ByteBuffer* request,
                                                          grpc::ByteBuffer* response) {
  UnaryCall* call = UnaryCall::Start(context, capabilities_metrics_);
  // The request has no fields, but it must still be one.
  if (request != nullptr && request->Length() > 0) {
    std::vector<grpc::Slice> slices;
    std::string bytes;
    if (request->Dump(&slices).ok()) {
      for (const grpc::Slice& slice : slices) {
        bytes.append(reinterpret_cast<const char*>(slice.begin()), slice.size());
      }
    }
    if (armature::v1::GetCapabilitiesRequest parsed; !parsed.ParseFromString(bytes)) {
      call->Finish(grpc::Status(grpc::StatusCode::INVALID_ARGUMENT,
                                "GetCapabilitiesRequest: the request is not a valid protobuf "
                                "message"));
      return call->reactor();
    }
  }
  {
    const uint64_t calls = stats_->calls();
    const auto now = std::chrono::steady_clock::now();
    std::lock_guard<std::mutex> lock(answer_mu_);
    if (!answer_valid_ || answer_calls_ != calls || now - answer_built_ >= kCapabilitiesMaxAge) {
      GetCapabilitiesResponse fresh;
      FillCapabilities(&fresh);
      const std::string bytes = fresh.SerializeAsString();
      grpc::Slice slice(bytes);
      answer_ = grpc::ByteBuffer(&slice, 1);
      answer_calls_ = calls;
      answer_built_ = now;
      answer_valid_ = true;
    }
    *response = answer_;  // shares the slices
  }
  call->Finish(grpc::Status::OK);
  return call->reactor();
}

grpc::ServerUnaryReactor* ArmInfoService::GetReadiness(
    grpc::CallbackServerContext* context, const armature::v1::GetReadinessRequest* /*request*/,
    GetReadinessResponse* response) {
  UnaryCall* call = UnaryCall::Start(context, readiness_metrics_);
  *response = Readiness();
  call->Finish(grpc::Status::OK);
  return call->reactor();
}

}  // namespace armature::runtime
