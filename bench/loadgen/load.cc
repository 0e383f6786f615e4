#include "bench/loadgen/load.h"

#include <sys/prctl.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <limits>
#include <memory>
#include <mutex>
#include <random>
#include <thread>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "bench/loadgen/histogram.h"
#include "bench/loadgen/proc_stats.h"
#include "grpcpp/generic/generic_stub.h"
#include "grpcpp/grpcpp.h"
#include "nlohmann/json.hpp"

namespace armature::bench {
namespace {

using Clock = std::chrono::steady_clock;

int64_t Nanos(Clock::duration d) {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(d).count();
}

Clock::duration Seconds(double s) {
  return std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(s));
}

// Error kinds: the 17 gRPC codes, then responses that were OK but failed the check.
constexpr size_t kResponseCheckFailed = 17;

std::string ErrorName(size_t kind) {
  if (kind == kResponseCheckFailed) return "RESPONSE_CHECK";
  return absl::StatusCodeToString(static_cast<absl::StatusCode>(kind));
}

std::string Flatten(const grpc::ByteBuffer& buffer) {
  std::vector<grpc::Slice> slices;
  std::string out;
  if (!buffer.Dump(&slices).ok()) return out;
  out.reserve(buffer.Length());
  for (const grpc::Slice& s : slices)
    out.append(reinterpret_cast<const char*>(s.begin()), s.size());
  return out;
}

// Runner drives one run. Calls complete on gRPC's callback threads; a closed-loop
// completion starts the next call from its callback, an open-loop schedule runs on its own
// thread, and the calling thread samples /proc and waits for the drain.
class Runner {
 public:
  explicit Runner(const LoadOptions& options) : options_(options) {}

  absl::Status Connect() {
    for (int i = 0; i < std::max(1, options_.channels); ++i) {
      grpc::ChannelArguments args;
      args.SetMaxReceiveMessageSize(64 * 1024 * 1024);
      args.SetMaxSendMessageSize(64 * 1024 * 1024);
      // A private subchannel per channel: K channels are K TCP connections.
      args.SetInt(GRPC_ARG_USE_LOCAL_SUBCHANNEL_POOL, 1);
      args.SetInt("armature.bench.channel", i);
      auto channel =
          grpc::CreateCustomChannel(options_.target, grpc::InsecureChannelCredentials(), args);
      if (!channel->WaitForConnected(std::chrono::system_clock::now() + std::chrono::seconds(10))) {
        return absl::UnavailableError(
            absl::StrCat("target: cannot connect to ", options_.target, " within 10 s"));
      }
      stubs_.push_back(std::make_unique<grpc::GenericStub>(channel));
      channels_.push_back(std::move(channel));
    }
    const grpc::Slice slice(options_.request);
    request_ = grpc::ByteBuffer(&slice, 1);
    return absl::OkStatus();
  }

  LoadResult Run() {
    start_ = Clock::now();
    const bool probe = options_.mode == LoadMode::kClosed && options_.max_requests > 0;
    window_start_ = probe ? start_ : start_ + Seconds(options_.warmup_seconds);
    window_end_ =
        probe ? Clock::time_point::max() : window_start_ + Seconds(options_.duration_seconds);
    ProcWindow procs(options_);

    std::vector<std::thread> schedulers;
    if (options_.mode == LoadMode::kClosed) {
      for (int i = 0; i < std::max(1, options_.concurrency) && Claim(); ++i) {
        outstanding_.fetch_add(1);
        Start(i % static_cast<int>(stubs_.size()), Clock::now());
      }
    } else {
      // One schedule per channel, each at rate / K: starting a call costs the starting
      // thread several microseconds, so one thread alone falls behind at high rates. The sum
      // of independent Poisson streams is a Poisson stream of the total rate.
      lags_.resize(stubs_.size());
      for (size_t i = 0; i < stubs_.size(); ++i) {
        schedulers.emplace_back([this, i] { Schedule(static_cast<int>(i)); });
      }
    }

    if (probe) {
      procs.AtWindowStart();
      WaitForDrain();
      window_end_ = last_done_.load() == Clock::time_point() ? Clock::now() : last_done_.load();
      procs.AtWindowEnd();
    } else {
      procs.SampleUntil(start_, window_start_);
      procs.AtWindowStart();
      procs.SampleUntil(start_, window_end_);
      procs.AtWindowEnd();
      stopping_.store(true);
      for (std::thread& t : schedulers) t.join();
      WaitForDrain();
    }
    return Result(procs);
  }

