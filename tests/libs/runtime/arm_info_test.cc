#include "libs/runtime/arm_info.h"

#include <condition_variable>
#include <mutex>
#include <optional>

#include "gmock/gmock.h"
#include "grpcpp/generic/generic_stub.h"
#include "gtest/gtest.h"
#include "tests/libs/runtime/fake_planner.h"
#include "tests/testing/service_fixture.h"

namespace armature::runtime {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsSupersetOf;

armature::v1::ReadinessCheck MakeCheck(std::string name, bool ok, bool critical) {
  armature::v1::ReadinessCheck c;
  c.set_name(std::move(name));
  c.set_ok(ok);
  c.set_critical(critical);
  c.set_detail(ok ? "fine" : "broken");
  return c;
}

TEST(ArmInfoServiceTest, ReadyOnlyWhenEveryCriticalCheckPasses) {
  bool draining = false;
  DomainStats stats;
  StaticArmInfo info({.arm_id = "a"}, {[] { return MakeCheck("store", true, true); },
                                       [] { return MakeCheck("arm:planner", false, false); }});
  ArmInfoService service(&info, &stats, {.version = "1"}, [&] { return draining; });
  auto r = service.Readiness();
  EXPECT_TRUE(r.ready()) << "a failing non-critical check must not make it unready";
  ASSERT_EQ(r.checks_size(), 3);
  EXPECT_EQ(r.checks(0).name(), "serving");
  EXPECT_EQ(r.checks(1).name(), "store");
  EXPECT_EQ(r.checks(2).name(), "arm:planner");
  EXPECT_FALSE(r.checks(2).ok());

  StaticArmInfo failing({.arm_id = "a"}, {[] { return MakeCheck("store", false, true); }});
  ArmInfoService unready(&failing, &stats, {.version = "1"}, [&] { return draining; });
  EXPECT_FALSE(unready.Readiness().ready());

  draining = true;
  auto d = service.Readiness();
  EXPECT_FALSE(d.ready());
  EXPECT_FALSE(d.checks(0).ok());
  EXPECT_THAT(d.checks(0).detail(), ::testing::HasSubstr("shutting down"));
}

TEST(ArmInfoServiceTest, CapabilitiesCombineProviderAndRuntimeFacts) {
  DomainStats stats;
  stats.Record(true, 0.002);
  StaticArmInfo info({.arm_id = "planner", .capabilities = {"task_decomposition"}, .cost_tier = 2});
  ArmInfoService service(&info, &stats, {.version = "9.9", .services = {"armature.v1.PlannerArm"}},
                         nullptr);
  auto c = service.Capabilities();
  EXPECT_EQ(c.arm_id(), "planner");
  EXPECT_THAT(c.capabilities(), ElementsAre("task_decomposition"));
  EXPECT_EQ(c.cost_tier(), 2);
  EXPECT_EQ(c.version(), "9.9");
  EXPECT_THAT(c.services(), ElementsAre("armature.v1.PlannerArm"));
  EXPECT_NEAR(c.observed_latency_ms(), 2.0, 1e-9);
  EXPECT_EQ(c.success_rate(), 1.0);
}

class ArmInfoRpcTest : public testing::ServiceFixture {
 protected:
  void SetUp() override {
    RegisterService(&planner_, "armature.v1.PlannerArm");
    StartServer();
  }
  FakePlanner planner_;
};

TEST_F(ArmInfoRpcTest, ServesCapabilitiesOverTcpAndInProcess) {
  for (bool in_process : {false, true}) {
    auto stub = MakeStub<armature::v1::ArmInfo>(in_process);
    grpc::ClientContext ctx;
    armature::v1::GetCapabilitiesResponse resp;
    ASSERT_TRUE(stub->GetCapabilities(&ctx, {}, &resp).ok());
    EXPECT_EQ(resp.arm_id(), "test");
    EXPECT_EQ(resp.version(), "test");
    EXPECT_THAT(resp.services(), IsSupersetOf({"armature.v1.PlannerArm", "armature.v1.ArmInfo",
                                               "grpc.health.v1.Health"}));
  }
}

TEST_F(ArmInfoRpcTest, CapabilitiesFollowEveryDomainCall) {
  auto info = MakeStub<armature::v1::ArmInfo>();
  auto planner = MakeStub<armature::v1::PlannerArm>();
  const auto capabilities = [&] {
    grpc::ClientContext ctx;
    armature::v1::GetCapabilitiesResponse resp;
    EXPECT_TRUE(info->GetCapabilities(&ctx, {}, &resp).ok());
    return resp;
  };
  EXPECT_EQ(capabilities().success_rate(), 1.0);
  // Within the answer's maximum age: still rebuilt, because a domain call happened.
  for (const char* goal : {"", "ok"}) {
    grpc::ClientContext ctx;
    armature::v1::PlanRequest req;
    req.set_goal(goal);
    armature::v1::PlanResponse resp;
    planner->Plan(&ctx, req, &resp);
    const double expected = *goal == '\0' ? 0.0 : 0.5;
    EXPECT_DOUBLE_EQ(capabilities().success_rate(), expected) << "after goal '" << goal << "'";
  }
}

TEST_F(ArmInfoRpcTest, RefusesAMalformedCapabilitiesRequest) {
  grpc::GenericStub stub(Channel());
  const std::string garbage = "\xff\xff\xff";
  grpc::Slice slice(garbage);
  grpc::ByteBuffer request(&slice, 1);
  grpc::ByteBuffer response;
  grpc::ClientContext ctx;
  std::mutex mu;
  std::condition_variable cv;
  std::optional<grpc::Status> status;
  stub.UnaryCall(&ctx, "/armature.v1.ArmInfo/GetCapabilities", grpc::StubOptions(), &request,
                 &response, [&](grpc::Status s) {
                   std::lock_guard<std::mutex> lock(mu);
                   status = std::move(s);
                   cv.notify_all();
                 });
  std::unique_lock<std::mutex> lock(mu);
  ASSERT_TRUE(cv.wait_for(lock, std::chrono::seconds(10), [&] { return status.has_value(); }));
  EXPECT_EQ(status->error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(status->error_message(), HasSubstr("GetCapabilitiesRequest"));
}

TEST_F(ArmInfoRpcTest, ServesReadiness) {
  auto stub = MakeStub<armature::v1::ArmInfo>();
  grpc::ClientContext ctx;
  armature::v1::GetReadinessResponse resp;
  ASSERT_TRUE(stub->GetReadiness(&ctx, {}, &resp).ok());
  EXPECT_TRUE(resp.ready());
  ASSERT_GE(resp.checks_size(), 1);
  EXPECT_EQ(resp.checks(0).name(), "serving");
}

}  // namespace
}  // namespace armature::runtime
