// Every binary, started for real: reflection, health, ArmInfo, Python grpcio, /metrics,
// flags, and graceful shutdown on SIGTERM seen by a Watch stream.
#include <signal.h>

#include "gmock/gmock.h"
#include "grpc/health/v1/health.grpc.pb.h"
#include "grpcpp/create_channel.h"
#include "gtest/gtest.h"
#include "nlohmann/json.hpp"
#include "tests/e2e/e2e_env.h"

namespace armature::e2e {
namespace {

using grpc::health::v1::HealthCheckResponse;
using ::testing::HasSubstr;

struct BinaryCase {
  std::string binary;
  std::string arm_id;
  // The domain service it serves (besides health, ArmInfo and reflection).
  std::string service;
};

class BinaryTest : public ::testing::TestWithParam<BinaryCase> {
 protected:
  void SetUp() override {
    process_ = StartBinary(GetParam().binary);
    ASSERT_FALSE(process_->grpc_address().empty());
  }
  void TearDown() override {
    if (process_->WaitExit(std::chrono::milliseconds(0))) return;
    process_->Signal(SIGTERM);
    EXPECT_EQ(process_->WaitExit(std::chrono::seconds(20)), 0) << process_->Stderr();
  }
  std::string Url(const std::string& method) {
    return "http://" + process_->grpc_address() + "/" + method;
  }
  std::unique_ptr<testing::BinaryProcess> process_;
};

TEST_P(BinaryTest, ReflectionListsHealthArmInfoAndReflection) {
  auto r = BufCurl(process_->grpc_address(), {"--list-services", "@ADDR"});
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_THAT(r.output, HasSubstr("grpc.health.v1.Health"));
  EXPECT_THAT(r.output, HasSubstr("armature.v1.ArmInfo"));
  EXPECT_THAT(r.output, HasSubstr("grpc.reflection.v1alpha.ServerReflection"));
  EXPECT_THAT(r.output, HasSubstr(GetParam().service));
}

TEST_P(BinaryTest, BufCurlChecksLivenessAndReadiness) {
  for (const std::string& service : {std::string(), std::string("readiness"), GetParam().service}) {
    auto r = BufCurl(process_->grpc_address(), {"-d", nlohmann::json{{"service", service}}.dump(),
                                                Url("grpc.health.v1.Health/Check")});
    ASSERT_EQ(r.exit_code, 0) << r.output;
    EXPECT_EQ(nlohmann::json::parse(r.output)["status"], "SERVING") << service;
  }
  auto unknown = BufCurl(process_->grpc_address(), {"-d", R"({"service":"no.such.Service"})",
                                                    Url("grpc.health.v1.Health/Check")});
  EXPECT_NE(unknown.exit_code, 0);
  EXPECT_THAT(unknown.output, HasSubstr("not_found"));
}

TEST_P(BinaryTest, BufCurlGetsCapabilities) {
  auto r = BufCurl(process_->grpc_address(), {Url("armature.v1.ArmInfo/GetCapabilities")});
  ASSERT_EQ(r.exit_code, 0) << r.output;
  const auto j = nlohmann::json::parse(r.output);
  EXPECT_EQ(j["armId"], GetParam().arm_id);
  EXPECT_FALSE(j["version"].get<std::string>().empty());
  EXPECT_THAT(j["services"].dump(), HasSubstr("grpc.health.v1.Health"));
  EXPECT_THAT(j["services"].dump(), HasSubstr(GetParam().service));
}

TEST_P(BinaryTest, PythonGrpcioClientChecksHealth) {
  auto r = testing::RunCommand({PythonPath(), SourcePath("tests/e2e/health_client.py"),
                                DescriptorSetPath(), process_->grpc_address(), "readiness"});
  ASSERT_EQ(r.exit_code, 0) << r.output;
  const auto j = nlohmann::json::parse(r.output);
  EXPECT_EQ(j["health"]["status"], "SERVING");
  EXPECT_EQ(j["request_id"], "python-e2e");
  EXPECT_EQ(j["capabilities"]["arm_id"], GetParam().arm_id);
}

TEST_P(BinaryTest, MetricsCountRpcsByMethodAndCode) {
  const std::string labels = R"(code="OK",method="grpc.health.v1.Health/Check")";
  auto before = testing::HttpGet(process_->metrics_address(), "/metrics");
  ASSERT_TRUE(before.ok()) << before.status();
  const double n0 =
      testing::MetricValue(*before, "armature_grpc_server_handled_total", labels).value_or(0);
  auto stub = grpc::health::v1::Health::NewStub(
      grpc::CreateChannel(process_->grpc_address(), grpc::InsecureChannelCredentials()));
  for (int i = 0; i < 3; ++i) {
    grpc::ClientContext ctx;
    grpc::health::v1::HealthCheckResponse resp;
    ASSERT_TRUE(stub->Check(&ctx, {}, &resp).ok());
  }
  auto after = testing::HttpGet(process_->metrics_address(), "/metrics");
  ASSERT_TRUE(after.ok()) << after.status();
  EXPECT_EQ(testing::MetricValue(*after, "armature_grpc_server_handled_total", labels), n0 + 3);
  EXPECT_THAT(*after, HasSubstr("armature_grpc_server_handling_seconds_bucket"));
}

TEST_P(BinaryTest, SigtermFlipsWatchersToNotServingAndExitsZero) {
  auto stub = grpc::health::v1::Health::NewStub(
      grpc::CreateChannel(process_->grpc_address(), grpc::InsecureChannelCredentials()));
  grpc::ClientContext ctx;
  ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(30));
  auto reader = stub->Watch(&ctx, {});
  HealthCheckResponse resp;
  ASSERT_TRUE(reader->Read(&resp));
  EXPECT_EQ(resp.status(), HealthCheckResponse::SERVING);
  process_->Signal(SIGTERM);
  ASSERT_TRUE(reader->Read(&resp));
  EXPECT_EQ(resp.status(), HealthCheckResponse::NOT_SERVING);
  EXPECT_FALSE(reader->Read(&resp));
  EXPECT_TRUE(reader->Finish().ok());
  EXPECT_EQ(process_->WaitExit(std::chrono::seconds(20)), 0) << process_->Stderr();
  EXPECT_THAT(process_->Stderr(), HasSubstr("stopped"));
}

TEST_P(BinaryTest, JsonLogsAreOneObjectPerLine) {
  auto json_process = StartBinary(GetParam().binary, {"--log_format=json"});
  json_process->Signal(SIGINT);
  ASSERT_EQ(json_process->WaitExit(std::chrono::seconds(20)), 0);
  std::istringstream lines(json_process->Stderr());
  std::string line;
  int events = 0;
  while (std::getline(lines, line)) {
    const auto j = nlohmann::json::parse(line, nullptr, false);
    ASSERT_FALSE(j.is_discarded()) << line;
    EXPECT_TRUE(j.contains("ts") && j.contains("level") && j.contains("event")) << line;
    ++events;
  }
  EXPECT_GE(events, 3);  // started, signal, shutting_down, stopped
}

INSTANTIATE_TEST_SUITE_P(
    AllBinaries, BinaryTest,
    ::testing::Values(BinaryCase{"armature-orchestrator", "orchestrator",
                                 "armature.v1.Orchestrator"},
                      BinaryCase{"armature-planner-arm", "planner", "armature.v1.PlannerArm"},
                      BinaryCase{"armature-manifest", "manifest", "armature.v1.ManifestService"}),
    [](const ::testing::TestParamInfo<BinaryCase>& info) { return info.param.arm_id; });

class BinaryFlagsTest : public ::testing::TestWithParam<std::string> {};

TEST_P(BinaryFlagsTest, HelpDocumentsEveryFlag) {
  auto r = testing::RunCommand({BinaryPath(GetParam()), "--help"});
  EXPECT_THAT(r.output, HasSubstr("--listen"));
  EXPECT_THAT(r.output, HasSubstr("--metrics_listen"));
  EXPECT_THAT(r.output, HasSubstr("--log_format"));
  EXPECT_THAT(r.output, HasSubstr("--rpc_log"));
  EXPECT_THAT(r.output, HasSubstr("--shutdown_grace_seconds"));
  EXPECT_THAT(r.output, HasSubstr("Defaults: --listen=127.0.0.1:5005"));
}

TEST_P(BinaryFlagsTest, BadFlagsAreRefusedWithAMessage) {
  auto unknown = testing::RunCommand({BinaryPath(GetParam()), "--no_such_flag=1"});
  EXPECT_NE(unknown.exit_code, 0);
  EXPECT_THAT(unknown.output, HasSubstr("no_such_flag"));
  auto format = testing::RunCommand({BinaryPath(GetParam()), "--log_format=xml"});
  EXPECT_EQ(format.exit_code, 2);
  EXPECT_THAT(format.output, HasSubstr("log_format"));
  auto rpc_log = testing::RunCommand({BinaryPath(GetParam()), "--rpc_log=loud"});
  EXPECT_EQ(rpc_log.exit_code, 2);
  EXPECT_THAT(rpc_log.output, HasSubstr("rpc_log"));
  auto stray = testing::RunCommand({BinaryPath(GetParam()), "serve"});
  EXPECT_EQ(stray.exit_code, 2);
  EXPECT_THAT(stray.output, HasSubstr("unexpected argument"));
}

TEST_P(BinaryFlagsTest, BusyPortFailsStartWithTheAddress) {
  auto first = StartBinary(GetParam());
  std::vector<std::string> argv = {BinaryPath(GetParam()), "--listen=" + first->grpc_address(),
                                   "--metrics_listen=off"};
  // Not the default store: a database file in the working directory, shared between tests.
  if (GetParam() == "armature-orchestrator") argv.push_back("--store=sqlite://:memory:");
  auto second = testing::RunCommand(argv, "", std::chrono::seconds(20));
  EXPECT_EQ(second.exit_code, 1);
  EXPECT_THAT(second.output, HasSubstr(first->grpc_address()));
  first->Signal(SIGTERM);
  EXPECT_EQ(first->WaitExit(std::chrono::seconds(20)), 0);
}

INSTANTIATE_TEST_SUITE_P(AllBinaries, BinaryFlagsTest,
                         ::testing::Values("armature-orchestrator", "armature-planner-arm",
                                           "armature-manifest"),
                         [](const ::testing::TestParamInfo<std::string>& info) {
                           std::string name = info.param.substr(std::string("armature-").size());
                           std::replace(name.begin(), name.end(), '-', '_');
                           return name;
                         });

}  // namespace
}  // namespace armature::e2e