 private:
  struct Call {
    grpc::ClientContext context;
    grpc::ByteBuffer request;
    grpc::ByteBuffer response;
    Clock::time_point intended;
    int channel = 0;
  };

  // Reads the server processes' /proc entries at the window's edges and in between.
  class ProcWindow {
   public:
    explicit ProcWindow(const LoadOptions& options)
        : sample_every_(std::chrono::milliseconds(options.rss_sample_ms)) {
      for (pid_t pid : options.server_pids) usage_.push_back(ServerUsage{.pid = pid});
      cpu_at_start_.resize(usage_.size(), 0.0);
    }

    // Sleeps until `until`, sampling RSS on the way when asked to.
    void SampleUntil(Clock::time_point run_start, Clock::time_point until) {
      while (true) {
        if (sample_every_.count() <= 0 || usage_.empty()) {
          std::this_thread::sleep_until(until);
          return;
        }
        if (next_sample_ == Clock::time_point()) next_sample_ = run_start;
        if (next_sample_ >= until) {
          std::this_thread::sleep_until(until);
          return;
        }
        std::this_thread::sleep_until(next_sample_);
        const double t = std::chrono::duration<double>(Clock::now() - run_start).count();
        for (ServerUsage& u : usage_) {
          if (auto s = ReadProc(u.pid)) u.rss_samples.emplace_back(t, s->rss_kib);
        }
        next_sample_ += sample_every_;
      }
    }

    void AtWindowStart() {
      for (size_t i = 0; i < usage_.size(); ++i) {
        if (auto s = ReadProc(usage_[i].pid)) cpu_at_start_[i] = s->cpu_seconds;
      }
    }

    void AtWindowEnd() {
      for (size_t i = 0; i < usage_.size(); ++i) {
        if (auto s = ReadProc(usage_[i].pid)) {
          usage_[i].cpu_seconds = s->cpu_seconds - cpu_at_start_[i];
          usage_[i].rss_kib_end = s->rss_kib;
          usage_[i].hwm_kib_end = s->hwm_kib;
        }
      }
    }

    std::vector<ServerUsage>& usage() { return usage_; }

   private:
    const Clock::duration sample_every_;
    Clock::time_point next_sample_;
    std::vector<ServerUsage> usage_;
    std::vector<double> cpu_at_start_;
  };

  // Closed-loop probe budget: true while another call may start.
  bool Claim() {
    if (options_.max_requests <= 0) return true;
    return issued_.fetch_add(1) < options_.max_requests;
  }

  void Start(int channel, Clock::time_point intended) {
    auto* call = new Call;
    call->request = request_;
    call->intended = intended;
    call->channel = channel;
    call->context.set_deadline(std::chrono::system_clock::now() +
                               std::chrono::milliseconds(options_.deadline_ms));
    stubs_[channel]->UnaryCall(&call->context, options_.method, grpc::StubOptions(), &call->request,
                               &call->response,
                               [this, call](grpc::Status status) { OnDone(call, status); });
  }

  void OnDone(Call* call, const grpc::Status& status) {
    const Clock::time_point done = Clock::now();
    total_.fetch_add(1, std::memory_order_relaxed);
    const bool counted = options_.mode == LoadMode::kClosed
                             ? done >= window_start_ && done < window_end_
                             : call->intended >= window_start_ && call->intended < window_end_;
    if (counted) {
      histogram_.Record(Nanos(done - call->intended));
      size_t kind = std::min<size_t>(static_cast<size_t>(status.error_code()), 16);
      std::string message = status.error_message();
      if (status.ok() && options_.response_check.has_value()) {
        absl::Status checked = options_.response_check->Check(Flatten(call->response));
        if (!checked.ok()) {
          kind = kResponseCheckFailed;
          message = std::string(checked.message());
        }
      }
      if (kind == 0) {
        ok_.fetch_add(1, std::memory_order_relaxed);
      } else {
        errors_.fetch_add(1, std::memory_order_relaxed);
        if (codes_[kind].fetch_add(1, std::memory_order_relaxed) == 0) {
          std::lock_guard<std::mutex> lock(mu_);
          samples_.emplace(ErrorName(kind), std::move(message));
        }
      }
      Clock::time_point last = last_done_.load(std::memory_order_relaxed);
      while (done > last && !last_done_.compare_exchange_weak(last, done)) {
      }
    }
    const int channel = call->channel;
    delete call;
    if (options_.mode == LoadMode::kClosed && !stopping_.load() && Claim()) {
      Start(channel, Clock::now());
      return;
    }
    if (outstanding_.fetch_sub(1) == 1) {
      std::lock_guard<std::mutex> lock(mu_);
      cv_.notify_all();
    }
  }

