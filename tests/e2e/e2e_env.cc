#include "tests/e2e/e2e_env.h"

#include <netinet/in.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <fstream>
#include <thread>

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
  const bool has_store = std::any_of(extra_args.begin(), extra_args.end(),
                                     [](const auto& a) { return a.rfind("--store=", 0) == 0; });
  if (name == "armature-orchestrator" && !has_store) args.push_back("--store=sqlite://:memory:");
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

std::string MakeTempDir(const std::string& stem) {
  std::string tmpl = ::testing::TempDir();
  if (!tmpl.empty() && tmpl.back() != '/') tmpl += '/';
  tmpl += stem + "-XXXXXX";
  if (mkdtemp(tmpl.data()) == nullptr) {
    ADD_FAILURE() << "mkdtemp " << tmpl << " failed";
    return ::testing::TempDir();
  }
  return tmpl;
}

void WriteFile(const std::string& path, const std::string& text) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << text;
  out.close();
  EXPECT_TRUE(out.good()) << "cannot write " << path;
}

int FreePort() {
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) {
    ADD_FAILURE() << "socket failed";
    return 0;
  }
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = 0;
  socklen_t len = sizeof(addr);
  int port = 0;
  if (bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) == 0 &&
      getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) == 0) {
    port = ntohs(addr.sin_port);
  } else {
    ADD_FAILURE() << "cannot bind a loopback port";
  }
  close(fd);
  return port;
}

bool WaitUntil(const std::function<bool()>& condition, std::chrono::milliseconds timeout,
               std::chrono::milliseconds interval) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (true) {
    if (condition()) return true;
    if (std::chrono::steady_clock::now() >= deadline) return false;
    std::this_thread::sleep_for(interval);
  }
}

}  // namespace armature::e2e
