#include "libs/runtime/unary_call.h"

#include <functional>
#include <utility>

#include "grpcpp/server_context.h"

namespace armature::runtime {

UnaryCall::UnaryCall(grpc::CallbackServerContext* context, MethodMetrics* method)
    : context_(context), method_(method), start_(std::chrono::steady_clock::now()) {}

UnaryCall* UnaryCall::Start(grpc::CallbackServerContext* context, MethodMetrics* method) {
  auto* call = new UnaryCall(context, method);
  const auto& md = context->client_metadata();
  auto it = md.find(kRequestIdKey);
  if (it != md.end() && IsValidRequestId(std::string_view(it->second.data(), it->second.size()))) {
    call->request_id_.assign(it->second.data(), it->second.size());
  } else {
    call->request_id_ = NewRequestId();
  }
  context->AddInitialMetadata(kRequestIdKey, call->request_id_);
  if (method != nullptr) method->OnStart();
  return call;
}

void UnaryCall::Finish(grpc::Status status) {
  if (method_ != nullptr) {
    const double seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
    method_->OnFinish(status.error_code(), seconds);
    method_->LogFinish(status, seconds, request_id_, [this] { return context_->peer(); });
  }
  // Last: gRPC may call OnDone (which deletes this) on another thread before it returns.
  grpc::ServerUnaryReactor::Finish(std::move(status));
}

}  // namespace armature::runtime
