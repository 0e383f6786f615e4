#pragma once

#include <condition_variable>
#include <mutex>

#include "armature/v1/planner.grpc.pb.h"
#include "libs/runtime/metrics.h"
#include "libs/runtime/unary_call.h"

namespace armature::runtime {

// FakePlanner is a domain service for runtime tests: Plan echoes the request id the
// runtime gave the call, fails with INVALID_ARGUMENT on an empty goal, and, while
// blocked, holds calls until Release() (to observe draining).
class FakePlanner final : public armature::v1::PlannerArm::CallbackService {
 public:
  grpc::ServerUnaryReactor* Plan(grpc::CallbackServerContext* context,
                                 const armature::v1::PlanRequest* request,
                                 armature::v1::PlanResponse* response) override {
    auto* reactor = context->DefaultReactor();
    {
      std::unique_lock<std::mutex> lock(mu_);
      ++entered_;
      cv_.notify_all();
      cv_.wait(lock, [this] { return !blocked_; });
    }
    if (request->goal().empty()) {
      reactor->Finish(grpc::Status(grpc::StatusCode::INVALID_ARGUMENT, "goal: must not be empty"));
      return reactor;
    }
    response->set_request_id(RequestId(*context));
    reactor->Finish(grpc::Status::OK);
    return reactor;
  }

  void Block() {
    std::lock_guard<std::mutex> lock(mu_);
    blocked_ = true;
  }
  void Release() {
    std::lock_guard<std::mutex> lock(mu_);
    blocked_ = false;
    cv_.notify_all();
  }
  // Waits until `n` calls have entered Plan (bounded by `timeout`).
  bool WaitEntered(int n, std::chrono::milliseconds timeout) {
    std::unique_lock<std::mutex> lock(mu_);
    return cv_.wait_for(lock, timeout, [&] { return entered_ >= n; });
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  bool blocked_ = false;
  int entered_ = 0;
};

// InstrumentedPlanner behaves like FakePlanner (without blocking) but records its calls itself
// with UnaryCall, as the real services do, so the server interceptor skips them.
class InstrumentedPlanner final : public armature::v1::PlannerArm::CallbackService,
                                  public InstrumentedService {
 public:
  void BindMetrics(ServerMetrics& metrics) override {
    plan_ = &metrics.Instrument("/armature.v1.PlannerArm/Plan");
  }
  grpc::ServerUnaryReactor* Plan(grpc::CallbackServerContext* context,
                                 const armature::v1::PlanRequest* request,
                                 armature::v1::PlanResponse* response) override {
    UnaryCall* call = UnaryCall::Start(context, plan_);
    if (request->goal().empty()) {
      call->Finish(grpc::Status(grpc::StatusCode::INVALID_ARGUMENT, "goal: must not be empty"));
      return call->reactor();
    }
    response->set_request_id(call->request_id());
    call->Finish(grpc::Status::OK);
    return call->reactor();
  }

 private:
  MethodMetrics* plan_ = nullptr;
};

}  // namespace armature::runtime
