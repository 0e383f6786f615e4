#pragma once

#include <atomic>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "absl/status/status.h"
#include "grpcpp/grpcpp.h"
#include "libs/runtime/arm_info.h"
#include "libs/runtime/health.h"
#include "libs/runtime/metrics.h"
#include "prometheus/registry.h"

namespace prometheus {
class Exposer;
}

namespace armature::runtime {

// ServerOptions are the settings every Armature binary shares.
struct ServerOptions {
  // gRPC listen address HOST:PORT; port 0 picks a free port.
  std::string listen = "127.0.0.1:0";
  // Prometheus /metrics listen address HOST:PORT; port 0 picks a free port; empty = off.
  std::string metrics_listen = "127.0.0.1:0";
  // Largest message accepted or sent, in bytes.
  int max_message_bytes = 16 * 1024 * 1024;
  // Server keepalive ping interval and ack timeout, in seconds.
  int keepalive_time_seconds = 60;
  int keepalive_timeout_seconds = 20;
  // Shortest interval the server accepts between client keepalive pings, in seconds.
  int keepalive_min_client_interval_seconds = 10;
  // Connections are closed (GOAWAY) after this many seconds so clients re-resolve and balance
  // over new replicas; 0 = never. Calls in flight get the grace period to finish.
  int max_connection_age_seconds = 0;
  int max_connection_age_grace_seconds = 30;
  // How long in-flight RPCs may take to drain on shutdown before they are cancelled.
  int shutdown_grace_seconds = 10;
  // Threads kept waiting for calls to synchronous handlers (a blocked SubmitTask with wait, a
  // WatchTask stream). gRPC starts another when every one is busy; with its default of 2 kept,
  // a thread was created and torn down for nearly every call under load (~12% of the
  // orchestrator's CPU per task). Services with only callback handlers start none.
  int max_idle_sync_threads = 32;
  // How often the readiness probe is re-evaluated for health watchers, in milliseconds.
  int readiness_poll_ms = 1000;
  // Version reported by ArmInfo.
  std::string version = "dev";
  // Which finished domain RPCs are logged at INFO (`rpc` event); the rest at DEBUG.
  RpcLog rpc_log = RpcLog::kErrors;
};

// ArmServer owns one gRPC server with everything an Armature binary serves besides its
// domain services: grpc.health.v1.Health, armature.v1.ArmInfo, reflection, the metrics
// interceptor (request ids, per-RPC metrics and logs) and the /metrics endpoint.
class ArmServer {
 public:
  // `provider` must outlive the server.
  ArmServer(ServerOptions options, const ArmInfoProvider* provider);
  ~ArmServer();
  ArmServer(const ArmServer&) = delete;
  ArmServer& operator=(const ArmServer&) = delete;

  // Registers a domain service (must outlive the server) under its fully-qualified
  // name (the generated `Svc::service_full_name()`). Call before Start(). A service that is
  // also a runtime::InstrumentedService is bound to the server's metrics here.
  void AddService(grpc::Service* service, std::string full_name);

  // Registry for the binary's own metric families (register before or after Start()).
  prometheus::Registry& registry() { return *registry_; }
  // Exposes another registry (e.g. one made before the server) on /metrics. Before Start().
  void AddCollectable(std::shared_ptr<prometheus::Registry> registry) {
    extra_registries_.push_back(std::move(registry));
  }

  // Binds both ports and starts serving. Every registered service's health entry and
  // "" go SERVING; "readiness" follows the provider's checks.
  absl::Status Start();

  // Bound addresses (HOST:PORT), valid after Start().
  const std::string& grpc_address() const { return grpc_address_; }
  const std::string& metrics_address() const { return metrics_address_; }
  // {"event":"listening","grpc":"...","metrics":"..."} — one machine-readable line.
  std::string ListeningLine() const;

  // Graceful shutdown: health goes NOT_SERVING (watchers are told and closed), new RPCs
  // are refused, in-flight ones drain up to shutdown_grace_seconds and are then cancelled.
  // Idempotent; returns when the server has stopped.
  void Shutdown();

  HealthService& health() { return *health_; }
  ArmInfoService& arm_info() { return *arm_info_; }
  grpc::Server* grpc_server() { return server_.get(); }
  std::shared_ptr<grpc::Channel> InProcessChannel();

 private:
  void PollReadiness();

  const ServerOptions options_;
  const ArmInfoProvider* provider_;
  std::shared_ptr<prometheus::Registry> registry_;
  std::vector<std::shared_ptr<prometheus::Registry>> extra_registries_;
  std::unique_ptr<ServerMetrics> metrics_;
  std::vector<std::pair<grpc::Service*, std::string>> services_;
  std::unique_ptr<HealthService> health_;
  std::unique_ptr<ArmInfoService> arm_info_;
  std::unique_ptr<grpc::Server> server_;
  std::unique_ptr<prometheus::Exposer> exposer_;
  std::string grpc_address_;
  std::string metrics_address_;

  std::mutex mu_;
  std::condition_variable cv_;
  bool stopping_ = false;
  bool stopped_ = false;
  std::thread readiness_thread_;
};

// Blocks SIGINT and SIGTERM in the calling thread; call first thing in main() so every
// thread created later inherits the mask and WaitForShutdownSignal() receives them.
void BlockShutdownSignals();
// Waits for SIGINT or SIGTERM and returns its number.
int WaitForShutdownSignal();

// ServeUntilSignal is a binary's main loop: starts the server (printing why it could
// not, returning 1), prints the listening line on stdout, waits for SIGINT/SIGTERM and
// shuts down gracefully, returning 0. BlockShutdownSignals() must have been called.
int ServeUntilSignal(ArmServer& server);

// Splits "host:port" / "[v6]:port" and joins with another port.
std::string ReplacePort(const std::string& address, int port);

}  // namespace armature::runtime
