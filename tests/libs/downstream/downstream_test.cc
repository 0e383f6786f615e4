#include "libs/downstream/downstream.h"

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <functional>
#include <future>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "armature/v1/planner.grpc.pb.h"
#include "grpcpp/grpcpp.h"
#include "gtest/gtest.h"
#include "libs/clock/clock.h"
#include "libs/runtime/arm_info.h"
#include "libs/runtime/metrics.h"
#include "libs/runtime/server.h"
#include "prometheus/registry.h"

namespace armature::downstream {
namespace {

using resilience::CircuitState;
using resilience::RetryVerdict;

constexpr char kAbsent[] = "<absent>";

// What the fake saw of one call.
struct Received {
  std::string previous_attempts = kAbsent;  // grpc-previous-rpc-attempts
  std::string request_id = kAbsent;         // x-request-id
};

// One scripted answer: a status and, optionally, grpc-retry-pushback-ms in the trailers.
struct Answer {
  grpc::Status status;
  std::string pushback;
};

// FakePlanner is a PlannerArm that records the metadata of every call and answers from a script:
// the scripted answers in order, then `otherwise` (OK by default). While hanging it holds calls
// until the client cancels them or the deadline expires.
class FakePlanner final : public v1::PlannerArm::Service {
 public:
  explicit FakePlanner(std::string name = "replica") : name_(std::move(name)) {}

  grpc::Status Plan(grpc::ServerContext* context, const v1::PlanRequest* /*request*/,
                    v1::PlanResponse* response) override {
    Received got;
    const auto& metadata = context->client_metadata();
    if (auto it = metadata.find(kPreviousAttemptsKey); it != metadata.end()) {
      got.previous_attempts.assign(it->second.data(), it->second.size());
    }
    if (auto it = metadata.find(runtime::kRequestIdKey); it != metadata.end()) {
      got.request_id.assign(it->second.data(), it->second.size());
    }
    std::unique_lock<std::mutex> lock(mu_);
    received_.push_back(got);
    cv_.notify_all();
    if (hang_) {
      // Bounded so that a broken client cannot hang the test binary.
      const auto limit = std::chrono::steady_clock::now() + std::chrono::seconds(20);
      while (hang_ && !context->IsCancelled() && std::chrono::steady_clock::now() < limit) {
        cv_.wait_for(lock, std::chrono::milliseconds(2));
      }
      if (context->IsCancelled()) ++cancelled_;
      return grpc::Status(grpc::StatusCode::UNAVAILABLE, "hung call released");
    }
    Answer answer{otherwise_, ""};
    if (!script_.empty()) {
      answer = script_.front();
      script_.erase(script_.begin());
    }
    if (!answer.pushback.empty()) context->AddTrailingMetadata(kRetryPushbackKey, answer.pushback);
    response->set_request_id(name_);
    return answer.status;
  }

  void Script(std::vector<Answer> answers) {
    std::lock_guard<std::mutex> lock(mu_);
    script_ = std::move(answers);
  }
  void Otherwise(grpc::Status status) {
    std::lock_guard<std::mutex> lock(mu_);
    otherwise_ = std::move(status);
  }
  void Hang(bool hang) {
    std::lock_guard<std::mutex> lock(mu_);
    hang_ = hang;
    cv_.notify_all();
  }
  int calls() {
    std::lock_guard<std::mutex> lock(mu_);
    return static_cast<int>(received_.size());
  }
  int cancelled() {
    std::lock_guard<std::mutex> lock(mu_);
    return cancelled_;
  }
  std::vector<Received> received() {
    std::lock_guard<std::mutex> lock(mu_);
    return received_;
  }
  // Waits (bounded) until at least `n` calls have arrived.
  bool WaitCalls(int n, std::chrono::milliseconds timeout = std::chrono::seconds(5)) {
    std::unique_lock<std::mutex> lock(mu_);
    return cv_.wait_for(lock, timeout, [&] { return static_cast<int>(received_.size()) >= n; });
  }

 private:
  const std::string name_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::vector<Answer> script_;
  grpc::Status otherwise_ = grpc::Status::OK;
  bool hang_ = false;
  std::vector<Received> received_;
  int cancelled_ = 0;
};

// TestServer serves one service on 127.0.0.1 (port 0 = a free one), and can be stopped and
// restarted on the same port.
class TestServer {
 public:
  explicit TestServer(grpc::Service* service) : service_(service) {}
  ~TestServer() { Stop(); }

  // Returns the bound port, or 0 when it could not bind.
  int Start(int port = 0) {
    grpc::ServerBuilder builder;
    int bound = 0;
    builder.AddListeningPort(absl::StrCat("127.0.0.1:", port), grpc::InsecureServerCredentials(),
                             &bound);
    builder.RegisterService(service_);
    server_ = builder.BuildAndStart();
    port_ = server_ != nullptr ? bound : 0;
    return port_;
  }
  void Stop() {
    if (server_ == nullptr) return;
    server_->Shutdown(std::chrono::system_clock::now() + std::chrono::milliseconds(100));
    server_->Wait();
    server_.reset();
  }
  int port() const { return port_; }
  std::string address() const { return absl::StrCat("127.0.0.1:", port_); }

