#pragma once

// Downstream is the one resilient client per downstream arm (planner, manifest) that the
// orchestrator calls through: a deadline on every attempt, retries with jittered exponential
// backoff on retryable codes only (bounded by the deadline and a shared retry budget),
// client-side round-robin over the target's addresses, a circuit breaker, and metrics.
//
//   auto planner = Downstream::Create({.name = "planner", .target = "ipv4:10.0.0.1:50052,..."},
//                                     metrics, RealClock());
//   auto stub = v1::PlannerArm::NewStub((*planner)->channel());
//   CallOptions call{.deadline = task_deadline, .request_id = task_id, .cancel = &token};
//   v1::PlanResponse response;
//   absl::Status status = (*planner)->Call("Plan", call, [&](grpc::ClientContext& ctx) {
//     return stub->Plan(&ctx, request, &response);
//   });

#include <atomic>
#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "armature/v1/arm_info.pb.h"
#include "grpcpp/channel.h"
#include "grpcpp/client_context.h"
#include "grpcpp/support/status.h"
#include "libs/clock/clock.h"
#include "libs/resilience/circuit_breaker.h"
#include "libs/resilience/retry_budget.h"
#include "libs/resilience/retry_policy.h"
#include "prometheus/registry.h"

namespace armature::downstream {

// Trailing metadata key a server may set on a failed call: the minimum delay, in milliseconds,
// before the client tries again (a negative or unparsable value asks it not to retry).
inline constexpr char kRetryPushbackKey[] = "grpc-retry-pushback-ms";

// Metadata key on every retry attempt: how many attempts of this call came before (the key
// gRPC's own retry machinery uses, so servers and proxies already understand it).
inline constexpr char kPreviousAttemptsKey[] = "grpc-previous-rpc-attempts";

// CancelToken lets the owner of a call abandon it: Cancel() wakes a backoff wait at once and
// cancels the attempt in flight (ClientContext::TryCancel). Thread-safe; reusable by many calls
// in sequence (e.g. every stage of one task), never reset.
class CancelToken {
 public:
  void Cancel();
  bool cancelled() const { return cancelled_.load(); }
  // Waits for `d` of real time or until Cancel(); false when cancelled.
  bool WaitFor(absl::Duration d);

  // Used by Downstream while an attempt is in flight; at most one context at a time. Attaching
  // to a cancelled token cancels the context at once.
  void Attach(grpc::ClientContext* context);
  void Detach();

 private:
  std::atomic<bool> cancelled_{false};
  std::mutex mu_;
  std::condition_variable cv_;
  grpc::ClientContext* context_ = nullptr;
};

// DownstreamOptions configure one downstream.
struct DownstreamOptions {
  // Short name: metric label `target` and, when breaker.name is empty, the breaker's name
  // ("planner" -> "planner arm"), which also prefixes error messages.
  std::string name;
  // gRPC target: HOST:PORT, dns:///name:port or ipv4:host:port,host:port.
  std::string target;
  // Load-balancing policy for the channel's service config ("round_robin" or "pick_first").
  std::string lb_policy = "round_robin";
  // Circuit breaker; when disabled every call goes through.
  bool breaker_enabled = true;
  resilience::CircuitBreakerOptions breaker;
  // Retries; when disabled each call makes exactly one attempt (and budget() is null).
  bool retries_enabled = true;
  resilience::RetryPolicy retry;
  resilience::RetryBudgetOptions budget;
  // Upper bound of one attempt (the attempt's deadline is min(call deadline, now + this));
  // zero = only the call's deadline bounds it.
  absl::Duration attempt_timeout = absl::ZeroDuration();
  // Largest message received, in bytes.
  int max_message_bytes = 16 * 1024 * 1024;
  // Backoff between reconnection attempts of the channel to an unreachable address (gRPC's
  // default grows to 120 s, which would leave a restarted arm unused for minutes).
  int initial_reconnect_backoff_ms = 1'000;
  int max_reconnect_backoff_ms = 10'000;
  // Keepalive ping interval on idle and busy connections (the arm servers accept one per 10 s).
  int keepalive_time_ms = 30'000;
  int keepalive_timeout_ms = 10'000;
};

// INVALID_ARGUMENT naming the offending field (name, target, lb_policy, breaker.*, retry.*,
// budget.*, attempt_timeout, max_message_bytes, *_reconnect_backoff_ms, keepalive_*), or OK.
// breaker.* is only checked when the breaker is enabled, retry.* and budget.* when retries are.
absl::Status ValidateDownstreamOptions(const DownstreamOptions& options);

// DownstreamMetrics registers the client-side families once per registry; every Downstream
// created with it records into them:
//   armature_downstream_calls_total{target,method,code}        logical calls by final code
//   armature_downstream_call_seconds{target,method}            logical call latency (histogram)
//   armature_downstream_attempts_total{target,method,code}     RPC attempts sent, by code
//   armature_downstream_attempt_seconds{target,method}         attempt latency (histogram)
//   armature_downstream_retries_total{target,method}           retries made
//   armature_downstream_retry_budget_exhausted_total{target}   retries refused by the budget
//   armature_downstream_breaker_state{target,state}            1 for the current state, else 0
//   armature_downstream_breaker_transitions_total{target,from,to}
//   armature_downstream_breaker_refusals_total{target,reason}  reason: open | half_open_full
class DownstreamMetrics {
 public:
  explicit DownstreamMetrics(prometheus::Registry& registry);
  ~DownstreamMetrics();
  DownstreamMetrics(const DownstreamMetrics&) = delete;
  DownstreamMetrics& operator=(const DownstreamMetrics&) = delete;

