// loadgen: a gRPC load generator for any unary method. It sends one pre-serialized request
// over K channels with the callback API and grpc::GenericStub, either closed loop (C calls
// always in flight: saturation throughput) or open loop (a fixed rate with Poisson or uniform
// arrivals, latency from each call's intended start), checks every response's status and
// prints one JSON object on stdout. See docs/benchmarks.md.
#include <fstream>
#include <iostream>
#include <sstream>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/flags/usage.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_split.h"
#include "bench/loadgen/load.h"
#include "bench/loadgen/request.h"

ABSL_FLAG(std::string, target, "",
          "Server address (any gRPC target string), e.g. 127.0.0.1:50052.");
ABSL_FLAG(std::string, method, "", "Full method path, e.g. /armature.v1.PlannerArm/Plan.");
ABSL_FLAG(std::string, request_json, "",
          "The request in proto3 JSON; its type is the method's input type from the contracts "
          "linked into loadgen (armature.v1.* and armature.bench.v1.EchoService).");
ABSL_FLAG(std::string, request_json_file, "", "A file holding the request in proto3 JSON.");
ABSL_FLAG(std::string, request_file, "",
          "A file holding the serialized request (binary protobuf); for methods of any service.");
ABSL_FLAG(std::string, expect, "",
          "FIELD.PATH=VALUE every OK response must also satisfy, e.g. task.status=SUCCEEDED "
          "(enum value names; the response type comes from the linked contracts).");
ABSL_FLAG(std::string, write_frame, "",
          "Write the request as one gRPC length-prefixed message to this file (for h2load -d) "
          "and exit without sending anything.");
ABSL_FLAG(std::string, mode, "closed", "closed (C calls in flight) or open (a fixed rate).");
ABSL_FLAG(int, channels, 4, "Channels, each its own TCP connection; calls round-robin over them.");
ABSL_FLAG(int, concurrency, 64, "Closed loop: calls kept in flight.");
ABSL_FLAG(double, rate, 1000, "Open loop: calls started per second.");
ABSL_FLAG(std::string, arrival, "poisson", "Open loop: poisson (exponential gaps) or uniform.");
ABSL_FLAG(int, max_outstanding, 1000,
          "Open loop: calls in flight beyond which new starts wait (the wait counts as latency).");
ABSL_FLAG(double, warmup_seconds, 1, "Load before the measured window, in seconds.");
ABSL_FLAG(double, duration_seconds, 5, "Measured window, in seconds.");
ABSL_FLAG(int64_t, requests, 0,
          "Closed loop: when > 0, send exactly this many calls (no warm-up) and stop; a probe.");
ABSL_FLAG(int, deadline_ms, 30000, "Deadline of every call, in milliseconds.");
ABSL_FLAG(std::string, server_pids, "",
          "Comma-separated PIDs of server processes: CPU seconds over the window, CPU per call "
          "and RSS/peak RSS at its end are read from /proc and reported.");
ABSL_FLAG(int, rss_sample_ms, 0,
          "When > 0, also sample the servers' RSS every this many milliseconds.");
ABSL_FLAG(uint64_t, seed, 1, "Seed of the open-loop arrival schedule.");

namespace {

[[noreturn]] void Die(const std::string& message) {
  std::cerr << "loadgen: " << message << "\n";
  std::exit(2);
}

std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) Die("cannot read " + path);
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

std::string Request() {
  const std::string json = absl::GetFlag(FLAGS_request_json);
  const std::string json_file = absl::GetFlag(FLAGS_request_json_file);
  const std::string file = absl::GetFlag(FLAGS_request_file);
  if (static_cast<int>(!json.empty()) + !json_file.empty() + !file.empty() > 1) {
    Die("give at most one of --request_json, --request_json_file, --request_file");
  }
  if (!file.empty()) return ReadFile(file);
  const std::string text =
      !json_file.empty() ? ReadFile(json_file) : (json.empty() ? std::string("{}") : json);
  absl::StatusOr<std::string> request =
      armature::bench::SerializeRequestFromJson(absl::GetFlag(FLAGS_method), text);
  if (!request.ok()) Die(std::string(request.status().message()));
  return *std::move(request);
}

}  // namespace

