#include "libs/runtime/metrics.h"

#include <chrono>
#include <random>

#include "absl/strings/str_format.h"
#include "libs/runtime/logging.h"
#include "libs/runtime/status.h"

namespace armature::runtime {

prometheus::Histogram::BucketBoundaries RpcLatencyBuckets() {
  return {0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025,
          0.05,   0.1,     0.25,   0.5,   1,      2.5,   5,    10};
}

void DomainStats::Record(bool ok, double seconds) {
  calls_.fetch_add(1);
  if (ok) ok_.fetch_add(1);
  std::lock_guard<std::mutex> lock(mu_);
  total_seconds_ += seconds;
}

double DomainStats::success_rate() const {
  const uint64_t calls = calls_.load();
  return calls == 0 ? 1.0 : static_cast<double>(ok_.load()) / static_cast<double>(calls);
}

double DomainStats::mean_latency_ms() const {
  const uint64_t calls = calls_.load();
  std::lock_guard<std::mutex> lock(mu_);
  return calls == 0 ? 0.0 : total_seconds_ * 1000.0 / static_cast<double>(calls);
}

ServerMetrics::ServerMetrics(prometheus::Registry& registry)
    : started_(prometheus::BuildCounter()
                   .Name("armature_grpc_server_started_total")
                   .Help("RPCs started on the server, by method.")
                   .Register(registry)),
      handled_(prometheus::BuildCounter()
                   .Name("armature_grpc_server_handled_total")
                   .Help("RPCs completed on the server, by method and gRPC status code.")
                   .Register(registry)),
      handling_seconds_(prometheus::BuildHistogram()
                            .Name("armature_grpc_server_handling_seconds")
                            .Help("Server-side RPC latency in seconds, by method.")
                            .Register(registry)),
      in_flight_(prometheus::BuildGauge()
                     .Name("armature_grpc_server_in_flight")
                     .Help("RPCs currently being handled, by method.")
                     .Register(registry)) {}

void ServerMetrics::OnStart(const std::string& method) {
  started_.Add({{"method", method}}).Increment();
  in_flight_.Add({{"method", method}}).Increment();
}

void ServerMetrics::OnFinish(const std::string& method, grpc::StatusCode code, double seconds) {
  handled_.Add({{"method", method}, {"code", std::string(StatusCodeName(code))}}).Increment();
  handling_seconds_.Add({{"method", method}}, RpcLatencyBuckets()).Observe(seconds);
  in_flight_.Add({{"method", method}}).Decrement();
}

bool IsDomainMethod(std::string_view full_method) {
  return !full_method.starts_with("/grpc.") && !full_method.starts_with("/armature.v1.ArmInfo/");
}

std::string MethodLabel(std::string_view full_method) {
  if (full_method.starts_with('/')) full_method.remove_prefix(1);
  return std::string(full_method);
}

bool IsValidRequestId(std::string_view id) {
  if (id.empty() || id.size() > 128) return false;
  for (char c : id) {
    if (c < 0x21 || c > 0x7e) return false;
  }
  return true;
}

std::string NewRequestId() {
  thread_local std::mt19937_64 gen{std::random_device{}()};
  return absl::StrFormat("%016x%016x", gen(), gen());
}

std::string RequestId(const grpc::ServerContextBase& context) {
  const auto& md = context.client_metadata();
  auto it = md.find(kRequestIdKey);
  if (it == md.end()) return "";
  return std::string(it->second.data(), it->second.size());
}

namespace {

using grpc::experimental::InterceptionHookPoints;

class RpcInterceptor final : public grpc::experimental::Interceptor {
 public:
  RpcInterceptor(grpc::experimental::ServerRpcInfo* info, ServerMetrics* metrics)
      : info_(info),
        metrics_(metrics),
        method_(MethodLabel(info->method())),
        domain_(IsDomainMethod(info->method())) {}

  ~RpcInterceptor() override {
    // A call that ended without sending a status was cancelled (client went away or
    // its deadline passed).
    if (started_ && !finished_) Finish(grpc::Status(grpc::StatusCode::CANCELLED, "cancelled"));
  }

  void Intercept(grpc::experimental::InterceptorBatchMethods* methods) override {
    if (methods->QueryInterceptionHookPoint(InterceptionHookPoints::POST_RECV_INITIAL_METADATA)) {
      auto* md = methods->GetRecvInitialMetadata();
      auto it = md->find(kRequestIdKey);
      if (it != md->end() &&
          IsValidRequestId(std::string_view(it->second.data(), it->second.size()))) {
        request_id_.assign(it->second.data(), it->second.size());
      } else {
        if (it != md->end()) md->erase(it);
        request_id_ = NewRequestId();
        // The handler reads the id from the client metadata; this storage outlives the call.
        md->emplace(grpc::string_ref(kRequestIdKey), grpc::string_ref(request_id_));
      }
      if (info_->server_context() != nullptr) peer_ = info_->server_context()->peer();
      start_ = std::chrono::steady_clock::now();
      started_ = true;
      metrics_->OnStart(method_);
    }
    if (methods->QueryInterceptionHookPoint(InterceptionHookPoints::PRE_SEND_INITIAL_METADATA)) {
      methods->GetSendInitialMetadata()->emplace(kRequestIdKey, request_id_);
    }
    if (methods->QueryInterceptionHookPoint(InterceptionHookPoints::PRE_SEND_STATUS)) {
      if (started_ && !finished_) Finish(methods->GetSendStatus());
    }
    methods->Proceed();
  }

 private:
  void Finish(const grpc::Status& status) {
    finished_ = true;
    const double seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
    metrics_->OnFinish(method_, status.error_code(), seconds);
    if (domain_) metrics_->domain_stats().Record(status.ok(), seconds);
    std::vector<LogField> fields = {
        {"method", method_},
        {"code", std::string(StatusCodeName(status.error_code()))},
        {"duration_ms", absl::StrFormat("%.3f", seconds * 1000.0)},
        {"request_id", request_id_},
        {"peer", peer_},
    };
    if (!status.ok()) fields.emplace_back("error", status.error_message());
    // Probes and reflection (which clients also try at versions we do not serve) would
    // drown the log at INFO.
    Log(domain_ ? LogLevel::kInfo : LogLevel::kDebug, "rpc", fields);
  }

  grpc::experimental::ServerRpcInfo* info_;
  ServerMetrics* metrics_;
  const std::string method_;
  const bool domain_;
  std::string request_id_;
  std::string peer_;
  std::chrono::steady_clock::time_point start_;
  bool started_ = false;
  bool finished_ = false;
};

}  // namespace

grpc::experimental::Interceptor* ServerInterceptorFactory::CreateServerInterceptor(
    grpc::experimental::ServerRpcInfo* info) {
  return new RpcInterceptor(info, metrics_);
}

}  // namespace armature::runtime
