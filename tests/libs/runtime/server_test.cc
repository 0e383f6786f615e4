#include "libs/runtime/server.h"

#include <unistd.h>

#include <chrono>
#include <condition_variable>
#include <mutex>
#include <set>
#include <thread>
#include <utility>
#include <vector>

#include "gmock/gmock.h"
#include "grpc/health/v1/health.grpc.pb.h"
#include "gtest/gtest.h"
#include "nlohmann/json.hpp"
#include "tests/libs/runtime/fake_planner.h"
#include "tests/testing/process.h"
#include "tests/testing/service_fixture.h"

namespace armature::runtime {
namespace {

using ::testing::HasSubstr;

TEST(ReplacePortTest, KeepsTheHost) {
  EXPECT_EQ(ReplacePort("127.0.0.1:0", 4000), "127.0.0.1:4000");
  EXPECT_EQ(ReplacePort("[::1]:0", 4000), "[::1]:4000");
  EXPECT_EQ(ReplacePort("0.0.0.0:50051", 1), "0.0.0.0:1");
}

class ServerTest : public testing::ServiceFixture {
 protected:
  void SetUp() override {
    RegisterService(&planner_, "armature.v1.PlannerArm");
    options().metrics_listen = "127.0.0.1:0";
  }
  FakePlanner planner_;
};

TEST_F(ServerTest, PortZeroBindsAndAnnouncesBothPorts) {
  StartServer();
  const auto j = nlohmann::json::parse(server().ListeningLine());
  EXPECT_EQ(j["event"], "listening");
  EXPECT_EQ(j["grpc"], server().grpc_address());
  EXPECT_EQ(j["metrics"], server().metrics_address());
  EXPECT_THAT(server().grpc_address(), HasSubstr("127.0.0.1:"));
  EXPECT_NE(server().grpc_address(), "127.0.0.1:0");
  EXPECT_NE(server().metrics_address(), "127.0.0.1:0");
  EXPECT_TRUE(testing::HttpGet(server().metrics_address(), "/metrics").ok());
}

TEST_F(ServerTest, ConnectionsAreClosedAfterTheirMaximumAgeSoClientsReResolve) {
  options().metrics_listen = "";
  options().max_connection_age_seconds = 1;
  options().max_connection_age_grace_seconds = 1;
  StartServer();
  auto channel = Channel();
  auto stub = grpc::health::v1::Health::NewStub(channel);
  grpc::ClientContext context;
  grpc::health::v1::HealthCheckResponse response;
  ASSERT_TRUE(stub->Check(&context, {}, &response).ok());
  ASSERT_EQ(channel->GetState(false), GRPC_CHANNEL_READY);
  // The server's GOAWAY takes the connection out of READY (a new call would reconnect and
  // re-resolve the target).
  const auto deadline = std::chrono::system_clock::now() + std::chrono::seconds(10);
  while (channel->GetState(false) == GRPC_CHANNEL_READY &&
         channel->WaitForStateChange(GRPC_CHANNEL_READY, deadline)) {
  }
  EXPECT_NE(channel->GetState(false), GRPC_CHANNEL_READY);
}

TEST_F(ServerTest, WithoutAMaximumAgeConnectionsStayOpen) {
  options().metrics_listen = "";
  StartServer();
  auto channel = Channel();
  auto stub = grpc::health::v1::Health::NewStub(channel);
  grpc::ClientContext context;
  grpc::health::v1::HealthCheckResponse response;
  ASSERT_TRUE(stub->Check(&context, {}, &response).ok());
  EXPECT_FALSE(channel->WaitForStateChange(
      GRPC_CHANNEL_READY, std::chrono::system_clock::now() + std::chrono::milliseconds(2500)));
}

TEST_F(ServerTest, RegisteredDomainServiceHasAHealthEntry) {
  StartServer();
  EXPECT_EQ(server().health().GetStatus("armature.v1.PlannerArm"),
            grpc::health::v1::HealthCheckResponse::SERVING);
}

TEST_F(ServerTest, BusyPortIsAClearError) {
  StartServer();
  StaticArmInfo info({.arm_id = "x"});
  ArmServer second({.listen = server().grpc_address(), .metrics_listen = ""}, &info);
  const absl::Status status = second.Start();
  EXPECT_EQ(status.code(), absl::StatusCode::kUnavailable);
  EXPECT_THAT(std::string(status.message()), HasSubstr(server().grpc_address()));
}

TEST_F(ServerTest, BusyMetricsPortIsAClearError) {
  StartServer();
  StaticArmInfo info({.arm_id = "x"});
  ArmServer second({.listen = "127.0.0.1:0", .metrics_listen = server().metrics_address()}, &info);
  const absl::Status status = second.Start();
  EXPECT_EQ(status.code(), absl::StatusCode::kUnavailable);
  EXPECT_THAT(std::string(status.message()), HasSubstr("metrics_listen"));
}

TEST_F(ServerTest, ShutdownDrainsInFlightCallsAndRefusesNewOnes) {
  StartServer();
  planner_.Block();
  auto stub = MakeStub<armature::v1::PlannerArm>();
  grpc::ClientContext ctx;
  armature::v1::PlanRequest req;
  req.set_goal("in flight");
  armature::v1::PlanResponse resp;
  grpc::Status in_flight;
  std::thread call([&] { in_flight = stub->Plan(&ctx, req, &resp); });
  ASSERT_TRUE(planner_.WaitEntered(1, std::chrono::seconds(10)));

  std::thread stopper([this] { server().Shutdown(); });
  // Health flips first, while the call is still running.
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (!server().health().shutting_down() && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::yield();
  }
  EXPECT_EQ(server().health().GetStatus(""), grpc::health::v1::HealthCheckResponse::NOT_SERVING);
  EXPECT_FALSE(server().arm_info().Readiness().ready());

  planner_.Release();
  call.join();
  stopper.join();
  EXPECT_TRUE(in_flight.ok()) << in_flight.error_message();
  EXPECT_FALSE(resp.request_id().empty());

  // The server is gone: a new call fails fast.
  grpc::ClientContext late;
  late.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(2));
  EXPECT_FALSE(stub->Plan(&late, req, &resp).ok());
}

TEST_F(ServerTest, ShutdownCancelsCallsThatOutliveTheGrace) {
  options().shutdown_grace_seconds = 0;
  StartServer();
  planner_.Block();
  auto stub = MakeStub<armature::v1::PlannerArm>();
  grpc::ClientContext ctx;
  armature::v1::PlanRequest req;
  req.set_goal("stuck");
  armature::v1::PlanResponse resp;
  grpc::Status stuck;
  std::thread call([&] { stuck = stub->Plan(&ctx, req, &resp); });
  ASSERT_TRUE(planner_.WaitEntered(1, std::chrono::seconds(10)));
  std::thread stopper([this] { server().Shutdown(); });
  // The client sees its call cancelled once the grace has passed, before the handler ends.
  call.join();
  EXPECT_FALSE(stuck.ok());
  planner_.Release();
  stopper.join();
}

// A synchronous PlannerArm: Plan records the kernel thread it runs on and holds each call
// until `burst` calls are in, so a burst needs that many server threads at once.
class BurstPlanner final : public armature::v1::PlannerArm::Service {
 public:
  explicit BurstPlanner(int burst) : burst_(burst) {}

