#include "libs/runtime/metrics.h"

#include <algorithm>
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
  calls_.fetch_add(1, std::memory_order_relaxed);
  if (ok) ok_.fetch_add(1, std::memory_order_relaxed);
  total_nanos_.fetch_add(static_cast<uint64_t>(std::max(0.0, seconds) * 1e9),
                         std::memory_order_relaxed);
}

double DomainStats::success_rate() const {
  const uint64_t calls = calls_.load(std::memory_order_relaxed);
  return calls == 0 ? 1.0
                    : static_cast<double>(ok_.load(std::memory_order_relaxed)) /
                          static_cast<double>(calls);
}

double DomainStats::mean_latency_ms() const {
  const uint64_t calls = calls_.load(std::memory_order_relaxed);
  return calls == 0 ? 0.0
                    : static_cast<double>(total_nanos_.load(std::memory_order_relaxed)) / 1e6 /
                          static_cast<double>(calls);
}

absl::StatusOr<RpcLog> ParseRpcLog(std::string_view name) {
  if (name == "all") return RpcLog::kAll;
  if (name == "errors") return RpcLog::kErrors;
  if (name == "off") return RpcLog::kOff;
  return absl::InvalidArgumentError("rpc_log: must be \"all\", \"errors\" or \"off\", got \"" +
                                    std::string(name) + "\"");
}

MethodMetrics::MethodMetrics(ServerMetrics* owner, std::string_view full_method)
    : owner_(owner),
      label_(MethodLabel(full_method)),
      domain_(IsDomainMethod(full_method)),
      started_(owner->started_.Add({{"method", label_}})),
      in_flight_(owner->in_flight_.Add({{"method", label_}})),
      seconds_(owner->handling_seconds_.Add({{"method", label_}}, RpcLatencyBuckets())) {}

prometheus::Counter& MethodMetrics::Handled(grpc::StatusCode code) {
  const size_t index = static_cast<size_t>(code) < handled_.size()
                           ? static_cast<size_t>(code)
                           : static_cast<size_t>(grpc::StatusCode::UNKNOWN);
  prometheus::Counter* counter = handled_[index].load(std::memory_order_acquire);
  if (counter == nullptr) {
    // Family::Add returns the same series for the same labels, so a race only repeats a lookup.
    counter = &owner_->handled_.Add(
        {{"method", label_},
         {"code", std::string(StatusCodeName(static_cast<grpc::StatusCode>(index)))}});
    handled_[index].store(counter, std::memory_order_release);
  }
  return *counter;
}

void MethodMetrics::OnStart() {
  started_.Increment();
  in_flight_.Increment();
}

void MethodMetrics::OnFinish(grpc::StatusCode code, double seconds) {
  Handled(code).Increment();
  seconds_.Observe(seconds);
  in_flight_.Decrement();
  if (domain_) owner_->domain_stats_.Record(code == grpc::StatusCode::OK, seconds);
}

void MethodMetrics::LogFinish(const grpc::Status& status, double seconds,
                              const std::string& request_id,
                              const std::function<std::string()>& peer) const {
  LogLevel level = LogLevel::kDebug;
  if (domain_) {
    switch (owner_->rpc_log_) {
      case RpcLog::kAll:
        level = LogLevel::kInfo;
        break;
      case RpcLog::kErrors:
        level = status.ok() ? LogLevel::kDebug : LogLevel::kInfo;
        break;
      case RpcLog::kOff:
        break;
    }
  }
  if (!LogEnabled(level)) return;
  std::vector<LogField> fields = {
      {"method", label_},
      {"code", std::string(StatusCodeName(status.error_code()))},
      {"duration_ms", absl::StrFormat("%.3f", seconds * 1000.0)},
      {"request_id", request_id},
      {"peer", peer ? peer() : std::string()},
  };
  if (!status.ok()) fields.emplace_back("error", status.error_message());
  Log(level, "rpc", fields);
}

ServerMetrics::ServerMetrics(prometheus::Registry& registry, RpcLog rpc_log)
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
                     .Register(registry)),
      rpc_log_(rpc_log) {}

MethodMetrics& ServerMetrics::ForMethod(std::string_view full_method) {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = methods_.find(full_method);
  if (it == methods_.end()) {
    it = methods_
             .emplace(std::string(full_method), std::make_unique<MethodMetrics>(this, full_method))
             .first;
  }
  return *it->second;
}

MethodMetrics& ServerMetrics::Instrument(std::string_view full_method) {
  MethodMetrics& method = ForMethod(full_method);
  method.self_instrumented_.store(true, std::memory_order_release);
  return method;
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
  static constexpr char kHex[] = "0123456789abcdef";
  std::string id(32, '0');
  for (size_t half = 0; half < 2; ++half) {
    uint64_t bits = gen();
    for (size_t i = 16; i-- > 0; bits >>= 4) id[half * 16 + i] = kHex[bits & 0xf];
  }
  return id;
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
  RpcInterceptor(grpc::experimental::ServerRpcInfo* info, MethodMetrics* method)
      : info_(info), method_(method) {}

  ~RpcInterceptor() override {
    // A call that ended without sending a status was cancelled (client went away or
    // its deadline passed).
    if (started_ && !finished_) Finish(grpc::Status(grpc::StatusCode::CANCELLED, "cancelled"), {});
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
      start_ = std::chrono::steady_clock::now();
      started_ = true;
      method_->OnStart();
    }
    if (methods->QueryInterceptionHookPoint(InterceptionHookPoints::PRE_SEND_INITIAL_METADATA)) {
      methods->GetSendInitialMetadata()->emplace(kRequestIdKey, request_id_);
    }
    if (methods->QueryInterceptionHookPoint(InterceptionHookPoints::PRE_SEND_STATUS)) {
      if (started_ && !finished_) {
        Finish(methods->GetSendStatus(), [this] {
          return info_->server_context() != nullptr ? info_->server_context()->peer()
                                                    : std::string();
        });
      }
    }
    methods->Proceed();
  }

 private:
  void Finish(const grpc::Status& status, const std::function<std::string()>& peer) {
    finished_ = true;
    const double seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
    method_->OnFinish(status.error_code(), seconds);
    method_->LogFinish(status, seconds, request_id_, peer);
  }

  grpc::experimental::ServerRpcInfo* info_;
  MethodMetrics* method_;
  std::string request_id_;
  std::chrono::steady_clock::time_point start_;
  bool started_ = false;
  bool finished_ = false;
};

}  // namespace

grpc::experimental::Interceptor* ServerInterceptorFactory::CreateServerInterceptor(
    grpc::experimental::ServerRpcInfo* info) {
  MethodMetrics& method = metrics_->ForMethod(info->method());
  // Calls their handlers record (UnaryCall) get no interceptor, hence none of its cost.
  if (method.self_instrumented()) return nullptr;
  return new RpcInterceptor(info, &method);
}

}  // namespace armature::runtime