  struct Families;
  Families& families() { return *families_; }

 private:
  std::unique_ptr<Families> families_;
};

// Most attempts one call may make.
inline constexpr int kMaxCallAttempts = 10;

// Per-call settings.
struct CallOptions {
  // Overall deadline of the call, retries included (absl::InfiniteFuture() = none; then only
  // attempt_timeout bounds each attempt).
  absl::Time deadline = absl::InfiniteFuture();
  // Sent as x-request-id on every attempt when non-empty.
  std::string request_id;
  // Optional; lets the caller abandon the call.
  CancelToken* cancel = nullptr;
  // Attempts for this call (1-kMaxCallAttempts; larger values are capped); 0 = the options'
  // retry.max_attempts. Ignored when retries are disabled (one attempt).
  int max_attempts = 0;
  // Upper bound of each attempt; zero = the options' attempt_timeout. With several attempts and
  // replicas, a bound below the deadline lets a retry reach another replica when one hangs.
  absl::Duration attempt_timeout = absl::ZeroDuration();
};

// What happened during one Call, for the caller's records (task attempts, last error).
struct CallReport {
  // RPC attempts sent (a breaker refusal is not an attempt).
  int attempts = 0;
  // True when the final outcome was a refusal by the open (or full half-open) breaker.
  bool refused_by_breaker = false;
  // When the caller should try again at the earliest (breaker's rest of the open wait or the
  // server's grpc-retry-pushback-ms); zero when unknown.
  absl::Duration retry_after = absl::ZeroDuration();
  // Why the call stopped: kSucceeded, or why the last failure was not retried (kDeadline,
  // kAttemptsExhausted, ...). kNotRetryable also for a cancelled call.
  resilience::RetryVerdict verdict = resilience::RetryVerdict::kNotRetryable;
};

// One RPC attempt: issue the call on `context` (already carrying deadline and metadata) and
// return its status. Called once per attempt.
using Attempt = std::function<grpc::Status(grpc::ClientContext& context)>;

class Downstream {
 public:
  // Validates the options and creates the channel (not connecting yet). `metrics` and `clock`
  // are borrowed and must outlive the Downstream. `sleep` waits between attempts; the default
  // waits on the call's CancelToken (or clock.SleepFor without one). Tests with a ManualClock
  // pass a sleep that advances the clock. `sleep` returns false when the wait was cancelled.
  //
  // Deadlines are computed with `clock`; an attempt's gRPC deadline is real time now plus the
  // time `clock` says is left, so a ManualClock's epoch does not matter.
  using Sleep = std::function<bool(absl::Duration, CancelToken*)>;
  static absl::StatusOr<std::unique_ptr<Downstream>> Create(DownstreamOptions options,
                                                            DownstreamMetrics& metrics,
                                                            Clock& clock = RealClock(),
                                                            Sleep sleep = nullptr);
  ~Downstream();
  Downstream(const Downstream&) = delete;
  Downstream& operator=(const Downstream&) = delete;

  // Runs `attempt` under the breaker, with the deadline, retries and metrics. `method` is the
  // metric label (e.g. "Plan"). Returns OK or the final error; an error names the downstream,
  // e.g. UNAVAILABLE "planner arm (127.0.0.1:50052): failed to connect to all addresses" or the
  // breaker's "planner arm circuit open, retry in 2.5s"; a cancelled call is CANCELLED.
  // A call refused by an open breaker returns in microseconds, without touching the network,
  // unless its deadline leaves room to wait out the open wait (then it waits and tries again).
  // Every attempt takes its own breaker permit; a breaker refusal counts towards
  // retry.max_attempts but is not an RPC attempt. Thread-safe.
  absl::Status Call(std::string_view method, const CallOptions& options, const Attempt& attempt,
                    CallReport* report = nullptr);

  std::shared_ptr<grpc::Channel> channel() const { return channel_; }
  const DownstreamOptions& options() const { return options_; }
  // Null when the breaker is disabled.
  resilience::CircuitBreaker* breaker() const { return breaker_.get(); }
  // Null when retries are disabled.
  resilience::RetryBudget* budget() const { return budget_.get(); }

 private:
  Downstream(DownstreamOptions options, DownstreamMetrics& metrics, Clock& clock, Sleep sleep);

  // This target's metric series that do not depend on the method, created once.
  struct TargetSeries;

  DownstreamOptions options_;
  DownstreamMetrics& metrics_;
  std::unique_ptr<TargetSeries> series_;
  Clock& clock_;
  Sleep sleep_;
  std::shared_ptr<grpc::Channel> channel_;
  std::unique_ptr<resilience::CircuitBreaker> breaker_;
  std::shared_ptr<resilience::RetryBudget> budget_;
  std::unique_ptr<resilience::RetryDecider> decider_;
  // Error-message prefix, e.g. "planner arm (127.0.0.1:50052): ".
  std::string error_prefix_;
};

// Calls armature.v1.ArmInfo/GetCapabilities on the downstream (method label
// "GetCapabilities") under its deadline, retries and breaker.
absl::StatusOr<v1::GetCapabilitiesResponse> FetchCapabilities(Downstream& downstream,
                                                              absl::Time deadline);

}  // namespace armature::downstream