 private:
  grpc::Service* service_;
  std::unique_ptr<grpc::Server> server_;
  int port_ = 0;
};

// Polls `done` every few milliseconds until it holds or `timeout` passes.
template <typename Pred>
bool PollUntil(Pred done, std::chrono::milliseconds timeout = std::chrono::seconds(5)) {
  const auto limit = std::chrono::steady_clock::now() + timeout;
  while (!done()) {
    if (std::chrono::steady_clock::now() >= limit) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
  return true;
}

// Options for a test downstream "planner": tiny, unjittered backoff and fast reconnects.
DownstreamOptions TestOptions(std::string target) {
  DownstreamOptions options{.name = "planner", .target = std::move(target)};
  options.retry.backoff = BackoffOptions{.initial = absl::Milliseconds(1),
                                         .multiplier = 2.0,
                                         .max = absl::Milliseconds(10),
                                         .jitter = 0.0};
  options.initial_reconnect_backoff_ms = 20;
  options.max_reconnect_backoff_ms = 50;
  return options;
}

using Labels = std::map<std::string, std::string>;

class DownstreamTest : public ::testing::Test {
 protected:
  // A downstream on the ManualClock whose waits advance the clock and are recorded.
  std::unique_ptr<Downstream> MakeManual(DownstreamOptions options) {
    auto downstream = Downstream::Create(std::move(options), metrics_, clock_,
                                         [this](absl::Duration d, CancelToken* token) {
                                           {
                                             std::lock_guard<std::mutex> lock(mu_);
                                             sleeps_.push_back(d);
                                           }
                                           clock_.Advance(d);
                                           return token == nullptr || !token->cancelled();
                                         });
    EXPECT_TRUE(downstream.ok()) << downstream.status();
    return downstream.ok() ? std::move(*downstream) : nullptr;
  }
  // A downstream on the real clock with the default waits.
  std::unique_ptr<Downstream> MakeReal(DownstreamOptions options) {
    auto downstream = Downstream::Create(std::move(options), metrics_);
    EXPECT_TRUE(downstream.ok()) << downstream.status();
    return downstream.ok() ? std::move(*downstream) : nullptr;
  }

  // One Plan call through `downstream`; the response's request_id names the replica.
  absl::Status Plan(Downstream& downstream, const CallOptions& call, CallReport* report = nullptr,
                    std::string* replica = nullptr) {
    auto stub = v1::PlannerArm::NewStub(downstream.channel());
    v1::PlanRequest request;
    request.set_goal("ship it");
    v1::PlanResponse response;
    absl::Status status = downstream.Call(
        "Plan", call,
        [&](grpc::ClientContext& context) { return stub->Plan(&context, request, &response); },
        report);
    if (replica != nullptr) *replica = response.request_id();
    return status;
  }

  // The value of a counter or gauge series, or a histogram's sample count; 0 when absent.
  double Metric(const std::string& name, const Labels& labels) {
    for (const auto& family : registry_->Collect()) {
      if (family.name != name) continue;
      for (const auto& metric : family.metric) {
        Labels got;
        for (const auto& label : metric.label) got[label.name] = label.value;
        if (got != labels) continue;
        switch (family.type) {
          case prometheus::MetricType::Counter:
            return metric.counter.value;
          case prometheus::MetricType::Gauge:
            return metric.gauge.value;
          case prometheus::MetricType::Histogram:
            return static_cast<double>(metric.histogram.sample_count);
          default:
            return -1;
        }
      }
    }
    return 0;
  }
  double Calls(const std::string& code) {
    return Metric("armature_downstream_calls_total",
                  {{"target", "planner"}, {"method", "Plan"}, {"code", code}});
  }
  double Attempts(const std::string& code) {
    return Metric("armature_downstream_attempts_total",
                  {{"target", "planner"}, {"method", "Plan"}, {"code", code}});
  }
  double Retries() {
    return Metric("armature_downstream_retries_total", {{"target", "planner"}, {"method", "Plan"}});
  }
  double BreakerState(const std::string& state) {
    return Metric("armature_downstream_breaker_state", {{"target", "planner"}, {"state", state}});
  }
  double Transitions(const std::string& from, const std::string& to) {
    return Metric("armature_downstream_breaker_transitions_total",
                  {{"target", "planner"}, {"from", from}, {"to", to}});
  }
  std::vector<absl::Duration> sleeps() {
    std::lock_guard<std::mutex> lock(mu_);
    return sleeps_;
  }

  std::shared_ptr<prometheus::Registry> registry_ = std::make_shared<prometheus::Registry>();
  DownstreamMetrics metrics_{*registry_};
  ManualClock clock_;
  std::mutex mu_;
  std::vector<absl::Duration> sleeps_;
};

// 1.
TEST_F(DownstreamTest, SucceedsOnTheFirstAttemptAndCountsIt) {
  FakePlanner planner("A");
  TestServer server(&planner);
  ASSERT_NE(server.Start(), 0);
  auto downstream = MakeManual(TestOptions(server.address()));
  ASSERT_NE(downstream, nullptr);

  CallReport report;
  std::string replica;
  // The deadline is on the ManualClock (2023): it must still leave the attempt its 5 s.
  const absl::Status status =
      Plan(*downstream, {.deadline = clock_.Now() + absl::Seconds(5), .request_id = "req-1"},
           &report, &replica);

  ASSERT_TRUE(status.ok()) << status;
  EXPECT_EQ(replica, "A");
  EXPECT_EQ(report.attempts, 1);
  EXPECT_FALSE(report.refused_by_breaker);
  EXPECT_EQ(report.verdict, RetryVerdict::kSucceeded);
  EXPECT_EQ(report.retry_after, absl::ZeroDuration());
  ASSERT_EQ(planner.calls(), 1);
  EXPECT_EQ(planner.received()[0].request_id, "req-1");
  EXPECT_EQ(planner.received()[0].previous_attempts, kAbsent);
  EXPECT_TRUE(sleeps().empty());

  EXPECT_EQ(Calls("OK"), 1);
  EXPECT_EQ(Attempts("OK"), 1);
  EXPECT_EQ(Retries(), 0);
  EXPECT_EQ(Metric("armature_downstream_call_seconds", {{"target", "planner"}, {"method", "Plan"}}),
            1);
  EXPECT_EQ(
      Metric("armature_downstream_attempt_seconds", {{"target", "planner"}, {"method", "Plan"}}),
      1);
  EXPECT_EQ(BreakerState("CLOSED"), 1);
  EXPECT_EQ(BreakerState("OPEN"), 0);
  EXPECT_EQ(BreakerState("HALF_OPEN"), 0);
  EXPECT_EQ(downstream->breaker()->Stats().successes, 1u);
  EXPECT_EQ(downstream->breaker()->Stats().failures, 0u);
}

// 2.
TEST_F(DownstreamTest, RetriesUnavailableAndTheServerSeesTheAttemptNumbers) {
  FakePlanner planner;
  planner.Script({{grpc::Status(grpc::StatusCode::UNAVAILABLE, "warming up")},
                  {grpc::Status(grpc::StatusCode::UNAVAILABLE, "warming up")}});
  TestServer server(&planner);
  ASSERT_NE(server.Start(), 0);
  auto downstream = MakeManual(TestOptions(server.address()));
  ASSERT_NE(downstream, nullptr);

  CallReport report;
  const absl::Status status = Plan(*downstream, {.request_id = "req-2"}, &report);

  ASSERT_TRUE(status.ok()) << status;
  EXPECT_EQ(report.attempts, 3);
  EXPECT_EQ(report.verdict, RetryVerdict::kSucceeded);
  const std::vector<Received> received = planner.received();
  ASSERT_EQ(received.size(), 3u);
  EXPECT_EQ(received[0].previous_attempts, kAbsent);
  EXPECT_EQ(received[1].previous_attempts, "1");
  EXPECT_EQ(received[2].previous_attempts, "2");
  for (const Received& r : received) EXPECT_EQ(r.request_id, "req-2");
  // Unjittered exponential backoff: 1 ms, then 2 ms, through the injected sleep.
  EXPECT_EQ(sleeps(), (std::vector<absl::Duration>{absl::Milliseconds(1), absl::Milliseconds(2)}));

  EXPECT_EQ(Retries(), 2);
  EXPECT_EQ(Attempts("UNAVAILABLE"), 2);
  EXPECT_EQ(Attempts("OK"), 1);
  EXPECT_EQ(Calls("OK"), 1);
  EXPECT_EQ(Calls("UNAVAILABLE"), 0);
  // Two failures took a token each; the success gave 0.1 back.
  EXPECT_DOUBLE_EQ(downstream->budget()->tokens(), 8.1);
}

TEST_F(DownstreamTest, ACallsOwnAttemptLimitOverridesThePolicy) {
  FakePlanner planner;
  const grpc::Status down(grpc::StatusCode::UNAVAILABLE, "down");
  planner.Script({{down}, {down}, {down}, {down}, {down}, {down}, {down}, {down}});
  TestServer server(&planner);
  ASSERT_NE(server.Start(), 0);
  DownstreamOptions options = TestOptions(server.address());
  options.retry.max_attempts = 2;
  options.breaker.minimum_calls = 100;
  options.budget.max_tokens = 100;  // the budget is not what this test is about
  auto downstream = MakeManual(options);
  ASSERT_NE(downstream, nullptr);

  CallReport report;
  EXPECT_EQ(Plan(*downstream, {.max_attempts = 4}, &report).code(), absl::StatusCode::kUnavailable);
  EXPECT_EQ(report.attempts, 4);
  EXPECT_EQ(report.verdict, RetryVerdict::kAttemptsExhausted);
  // Without a per-call limit the policy's applies.
  CallReport by_policy;
  EXPECT_FALSE(Plan(*downstream, {}, &by_policy).ok());
  EXPECT_EQ(by_policy.attempts, 2);
  EXPECT_EQ(planner.received().size(), 6u);
}

// 3.
TEST_F(DownstreamTest, DoesNotRetryNonRetryableCodes) {
  FakePlanner planner;
  planner.Script({{grpc::Status(grpc::StatusCode::INVALID_ARGUMENT, "goal: must not be empty")},
                  {grpc::Status(grpc::StatusCode::INTERNAL, "bug")}});
  TestServer server(&planner);
  ASSERT_NE(server.Start(), 0);
  auto downstream = MakeManual(TestOptions(server.address()));
  ASSERT_NE(downstream, nullptr);

  CallReport report;
  absl::Status status = Plan(*downstream, {}, &report);
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(status.message(),
            absl::StrCat("planner arm (", server.address(), "): goal: must not be empty"));
  EXPECT_EQ(report.attempts, 1);
  EXPECT_EQ(report.verdict, RetryVerdict::kNotRetryable);
  EXPECT_EQ(planner.calls(), 1);
  // The arm answered: for the breaker that is a success.
  EXPECT_EQ(downstream->breaker()->Stats().successes, 1u);
  EXPECT_EQ(downstream->breaker()->Stats().failures, 0u);

  status = Plan(*downstream, {}, &report);
  EXPECT_EQ(status.code(), absl::StatusCode::kInternal);
  EXPECT_EQ(status.message(), absl::StrCat("planner arm (", server.address(), "): bug"));
  EXPECT_EQ(report.attempts, 1);
  EXPECT_EQ(report.verdict, RetryVerdict::kNotRetryable);
  EXPECT_EQ(planner.calls(), 2);
  EXPECT_EQ(downstream->breaker()->Stats().failures, 1u);

  EXPECT_EQ(Retries(), 0);
  EXPECT_TRUE(sleeps().empty());
  EXPECT_EQ(Calls("INVALID_ARGUMENT"), 1);
  EXPECT_EQ(Calls("INTERNAL"), 1);
}

// 4. Sequential: the budget arithmetic is exact.
TEST_F(DownstreamTest, RetryBudgetStopsARetryStorm) {
  FakePlanner planner;
  planner.Otherwise(grpc::Status(grpc::StatusCode::UNAVAILABLE, "overloaded"));
  TestServer server(&planner);
  ASSERT_NE(server.Start(), 0);
  DownstreamOptions options = TestOptions(server.address());
  options.breaker_enabled = false;  // the budget alone must hold the storm back
  options.retry.max_attempts = 5;
  auto downstream = MakeManual(options);
  ASSERT_NE(downstream, nullptr);

  constexpr int kCalls = 50;
  int client_attempts = 0;
  for (int i = 0; i < kCalls; ++i) {
    CallReport report;
    EXPECT_EQ(Plan(*downstream, {}, &report).code(), absl::StatusCode::kUnavailable);
    client_attempts += report.attempts;
  }

  // Budget 10, retries while tokens > 5: the first call makes all 5 attempts (10 -> 5 tokens),
  // every later call only its first attempt: 5 + 49 = 54, not 50 x 5 = 250.
  EXPECT_EQ(planner.calls(), 54);
  EXPECT_EQ(client_attempts, 54);
  EXPECT_EQ(Retries(), 4);
  EXPECT_EQ(Metric("armature_downstream_retry_budget_exhausted_total", {{"target", "planner"}}),
            49);
  EXPECT_EQ(Calls("UNAVAILABLE"), kCalls);
  EXPECT_EQ(downstream->budget()->tokens(), 0);
}

// 4b. Concurrent callers share the budget: the storm stays bounded.
TEST_F(DownstreamTest, RetryBudgetBoundsConcurrentCallers) {
  FakePlanner planner;
  planner.Otherwise(grpc::Status(grpc::StatusCode::UNAVAILABLE, "overloaded"));
  TestServer server(&planner);
  ASSERT_NE(server.Start(), 0);
  DownstreamOptions options = TestOptions(server.address());
  options.breaker_enabled = false;
  options.retry.max_attempts = 5;
  auto downstream = MakeManual(options);
  ASSERT_NE(downstream, nullptr);

  constexpr int kThreads = 8;
  constexpr int kCallsEach = 10;
  std::atomic<int> client_attempts{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < kCallsEach; ++i) {
        CallReport report;
        Plan(*downstream, {}, &report).IgnoreError();
        client_attempts += report.attempts;
      }
    });
  }
  for (std::thread& thread : threads) thread.join();

