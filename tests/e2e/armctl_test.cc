// armctl against real binaries: text for people, --json for scripts, exit codes.
#include <signal.h>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "nlohmann/json.hpp"
#include "tests/e2e/e2e_env.h"

namespace armature::e2e {
namespace {

using ::testing::HasSubstr;

testing::CommandResult Armctl(std::vector<std::string> args) {
  args.insert(args.begin(), BinaryPath("armctl"));
  return testing::RunCommand(args, "", std::chrono::seconds(30));
}

class ArmctlTest : public ::testing::Test {
 protected:
  void SetUp() override { planner_ = StartBinary("armature-planner-arm"); }
  void TearDown() override {
    planner_->Signal(SIGTERM);
    EXPECT_EQ(planner_->WaitExit(std::chrono::seconds(20)), 0);
  }
  std::string Target() { return "--target=" + planner_->grpc_address(); }
  std::unique_ptr<testing::BinaryProcess> planner_;
};

TEST_F(ArmctlTest, HealthPrintsTheStatus) {
  auto r = Armctl({"health", Target()});
  EXPECT_EQ(r.exit_code, 0) << r.output;
  EXPECT_THAT(r.output, HasSubstr("SERVING (service \"\")"));
  auto ready = Armctl({"health", "readiness", Target(), "--json"});
  EXPECT_EQ(ready.exit_code, 0) << ready.output;
  EXPECT_EQ(nlohmann::json::parse(ready.output)["status"], "SERVING");
}

TEST_F(ArmctlTest, HealthOfAnUnknownServiceIsAnError) {
  auto r = Armctl({"health", "no.such.Service", Target()});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_THAT(r.output, HasSubstr("NOT_FOUND"));
}

TEST_F(ArmctlTest, ReadyListsTheChecks) {
  auto r = Armctl({"ready", Target()});
  EXPECT_EQ(r.exit_code, 0) << r.output;
  EXPECT_THAT(r.output, HasSubstr(": ready"));
  EXPECT_THAT(r.output, HasSubstr("serving"));
  auto j = Armctl({"ready", Target(), "--json"});
  ASSERT_EQ(j.exit_code, 0) << j.output;
  const auto parsed = nlohmann::json::parse(j.output);
  EXPECT_EQ(parsed["ready"], true);
  EXPECT_EQ(parsed["checks"][0]["name"], "serving");
}

TEST_F(ArmctlTest, CapabilitiesInTextAndJson) {
  auto r = Armctl({"capabilities", Target()});
  EXPECT_EQ(r.exit_code, 0) << r.output;
  EXPECT_THAT(r.output, HasSubstr("arm:           planner"));
  auto j = Armctl({"capabilities", Target(), "--json"});
  ASSERT_EQ(j.exit_code, 0) << j.output;
  EXPECT_EQ(nlohmann::json::parse(j.output)["arm_id"], "planner");
}

TEST(ArmctlErrorsTest, UnreachableTargetIsExitTwoWithTheReason) {
  auto r = Armctl({"health", "--target=127.0.0.1:1", "--timeout_seconds=2"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_THAT(r.output, HasSubstr("127.0.0.1:1"));
  EXPECT_THAT(r.output, HasSubstr("UNAVAILABLE"));
}

TEST(ArmctlErrorsTest, UsageErrors) {
  auto none = Armctl({});
  EXPECT_EQ(none.exit_code, 2);
  EXPECT_THAT(none.output, HasSubstr("Usage: armctl"));
  auto unknown = Armctl({"frobnicate"});
  EXPECT_EQ(unknown.exit_code, 2);
  EXPECT_THAT(unknown.output, HasSubstr("unknown command \"frobnicate\""));
  auto extra = Armctl({"ready", "extra"});
  EXPECT_EQ(extra.exit_code, 2);
  EXPECT_THAT(extra.output, HasSubstr("no arguments"));
}

TEST(ArmctlOrchestratorTest, ArmChecksAreInformationalAndFollowTheArms) {
  // Orchestrator pointed at a planner that is up and a manifest target that is down.
  auto planner = StartBinary("armature-planner-arm");
  auto orchestrator =
      StartBinary("armature-orchestrator",
                  {"--planner_target=" + planner->grpc_address(), "--manifest_target=127.0.0.1:1"});
  auto r = Armctl({"ready", "--target=" + orchestrator->grpc_address(), "--json"});
  ASSERT_EQ(r.exit_code, 0) << r.output;  // an arm being down does not make it unready
  const auto j = nlohmann::json::parse(r.output);
  EXPECT_EQ(j["ready"], true);
  std::map<std::string, bool> ok;
  for (const auto& c : j["checks"]) ok[c["name"]] = c["ok"];
  EXPECT_TRUE(ok.at("arm:planner"));
  EXPECT_FALSE(ok.at("arm:manifest"));
  orchestrator->Signal(SIGTERM);
  planner->Signal(SIGTERM);
  EXPECT_EQ(orchestrator->WaitExit(std::chrono::seconds(20)), 0);
  EXPECT_EQ(planner->WaitExit(std::chrono::seconds(20)), 0);
}

}  // namespace
}  // namespace armature::e2e
