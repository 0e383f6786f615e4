#include "libs/runtime/health.h"

#include <optional>

namespace armature::runtime {

using grpc::health::v1::HealthCheckRequest;
using grpc::health::v1::HealthCheckResponse;

// One Watch stream. At most one write is in flight; a status that arrives meanwhile
// replaces any pending one (watchers want the latest state, not every flap).
class HealthService::WatchReactor final : public grpc::ServerWriteReactor<HealthCheckResponse> {
 public:
  WatchReactor(HealthService* service, std::string name)
      : service_(service), name_(std::move(name)) {}

  const std::string& name() const { return name_; }

  // Called with the service lock held.
  void Publish(ServingStatus status, bool then_finish) {
    std::lock_guard<std::mutex> lock(mu_);
    if (done_writing_) return;
    if (then_finish) finish_after_write_ = true;
    if (writing_) {
      pending_ = status;
      return;
    }
    if (last_sent_ && *last_sent_ == status && !first_) {
      MaybeFinishLocked();
      return;
    }
    WriteLocked(status);
  }

  void OnWriteDone(bool ok) override {
    std::lock_guard<std::mutex> lock(mu_);
    writing_ = false;
    if (!ok) {
      done_writing_ = true;
      Finish(grpc::Status(grpc::StatusCode::CANCELLED, "watch stream broken"));
      return;
    }
    if (pending_ && (!last_sent_ || *pending_ != *last_sent_)) {
      const ServingStatus next = *pending_;
      pending_.reset();
      WriteLocked(next);
      return;
    }
    pending_.reset();
    MaybeFinishLocked();
  }

  void OnCancel() override {
    std::lock_guard<std::mutex> lock(mu_);
    cancelled_ = true;
    if (!writing_ && !done_writing_) {
      done_writing_ = true;
      Finish(grpc::Status(grpc::StatusCode::CANCELLED, "watch cancelled"));
    }
  }

  void OnDone() override {
    service_->Unregister(this);
    delete this;
  }

 private:
  void WriteLocked(ServingStatus status) {
    first_ = false;
    last_sent_ = status;
    response_.set_status(status);
    writing_ = true;
    StartWrite(&response_);
  }

  void MaybeFinishLocked() {
    if (done_writing_) return;
    if (finish_after_write_ || cancelled_) {
      done_writing_ = true;
      Finish(cancelled_ ? grpc::Status(grpc::StatusCode::CANCELLED, "watch cancelled")
                        : grpc::Status::OK);
    }
  }

  HealthService* const service_;
  const std::string name_;
  std::mutex mu_;
  HealthCheckResponse response_;
  std::optional<ServingStatus> last_sent_;
  std::optional<ServingStatus> pending_;
  bool first_ = true;
  bool writing_ = false;
  bool finish_after_write_ = false;
  bool cancelled_ = false;
  bool done_writing_ = false;
};

HealthService::HealthService(std::function<bool()> readiness_probe)
    : readiness_probe_(std::move(readiness_probe)) {
  statuses_[""] = HealthCheckResponse::SERVING;
  statuses_[kReadinessService] = HealthCheckResponse::NOT_SERVING;
}

HealthService::~HealthService() = default;

void HealthService::SetStatus(const std::string& service, ServingStatus status) {
  std::lock_guard<std::mutex> lock(mu_);
  if (shutdown_) return;
  auto [it, inserted] = statuses_.try_emplace(service, status);
  if (!inserted && it->second == status) return;
  it->second = status;
  NotifyLocked(service, status);
}

ServingStatus HealthService::GetStatus(const std::string& service) const {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = statuses_.find(service);
  return it == statuses_.end() ? HealthCheckResponse::SERVICE_UNKNOWN : it->second;
}

void HealthService::RefreshReadiness() {
  // The probe runs outside the lock: it may call into other components.
  const bool ready = readiness_probe_ ? readiness_probe_() : true;
  SetStatus(kReadinessService,
            ready ? HealthCheckResponse::SERVING : HealthCheckResponse::NOT_SERVING);
}

void HealthService::Shutdown() {
  std::lock_guard<std::mutex> lock(mu_);
  if (shutdown_) return;
  shutdown_ = true;
  for (auto& [name, status] : statuses_) status = HealthCheckResponse::NOT_SERVING;
  for (WatchReactor* w : watchers_) {
    auto it = statuses_.find(w->name());
    w->Publish(it == statuses_.end() ? HealthCheckResponse::SERVICE_UNKNOWN : it->second,
               /*then_finish=*/true);
  }
}

bool HealthService::shutting_down() const {
  std::lock_guard<std::mutex> lock(mu_);
  return shutdown_;
}

void HealthService::NotifyLocked(const std::string& service, ServingStatus status) {
  for (WatchReactor* w : watchers_) {
    if (w->name() == service) w->Publish(status, /*then_finish=*/false);
  }
}

void HealthService::Unregister(WatchReactor* reactor) {
  std::lock_guard<std::mutex> lock(mu_);
  watchers_.erase(reactor);
}

void HealthService::BindMetrics(ServerMetrics& metrics) {
  check_metrics_ = &metrics.Instrument("/grpc.health.v1.Health/Check");
}

grpc::ServerUnaryReactor* HealthService::Check(grpc::CallbackServerContext* context,
                                               const HealthCheckRequest* request,
                                               HealthCheckResponse* response) {
  UnaryCall* call = UnaryCall::Start(context, check_metrics_);
  if (request->service() == kReadinessService && !shutting_down()) RefreshReadiness();
  const ServingStatus status = GetStatus(request->service());
  if (status == HealthCheckResponse::SERVICE_UNKNOWN) {
    call->Finish(grpc::Status(grpc::StatusCode::NOT_FOUND,
                              "unknown service \"" + request->service() + "\""));
    return call->reactor();
  }
  response->set_status(status);
  call->Finish(grpc::Status::OK);
  return call->reactor();
}

grpc::ServerWriteReactor<HealthCheckResponse>* HealthService::Watch(
    grpc::CallbackServerContext* /*context*/, const HealthCheckRequest* request) {
  auto* reactor = new WatchReactor(this, request->service());
  std::lock_guard<std::mutex> lock(mu_);
  watchers_.insert(reactor);
  auto it = statuses_.find(request->service());
  const ServingStatus status =
      it == statuses_.end() ? HealthCheckResponse::SERVICE_UNKNOWN : it->second;
  reactor->Publish(status, /*then_finish=*/shutdown_);
  return reactor;
}

}  // namespace armature::runtime