  constexpr int kCalls = kThreads * kCallsEach;
  EXPECT_EQ(planner.calls(), client_attempts.load());
  // Retries stop once tokens <= 5: at most the 5 the bucket affords plus one per racing thread.
  EXPECT_GE(planner.calls(), kCalls);
  EXPECT_LE(planner.calls(), kCalls + 5 + kThreads);
  EXPECT_GT(Metric("armature_downstream_retry_budget_exhausted_total", {{"target", "planner"}}),
            kCalls / 2);
}

// 5a. A hanging server: every attempt times out; the call stops at its deadline.
TEST_F(DownstreamTest, DeadlineBoundsRetriesAgainstAHangingServer) {
  FakePlanner planner;
  planner.Hang(true);
  TestServer server(&planner);
  ASSERT_NE(server.Start(), 0);
  DownstreamOptions options = TestOptions(server.address());
  options.attempt_timeout = absl::Milliseconds(80);
  options.retry.max_attempts = 10;
  options.breaker_enabled = false;
  auto downstream = MakeReal(options);
  ASSERT_NE(downstream, nullptr);

  CallReport report;
  const absl::Time start = absl::Now();
  const absl::Status status =
      Plan(*downstream, {.deadline = start + absl::Milliseconds(250)}, &report);
  const absl::Duration elapsed = absl::Now() - start;

  EXPECT_EQ(status.code(), absl::StatusCode::kDeadlineExceeded) << status;
  EXPECT_TRUE(absl::StartsWith(status.message(), "planner arm (")) << status;
  EXPECT_EQ(report.verdict, RetryVerdict::kDeadline);
  // 80 ms attempts in a 250 ms deadline: about three, never the ten allowed.
  EXPECT_GE(report.attempts, 2);
  EXPECT_LE(report.attempts, 4);
  // The loop gives up once less than min_attempt_time_ms (10) plus the backoff (<= 10 ms) is left.
  EXPECT_GE(elapsed, absl::Milliseconds(230));
  EXPECT_LT(elapsed, absl::Seconds(2));
  EXPECT_TRUE(planner.WaitCalls(report.attempts));
  EXPECT_EQ(Attempts("DEADLINE_EXCEEDED"), report.attempts);
  planner.Hang(false);
}