int main(int argc, char** argv) {
  absl::SetProgramUsageMessage(
      "loadgen: closed- and open-loop gRPC load for one unary method, JSON results on stdout.\n"
      "\nUsage: loadgen --target=HOST:PORT --method=/pkg.Service/Method "
      "[--request_json=JSON | --request_json_file=F | --request_file=F] [--mode=closed|open] "
      "[flags]");
  std::vector<char*> rest = absl::ParseCommandLine(argc, argv);
  if (rest.size() > 1) Die(std::string("unexpected argument \"") + rest[1] + "\"");

  armature::bench::LoadOptions options;
  options.method = absl::GetFlag(FLAGS_method);
  if (options.method.empty()) Die("--method is required (see --help)");
  options.request = Request();
  if (const std::string path = absl::GetFlag(FLAGS_write_frame); !path.empty()) {
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    out << armature::bench::GrpcFrame(options.request);
    if (!out.flush()) Die("cannot write " + path);
    return 0;
  }
  if (const std::string expect = absl::GetFlag(FLAGS_expect); !expect.empty()) {
    absl::StatusOr<armature::bench::ResponseCheck> check =
        armature::bench::ResponseCheck::Create(options.method, expect);
    if (!check.ok()) Die(std::string(check.status().message()));
    options.response_check = *std::move(check);
  }
  options.target = absl::GetFlag(FLAGS_target);
  if (options.target.empty()) Die("--target is required (see --help)");
  const std::string mode = absl::GetFlag(FLAGS_mode);
  if (mode != "closed" && mode != "open") Die("--mode must be closed or open");
  options.mode =
      mode == "closed" ? armature::bench::LoadMode::kClosed : armature::bench::LoadMode::kOpen;
  const std::string arrival = absl::GetFlag(FLAGS_arrival);
  if (arrival != "poisson" && arrival != "uniform") Die("--arrival must be poisson or uniform");
  options.arrival = arrival == "poisson" ? armature::bench::Arrival::kPoisson
                                         : armature::bench::Arrival::kUniform;
  options.channels = absl::GetFlag(FLAGS_channels);
  options.concurrency = absl::GetFlag(FLAGS_concurrency);
  options.rate_per_second = absl::GetFlag(FLAGS_rate);
  options.max_outstanding = absl::GetFlag(FLAGS_max_outstanding);
  options.warmup_seconds = absl::GetFlag(FLAGS_warmup_seconds);
  options.duration_seconds = absl::GetFlag(FLAGS_duration_seconds);
  options.max_requests = absl::GetFlag(FLAGS_requests);
  options.deadline_ms = absl::GetFlag(FLAGS_deadline_ms);
  options.rss_sample_ms = absl::GetFlag(FLAGS_rss_sample_ms);
  options.seed = absl::GetFlag(FLAGS_seed);
  if (options.channels < 1 || options.concurrency < 1 || options.deadline_ms < 1 ||
      options.duration_seconds <= 0 || options.warmup_seconds < 0) {
    Die("--channels, --concurrency, --deadline_ms and --duration_seconds must be positive");
  }
  for (absl::string_view pid :
       absl::StrSplit(absl::GetFlag(FLAGS_server_pids), ',', absl::SkipWhitespace())) {
    int value = 0;
    if (!absl::SimpleAtoi(pid, &value) || value <= 0) Die("--server_pids: not a PID list");
    options.server_pids.push_back(value);
  }

  absl::StatusOr<armature::bench::LoadResult> result = armature::bench::RunLoad(options);
  if (!result.ok()) {
    std::cerr << "loadgen: " << result.status().message() << "\n";
    return 1;
  }
  std::cout << armature::bench::ResultJson(options, *result) << std::endl;
  return 0;
}