  // Open loop: starts calls on `channel` at their intended times until the window ends.
  void Schedule(int channel) {
    prctl(PR_SET_TIMERSLACK, 1UL);  // wake-ups on time, not up to 50 µs late
    std::mt19937_64 rng(options_.seed + static_cast<uint64_t>(channel));
    const double rate =
        std::max(options_.rate_per_second, 1e-3) / static_cast<double>(stubs_.size());
    std::exponential_distribution<double> poisson(rate);
    // Uniform arrivals: the channels' schedules are staggered to interleave evenly.
    Clock::time_point next =
        start_ + (options_.arrival == Arrival::kUniform
                      ? Seconds(channel / (rate * static_cast<double>(stubs_.size())))
                      : Seconds(poisson(rng)));
    Lag& lag = lags_[channel];
    while (next < window_end_ && !stopping_.load()) {
      std::this_thread::sleep_until(next);
      while (outstanding_.load() >= options_.max_outstanding && !stopping_.load()) {
        std::this_thread::sleep_for(std::chrono::microseconds(50));
      }
      const int64_t late = Nanos(Clock::now() - next);
      if (next >= window_start_) {
        if (late > 1'000'000) ++lag.late_starts;
        lag.max_ns = std::max(lag.max_ns, late);
        start_lag_.Record(late);
      }
      outstanding_.fetch_add(1);
      Start(channel, next);
      next += Seconds(options_.arrival == Arrival::kPoisson ? poisson(rng) : 1.0 / rate);
    }
  }

  void WaitForDrain() {
    std::unique_lock<std::mutex> lock(mu_);
    // Every call has a deadline, so this ends.
    cv_.wait(lock, [this] { return outstanding_.load() == 0; });
  }

  LoadResult Result(ProcWindow& procs) {
    LoadResult r;
    r.window_seconds = std::chrono::duration<double>(window_end_ - window_start_).count();
    r.ok = ok_.load();
    r.errors = errors_.load();
    r.total_calls = total_.load();
    for (size_t code = 0; code < codes_.size(); ++code) {
      if (uint64_t n = codes_[code].load(); n > 0) {
        r.error_codes[ErrorName(code)] = n;
      }
    }
    {
      std::lock_guard<std::mutex> lock(mu_);
      r.error_samples = samples_;
    }
    r.ok_per_second = r.window_seconds > 0 ? static_cast<double>(r.ok) / r.window_seconds : 0;
    r.p50_ns = histogram_.QuantileNanos(0.50);
    r.p90_ns = histogram_.QuantileNanos(0.90);
    r.p99_ns = histogram_.QuantileNanos(0.99);
    r.p999_ns = histogram_.QuantileNanos(0.999);
    r.max_ns = histogram_.max_nanos();
    r.mean_ns = histogram_.mean_nanos();
    for (const Lag& lag : lags_) {
      r.late_starts += lag.late_starts;
      r.max_start_lag_ns = std::max(r.max_start_lag_ns, lag.max_ns);
    }
    r.start_lag_p50_ns = start_lag_.QuantileNanos(0.50);
    r.start_lag_p90_ns = start_lag_.QuantileNanos(0.90);
    r.start_lag_p99_ns = start_lag_.QuantileNanos(0.99);
    r.servers = std::move(procs.usage());
    return r;
  }

  const LoadOptions& options_;
  std::vector<std::shared_ptr<grpc::Channel>> channels_;
  std::vector<std::unique_ptr<grpc::GenericStub>> stubs_;
  grpc::ByteBuffer request_;
  Clock::time_point start_;
  Clock::time_point window_start_;
  Clock::time_point window_end_;