// 5b. The retry that would start too close to the deadline is not made (ManualClock: exact).
TEST_F(DownstreamTest, DeadlineStopsRetriesBeforeAttemptsRunOut) {
  FakePlanner planner;
  planner.Otherwise(grpc::Status(grpc::StatusCode::UNAVAILABLE, "down"));
  TestServer server(&planner);
  ASSERT_NE(server.Start(), 0);
  DownstreamOptions options = TestOptions(server.address());
  options.retry.max_attempts = 10;
  options.retry.backoff.initial = absl::Milliseconds(30);
  options.retry.backoff.max = absl::Seconds(1);
  auto downstream = MakeManual(options);
  ASSERT_NE(downstream, nullptr);

  CallReport report;
  const absl::Status status =
      Plan(*downstream, {.deadline = clock_.Now() + absl::Milliseconds(50)}, &report);

  // Attempt 1 at 0 ms, retry after 30 ms (20 ms left >= 10 ms minimum); the next retry would
  // start at 90 ms, past the 50 ms deadline.
  EXPECT_EQ(status.code(), absl::StatusCode::kUnavailable);
  EXPECT_EQ(report.verdict, RetryVerdict::kDeadline);
  EXPECT_EQ(report.attempts, 2);
  EXPECT_EQ(planner.calls(), 2);
  EXPECT_EQ(sleeps(), std::vector<absl::Duration>{absl::Milliseconds(30)});
}

