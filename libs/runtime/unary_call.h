#pragma once

#include <chrono>
#include <string>

#include "grpcpp/support/server_callback.h"
#include "grpcpp/support/status.h"
#include "libs/runtime/metrics.h"

namespace grpc {
class CallbackServerContext;
}

namespace armature::runtime {

// UnaryCall records one unary call of a callback handler exactly as the server interceptor
// records the others (request id in and out, the armature_grpc_server_* series, domain stats, the
// `rpc` log line), without gRPC's interception machinery, whose per-call cost is a sixth of an
// echo server's throughput on gRPC 1.51 (docs/benchmarks.md). It is the call's reactor:
//
//   grpc::ServerUnaryReactor* Svc::Method(grpc::CallbackServerContext* ctx, const Req* req,
//                                         Resp* resp) {
//     runtime::UnaryCall* call = runtime::UnaryCall::Start(ctx, method_metrics_);
//     ... call->request_id() ...
//     call->Finish(status);
//     return call->reactor();
//   }
//
// It deletes itself when gRPC is done with the call.
class UnaryCall final : private grpc::ServerUnaryReactor {
 public:
  // Starts the call: takes the caller's x-request-id when valid, otherwise makes one, and sends
  // it back in the initial metadata. `method` is null for a service that is not on an ArmServer
  // (then only the request id is handled).
  static UnaryCall* Start(grpc::CallbackServerContext* context, MethodMetrics* method);

  // The caller's or the generated request id.
  const std::string& request_id() const { return request_id_; }

  // Records the outcome and sends it. Call exactly once, from any thread; the object may be
  // gone when it returns.
  void Finish(grpc::Status status);

  // What the handler returns to gRPC.
  grpc::ServerUnaryReactor* reactor() { return this; }

 private:
  UnaryCall(grpc::CallbackServerContext* context, MethodMetrics* method);
  void OnDone() override { delete this; }

  grpc::CallbackServerContext* const context_;
  MethodMetrics* const method_;
  std::string request_id_;
  const std::chrono::steady_clock::time_point start_;
};

// A service whose unary handlers record their calls with UnaryCall. ArmServer::AddService calls
// BindMetrics before the server starts; the service takes its methods' handles with
// ServerMetrics::Instrument("/pkg.Svc/Method") there.
class InstrumentedService {
 public:
  virtual ~InstrumentedService() = default;
  virtual void BindMetrics(ServerMetrics& metrics) = 0;
};

}  // namespace armature::runtime