  std::atomic<bool> stopping_{false};
  std::atomic<int64_t> issued_{0};
  std::atomic<int64_t> outstanding_{0};
  std::atomic<Clock::time_point> last_done_{Clock::time_point()};
  LatencyHistogram histogram_;
  std::atomic<uint64_t> ok_{0};
  std::atomic<uint64_t> errors_{0};
  std::atomic<uint64_t> total_{0};
  std::array<std::atomic<uint64_t>, kResponseCheckFailed + 1> codes_{};
  // Open loop: how late each channel's scheduler started calls; each written by its own
  // scheduler thread only, read after they are joined.
  struct Lag {
    uint64_t late_starts = 0;
    int64_t max_ns = 0;
  };
  std::vector<Lag> lags_;
  LatencyHistogram start_lag_;  // open loop: actual start - intended start

  std::mutex mu_;
  std::condition_variable cv_;
  std::map<std::string, std::string> samples_;  // guarded by mu_
};

double Micros(int64_t ns) { return static_cast<double>(ns) / 1000.0; }

}  // namespace

absl::StatusOr<LoadResult> RunLoad(const LoadOptions& options) {
  if (options.target.empty()) return absl::InvalidArgumentError("target: required");
  if (options.method.empty()) return absl::InvalidArgumentError("method: required");
  if (options.mode == LoadMode::kOpen && options.rate_per_second <= 0) {
    return absl::InvalidArgumentError("rate: must be > 0 in open loop");
  }
  Runner runner(options);
  if (absl::Status s = runner.Connect(); !s.ok()) return s;
  return runner.Run();
}

std::string ResultJson(const LoadOptions& options, const LoadResult& r) {
  nlohmann::ordered_json j;
  j["mode"] = options.mode == LoadMode::kClosed ? "closed" : "open";
  j["target"] = options.target;
  j["method"] = options.method;
  j["request_bytes"] = options.request.size();
  if (options.response_check.has_value()) j["expect"] = options.response_check->expectation();
  j["channels"] = options.channels;
  if (options.mode == LoadMode::kClosed) {
    j["concurrency"] = options.concurrency;
    if (options.max_requests > 0) j["max_requests"] = options.max_requests;
  } else {
    j["rate_per_second"] = options.rate_per_second;
    j["arrival"] = options.arrival == Arrival::kPoisson ? "poisson" : "uniform";
  }
  j["warmup_seconds"] = options.warmup_seconds;
  j["window_seconds"] = r.window_seconds;
  j["ok"] = r.ok;
  j["errors"] = r.errors;
  j["error_codes"] = r.error_codes;
  j["error_samples"] = r.error_samples;
  j["total_calls"] = r.total_calls;
  j["throughput_rps"] = r.ok_per_second;
  j["latency_us"] = {{"p50", Micros(r.p50_ns)}, {"p90", Micros(r.p90_ns)},
                     {"p99", Micros(r.p99_ns)}, {"p999", Micros(r.p999_ns)},
                     {"max", Micros(r.max_ns)}, {"mean", r.mean_ns / 1000.0}};
  if (options.mode == LoadMode::kOpen) {
    j["late_starts"] = r.late_starts;
    j["start_lag_us"] = {{"p50", Micros(r.start_lag_p50_ns)},
                         {"p90", Micros(r.start_lag_p90_ns)},
                         {"p99", Micros(r.start_lag_p99_ns)},
                         {"max", Micros(r.max_start_lag_ns)}};
  }
  nlohmann::ordered_json servers = nlohmann::ordered_json::array();
  const uint64_t calls = r.ok + r.errors;
  for (const ServerUsage& u : r.servers) {
    nlohmann::ordered_json s;
    s["pid"] = u.pid;
    s["cpu_seconds"] = u.cpu_seconds;
    s["cpu_us_per_request"] = calls == 0 ? 0.0 : u.cpu_seconds * 1e6 / static_cast<double>(calls);
    s["rss_kib"] = u.rss_kib_end;
    s["hwm_kib"] = u.hwm_kib_end;
    nlohmann::ordered_json samples = nlohmann::ordered_json::array();
    for (const auto& [t, kib] : u.rss_samples) samples.push_back({t, kib});
    s["rss_samples"] = samples;
    servers.push_back(s);
  }
  j["servers"] = servers;
  return j.dump();
}

}  // namespace armature::bench
