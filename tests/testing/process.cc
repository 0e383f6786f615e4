#include "tests/testing/process.h"

#include <curl/curl.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <sstream>
#include <thread>

#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "nlohmann/json.hpp"

extern char** environ;

namespace armature::testing {
namespace {

using Clock = std::chrono::steady_clock;

std::vector<char*> MakeArgv(std::vector<std::string>& storage) {
  std::vector<char*> argv;
  for (auto& s : storage) argv.push_back(s.data());
  argv.push_back(nullptr);
  return argv;
}

std::string TempPath(const std::string& stem) {
  std::string tmpl = absl::StrCat(::testing::TempDir(), "/", stem, "-XXXXXX");
  const int fd = mkstemp(tmpl.data());
  if (fd >= 0) close(fd);
  return tmpl;
}

std::optional<int> DecodeWaitStatus(int status) {
  if (WIFEXITED(status)) return WEXITSTATUS(status);
  if (WIFSIGNALED(status)) return 128 + WTERMSIG(status);
  return std::nullopt;
}

}  // namespace

BinaryProcess::~BinaryProcess() {
  if (pid_ > 0 && !exit_code_) {
    kill(pid_, SIGKILL);
    int status = 0;
    waitpid(pid_, &status, 0);
  }
  if (stdout_fd_ >= 0) close(stdout_fd_);
  if (!stderr_path_.empty()) unlink(stderr_path_.c_str());
}

absl::Status BinaryProcess::Start(const std::string& path, const std::vector<std::string>& args) {
  int out[2];
  if (pipe2(out, O_CLOEXEC) != 0) return absl::InternalError("pipe failed");
  stderr_path_ = TempPath("stderr");
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, out[1], STDOUT_FILENO);
  posix_spawn_file_actions_addopen(&actions, STDERR_FILENO, stderr_path_.c_str(),
                                   O_WRONLY | O_CREAT | O_TRUNC, 0644);
  std::vector<std::string> storage = {path};
  storage.insert(storage.end(), args.begin(), args.end());
  std::vector<char*> argv = MakeArgv(storage);
  const int rc = posix_spawn(&pid_, path.c_str(), &actions, nullptr, argv.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  close(out[1]);
  if (rc != 0) {
    close(out[0]);
    pid_ = -1;
    return absl::InternalError(absl::StrCat("cannot start ", path, ": ", strerror(rc)));
  }
  stdout_fd_ = out[0];
  return absl::OkStatus();
}

absl::Status BinaryProcess::WaitListening(std::chrono::milliseconds timeout) {
  const auto deadline = Clock::now() + timeout;
  while (Clock::now() < deadline) {
    const size_t newline = stdout_.find('\n');
    if (newline != std::string::npos) {
      auto j = nlohmann::json::parse(stdout_.substr(0, newline), nullptr, false);
      if (j.is_discarded() || j.value("event", "") != "listening") {
        return absl::InternalError(absl::StrCat("unexpected first stdout line: ", stdout_));
      }
      grpc_address_ = j.value("grpc", "");
      metrics_address_ = j.value("metrics", "");
      return absl::OkStatus();
    }
    pollfd pfd{.fd = stdout_fd_, .events = POLLIN, .revents = 0};
    const int ms = static_cast<int>(
        std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()).count());
    if (poll(&pfd, 1, std::max(ms, 1)) > 0) {
      char buf[4096];
      const ssize_t n = read(stdout_fd_, buf, sizeof(buf));
      if (n <= 0) {
        return absl::InternalError(
            absl::StrCat("process closed stdout before listening; stderr:\n", Stderr()));
      }
      stdout_.append(buf, static_cast<size_t>(n));
    }
  }
  return absl::DeadlineExceededError(
      absl::StrCat("no listening line within the timeout; stderr:\n", Stderr()));
}

void BinaryProcess::Signal(int sig) const {
  if (pid_ > 0) kill(pid_, sig);
}