// 6.
TEST_F(DownstreamTest, RoundRobinSpreadsCallsAndSurvivesAReplicaShutdown) {
  FakePlanner a("A"), b("B"), c("C");
  TestServer sa(&a), sb(&b), sc(&c);
  ASSERT_NE(sa.Start(), 0);
  ASSERT_NE(sb.Start(), 0);
  ASSERT_NE(sc.Start(), 0);
  DownstreamOptions options = TestOptions(absl::StrCat(
      "ipv4:127.0.0.1:", sa.port(), ",127.0.0.1:", sb.port(), ",127.0.0.1:", sc.port()));
  options.attempt_timeout = absl::Seconds(2);
  auto downstream = MakeReal(options);
  ASSERT_NE(downstream, nullptr);

  // Until every subchannel is connected, round robin only picks the ready ones.
  ASSERT_TRUE(PollUntil([&] {
    EXPECT_TRUE(Plan(*downstream, {}).ok());
    return a.calls() > 0 && b.calls() > 0 && c.calls() > 0;
  })) << "calls never reached every replica: "
      << a.calls() << "/" << b.calls() << "/" << c.calls();

  const int a0 = a.calls(), b0 = b.calls(), c0 = c.calls();
  constexpr int kCalls = 30;
  for (int i = 0; i < kCalls; ++i) ASSERT_TRUE(Plan(*downstream, {}).ok());
  const int a1 = a.calls() - a0, b1 = b.calls() - b0, c1 = c.calls() - c0;
  EXPECT_EQ(a1 + b1 + c1, kCalls);
  // Round robin over three ready replicas gives each a third; pick_first would give one all.
  EXPECT_GE(a1, kCalls / 6);
  EXPECT_GE(b1, kCalls / 6);
  EXPECT_GE(c1, kCalls / 6);

  // B goes away in the middle of a run: every call still succeeds, on A and C.
  int b_at_shutdown = 0;
  int a2 = a.calls(), c2 = c.calls();
  for (int i = 0; i < kCalls; ++i) {
    if (i == kCalls / 3) {
      sb.Stop();
      b_at_shutdown = b.calls();
      a2 = a.calls();
      c2 = c.calls();
    }
    CallReport report;
    const absl::Status status = Plan(*downstream, {.request_id = absl::StrCat("r", i)}, &report);
    ASSERT_TRUE(status.ok()) << "call " << i << ": " << status;
  }
  EXPECT_EQ(b.calls(), b_at_shutdown);
  const int after = kCalls - kCalls / 3;
  // Every call after the shutdown was served exactly once, by A or C.
  EXPECT_EQ((a.calls() - a2) + (c.calls() - c2), after);
  EXPECT_GE(a.calls() - a2, after / 4);
  EXPECT_GE(c.calls() - c2, after / 4);
}

