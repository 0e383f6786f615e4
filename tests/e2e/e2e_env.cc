#include "tests/e2e/e2e_env.h"

#include "gtest/gtest.h"

namespace armature::e2e {

std::string BinaryPath(const std::string& name) {
  const std::string dir = ARMATURE_BIN_DIR;
  if (name == "armctl") return dir + "/tools/armctl/armctl";
  if (name == "armature-orchestrator") return dir + "/services/orchestrator/" + name;
  if (name == "armature-planner-arm") return dir + "/services/planner_arm/" + name;
  if (name == "armature-manifest") return dir + "/services/manifest/" + name;
  ADD_FAILURE() << "unknown binary " << name;
  return "";
}

std::string BufPath() { return ARMATURE_BUF; }
std::string PythonPath() { return ARMATURE_PYTHON; }
std::string DescriptorSetPath() { return ARMATURE_DESCRIPTOR_SET; }
std::string SourcePath(const std::string& relative) {
  return std::string(ARMATURE_SOURCE_DIR) + "/" + relative;
}

std::unique_ptr<testing::BinaryProcess> StartBinary(const std::string& name,
                                                    std::vector<std::string> extra_args) {
  auto process = std::make_unique<testing::BinaryProcess>();
  std::vector<std::string> args = {"--listen=127.0.0.1:0", "--metrics_listen=127.0.0.1:0"};
  args.insert(args.end(), extra_args.begin(), extra_args.end());
  absl::Status status = process->Start(BinaryPath(name), args);
  EXPECT_TRUE(status.ok()) << status;
  if (status.ok()) {
    status = process->WaitListening();
    EXPECT_TRUE(status.ok()) << status;
  }
  return process;
}

testing::CommandResult BufCurl(const std::string& address, const std::vector<std::string>& args) {
  std::vector<std::string> argv = {BufPath(), "curl", "--protocol", "grpc",
                                   "--http2-prior-knowledge"};
  argv.insert(argv.end(), args.begin(), args.end());
  // buf writes its cache under $HOME; tests must not depend on one.
  std::vector<std::string> with_env = {"env", "HOME=" + ::testing::TempDir(),
                                       "BUF_CACHE_DIR=" + ::testing::TempDir() + "/buf-cache"};
  with_env.insert(with_env.end(), argv.begin(), argv.end());
  for (auto& a : with_env) {
    if (a == "@ADDR") a = "http://" + address;
  }
  return testing::RunCommand(with_env, "", std::chrono::seconds(60));
}

}  // namespace armature::e2e
