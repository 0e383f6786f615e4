// The domain RPCs of the real binaries through buf curl (reflection) and armctl.
#include <signal.h>

#include <fstream>
#include <sstream>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "nlohmann/json.hpp"
#include "tests/e2e/e2e_env.h"

namespace armature::e2e {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

class DomainE2eTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    planner_ = StartBinary("armature-planner-arm", {"--metrics_listen=off"}).release();
    manifest_ = StartBinary("armature-manifest", {"--metrics_listen=off"}).release();
  }
  static void TearDownTestSuite() {
    for (auto* p : {planner_, manifest_}) {
      p->Signal(SIGTERM);
      EXPECT_EQ(p->WaitExit(std::chrono::seconds(20)), 0) << p->Stderr();
      delete p;
    }
  }
  static std::string Url(testing::BinaryProcess* p, const std::string& method) {
    return "http://" + p->grpc_address() + "/" + method;
  }
  static testing::CommandResult Armctl(std::vector<std::string> args) {
    args.insert(args.begin(), BinaryPath("armctl"));
    return testing::RunCommand(args, "", std::chrono::seconds(30));
  }
  static inline testing::BinaryProcess* planner_ = nullptr;
  static inline testing::BinaryProcess* manifest_ = nullptr;
};

TEST_F(DomainE2eTest, BufCurlPlan) {
  auto r =
      BufCurl(planner_->grpc_address(),
              {"-d", R"({"goal":"Build and deploy a REST API with tests","request_id":"e2e-1"})",
               Url(planner_, "armature.v1.PlannerArm/Plan")});
  ASSERT_EQ(r.exit_code, 0) << r.output;
  const auto j = nlohmann::json::parse(r.output);
  EXPECT_EQ(j["requestId"], "e2e-1");
  const auto& steps = j["plan"]["subtasks"];
  ASSERT_GE(steps.size(), 3u);
  ASSERT_LE(steps.size(), 7u);
  EXPECT_EQ(steps.back()["requiredArm"], "judge");
  EXPECT_EQ(j["plan"]["backend"], "builtin");
}

TEST_F(DomainE2eTest, BufCurlPlanRejectsAnEmptyGoal) {
  auto r = BufCurl(planner_->grpc_address(),
                   {"-d", R"({"goal":"  "})", Url(planner_, "armature.v1.PlannerArm/Plan")});
  EXPECT_NE(r.exit_code, 0);
  EXPECT_THAT(r.output, HasSubstr("invalid_argument"));
  EXPECT_THAT(r.output, HasSubstr("goal"));
}

// The `rpc` log line of a domain call: by default only calls that failed; with --rpc_log=all
// every call; with off none at INFO.
std::vector<nlohmann::json> RpcLines(const std::string& rpc_log) {
  auto planner = StartBinary("armature-planner-arm",
                             {"--metrics_listen=off", "--log_format=json", "--rpc_log=" + rpc_log});
  for (const char* body :
       {R"({"goal":"Build and deploy a REST API with tests"})", R"({"goal":"  "})"}) {
    BufCurl(planner->grpc_address(),
            {"-H", "x-request-id: rpc-log-test", "-d", body,
             "http://" + planner->grpc_address() + "/armature.v1.PlannerArm/Plan"});
  }
  planner->Signal(SIGTERM);
  EXPECT_EQ(planner->WaitExit(std::chrono::seconds(20)), 0) << planner->Stderr();
  std::vector<nlohmann::json> lines;
  std::istringstream err(planner->Stderr());
  std::string line;
  while (std::getline(err, line)) {
    const auto j = nlohmann::json::parse(line, nullptr, false);
    if (!j.is_discarded() && j.value("event", "") == "rpc") lines.push_back(j);
  }
  return lines;
}

TEST(RpcLogE2eTest, DefaultLogsOnlyFailedCalls) {
  const std::vector<nlohmann::json> lines = RpcLines("errors");
  ASSERT_EQ(lines.size(), 1u);
  EXPECT_EQ(lines[0]["method"], "armature.v1.PlannerArm/Plan");
  EXPECT_EQ(lines[0]["code"], "INVALID_ARGUMENT");
  EXPECT_EQ(lines[0]["request_id"], "rpc-log-test");
  EXPECT_THAT(lines[0]["error"].get<std::string>(), HasSubstr("goal"));
  EXPECT_THAT(lines[0]["peer"].get<std::string>(), HasSubstr("127.0.0.1"));
}

TEST(RpcLogE2eTest, AllLogsEveryCallAndOffNone) {
  const std::vector<nlohmann::json> all = RpcLines("all");
  ASSERT_EQ(all.size(), 2u);
  EXPECT_EQ(all[0]["code"], "OK");
  EXPECT_EQ(all[0]["request_id"], "rpc-log-test");
  EXPECT_EQ(all[1]["code"], "INVALID_ARGUMENT");
  EXPECT_TRUE(RpcLines("off").empty());
}

TEST_F(DomainE2eTest, BufCurlPlanScene) {
  auto r =
      BufCurl(planner_->grpc_address(),
              {"-d", R"({"prompt":"misty cyberpunk alley at night; light rain; orbit camera"})",
               Url(planner_, "armature.v1.PlannerArm/PlanScene")});
  ASSERT_EQ(r.exit_code, 0) << r.output;
  const auto j = nlohmann::json::parse(r.output);
  EXPECT_EQ(j["scene"]["environment"]["timeOfDay"], "night");
  EXPECT_EQ(j["scene"]["camera"]["path"], "orbit");
}