// 7.
TEST_F(DownstreamTest, BreakerOpensWhileDownAndClosesWhenTheArmIsBack) {
  // Learn a free port, then leave it empty.
  FakePlanner first;
  TestServer probe(&first);
  const int port = probe.Start();
  ASSERT_NE(port, 0);
  probe.Stop();

  DownstreamOptions options = TestOptions(absl::StrCat("127.0.0.1:", port));
  options.retry.max_attempts = 2;
  options.retry.backoff.initial = absl::Milliseconds(10);
  options.breaker = {.failure_rate_threshold = 0.5,
                     .window_ms = 60'000,
                     .window_buckets = 6,
                     .minimum_calls = 4,
                     .open_wait_ms = 5'000,
                     .half_open_max_calls = 1,
                     .successes_to_close = 2};
  auto downstream = MakeManual(options);
  ASSERT_NE(downstream, nullptr);
  resilience::CircuitBreaker& breaker = *downstream->breaker();
  const std::string prefix = absl::StrCat("planner arm (127.0.0.1:", port, "): ");

  // Down: two calls of two attempts each fail UNAVAILABLE; the fourth failure opens the breaker.
  for (int i = 0; i < 2; ++i) {
    CallReport report;
    const absl::Status status =
        Plan(*downstream, {.deadline = clock_.Now() + absl::Seconds(1)}, &report);
    EXPECT_EQ(status.code(), absl::StatusCode::kUnavailable) << status;
    EXPECT_TRUE(absl::StartsWith(status.message(), prefix)) << status;
    EXPECT_EQ(report.attempts, 2);
    EXPECT_FALSE(report.refused_by_breaker);
  }
  EXPECT_EQ(breaker.State(), CircuitState::kOpen);
  EXPECT_EQ(Attempts("UNAVAILABLE"), 4);
  EXPECT_EQ(BreakerState("OPEN"), 1);
  EXPECT_EQ(BreakerState("CLOSED"), 0);
  EXPECT_EQ(Transitions("CLOSED", "OPEN"), 1);

  // Open: a call whose deadline is shorter than the open wait is refused without an attempt.
  {
    CallReport report;
    const absl::Time start = absl::Now();
    const absl::Status status =
        Plan(*downstream, {.deadline = clock_.Now() + absl::Seconds(1)}, &report);
    EXPECT_LT(absl::Now() - start, absl::Milliseconds(100));
    EXPECT_EQ(status.code(), absl::StatusCode::kUnavailable);
    EXPECT_TRUE(absl::StrContains(status.message(), "planner arm circuit open")) << status;
    EXPECT_EQ(report.attempts, 0);
    EXPECT_TRUE(report.refused_by_breaker);
    EXPECT_EQ(report.verdict, RetryVerdict::kDeadline);
    EXPECT_GT(report.retry_after, absl::Seconds(4));
    EXPECT_LE(report.retry_after, absl::Seconds(5));
    EXPECT_EQ(Attempts("UNAVAILABLE"), 4);
    EXPECT_EQ(Metric("armature_downstream_breaker_refusals_total",
                     {{"target", "planner"}, {"reason", "open"}}),
              1);
  }

  // Back: a new server on the same port; wait until the channel has reconnected to it.
  FakePlanner back("back");
  TestServer server(&back);
  ASSERT_EQ(server.Start(port), port);
  ASSERT_TRUE(PollUntil([&] {
    return downstream->channel()->GetState(/*try_to_connect=*/true) == GRPC_CHANNEL_READY;
  }));
  EXPECT_EQ(back.calls(), 0);

  // A call without a deadline waits out the open wait (the injected sleep advances the clock)
  // and goes through as the half-open trial.
  {
    CallReport report;
    std::string replica;
    const absl::Status status = Plan(*downstream, {}, &report, &replica);
    ASSERT_TRUE(status.ok()) << status;
    EXPECT_EQ(replica, "back");
    EXPECT_EQ(report.attempts, 1);
    EXPECT_FALSE(report.refused_by_breaker);
    ASSERT_FALSE(sleeps().empty());
    EXPECT_GT(sleeps().back(), absl::Seconds(4));
    EXPECT_EQ(breaker.State(), CircuitState::kHalfOpen);
    EXPECT_EQ(BreakerState("HALF_OPEN"), 1);
    EXPECT_EQ(BreakerState("OPEN"), 0);
  }
  // The second trial success closes it.
  ASSERT_TRUE(Plan(*downstream, {}).ok());
  EXPECT_EQ(back.calls(), 2);
  EXPECT_EQ(breaker.State(), CircuitState::kClosed);
  EXPECT_EQ(BreakerState("CLOSED"), 1);
  EXPECT_EQ(BreakerState("OPEN"), 0);
  EXPECT_EQ(BreakerState("HALF_OPEN"), 0);
  EXPECT_EQ(Transitions("CLOSED", "OPEN"), 1);
  EXPECT_EQ(Transitions("OPEN", "HALF_OPEN"), 1);
  EXPECT_EQ(Transitions("HALF_OPEN", "CLOSED"), 1);
  EXPECT_EQ(Metric("armature_downstream_breaker_refusals_total",
                   {{"target", "planner"}, {"reason", "open"}}),
            2);
}