std::optional<int> BinaryProcess::WaitExit(std::chrono::milliseconds timeout) {
  if (exit_code_) return exit_code_;
  const auto deadline = Clock::now() + timeout;
  while (true) {
    int status = 0;
    const pid_t r = waitpid(pid_, &status, WNOHANG);
    if (r == pid_) {
      exit_code_ = DecodeWaitStatus(status);
      return exit_code_;
    }
    if (Clock::now() >= deadline) return std::nullopt;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
}

std::string BinaryProcess::Stderr() const {
  std::ifstream in(stderr_path_);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

CommandResult RunCommand(const std::vector<std::string>& argv_in, const std::string& input,
                         std::chrono::milliseconds timeout) {
  CommandResult result;
  int out[2], in[2];
  if (pipe2(out, O_CLOEXEC) != 0 || pipe2(in, O_CLOEXEC) != 0) return result;
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, out[1], STDOUT_FILENO);
  posix_spawn_file_actions_adddup2(&actions, out[1], STDERR_FILENO);
  posix_spawn_file_actions_adddup2(&actions, in[0], STDIN_FILENO);
  std::vector<std::string> storage = argv_in;
  std::vector<char*> argv = MakeArgv(storage);
  pid_t pid = -1;
  const int rc = posix_spawnp(&pid, storage[0].c_str(), &actions, nullptr, argv.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  close(out[1]);
  close(in[0]);
  if (rc != 0) {
    close(out[0]);
    close(in[1]);
    result.output = absl::StrCat("cannot run ", storage[0], ": ", strerror(rc));
    return result;
  }
  if (!input.empty()) {
    (void)!write(in[1], input.data(), input.size());
  }
  close(in[1]);
  const auto deadline = Clock::now() + timeout;
  bool killed = false;
  while (true) {
    pollfd pfd{.fd = out[0], .events = POLLIN, .revents = 0};
    if (poll(&pfd, 1, 50) > 0) {
      char buf[4096];
      const ssize_t n = read(out[0], buf, sizeof(buf));
      if (n <= 0) break;
      result.output.append(buf, static_cast<size_t>(n));
    }
    if (!killed && Clock::now() > deadline) {
      kill(pid, SIGKILL);
      killed = true;
      result.output.append("\n[killed: timeout]\n");
    }
  }
  close(out[0]);
  int status = 0;
  waitpid(pid, &status, 0);
  result.exit_code = DecodeWaitStatus(status).value_or(-1);
  return result;
}

namespace {
size_t AppendBody(char* data, size_t size, size_t count, void* user) {
  static_cast<std::string*>(user)->append(data, size * count);
  return size * count;
}
}  // namespace

absl::StatusOr<std::string> HttpGet(const std::string& address, const std::string& path) {
  CURL* curl = curl_easy_init();
  if (curl == nullptr) return absl::InternalError("curl_easy_init failed");
  std::string body;
  const std::string url = absl::StrCat("http://", address, path);
  curl_easy_setopt(curl, CURLOPT_URL, url.c_str());
  curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, AppendBody);
  curl_easy_setopt(curl, CURLOPT_WRITEDATA, &body);
  curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS, 10000L);
  curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
  const CURLcode rc = curl_easy_perform(curl);
  long code = 0;
  curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &code);
  curl_easy_cleanup(curl);
  if (rc != CURLE_OK)
    return absl::UnavailableError(absl::StrCat(url, ": ", curl_easy_strerror(rc)));
  if (code != 200) return absl::UnavailableError(absl::StrCat(url, ": HTTP ", code));
  return body;
}

std::optional<double> MetricValue(const std::string& exposition, const std::string& name,
                                  const std::string& labels) {
  const std::string key = labels.empty() ? name + " " : absl::StrCat(name, "{", labels, "} ");
  std::istringstream lines(exposition);
  std::string line;
  while (std::getline(lines, line)) {
    if (line.rfind(key, 0) == 0) return std::strtod(line.c_str() + key.size(), nullptr);
  }
  return std::nullopt;
}

}  // namespace armature::testing
