#pragma once

#include <functional>
#include <map>
#include <mutex>
#include <set>
#include <string>

#include "grpc/health/v1/health.grpc.pb.h"
#include "libs/runtime/unary_call.h"

namespace armature::runtime {

using ServingStatus = grpc::health::v1::HealthCheckResponse::ServingStatus;

// Name of the health entry that mirrors ArmInfo.GetReadiness.
inline constexpr char kReadinessService[] = "readiness";

// HealthService implements grpc.health.v1.Health (Check and Watch) from the standard
// health.proto, so reflection describes it. Service "" is liveness; "readiness" is
// SERVING only while the readiness probe says ready; any other name is registered by
// SetStatus. Unknown names: Check answers NOT_FOUND, Watch sends SERVICE_UNKNOWN and
// keeps the stream open. Thread-safe.
class HealthService final : public grpc::health::v1::Health::CallbackService,
                            public InstrumentedService {
 public:
  // `readiness_probe` is evaluated on every Check("readiness") and by RefreshReadiness().
  explicit HealthService(std::function<bool()> readiness_probe);
  ~HealthService() override;

  // Sets a service's status and notifies its watchers. Ignored after Shutdown().
  void SetStatus(const std::string& service, ServingStatus status);
  // Current stored status; SERVICE_UNKNOWN when the name is not registered.
  ServingStatus GetStatus(const std::string& service) const;
  // Re-evaluates the readiness probe and publishes a change to watchers.
  void RefreshReadiness();
  // Sets every service NOT_SERVING for good, delivers that to every watcher and then
  // ends their streams with OK, so a draining server is not held open by watchers.
  void Shutdown();
  bool shutting_down() const;

  // Check records its calls itself (UnaryCall); Watch streams go through the interceptor.
  void BindMetrics(ServerMetrics& metrics) override;

  grpc::ServerUnaryReactor* Check(grpc::CallbackServerContext* context,
                                  const grpc::health::v1::HealthCheckRequest* request,
                                  grpc::health::v1::HealthCheckResponse* response) override;
  grpc::ServerWriteReactor<grpc::health::v1::HealthCheckResponse>* Watch(
      grpc::CallbackServerContext* context,
      const grpc::health::v1::HealthCheckRequest* request) override;

  class WatchReactor;

 private:
  void Unregister(WatchReactor* reactor);
  void NotifyLocked(const std::string& service, ServingStatus status);

  const std::function<bool()> readiness_probe_;
  mutable std::mutex mu_;
  std::map<std::string, ServingStatus> statuses_;
  std::set<WatchReactor*> watchers_;
  bool shutdown_ = false;
  MethodMetrics* check_metrics_ = nullptr;
};

}  // namespace armature::runtime