// 8a.
TEST_F(DownstreamTest, CancelAbortsAHangingAttemptWithoutBlamingTheArm) {
  FakePlanner planner;
  planner.Hang(true);
  TestServer server(&planner);
  ASSERT_NE(server.Start(), 0);
  auto downstream = MakeReal(TestOptions(server.address()));
  ASSERT_NE(downstream, nullptr);

  CancelToken token;
  CallReport report;
  auto result = std::async(std::launch::async, [&] {
    return Plan(*downstream, {.deadline = absl::Now() + absl::Seconds(30), .cancel = &token},
                &report);
  });
  ASSERT_TRUE(planner.WaitCalls(1));
  const absl::Time cancelled_at = absl::Now();
  token.Cancel();
  ASSERT_EQ(result.wait_for(std::chrono::seconds(5)), std::future_status::ready);
  const absl::Status status = result.get();

  EXPECT_LT(absl::Now() - cancelled_at, absl::Seconds(1));
  EXPECT_EQ(status.code(), absl::StatusCode::kCancelled) << status;
  EXPECT_EQ(report.attempts, 1);
  EXPECT_TRUE(PollUntil([&] { return planner.cancelled() == 1; }));
  const resilience::CircuitBreakerStats stats = downstream->breaker()->Stats();
  EXPECT_EQ(stats.failures, 0u);
  EXPECT_EQ(stats.released_without_outcome, 1u);
  EXPECT_EQ(Calls("CANCELLED"), 1);
  EXPECT_EQ(Retries(), 0);
}

// 8b.
TEST_F(DownstreamTest, CancelWakesABackoffWait) {
  FakePlanner planner;
  planner.Otherwise(grpc::Status(grpc::StatusCode::UNAVAILABLE, "down"));
  TestServer server(&planner);
  ASSERT_NE(server.Start(), 0);
  DownstreamOptions options = TestOptions(server.address());
  options.retry.backoff.initial = absl::Seconds(20);
  options.retry.backoff.max = absl::Seconds(20);
  auto downstream = MakeReal(options);  // the default sleep waits on the token
  ASSERT_NE(downstream, nullptr);
  resilience::CircuitBreaker& breaker = *downstream->breaker();

  CancelToken token;
  CallReport report;
  auto result = std::async(std::launch::async,
                           [&] { return Plan(*downstream, {.cancel = &token}, &report); });
  // The first attempt's failure is reported before the 20 s backoff starts.
  ASSERT_TRUE(PollUntil([&] { return breaker.Stats().failures == 1; }));
  const absl::Time cancelled_at = absl::Now();
  token.Cancel();
  ASSERT_EQ(result.wait_for(std::chrono::seconds(5)), std::future_status::ready);
  const absl::Status status = result.get();

  EXPECT_LT(absl::Now() - cancelled_at, absl::Seconds(1));
  EXPECT_EQ(status.code(), absl::StatusCode::kCancelled) << status;
  EXPECT_EQ(report.attempts, 1);
  EXPECT_EQ(planner.calls(), 1);
  // The real failure counts; the cancellation adds nothing.
  EXPECT_EQ(breaker.Stats().failures, 1u);
  EXPECT_EQ(breaker.Stats().released_without_outcome, 0u);
  EXPECT_EQ(Retries(), 0);

  // A token stays cancelled: a later call with it makes no attempt.
  CallReport again;
  EXPECT_EQ(Plan(*downstream, {.cancel = &token}, &again).code(), absl::StatusCode::kCancelled);
  EXPECT_EQ(again.attempts, 0);
  EXPECT_EQ(planner.calls(), 1);
}

