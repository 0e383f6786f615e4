#pragma once

// Scriptable in-process planner and manifest arms for the orchestrator's tests: each can answer,
// fail with a chosen code, or hold calls until released (to keep a task at a stage).

#include <atomic>
#include <condition_variable>
#include <mutex>
#include <string>

#include "armature/v1/manifest.grpc.pb.h"
#include "armature/v1/planner.grpc.pb.h"
#include "grpcpp/grpcpp.h"

namespace armature::orchestrator::testing {

// Gate: while closed, calls wait (until opened or the call is cancelled); `code` != OK makes
// calls fail with it.
class ArmScript {
 public:
  void Hold() {
    std::lock_guard<std::mutex> lock(mu_);
    held_ = true;
  }
  void Release() {
    {
      std::lock_guard<std::mutex> lock(mu_);
      held_ = false;
    }
    cv_.notify_all();
  }
  void FailWith(grpc::StatusCode code, std::string message = "scripted failure") {
    std::lock_guard<std::mutex> lock(mu_);
    code_ = code;
    message_ = std::move(message);
  }
  void Succeed() { FailWith(grpc::StatusCode::OK, ""); }

  int calls() const { return calls_.load(); }
  int waiting() const { return waiting_.load(); }
  int cancelled() const { return cancelled_.load(); }

  // Runs the script for one call: OK to answer, or the status to return.
  grpc::Status Enter(grpc::ServerContext* context) {
    ++calls_;
    std::unique_lock<std::mutex> lock(mu_);
    if (held_) {
      ++waiting_;
      while (held_ && !context->IsCancelled()) {
        cv_.wait_for(lock, std::chrono::milliseconds(10));
      }
      --waiting_;
      if (context->IsCancelled()) {
        ++cancelled_;
        return grpc::Status(grpc::StatusCode::CANCELLED, "cancelled");
      }
    }
    if (code_ != grpc::StatusCode::OK) return grpc::Status(code_, message_);
    return grpc::Status::OK;
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  bool held_ = false;
  grpc::StatusCode code_ = grpc::StatusCode::OK;
  std::string message_;
  std::atomic<int> calls_{0};
  std::atomic<int> waiting_{0};
  std::atomic<int> cancelled_{0};
};

class FakePlanner final : public v1::PlannerArm::Service {
 public:
  ArmScript script;

  grpc::Status Plan(grpc::ServerContext* context, const v1::PlanRequest* request,
                    v1::PlanResponse* response) override {
    if (grpc::Status s = script.Enter(context); !s.ok()) return s;
    v1::Plan& plan = *response->mutable_plan();
    for (int i = 1; i <= 3; ++i) {
      v1::SubTask& st = *plan.add_subtasks();
      st.set_step(i);
      st.set_action(i == 3
                        ? "Verify the result"
                        : "Do part " + std::to_string(i) + " of: " + request->goal().substr(0, 40));
      st.set_required_arm(i == 3 ? "judge" : "coder");
      st.add_acceptance_criteria("done");
      if (i > 1) st.add_depends_on(i - 1);
    }
    plan.set_backend("fake");
    plan.set_confidence(0.9);
    last_goal_ = request->goal();
    response->set_request_id(request->request_id());
    return grpc::Status::OK;
  }

  grpc::Status PlanScene(grpc::ServerContext* context, const v1::PlanSceneRequest* request,
                         v1::PlanSceneResponse* response) override {
    if (grpc::Status s = script.Enter(context); !s.ok()) return s;
    response->mutable_scene()->mutable_environment()->set_theme(request->prompt().substr(0, 20));
    response->mutable_scene()->mutable_camera()->set_path("orbit");
    return grpc::Status::OK;
  }

  std::string last_goal() {
    std::lock_guard<std::mutex> lock(mu_);
    return last_goal_;
  }

 private:
  std::mutex mu_;
  std::string last_goal_;
};

class FakeManifest final : public v1::ManifestService::Service {
 public:
  ArmScript script;

  grpc::Status BuildManifest(grpc::ServerContext* context, const v1::BuildManifestRequest* request,
                             v1::BuildManifestResponse* response) override {
    if (grpc::Status s = script.Enter(context); !s.ok()) return s;
    v1::ProductionManifest& m = *response->mutable_manifest();
    m.add_scenes()->set_id("s1");
    v1::Job& tts = *response->add_jobs();
    tts.set_id("job_tts_s1");
    tts.set_type(v1::TTS);
    v1::Job& render = *response->add_jobs();
    render.set_id("job_render");
    render.set_type(v1::RENDER);
    render.add_depends_on("job_tts_s1");
    {
      std::lock_guard<std::mutex> lock(mu_);
      last_duration_ = request->hints().duration_seconds();
    }
    return grpc::Status::OK;
  }

  double last_duration() {
    std::lock_guard<std::mutex> lock(mu_);
    return last_duration_;
  }

 private:
  std::mutex mu_;
  double last_duration_ = 0;
};

}  // namespace armature::orchestrator::testing
