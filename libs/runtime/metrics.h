#pragma once

#include <atomic>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>

#include "grpcpp/server_context.h"
#include "grpcpp/support/server_interceptor.h"
#include "grpcpp/support/status.h"
#include "prometheus/counter.h"
#include "prometheus/family.h"
#include "prometheus/gauge.h"
#include "prometheus/histogram.h"
#include "prometheus/registry.h"

namespace armature::runtime {

// Metadata key that carries the request id in both directions.
inline constexpr char kRequestIdKey[] = "x-request-id";

// Latency buckets (seconds) shared by server and client RPC histograms.
prometheus::Histogram::BucketBoundaries RpcLatencyBuckets();

// DomainStats aggregates the outcome of an arm's domain RPCs (everything but health,
// reflection and ArmInfo) for ArmInfo.GetCapabilities. Thread-safe.
class DomainStats {
 public:
  void Record(bool ok, double seconds);
  uint64_t calls() const { return calls_.load(); }
  // Fraction of successful calls; 1 when none were made.
  double success_rate() const;
  // Mean latency in milliseconds; 0 when none were made.
  double mean_latency_ms() const;

 private:
  std::atomic<uint64_t> calls_{0};
  std::atomic<uint64_t> ok_{0};
  mutable std::mutex mu_;
  double total_seconds_ = 0;
};

// ServerMetrics registers the per-RPC server families once and records into them:
//   armature_grpc_server_started_total{method}
//   armature_grpc_server_handled_total{method,code}
//   armature_grpc_server_handling_seconds{method}   (histogram)
//   armature_grpc_server_in_flight{method}          (gauge)
class ServerMetrics {
 public:
  explicit ServerMetrics(prometheus::Registry& registry);

  void OnStart(const std::string& method);
  void OnFinish(const std::string& method, grpc::StatusCode code, double seconds);

  DomainStats& domain_stats() { return domain_stats_; }

 private:
  prometheus::Family<prometheus::Counter>& started_;
  prometheus::Family<prometheus::Counter>& handled_;
  prometheus::Family<prometheus::Histogram>& handling_seconds_;
  prometheus::Family<prometheus::Gauge>& in_flight_;
  DomainStats domain_stats_;
};

// True for methods that are an arm's own business (not health, reflection or ArmInfo).
bool IsDomainMethod(std::string_view full_method);

// Drops the leading '/' of a gRPC method path: "/pkg.Svc/M" -> "pkg.Svc/M".
std::string MethodLabel(std::string_view full_method);

// A request id is accepted from callers when it is 1-128 printable ASCII characters.
bool IsValidRequestId(std::string_view id);

// A new random request id (32 hex characters).
std::string NewRequestId();

// RequestId returns the request id of a server call: the caller's x-request-id, or the
// one the interceptor generated (it adds it to the call's client metadata).
std::string RequestId(const grpc::ServerContextBase& context);

// ServerInterceptorFactory makes the per-call interceptor that, for every RPC, takes or
// generates the request id (returned to the caller in initial metadata), records the
// server metrics and domain stats, and logs one line when the call ends.
class ServerInterceptorFactory final
    : public grpc::experimental::ServerInterceptorFactoryInterface {
 public:
  explicit ServerInterceptorFactory(ServerMetrics* metrics) : metrics_(metrics) {}
  grpc::experimental::Interceptor* CreateServerInterceptor(
      grpc::experimental::ServerRpcInfo* info) override;

 private:
  ServerMetrics* metrics_;
};

}  // namespace armature::runtime
