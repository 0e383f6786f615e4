#pragma once

#include <sys/types.h>

#include <chrono>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"

namespace armature::testing {

// BinaryProcess launches a real binary, reads its one-line JSON listening announcement
// from stdout, and ends it with a signal. stderr goes to a file kept for diagnostics.
class BinaryProcess {
 public:
  BinaryProcess() = default;
  ~BinaryProcess();
  BinaryProcess(const BinaryProcess&) = delete;
  BinaryProcess& operator=(const BinaryProcess&) = delete;

  // Starts `path` with `args`; does not wait for anything.
  absl::Status Start(const std::string& path, const std::vector<std::string>& args);
  // Reads stdout until the listening line arrives (or the process exits, or the timeout).
  absl::Status WaitListening(std::chrono::milliseconds timeout = std::chrono::seconds(20));

  const std::string& grpc_address() const { return grpc_address_; }
  const std::string& metrics_address() const { return metrics_address_; }
  pid_t pid() const { return pid_; }

  void Signal(int sig) const;
  // Waits for the process to exit; returns its exit code (128+signal when killed), or
  // nullopt when it is still running at the timeout.
  std::optional<int> WaitExit(std::chrono::milliseconds timeout);
  // Everything the process wrote to stderr so far.
  std::string Stderr() const;
  // Everything read from stdout so far.
  const std::string& Stdout() const { return stdout_; }

 private:
  pid_t pid_ = -1;
  int stdout_fd_ = -1;
  std::string stderr_path_;
  std::string stdout_;
  std::string grpc_address_;
  std::string metrics_address_;
  std::optional<int> exit_code_;
};

// Result of RunCommand.
struct CommandResult {
  int exit_code = -1;
  std::string output;  // stdout and stderr, interleaved
};

// Runs argv[0] with arguments (no shell), optional stdin text, killing it after `timeout`.
CommandResult RunCommand(const std::vector<std::string>& argv, const std::string& input = "",
                         std::chrono::milliseconds timeout = std::chrono::seconds(60));

// HTTP GET of http://`address``path`; returns the body or an error (status != 200).
absl::StatusOr<std::string> HttpGet(const std::string& address, const std::string& path);

// Value of a Prometheus sample `name{labels}` in a text exposition (labels as written,
// e.g. `code="OK",method="grpc.health.v1.Health/Check"`), or nullopt when absent.
std::optional<double> MetricValue(const std::string& exposition, const std::string& name,
                                  const std::string& labels);

}  // namespace armature::testing