TEST_F(DomainE2eTest, BufCurlBuildManifest) {
  const nlohmann::json body = {
      {"treatment",
       "## Scene 1 - Hook (3s)\nNarration: Step one: pick footage.\nVisual: analyst opening a "
       "laptop\n\n## Scene 2 - Numbers\nVO: Sales grew.\nChart: Q1: 10, Q2: 14\n"},
      {"hints", {{"duration_seconds", 12}}}};
  auto r =
      BufCurl(manifest_->grpc_address(),
              {"-d", body.dump(), Url(manifest_, "armature.v1.ManifestService/BuildManifest")});
  ASSERT_EQ(r.exit_code, 0) << r.output;
  const auto j = nlohmann::json::parse(r.output);
  const auto& scenes = j["manifest"]["scenes"];
  ASSERT_EQ(scenes.size(), 2u);
  EXPECT_EQ(scenes[0]["narration"], "Step one: pick footage.");
  EXPECT_EQ(scenes[0]["durationSeconds"], 3);
  EXPECT_EQ(scenes[1]["durationSeconds"], 9);
  bool render = false, chart = false;
  for (const auto& job : j["jobs"]) {
    render |= job["type"] == "RENDER";
    chart |= job["type"] == "GENERATE_CHART";
  }
  EXPECT_TRUE(render);
  EXPECT_TRUE(chart);
}

TEST_F(DomainE2eTest, BufCurlBuildManifestRejectsAnEmptyTreatment) {
  auto r = BufCurl(
      manifest_->grpc_address(),
      {"-d", R"({"treatment":""})", Url(manifest_, "armature.v1.ManifestService/BuildManifest")});
  EXPECT_NE(r.exit_code, 0);
  EXPECT_THAT(r.output, HasSubstr("treatment"));
}

TEST_F(DomainE2eTest, ArmctlPlanSceneAndManifest) {
  auto plan = Armctl({"plan", "Build and deploy a REST API with tests", "--constraint",
                      "Python only", "--target=" + planner_->grpc_address()});
  ASSERT_EQ(plan.exit_code, 0) << plan.output;
  EXPECT_THAT(plan.output, HasSubstr("Plan for: Build and deploy a REST API with tests"));
  EXPECT_THAT(plan.output, HasSubstr("[judge]"));
  EXPECT_THAT(plan.output, HasSubstr("Python only"));

  auto scene = Armctl({"scene", "a robot walking in a desert at noon",
                       "--target=" + planner_->grpc_address(), "--json"});
  ASSERT_EQ(scene.exit_code, 0) << scene.output;
  EXPECT_FALSE(nlohmann::json::parse(scene.output)["scene"]["environment"].is_null());

  const std::string file = ::testing::TempDir() + "/treatment.md";
  std::ofstream(file) << "## Scene 1\nNarration: Hello there.\n\n## Scene 2\nNarration: Bye.\n";
  auto manifest =
      Armctl({"manifest", file, "--duration", "10", "--target=" + manifest_->grpc_address()});
  ASSERT_EQ(manifest.exit_code, 0) << manifest.output;
  EXPECT_THAT(manifest.output, HasSubstr("narration: Hello there."));
  EXPECT_THAT(manifest.output, HasSubstr("job_render"));

  auto missing = Armctl({"manifest", "/no/such/file.md", "--target=" + manifest_->grpc_address()});
  EXPECT_EQ(missing.exit_code, 2);
  EXPECT_THAT(missing.output, HasSubstr("/no/such/file.md"));
}

}  // namespace
}  // namespace armature::e2e

namespace armature::e2e {
namespace {

// A bad configuration file stops start-up with exit code 2 and a message naming the file.
TEST(ConfigErrorsE2eTest, BadFilesStopStartUpNamingTheFile) {
  const std::string dir = ::testing::TempDir();
  const std::string llm = dir + "/llm.yaml";
  std::ofstream(llm)
      << "providers:\n  - kind: openai\n    model: m\n    base_url: http://127.0.0.1:1\n";
  const std::string prompts = dir + "/prompts";
  testing::RunCommand({"mkdir", "-p", prompts});
  std::ofstream(prompts + "/planner.yaml") << "system: \"plan {goal\"\nuser: \"{nope}\"\n";
  std::ofstream(prompts + "/scene.yaml") << "system: s\nuser: \"{prompt}\"\n";
  const std::string arms = dir + "/arms.yaml";
  std::ofstream(arms) << "arms:\n  - id: coder\n    cost_tier: 9\n";
  const std::string manifest = dir + "/manifest.yaml";
  std::ofstream(manifest) << "jobs:\n  tts:\n    priority: 99\n";

  struct Case {
    std::string binary;
    std::vector<std::string> args;
    std::string names;
  };
  const std::vector<Case> cases = {
      {"armature-planner-arm", {"--llm_config=" + dir + "/missing.yaml"}, "missing.yaml"},
      {"armature-planner-arm", {"--llm_config=" + llm, "--prompts_dir=" + prompts}, "planner.yaml"},
      {"armature-planner-arm", {"--arms_config=" + arms}, "arms.yaml"},
      {"armature-manifest", {"--manifest_config=" + manifest}, "manifest.yaml"},
      {"armature-manifest", {"--llm_config=" + dir + "/missing.yaml"}, "missing.yaml"},
  };
  for (const Case& c : cases) {
    std::vector<std::string> argv = {BinaryPath(c.binary), "--listen=127.0.0.1:0",
                                     "--metrics_listen=off"};
    argv.insert(argv.end(), c.args.begin(), c.args.end());
    auto r = testing::RunCommand(argv, "", std::chrono::seconds(20));
    EXPECT_EQ(r.exit_code, 2) << c.names << ": " << r.output;
    EXPECT_THAT(r.output, HasSubstr(c.names)) << r.output;
    EXPECT_THAT(r.output, Not(HasSubstr("\"event\":\"listening\""))) << c.names;
  }
}

}  // namespace
}  // namespace armature::e2e
