#pragma once

// OrchestratorHarness: fake arms on one in-process server, the real orchestrator (engine, store,
// resilient clients, service) on another, and a stub to it — all on 127.0.0.1:0.

#include <functional>
#include <memory>
#include <string>

#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "armature/v1/orchestrator.grpc.pb.h"
#include "grpcpp/create_channel.h"
#include "gtest/gtest.h"
#include "libs/runtime/server.h"
#include "libs/store/open_task_store.h"
#include "prometheus/registry.h"
#include "prometheus/text_serializer.h"
#include "services/orchestrator/orchestrator_app.h"
#include "tests/services/orchestrator/fake_arms.h"
#include "tests/testing/process.h"

namespace armature::orchestrator::testing {

// Small waits so that outage tests take milliseconds, not seconds.
inline constexpr char kFastPipelineYaml[] = R"(
tasks:
  default_deadline_seconds: 60
  max_deadline_seconds: 3600
  wait_initial_ms: 10
  wait_max_ms: 40
arms:
  planner:
    breaker: {failure_rate_threshold: 0.5, window_seconds: 10, minimum_calls: 3,
              open_wait_seconds: 0.2, half_open_max_calls: 1, successes_to_close: 1}
    retry: {max_attempts: 2, initial_backoff_ms: 5, max_backoff_ms: 20}
  manifest:
    breaker: {failure_rate_threshold: 0.5, window_seconds: 10, minimum_calls: 3,
              open_wait_seconds: 0.2, half_open_max_calls: 1, successes_to_close: 1}
    retry: {max_attempts: 2, initial_backoff_ms: 5, max_backoff_ms: 20}
pipelines:
  GOAL:
    - {stage: plan, arm: planner, timeout_seconds: 5}
  SCENE:
    - {stage: plan_scene, arm: planner, timeout_seconds: 5}
  PRODUCTION:
    - {stage: plan, arm: planner, timeout_seconds: 5}
    - {stage: build_manifest, arm: manifest, timeout_seconds: 5}
)";

inline runtime::ServerOptions TestServerOptions() {
  return runtime::ServerOptions{.listen = "127.0.0.1:0",
                                .metrics_listen = "",
                                .shutdown_grace_seconds = 2,
                                .readiness_poll_ms = 50,
                                .version = "test"};
}

// Polls `condition` every 5 ms until it holds or `timeout` passes.
inline bool Eventually(const std::function<bool()>& condition,
                       absl::Duration timeout = absl::Seconds(10)) {
  const absl::Time end = absl::Now() + timeout;
  while (absl::Now() < end) {
    if (condition()) return true;
    absl::SleepFor(absl::Milliseconds(5));
  }
  return condition();
}

class OrchestratorHarness : public ::testing::Test {
 protected:
  void SetUp() override {
    arms_server_ = std::make_unique<runtime::ArmServer>(TestServerOptions(), &arms_info_);
    arms_server_->AddService(&planner_, v1::PlannerArm::service_full_name());
    arms_server_->AddService(&manifest_, v1::ManifestService::service_full_name());
    ASSERT_TRUE(arms_server_->Start().ok());
    auto store = store::OpenTaskStore(store_url_);
    ASSERT_TRUE(store.ok()) << store.status();
    store_ = *std::move(store);
  }

  void TearDown() override {
    planner_.script.Release();
    manifest_.script.Release();
    StopOrchestrator();
    arms_server_->Shutdown();
  }

  // Starts the orchestrator; `tweak` may change its options first.
  void StartOrchestrator(const std::function<void(OrchestratorOptions&)>& tweak = {}) {
    OrchestratorOptions options;
    options.planner_target = arms_server_->grpc_address();
    options.manifest_target = arms_server_->grpc_address();
    auto pipeline = ParsePipelineConfig(kFastPipelineYaml, "test");
    ASSERT_TRUE(pipeline.ok()) << pipeline.status();
    options.pipeline = *std::move(pipeline);
    options.engine.workers = 4;
    if (tweak) tweak(options);
    registry_ = std::make_shared<prometheus::Registry>();
    auto app = OrchestratorApp::Create(options, *store_, *registry_);
    ASSERT_TRUE(app.ok()) << app.status();
    app_ = *std::move(app);
    server_ = std::make_unique<runtime::ArmServer>(TestServerOptions(), app_.get());
    server_->AddService(&app_->service(), v1::Orchestrator::service_full_name());
    ASSERT_TRUE(app_->Start().ok());
    ASSERT_TRUE(server_->Start().ok());
    stub_ = v1::Orchestrator::NewStub(
        grpc::CreateChannel(server_->grpc_address(), grpc::InsecureChannelCredentials()));
  }

  void StopOrchestrator() {
    if (!app_) return;
    app_->ReleaseFollowers();
    server_->Shutdown();
    app_->Stop();
    server_.reset();
    app_.reset();
  }

  grpc::Status Submit(const v1::SubmitTaskRequest& request, v1::SubmitTaskResponse* response,
                      absl::Duration timeout = absl::Seconds(20)) {
    grpc::ClientContext context;
    context.set_deadline(absl::ToChronoTime(absl::Now() + timeout));
    return stub_->SubmitTask(&context, request, response);
  }

  static v1::SubmitTaskRequest Request(v1::TaskKind kind, std::string text, bool wait = false) {
    v1::SubmitTaskRequest request;
    request.set_kind(kind);
    request.set_text(std::move(text));
    request.set_wait(wait);
    return request;
  }

  // Submits and returns the task id (fails the test on error).
  std::string SubmitId(const v1::SubmitTaskRequest& request) {
    v1::SubmitTaskResponse response;
    const grpc::Status status = Submit(request, &response);
    EXPECT_TRUE(status.ok()) << status.error_message();
    return response.task().id();
  }

  v1::Task Get(const std::string& id) {
    grpc::ClientContext context;
    v1::GetTaskRequest request;
    request.set_id(id);
    v1::GetTaskResponse response;
    const grpc::Status status = stub_->GetTask(&context, request, &response);
    EXPECT_TRUE(status.ok()) << status.error_message();
    return response.task();
  }

  bool WaitForStatus(const std::string& id, v1::TaskStatus status,
                     absl::Duration timeout = absl::Seconds(10)) {
    return Eventually([&] { return Get(id).status() == status; }, timeout);
  }

  std::string Metrics() { return prometheus::TextSerializer().Serialize(registry_->Collect()); }
  double Metric(const std::string& name, const std::string& labels) {
    return armature::testing::MetricValue(Metrics(), name, labels).value_or(-1);
  }

  FakePlanner planner_;
  FakeManifest manifest_;
  runtime::StaticArmInfo arms_info_{
      {.arm_id = "fake-arms",
       .capabilities = {"task_decomposition", "scene_planning", "manifest_building"}}};
  std::string store_url_ = "sqlite://:memory:";
  std::unique_ptr<runtime::ArmServer> arms_server_;
  std::unique_ptr<store::TaskStore> store_;
  std::shared_ptr<prometheus::Registry> registry_;
  std::unique_ptr<OrchestratorApp> app_;
  std::unique_ptr<runtime::ArmServer> server_;
  std::unique_ptr<v1::Orchestrator::Stub> stub_;
};

}  // namespace armature::orchestrator::testing
