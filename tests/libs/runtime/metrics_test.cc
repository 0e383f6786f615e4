#include "libs/runtime/metrics.h"

#include <set>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/libs/runtime/fake_planner.h"
#include "tests/testing/process.h"
#include "tests/testing/service_fixture.h"

namespace armature::runtime {
namespace {

using ::testing::HasSubstr;

TEST(RequestIdTest, ValidatesCallerIds) {
  EXPECT_TRUE(IsValidRequestId("abc-123"));
  EXPECT_TRUE(IsValidRequestId(std::string(128, 'x')));
  EXPECT_FALSE(IsValidRequestId(""));
  EXPECT_FALSE(IsValidRequestId(std::string(129, 'x')));
  EXPECT_FALSE(IsValidRequestId("has space"));
  EXPECT_FALSE(IsValidRequestId("new\nline"));
}

TEST(RequestIdTest, GeneratesDistinctValidIds) {
  std::set<std::string> seen;
  for (int i = 0; i < 1000; ++i) {
    const std::string id = NewRequestId();
    EXPECT_EQ(id.size(), 32u);
    EXPECT_TRUE(IsValidRequestId(id));
    seen.insert(id);
  }
  EXPECT_EQ(seen.size(), 1000u);
}

TEST(MethodTest, ClassifiesDomainMethods) {
  EXPECT_TRUE(IsDomainMethod("/armature.v1.PlannerArm/Plan"));
  EXPECT_FALSE(IsDomainMethod("/grpc.health.v1.Health/Check"));
  EXPECT_FALSE(IsDomainMethod("/grpc.reflection.v1alpha.ServerReflection/ServerReflectionInfo"));
  EXPECT_FALSE(IsDomainMethod("/armature.v1.ArmInfo/GetCapabilities"));
  EXPECT_EQ(MethodLabel("/armature.v1.PlannerArm/Plan"), "armature.v1.PlannerArm/Plan");
}

TEST(DomainStatsTest, AggregatesOutcomes) {
  DomainStats stats;
  EXPECT_EQ(stats.success_rate(), 1.0);
  EXPECT_EQ(stats.mean_latency_ms(), 0.0);
  stats.Record(true, 0.010);
  stats.Record(false, 0.030);
  EXPECT_EQ(stats.calls(), 2u);
  EXPECT_DOUBLE_EQ(stats.success_rate(), 0.5);
  EXPECT_NEAR(stats.mean_latency_ms(), 20.0, 1e-9);
}

// The same contract whichever way a call is recorded: by the server interceptor (FakePlanner)
// or by its handler through UnaryCall (InstrumentedPlanner, as the real services do).
template <typename Planner>
class RecordedCallsTest : public testing::ServiceFixture {
 protected:
  void SetUp() override {
    RegisterService(&planner_, "armature.v1.PlannerArm");
    options().metrics_listen = "127.0.0.1:0";
    StartServer();
  }
  std::string Metrics() {
    auto body = testing::HttpGet(server().metrics_address(), "/metrics");
    EXPECT_TRUE(body.ok()) << body.status();
    return body.value_or("");
  }
  Planner planner_;
};
using Planners = ::testing::Types<FakePlanner, InstrumentedPlanner>;
TYPED_TEST_SUITE(RecordedCallsTest, Planners);
using InterceptorTest = RecordedCallsTest<FakePlanner>;
using UnaryCallTest = RecordedCallsTest<InstrumentedPlanner>;

TYPED_TEST(RecordedCallsTest, EchoesOrGeneratesTheRequestId) {
  auto stub = this->template MakeStub<armature::v1::PlannerArm>();
  for (const char* given : {"req-42", "", "bad id with spaces"}) {
    grpc::ClientContext ctx;
    if (*given) ctx.AddMetadata(kRequestIdKey, given);
    armature::v1::PlanRequest req;
    req.set_goal("x");
    armature::v1::PlanResponse resp;
    ASSERT_TRUE(stub->Plan(&ctx, req, &resp).ok());
    if (std::string(given) == "req-42") {
      EXPECT_EQ(resp.request_id(), "req-42");  // the handler saw it
    } else {
      EXPECT_EQ(resp.request_id().size(), 32u) << given;
      EXPECT_TRUE(IsValidRequestId(resp.request_id()));
    }
    auto it = ctx.GetServerInitialMetadata().find(kRequestIdKey);
    ASSERT_NE(it, ctx.GetServerInitialMetadata().end()) << given;
    EXPECT_EQ(std::string(it->second.data(), it->second.size()), resp.request_id());
  }
}

TYPED_TEST(RecordedCallsTest, CountsCallsOnceByMethodAndCode) {
  auto stub = this->template MakeStub<armature::v1::PlannerArm>();
  for (int i = 0; i < 3; ++i) {
    grpc::ClientContext ctx;
    armature::v1::PlanRequest req;
    req.set_goal("ok");
    armature::v1::PlanResponse resp;
    ASSERT_TRUE(stub->Plan(&ctx, req, &resp).ok());
  }
  {
    grpc::ClientContext ctx;
    armature::v1::PlanResponse resp;
    EXPECT_EQ(stub->Plan(&ctx, armature::v1::PlanRequest(), &resp).error_code(),
              grpc::StatusCode::INVALID_ARGUMENT);
  }
  const std::string m = this->Metrics();
  const std::string method = "method=\"armature.v1.PlannerArm/Plan\"";
  EXPECT_EQ(testing::MetricValue(m, "armature_grpc_server_handled_total", "code=\"OK\"," + method),
            3.0);
  EXPECT_EQ(testing::MetricValue(m, "armature_grpc_server_handled_total",
                                 "code=\"INVALID_ARGUMENT\"," + method),
            1.0);
  // 4, not 8: a call recorded by its handler is left alone by the interceptor.
  EXPECT_EQ(testing::MetricValue(m, "armature_grpc_server_started_total", method), 4.0);
  EXPECT_EQ(testing::MetricValue(m, "armature_grpc_server_in_flight", method), 0.0);
  EXPECT_EQ(testing::MetricValue(m, "armature_grpc_server_handling_seconds_count", method), 4.0);
  EXPECT_THAT(m, HasSubstr("armature_grpc_server_handling_seconds_bucket{"));
  // Domain stats feed ArmInfo: 3 of 4 succeeded.
  EXPECT_DOUBLE_EQ(this->server().arm_info().Capabilities().success_rate(), 0.75);
}

TEST_F(InterceptorTest, InFlightGaugeSeesABlockedCall) {
  planner_.Block();
  auto stub = MakeStub<armature::v1::PlannerArm>();
  grpc::ClientContext ctx;
  armature::v1::PlanRequest req;
  req.set_goal("slow");
  armature::v1::PlanResponse resp;
  std::thread call([&] { EXPECT_TRUE(stub->Plan(&ctx, req, &resp).ok()); });
  ASSERT_TRUE(planner_.WaitEntered(1, std::chrono::seconds(10)));
  EXPECT_EQ(testing::MetricValue(Metrics(), "armature_grpc_server_in_flight",
                                 "method=\"armature.v1.PlannerArm/Plan\""),
            1.0);
  planner_.Release();
  call.join();
  EXPECT_EQ(testing::MetricValue(Metrics(), "armature_grpc_server_in_flight",
                                 "method=\"armature.v1.PlannerArm/Plan\""),
            0.0);
}

TEST(RpcLogTest, ParsesThePolicies) {
  EXPECT_EQ(ParseRpcLog("all").value(), RpcLog::kAll);
  EXPECT_EQ(ParseRpcLog("errors").value(), RpcLog::kErrors);
  EXPECT_EQ(ParseRpcLog("off").value(), RpcLog::kOff);
  const absl::StatusOr<RpcLog> bad = ParseRpcLog("loud");
  ASSERT_FALSE(bad.ok());
  EXPECT_THAT(bad.status().message(), HasSubstr("rpc_log"));
  EXPECT_THAT(bad.status().message(), HasSubstr("loud"));
}

TEST(ServerMetricsTest, ResolvesEachMethodOnceAndMarksInstrumentedOnes) {
  prometheus::Registry registry;
  ServerMetrics metrics(registry);
  MethodMetrics& plan = metrics.ForMethod("/armature.v1.PlannerArm/Plan");
  EXPECT_EQ(&plan, &metrics.ForMethod("/armature.v1.PlannerArm/Plan"));
  EXPECT_EQ(plan.label(), "armature.v1.PlannerArm/Plan");
  EXPECT_TRUE(plan.domain());
  EXPECT_FALSE(plan.self_instrumented());
  EXPECT_EQ(&metrics.Instrument("/armature.v1.PlannerArm/Plan"), &plan);
  EXPECT_TRUE(plan.self_instrumented());
  EXPECT_FALSE(metrics.ForMethod("/grpc.health.v1.Health/Check").domain());
  // Codes outside gRPC's range are counted as UNKNOWN rather than dropped.
  plan.OnStart();
  plan.OnFinish(static_cast<grpc::StatusCode>(99), 0.001);
  plan.OnStart();
  plan.OnFinish(grpc::StatusCode::OK, 0.003);
  EXPECT_EQ(metrics.domain_stats().calls(), 2u);
  EXPECT_DOUBLE_EQ(metrics.domain_stats().success_rate(), 0.5);
  EXPECT_NEAR(metrics.domain_stats().mean_latency_ms(), 2.0, 1e-6);
  bool unknown_seen = false;
  for (const auto& family : registry.Collect()) {
    if (family.name != "armature_grpc_server_handled_total") continue;
    for (const auto& m : family.metric) {
      for (const auto& label : m.label) {
        if (label.name == "code" && label.value == "UNKNOWN") {
          unknown_seen = true;
          EXPECT_EQ(m.counter.value, 1.0);
        }
      }
    }
  }
  EXPECT_TRUE(unknown_seen);
}

// ArmInfo and Health.Check record their calls with UnaryCall too.
TEST_F(UnaryCallTest, ArmInfoAndHealthChecksAreRecorded) {
  auto arm_info = MakeStub<armature::v1::ArmInfo>();
  grpc::ClientContext ctx;
  ctx.AddMetadata(kRequestIdKey, "caps-1");
  armature::v1::GetCapabilitiesResponse caps;
  ASSERT_TRUE(arm_info->GetCapabilities(&ctx, {}, &caps).ok());
  EXPECT_EQ(caps.arm_id(), "test");
  EXPECT_EQ(caps.version(), "test");
  EXPECT_THAT(caps.services(), ::testing::Contains("armature.v1.PlannerArm"));
  auto it = ctx.GetServerInitialMetadata().find(kRequestIdKey);
  ASSERT_NE(it, ctx.GetServerInitialMetadata().end());
  EXPECT_EQ(std::string(it->second.data(), it->second.size()), "caps-1");

  auto health = MakeStub<grpc::health::v1::Health>();
  grpc::ClientContext hctx;
  grpc::health::v1::HealthCheckRequest unknown;
  unknown.set_service("nope");
  grpc::health::v1::HealthCheckResponse hresp;
  EXPECT_EQ(health->Check(&hctx, unknown, &hresp).error_code(), grpc::StatusCode::NOT_FOUND);

  const std::string m = Metrics();
  EXPECT_EQ(testing::MetricValue(m, "armature_grpc_server_handled_total",
                                 "code=\"OK\",method=\"armature.v1.ArmInfo/GetCapabilities\""),
            1.0);
  EXPECT_EQ(testing::MetricValue(m, "armature_grpc_server_handled_total",
                                 "code=\"NOT_FOUND\",method=\"grpc.health.v1.Health/Check\""),
            1.0);
  // Neither is a domain call.
  EXPECT_EQ(server().arm_info().Capabilities().success_rate(), 1.0);
}

}  // namespace
}  // namespace armature::runtime