// The server's grpc-retry-pushback-ms raises the backoff, and a negative one stops retries.
TEST_F(DownstreamTest, HonoursServerPushback) {
  FakePlanner planner;
  planner.Script({{grpc::Status(grpc::StatusCode::RESOURCE_EXHAUSTED, "busy"), "700"},
                  {grpc::Status::OK},
                  {grpc::Status(grpc::StatusCode::UNAVAILABLE, "go away"), "-1"}});
  TestServer server(&planner);
  ASSERT_NE(server.Start(), 0);
  auto downstream = MakeManual(TestOptions(server.address()));
  ASSERT_NE(downstream, nullptr);

  CallReport report;
  ASSERT_TRUE(Plan(*downstream, {}, &report).ok());
  EXPECT_EQ(report.attempts, 2);
  EXPECT_EQ(sleeps(), std::vector<absl::Duration>{absl::Milliseconds(700)});

  const absl::Status status = Plan(*downstream, {}, &report);
  EXPECT_EQ(status.code(), absl::StatusCode::kUnavailable);
  EXPECT_EQ(report.attempts, 1);
  EXPECT_EQ(report.verdict, RetryVerdict::kNotRetryable);
  EXPECT_EQ(planner.calls(), 3);
}

TEST_F(DownstreamTest, FetchCapabilitiesCallsArmInfo) {
  runtime::StaticArmInfo info({.arm_id = "planner", .capabilities = {"task_decomposition"}});
  runtime::ArmServer server({.listen = "127.0.0.1:0", .metrics_listen = "", .version = "t1"},
                            &info);
  ASSERT_TRUE(server.Start().ok());
  auto downstream = MakeReal(TestOptions(server.grpc_address()));
  ASSERT_NE(downstream, nullptr);

  auto capabilities = FetchCapabilities(*downstream, absl::Now() + absl::Seconds(5));
  server.Shutdown();

  ASSERT_TRUE(capabilities.ok()) << capabilities.status();
  EXPECT_EQ(capabilities->arm_id(), "planner");
  ASSERT_EQ(capabilities->capabilities_size(), 1);
  EXPECT_EQ(capabilities->capabilities(0), "task_decomposition");
  EXPECT_EQ(capabilities->version(), "t1");
  EXPECT_EQ(Metric("armature_downstream_calls_total",
                   {{"target", "planner"}, {"method", "GetCapabilities"}, {"code", "OK"}}),
            1);
}

// 9.
TEST(DownstreamOptionsTest, ValidationNamesTheField) {
  struct Case {
    std::function<void(DownstreamOptions&)> mutate;
    std::string field;
  };
  const std::vector<Case> cases = {
      {[](DownstreamOptions& o) { o.name = ""; }, "name must not be empty"},
      {[](DownstreamOptions& o) { o.target = ""; }, "target must not be empty"},
      {[](DownstreamOptions& o) { o.target = "ipv4:a:1, b:2"; }, "target must not contain"},
      {[](DownstreamOptions& o) { o.lb_policy = "random"; }, "lb_policy"},
      {[](DownstreamOptions& o) { o.breaker.failure_rate_threshold = 2; },
       "breaker.failure_rate_threshold"},
      {[](DownstreamOptions& o) { o.breaker.minimum_calls = 0; }, "breaker.minimum_calls"},
      {[](DownstreamOptions& o) { o.retry.max_attempts = 0; }, "retry.max_attempts"},
      {[](DownstreamOptions& o) { o.retry.backoff.jitter = 2; }, "retry.backoff.jitter"},
      {[](DownstreamOptions& o) { o.budget.max_tokens = 0; }, "budget.max_tokens"},
      {[](DownstreamOptions& o) { o.attempt_timeout = absl::Seconds(-1); }, "attempt_timeout"},
      {[](DownstreamOptions& o) { o.max_message_bytes = 0; }, "max_message_bytes"},
      {[](DownstreamOptions& o) { o.max_reconnect_backoff_ms = 1; }, "max_reconnect_backoff_ms"},
      {[](DownstreamOptions& o) { o.keepalive_time_ms = 0; }, "keepalive_time_ms"},
  };
  prometheus::Registry registry;
  DownstreamMetrics metrics(registry);
  for (const Case& c : cases) {
    DownstreamOptions options{.name = "planner", .target = "127.0.0.1:1"};
    ASSERT_TRUE(ValidateDownstreamOptions(options).ok());
    c.mutate(options);
    const absl::Status status = ValidateDownstreamOptions(options);
    EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument) << c.field;
    EXPECT_TRUE(absl::StrContains(status.message(), c.field))
        << "want \"" << c.field << "\" in: " << status.message();
    auto created = Downstream::Create(options, metrics);
    EXPECT_EQ(created.status(), status);
  }

  // Disabled parts are not validated.
  DownstreamOptions options{.name = "planner", .target = "127.0.0.1:1"};
  options.breaker_enabled = false;
  options.breaker.minimum_calls = 0;
  options.retries_enabled = false;
  options.retry.max_attempts = 0;
  EXPECT_TRUE(ValidateDownstreamOptions(options).ok());
  auto created = Downstream::Create(options, metrics);
  ASSERT_TRUE(created.ok()) << created.status();
  EXPECT_EQ((*created)->breaker(), nullptr);
  EXPECT_EQ((*created)->budget(), nullptr);
}

}  // namespace
}  // namespace armature::downstream
