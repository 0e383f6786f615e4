#include "libs/runtime/health.h"

#include <atomic>

#include "gtest/gtest.h"
#include "tests/testing/service_fixture.h"

namespace armature::runtime {
namespace {

using grpc::health::v1::Health;
using grpc::health::v1::HealthCheckRequest;
using grpc::health::v1::HealthCheckResponse;

// A provider whose one critical check is flipped by the test.
class ToggleProvider final : public ArmInfoProvider {
 public:
  void Describe(armature::v1::GetCapabilitiesResponse* out) const override {
    out->set_arm_id("toggle");
  }
  std::vector<armature::v1::ReadinessCheck> ReadinessChecks() const override {
    armature::v1::ReadinessCheck c;
    c.set_name("dependency");
    c.set_critical(true);
    c.set_ok(ready.load());
    c.set_detail(ready.load() ? "up" : "down");
    return {c};
  }
  std::atomic<bool> ready{true};
};

class HealthTest : public testing::ServiceFixture {
 protected:
  void SetUp() override {
    SetArmInfoProvider(&provider_);
    StartServer();
    stub_ = MakeStub<Health>();
  }
  grpc::Status Check(const std::string& service, HealthCheckResponse* resp) {
    grpc::ClientContext ctx;
    HealthCheckRequest req;
    req.set_service(service);
    return stub_->Check(&ctx, req, resp);
  }
  HealthCheckResponse::ServingStatus CheckStatus(const std::string& service) {
    HealthCheckResponse resp;
    const grpc::Status s = Check(service, &resp);
    EXPECT_TRUE(s.ok()) << s.error_message();
    return resp.status();
  }
  ToggleProvider provider_;
  std::unique_ptr<Health::Stub> stub_;
};

TEST_F(HealthTest, LivenessAndRegisteredServicesServeAfterStart) {
  EXPECT_EQ(CheckStatus(""), HealthCheckResponse::SERVING);
  EXPECT_EQ(CheckStatus("armature.v1.ArmInfo"), HealthCheckResponse::SERVING);
  EXPECT_EQ(CheckStatus("readiness"), HealthCheckResponse::SERVING);
}

TEST_F(HealthTest, UnknownServiceIsNotFound) {
  HealthCheckResponse resp;
  const grpc::Status s = Check("no.such.Service", &resp);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::NOT_FOUND);
  EXPECT_NE(s.error_message().find("no.such.Service"), std::string::npos);
}

TEST_F(HealthTest, ReadinessFollowsCriticalChecksWhileLivenessStays) {
  provider_.ready = false;
  EXPECT_EQ(CheckStatus("readiness"), HealthCheckResponse::NOT_SERVING);
  EXPECT_EQ(CheckStatus(""), HealthCheckResponse::SERVING);
  provider_.ready = true;
  EXPECT_EQ(CheckStatus("readiness"), HealthCheckResponse::SERVING);
}

TEST_F(HealthTest, WatchSeesCurrentStateThenChanges) {
  grpc::ClientContext ctx;
  HealthCheckRequest req;
  req.set_service("custom.Service");
  auto reader = stub_->Watch(&ctx, req);
  HealthCheckResponse resp;
  ASSERT_TRUE(reader->Read(&resp));
  EXPECT_EQ(resp.status(), HealthCheckResponse::SERVICE_UNKNOWN);
  server().health().SetStatus("custom.Service", HealthCheckResponse::SERVING);
  ASSERT_TRUE(reader->Read(&resp));
  EXPECT_EQ(resp.status(), HealthCheckResponse::SERVING);
  server().health().SetStatus("custom.Service", HealthCheckResponse::NOT_SERVING);
  ASSERT_TRUE(reader->Read(&resp));
  EXPECT_EQ(resp.status(), HealthCheckResponse::NOT_SERVING);
  ctx.TryCancel();
  while (reader->Read(&resp)) {
  }
  EXPECT_EQ(reader->Finish().error_code(), grpc::StatusCode::CANCELLED);
}

TEST_F(HealthTest, WatchOfReadinessSeesTheProbeFlip) {
  grpc::ClientContext ctx;
  HealthCheckRequest req;
  req.set_service("readiness");
  auto reader = stub_->Watch(&ctx, req);
  HealthCheckResponse resp;
  ASSERT_TRUE(reader->Read(&resp));
  EXPECT_EQ(resp.status(), HealthCheckResponse::SERVING);
  provider_.ready = false;
  server().health().RefreshReadiness();  // the poller would do this within readiness_poll_ms
  ASSERT_TRUE(reader->Read(&resp));
  EXPECT_EQ(resp.status(), HealthCheckResponse::NOT_SERVING);
  ctx.TryCancel();
  while (reader->Read(&resp)) {
  }
  reader->Finish();
}

TEST_F(HealthTest, ShutdownSendsNotServingThenEndsTheWatch) {
  grpc::ClientContext ctx;
  HealthCheckRequest req;
  auto reader = stub_->Watch(&ctx, req);
  HealthCheckResponse resp;
  ASSERT_TRUE(reader->Read(&resp));
  EXPECT_EQ(resp.status(), HealthCheckResponse::SERVING);
  std::thread stopper([this] { server().Shutdown(); });
  ASSERT_TRUE(reader->Read(&resp));
  EXPECT_EQ(resp.status(), HealthCheckResponse::NOT_SERVING);
  EXPECT_FALSE(reader->Read(&resp));
  EXPECT_TRUE(reader->Finish().ok());
  stopper.join();
  // Everything is NOT_SERVING for good; later sets are ignored.
  server().health().SetStatus("", HealthCheckResponse::SERVING);
  EXPECT_EQ(server().health().GetStatus(""), HealthCheckResponse::NOT_SERVING);
  EXPECT_EQ(server().health().GetStatus("readiness"), HealthCheckResponse::NOT_SERVING);
}

// The state machine without a server.
TEST(HealthServiceTest, StatusTransitions) {
  std::atomic<bool> ready{false};
  HealthService health([&] { return ready.load(); });
  EXPECT_EQ(health.GetStatus(""), HealthCheckResponse::SERVING);
  EXPECT_EQ(health.GetStatus("readiness"), HealthCheckResponse::NOT_SERVING);
  EXPECT_EQ(health.GetStatus("x"), HealthCheckResponse::SERVICE_UNKNOWN);
  ready = true;
  health.RefreshReadiness();
  EXPECT_EQ(health.GetStatus("readiness"), HealthCheckResponse::SERVING);
  health.SetStatus("x", HealthCheckResponse::SERVING);
  EXPECT_EQ(health.GetStatus("x"), HealthCheckResponse::SERVING);
  EXPECT_FALSE(health.shutting_down());
  health.Shutdown();
  EXPECT_TRUE(health.shutting_down());
  EXPECT_EQ(health.GetStatus("x"), HealthCheckResponse::NOT_SERVING);
  health.RefreshReadiness();
  EXPECT_EQ(health.GetStatus("readiness"), HealthCheckResponse::NOT_SERVING);
}

}  // namespace
}  // namespace armature::runtime