  grpc::Status Plan(grpc::ServerContext* /*context*/, const armature::v1::PlanRequest* /*request*/,
                    armature::v1::PlanResponse* /*response*/) override {
    std::unique_lock<std::mutex> lock(mu_);
    tids_.push_back(::gettid());
    const int generation = generation_;
    if (++waiting_ == burst_) {
      waiting_ = 0;
      ++generation_;
      cv_.notify_all();
      return grpc::Status::OK;
    }
    if (!cv_.wait_for(lock, std::chrono::seconds(20), [&] { return generation_ != generation; })) {
      return grpc::Status(grpc::StatusCode::DEADLINE_EXCEEDED, "the rest of the burst never came");
    }
    return grpc::Status::OK;
  }

  std::vector<pid_t> TakeThreadIds() {
    std::lock_guard<std::mutex> lock(mu_);
    return std::exchange(tids_, {});
  }

 private:
  const int burst_;
  std::mutex mu_;
  std::condition_variable cv_;
  int waiting_ = 0;
  int generation_ = 0;
  std::vector<pid_t> tids_;
};

class SyncThreadsTest : public testing::ServiceFixture {
 protected:
  static constexpr int kBurst = 6;
  void SetUp() override { RegisterService(&planner_, "armature.v1.PlannerArm"); }
  BurstPlanner planner_{kBurst};
};

TEST_F(SyncThreadsTest, BurstsOfBlockingCallsReuseTheThreadsOfEarlierBursts) {
  options().max_idle_sync_threads = 8;
  StartServer();
  auto stub = MakeStub<armature::v1::PlannerArm>();
  std::set<pid_t> seen;
  int new_threads = -1;
  // The first burst starts its threads, and the next may still meet the poller that was
  // left waiting; after that, bursts run on kept threads. If threads beyond gRPC's default
  // of two were not kept, every burst would start at least kBurst - 2 new ones.
  for (int round = 0; round < 8 && new_threads != 0; ++round) {
    std::vector<grpc::Status> results(kBurst);
    std::vector<std::thread> callers;
    for (int i = 0; i < kBurst; ++i) {
      callers.emplace_back([&, i] {
        grpc::ClientContext ctx;
        ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(30));
        armature::v1::PlanRequest req;
        req.set_goal("burst");
        armature::v1::PlanResponse resp;
        results[i] = stub->Plan(&ctx, req, &resp);
      });
    }
    for (std::thread& t : callers) t.join();
    for (const grpc::Status& status : results) ASSERT_TRUE(status.ok()) << status.error_message();
    new_threads = 0;
    for (pid_t tid : planner_.TakeThreadIds()) new_threads += seen.insert(tid).second ? 1 : 0;
  }
  EXPECT_EQ(new_threads, 0) << "every burst of blocking calls started new server threads";
}

}  // namespace
}  // namespace armature::runtime
