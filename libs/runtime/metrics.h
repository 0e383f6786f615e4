#pragma once

#include <array>
#include <atomic>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"
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
// reflection and ArmInfo) for ArmInfo.GetCapabilities. Thread-safe and lock-free.
class DomainStats {
 public:
  void Record(bool ok, double seconds);
  uint64_t calls() const { return calls_.load(std::memory_order_relaxed); }
  // Fraction of successful calls; 1 when none were made.
  double success_rate() const;
  // Mean latency in milliseconds; 0 when none were made.
  double mean_latency_ms() const;

 private:
  std::atomic<uint64_t> calls_{0};
  std::atomic<uint64_t> ok_{0};
  std::atomic<uint64_t> total_nanos_{0};
};

// Which finished RPCs of domain methods get an `rpc` log line at INFO (--rpc_log). The others
// are logged at DEBUG, as health, reflection and ArmInfo calls always are.
enum class RpcLog { kAll, kErrors, kOff };
absl::StatusOr<RpcLog> ParseRpcLog(std::string_view name);

class ServerMetrics;

// MethodMetrics is one method's series, resolved once (ServerMetrics::ForMethod), so recording a
// call is a few atomic operations instead of label-set lookups.
class MethodMetrics {
 public:
  MethodMetrics(ServerMetrics* owner, std::string_view full_method);
  MethodMetrics(const MethodMetrics&) = delete;
  MethodMetrics& operator=(const MethodMetrics&) = delete;

  // "pkg.Svc/Method", the `method` label.
  const std::string& label() const { return label_; }
  // An arm's own method (not health, reflection or ArmInfo): counted in the domain stats and
  // logged at INFO according to --rpc_log.
  bool domain() const { return domain_; }
  // Recorded by its handler (UnaryCall, see ServerMetrics::Instrument) rather than the server
  // interceptor.
  bool self_instrumented() const { return self_instrumented_.load(std::memory_order_acquire); }

  void OnStart();
  void OnFinish(grpc::StatusCode code, double seconds);
  // Logs the finished call (`rpc` event) when the log policy asks for it; `peer` is read only
  // then.
  void LogFinish(const grpc::Status& status, double seconds, const std::string& request_id,
                 const std::function<std::string()>& peer) const;

 private:
  friend class ServerMetrics;
  prometheus::Counter& Handled(grpc::StatusCode code);

  ServerMetrics* const owner_;
  const std::string label_;
  const bool domain_;
  prometheus::Counter& started_;
  prometheus::Gauge& in_flight_;
  prometheus::Histogram& seconds_;
  // handled{code}, made on first use (a series per code that actually occurs).
  std::array<std::atomic<prometheus::Counter*>, 17> handled_{};
  // Set by ServerMetrics::Instrument: handlers record these calls (UnaryCall), so the
  // interceptor leaves them alone.
  std::atomic<bool> self_instrumented_{false};
};

// ServerMetrics registers the per-RPC server families once and records into them:
//   armature_grpc_server_started_total{method}
//   armature_grpc_server_handled_total{method,code}
//   armature_grpc_server_handling_seconds{method}   (histogram)
//   armature_grpc_server_in_flight{method}          (gauge)
class ServerMetrics {
 public:
  explicit ServerMetrics(prometheus::Registry& registry, RpcLog rpc_log = RpcLog::kErrors);

  // The series of a method ("/pkg.Svc/Method"), made on first use; the reference stays valid
  // for the lifetime of this object.
  MethodMetrics& ForMethod(std::string_view full_method);
  // Same, and marks the method as recorded by its handler (UnaryCall) instead of the server
  // interceptor. Call before the server starts.
  MethodMetrics& Instrument(std::string_view full_method);

  DomainStats& domain_stats() { return domain_stats_; }
  RpcLog rpc_log() const { return rpc_log_; }

 private:
  friend class MethodMetrics;
  prometheus::Family<prometheus::Counter>& started_;
  prometheus::Family<prometheus::Counter>& handled_;
  prometheus::Family<prometheus::Histogram>& handling_seconds_;
  prometheus::Family<prometheus::Gauge>& in_flight_;
  DomainStats domain_stats_;
  const RpcLog rpc_log_;
  std::mutex mu_;
  std::map<std::string, std::unique_ptr<MethodMetrics>, std::less<>> methods_;
};

// True for methods that are an arm's own business (not health, reflection or ArmInfo).
bool IsDomainMethod(std::string_view full_method);

// Drops the leading '/' of a gRPC method path: "/pkg.Svc/M" -> "pkg.Svc/M".
std::string MethodLabel(std::string_view full_method);

// A request id is accepted from callers when it is 1-128 printable ASCII characters.
bool IsValidRequestId(std::string_view id);

// A new random request id (32 hex characters).
std::string NewRequestId();

// RequestId returns the request id of a server call the interceptor handles: the caller's
// x-request-id, or the one the interceptor generated (it adds it to the call's client
// metadata). Handlers using UnaryCall read UnaryCall::request_id() instead.
std::string RequestId(const grpc::ServerContextBase& context);

// ServerInterceptorFactory makes the per-call interceptor that, for every RPC its handler does
// not record itself (ServerMetrics::Instrument), takes or generates the request id (returned to
// the caller in initial metadata), records the server metrics and domain stats, and logs one
// line when the call ends. For the other RPCs it makes no interceptor at all: gRPC 1.51 then
// skips its interception machinery, which alone costs about a sixth of an echo's throughput.
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
