#pragma once

#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "grpcpp/create_channel.h"
#include "gtest/gtest.h"
#include "libs/runtime/arm_info.h"
#include "libs/runtime/server.h"

namespace armature::testing {

// ServiceFixture starts services in-process on an ArmServer bound to 127.0.0.1:0 and makes stubs
// over TCP or the in-process channel:
//   RegisterService(&impl, "armature.v1.PlannerArm");
//   StartServer();
//   auto stub = MakeStub<armature::v1::PlannerArm>();
class ServiceFixture : public ::testing::Test {
 protected:
  void RegisterService(grpc::Service* service, std::string full_name) {
    services_.emplace_back(service, std::move(full_name));
  }
  // Provider for ArmInfo (default: arm "test" with no checks). Call before StartServer().
  void SetArmInfoProvider(const runtime::ArmInfoProvider* provider) { provider_ = provider; }
  runtime::ServerOptions& options() { return options_; }

  void StartServer() {
    server_ = std::make_unique<runtime::ArmServer>(options_, provider_);
    for (auto& [service, name] : services_) server_->AddService(service, name);
    absl::Status status = server_->Start();
    ASSERT_TRUE(status.ok()) << status;
  }

  void TearDown() override {
    if (server_) server_->Shutdown();
  }

  std::shared_ptr<grpc::Channel> Channel(bool in_process = false) {
    if (in_process) return server_->InProcessChannel();
    return grpc::CreateChannel(server_->grpc_address(), grpc::InsecureChannelCredentials());
  }

  template <typename Service>
  std::unique_ptr<typename Service::Stub> MakeStub(bool in_process = false) {
    return Service::NewStub(Channel(in_process));
  }

  runtime::ArmServer& server() { return *server_; }

 private:
  // Metrics are off by default: stopping the HTTP endpoint costs ~2 s per server. Tests that
  // scrape /metrics set options().metrics_listen = "127.0.0.1:0" before StartServer().
  runtime::ServerOptions options_{.listen = "127.0.0.1:0",
                                  .metrics_listen = "",
                                  .shutdown_grace_seconds = 5,
                                  .readiness_poll_ms = 50,
                                  .version = "test"};
  runtime::StaticArmInfo default_provider_{{.arm_id = "test", .capabilities = {"testing"}}};
  const runtime::ArmInfoProvider* provider_ = &default_provider_;
  std::vector<std::pair<grpc::Service*, std::string>> services_;
  std::unique_ptr<runtime::ArmServer> server_;
};

}  // namespace armature::testing
