#pragma once

#include <sys/types.h>

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "bench/loadgen/request.h"

namespace armature::bench {

// How calls are offered to the server.
enum class LoadMode {
  // `concurrency` calls always in flight: each completion starts the next call at once.
  // Measures saturation throughput.
  kClosed,
  // Calls started at `rate_per_second` on a schedule that does not wait for the server;
  // latency counts from each call's intended start, so a stalled server or client is
  // charged for every call it delayed (no coordinated omission).
  kOpen,
};

// Spacing of open-loop arrivals.
enum class Arrival {
  kPoisson,  // exponential gaps (independent clients)
  kUniform,  // equal gaps
};

// LoadOptions describe one run: one method, one pre-serialized request, K channels.
struct LoadOptions {
  // Server address, any gRPC target string.
  std::string target;
  // Full method path, e.g. /armature.v1.PlannerArm/Plan.
  std::string method;
  // The serialized request sent by every call.
  std::string request;
  // When set, every OK response must also pass it (a failure counts as a RESPONSE_CHECK error).
  std::optional<ResponseCheck> response_check;
  LoadMode mode = LoadMode::kClosed;
  // Channels (each its own TCP connection); calls are spread round-robin over them.
  int channels = 4;
  // Closed loop: calls kept in flight.
  int concurrency = 64;
  // Open loop: calls started per second, and how they are spaced.
  double rate_per_second = 1000;
  Arrival arrival = Arrival::kPoisson;
  // Open loop: calls in flight beyond which the scheduler waits (bounds memory when the
  // server falls behind; the wait is charged to the calls' latency).
  int max_outstanding = 1000;
  // Load before the measured window (results ignore it), and the window, in seconds.
  double warmup_seconds = 1;
  double duration_seconds = 5;
  // Closed loop: when > 0, stop after this many calls instead (no warm-up); for probes.
  int64_t max_requests = 0;
  // Deadline of every call, in milliseconds (a missed one is a DEADLINE_EXCEEDED error).
  int deadline_ms = 30000;
  // Server processes whose CPU time and memory are read from /proc over the window.
  std::vector<pid_t> server_pids;
  // When > 0, also sample their RSS every this many milliseconds from the start.
  int rss_sample_ms = 0;
  // Seed of the open-loop arrival schedule.
  uint64_t seed = 1;
};

// What /proc says about one server process over the measured window.
struct ServerUsage {
  pid_t pid = 0;
  double cpu_seconds = 0;                               // utime + stime spent in the window
  int64_t rss_kib_end = 0;                              // VmRSS at the end of the window
  int64_t hwm_kib_end = 0;                              // VmHWM (peak RSS) at the end of the window
  std::vector<std::pair<double, int64_t>> rss_samples;  // (seconds since start, KiB)
};

struct LoadResult {
  double window_seconds = 0;  // measured window actually observed
  uint64_t ok = 0;            // calls in the window that ended OK
  uint64_t errors = 0;        // calls in the window that ended with another status
  std::map<std::string, uint64_t> error_codes;       // code name (or RESPONSE_CHECK) -> count
  std::map<std::string, std::string> error_samples;  // code name -> first message seen
  uint64_t total_calls = 0;  // every call that completed, warm-up and drain included
  double ok_per_second = 0;  // throughput: OK calls per second of window
  // Latency of the calls in the window (open loop: from the intended start), in ns.
  int64_t p50_ns = 0, p90_ns = 0, p99_ns = 0, p999_ns = 0, max_ns = 0;
  double mean_ns = 0;
  // Open loop: calls started more than 1 ms after their intended time, and how late calls
  // started (ns): a client that cannot keep up shows growing lags, a busy machine's
  // scheduling jitter only a tail.
  uint64_t late_starts = 0;
  int64_t start_lag_p50_ns = 0, start_lag_p90_ns = 0, start_lag_p99_ns = 0;
  int64_t max_start_lag_ns = 0;
  std::vector<ServerUsage> servers;
};

// Connects every channel (failing after 10 s), runs the load and reports. Non-OK statuses
// are results, not errors; the error is for a run that could not happen at all.
absl::StatusOr<LoadResult> RunLoad(const LoadOptions& options);

// The run as one JSON object (see docs/benchmarks.md for the fields).
std::string ResultJson(const LoadOptions& options, const LoadResult& result);

}  // namespace armature::bench
