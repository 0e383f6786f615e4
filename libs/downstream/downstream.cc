#include "libs/downstream/downstream.h"

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <utility>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "armature/v1/arm_info.grpc.pb.h"
#include "grpcpp/create_channel.h"
#include "grpcpp/security/credentials.h"
#include "grpcpp/support/channel_arguments.h"
#include "libs/runtime/metrics.h"
#include "libs/runtime/status.h"
#include "prometheus/counter.h"
#include "prometheus/family.h"
#include "prometheus/gauge.h"
#include "prometheus/histogram.h"

namespace armature::downstream {
namespace {

using resilience::AttemptOutcome;
using resilience::CircuitBreaker;
using resilience::CircuitState;
using resilience::RefusalReason;
using resilience::RetryDecision;
using resilience::RetryVerdict;

// Longest single wait on a condition variable: far-future deadlines must not overflow
// steady_clock arithmetic.
constexpr absl::Duration kMaxWaitSlice = absl::Hours(1);
// Longest attempt deadline handed to gRPC (beyond it the deadline is as good as none).
constexpr absl::Duration kMaxGrpcTimeout = absl::Hours(24 * 365);

std::string CodeLabel(absl::StatusCode code) {
  // absl and gRPC share the canonical numbering; FromGrpcStatus keeps codes in range.
  return std::string(runtime::StatusCodeName(static_cast<grpc::StatusCode>(code)));
}

// The real-time point `remaining` from now, for ClientContext::set_deadline.
std::chrono::system_clock::time_point RealDeadline(absl::Duration remaining) {
  remaining = std::clamp(remaining, absl::ZeroDuration(), kMaxGrpcTimeout);
  return std::chrono::system_clock::now() +
         std::chrono::duration_cast<std::chrono::system_clock::duration>(
             absl::ToChronoNanoseconds(remaining));
}

std::string CircuitStateLabel(CircuitState state) {
  return std::string(resilience::CircuitStateName(state));
}

// Rewrites a nested validator's message ("circuit breaker minimum_calls must ...") so that it
// names the field as this struct spells it ("breaker.minimum_calls must ...").
absl::Status NestedError(const DownstreamOptions& options, const absl::Status& status,
                         std::string_view field_prefix, std::string_view message_prefix) {
  std::string message(status.message());
  if (message.starts_with(message_prefix)) message.erase(0, message_prefix.size());
  return absl::InvalidArgumentError(absl::StrCat(
      "downstream \"", options.name, "\" options: ", std::string(field_prefix), message));
}

absl::Status FieldError(const DownstreamOptions& options, std::string_view message) {
  return absl::InvalidArgumentError(
      absl::StrCat("downstream \"", options.name, "\" options: ", std::string(message)));
}

std::shared_ptr<grpc::Channel> MakeChannel(const DownstreamOptions& options) {
  grpc::ChannelArguments args;
  // Only the load-balancing policy: retries are Downstream::Call's job, and a gRPC retryPolicy
  // on top would multiply the attempts (max_attempts squared) on a struggling server.
  args.SetServiceConfigJSON(
      absl::StrCat(R"({"loadBalancingConfig":[{")", options.lb_policy, R"(":{}}]})"));
  // gRPC's retry layer is off too: it would overwrite our grpc-previous-rpc-attempts (it removes
  // the key from what it sees as every call's first attempt), and its transparent retries would
  // hide from the breaker and the budget; our loop retries UNAVAILABLE anyway.
  args.SetInt(GRPC_ARG_ENABLE_RETRIES, 0);
  args.SetMaxReceiveMessageSize(options.max_message_bytes);
  args.SetInt(GRPC_ARG_KEEPALIVE_TIME_MS, options.keepalive_time_ms);
  args.SetInt(GRPC_ARG_KEEPALIVE_TIMEOUT_MS, options.keepalive_timeout_ms);
  // Idle connections are pinged too, so a vanished arm is noticed before a task needs it
  // (the arm servers permit pings without calls).
  args.SetInt(GRPC_ARG_KEEPALIVE_PERMIT_WITHOUT_CALLS, 1);
  args.SetInt(GRPC_ARG_INITIAL_RECONNECT_BACKOFF_MS, options.initial_reconnect_backoff_ms);
  args.SetInt(GRPC_ARG_MAX_RECONNECT_BACKOFF_MS, options.max_reconnect_backoff_ms);
  return grpc::CreateCustomChannel(options.target, grpc::InsecureChannelCredentials(), args);
}

// Attaches a context to a CancelToken for the duration of one attempt.
class AttachGuard {
 public:
  AttachGuard(CancelToken* token, grpc::ClientContext* context) : token_(token) {
    if (token_ != nullptr) token_->Attach(context);
  }
  ~AttachGuard() {
    if (token_ != nullptr) token_->Detach();
  }
  AttachGuard(const AttachGuard&) = delete;
  AttachGuard& operator=(const AttachGuard&) = delete;

 private:
  CancelToken* token_;
};

// The server's grpc-retry-pushback-ms: the delay it asks for (zero when it sent none), or
// nullopt when it asks for no retry at all (a negative or unparsable value, as in gRPC).
std::optional<absl::Duration> Pushback(const grpc::ClientContext& context) {
  const auto& trailers = context.GetServerTrailingMetadata();
  const auto it = trailers.find(kRetryPushbackKey);
  if (it == trailers.end()) return absl::ZeroDuration();
  int64_t ms = 0;
  if (!absl::SimpleAtoi(absl::string_view(it->second.data(), it->second.size()), &ms) || ms < 0) {
    return std::nullopt;
  }
  return absl::Milliseconds(ms);
}

}  // namespace

// --- CancelToken ---

void CancelToken::Cancel() {
  cancelled_.store(true);
  std::lock_guard<std::mutex> lock(mu_);
  if (context_ != nullptr) context_->TryCancel();
  cv_.notify_all();
}

bool CancelToken::WaitFor(absl::Duration d) {
  const absl::Time until = absl::Now() + d;
  std::unique_lock<std::mutex> lock(mu_);
  while (!cancelled_.load()) {
    const absl::Duration left = until - absl::Now();
    if (left <= absl::ZeroDuration()) break;
    cv_.wait_for(lock, absl::ToChronoNanoseconds(std::min(left, kMaxWaitSlice)));
  }
  return !cancelled_.load();
}

void CancelToken::Attach(grpc::ClientContext* context) {
  std::lock_guard<std::mutex> lock(mu_);
  context_ = context;
  // Cancel() sets the flag before taking the lock, so either it sees this context or we see
  // the flag. TryCancel before the call starts makes the call fail with CANCELLED at once.
  if (cancelled_.load()) context->TryCancel();
}

void CancelToken::Detach() {
  std::lock_guard<std::mutex> lock(mu_);
  context_ = nullptr;
}

// --- Options ---

absl::Status ValidateDownstreamOptions(const DownstreamOptions& options) {
  if (options.name.empty()) return FieldError(options, "name must not be empty");
  if (options.target.empty()) return FieldError(options, "target must not be empty");
  if (std::any_of(options.target.begin(), options.target.end(),
                  [](char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; })) {
    return FieldError(options,
                      absl::StrCat("target must not contain whitespace, got \"", options.target,
                                   "\" (address lists are comma-separated: ipv4:a:1,b:2)"));
  }
  if (options.lb_policy != "round_robin" && options.lb_policy != "pick_first") {
    return FieldError(options, absl::StrCat("lb_policy must be round_robin or pick_first, got \"",
                                            options.lb_policy, "\""));
  }
  if (options.breaker_enabled) {
    if (absl::Status s = resilience::ValidateCircuitBreakerOptions(options.breaker); !s.ok()) {
      return NestedError(options, s, "breaker.", "circuit breaker ");
    }
  }
  if (options.retries_enabled) {
    if (absl::Status s = resilience::ValidateRetryPolicy(options.retry); !s.ok()) {
      return NestedError(options, s, "retry.", "retry policy ");
    }
    if (absl::Status s = resilience::ValidateRetryBudgetOptions(options.budget); !s.ok()) {
      return NestedError(options, s, "budget.", "retry budget ");
    }
  }
  if (options.attempt_timeout < absl::ZeroDuration()) {
    return FieldError(options, absl::StrCat("attempt_timeout must not be negative, got ",
                                            absl::FormatDuration(options.attempt_timeout)));
  }
  if (options.max_message_bytes <= 0) {
    return FieldError(options, absl::StrCat("max_message_bytes must be positive, got ",
                                            options.max_message_bytes));
  }
  if (options.initial_reconnect_backoff_ms <= 0) {
    return FieldError(options, absl::StrCat("initial_reconnect_backoff_ms must be positive, got ",
                                            options.initial_reconnect_backoff_ms));
  }
  if (options.max_reconnect_backoff_ms < options.initial_reconnect_backoff_ms) {
    return FieldError(options,
                      absl::StrCat("max_reconnect_backoff_ms (", options.max_reconnect_backoff_ms,
                                   ") must not be less than initial_reconnect_backoff_ms (",
                                   options.initial_reconnect_backoff_ms, ")"));
  }
  if (options.keepalive_time_ms <= 0) {
    return FieldError(options, absl::StrCat("keepalive_time_ms must be positive, got ",
                                            options.keepalive_time_ms));
  }
  if (options.keepalive_timeout_ms <= 0) {
    return FieldError(options, absl::StrCat("keepalive_timeout_ms must be positive, got ",
                                            options.keepalive_timeout_ms));
  }
  return absl::OkStatus();
}

// --- Metrics ---

struct DownstreamMetrics::Families {
  explicit Families(prometheus::Registry& registry)
      : calls(prometheus::BuildCounter()
                  .Name("armature_downstream_calls_total")
                  .Help("Logical calls to a downstream (retries included), by final gRPC code.")
                  .Register(registry)),
        call_seconds(prometheus::BuildHistogram()
                         .Name("armature_downstream_call_seconds")
                         .Help("Latency of logical downstream calls in seconds, backoff included.")
                         .Register(registry)),
        attempts(prometheus::BuildCounter()
                     .Name("armature_downstream_attempts_total")
                     .Help("RPC attempts sent to a downstream, by gRPC code.")
                     .Register(registry)),
        attempt_seconds(prometheus::BuildHistogram()
                            .Name("armature_downstream_attempt_seconds")
                            .Help("Latency of single downstream RPC attempts in seconds.")
                            .Register(registry)),
        retries(prometheus::BuildCounter()
                    .Name("armature_downstream_retries_total")
                    .Help("Retries made to a downstream (attempts after the first).")
                    .Register(registry)),
        budget_exhausted(prometheus::BuildCounter()
                             .Name("armature_downstream_retry_budget_exhausted_total")
                             .Help("Retries to a downstream refused by its retry budget.")
                             .Register(registry)),
        breaker_state(prometheus::BuildGauge()
                          .Name("armature_downstream_breaker_state")
                          .Help("Circuit breaker state of a downstream: 1 for the current state.")
                          .Register(registry)),
        breaker_transitions(prometheus::BuildCounter()
                                .Name("armature_downstream_breaker_transitions_total")
                                .Help("Circuit breaker state changes of a downstream.")
                                .Register(registry)),
        breaker_refusals(prometheus::BuildCounter()
                             .Name("armature_downstream_breaker_refusals_total")
                             .Help("Calls refused by a downstream's circuit breaker, by reason "
                                   "(open, half_open_full).")
                             .Register(registry)) {}

  prometheus::Family<prometheus::Counter>& calls;
  prometheus::Family<prometheus::Histogram>& call_seconds;
  prometheus::Family<prometheus::Counter>& attempts;
  prometheus::Family<prometheus::Histogram>& attempt_seconds;
  prometheus::Family<prometheus::Counter>& retries;
  prometheus::Family<prometheus::Counter>& budget_exhausted;
  prometheus::Family<prometheus::Gauge>& breaker_state;
  prometheus::Family<prometheus::Counter>& breaker_transitions;
  prometheus::Family<prometheus::Counter>& breaker_refusals;
};

DownstreamMetrics::DownstreamMetrics(prometheus::Registry& registry)
    : families_(std::make_unique<Families>(registry)) {}

DownstreamMetrics::~DownstreamMetrics() = default;

struct Downstream::TargetSeries {
  TargetSeries(DownstreamMetrics::Families& families, const std::string& target)
      : families(families),
        target(target),
        budget_exhausted(families.budget_exhausted.Add({{"target", target}})),
        refused_open(families.breaker_refusals.Add({{"target", target}, {"reason", "open"}})),
        refused_half_open_full(
            families.breaker_refusals.Add({{"target", target}, {"reason", "half_open_full"}})) {
    for (CircuitState state :
         {CircuitState::kClosed, CircuitState::kOpen, CircuitState::kHalfOpen}) {
      State(state).Set(state == CircuitState::kClosed ? 1 : 0);
    }
  }

  prometheus::Gauge& State(CircuitState state) {
    return families.breaker_state.Add({{"target", target}, {"state", CircuitStateLabel(state)}});
  }

  // The breaker's TransitionListener (runs under the breaker's lock: no calls back into it).
  void OnTransition(CircuitState from, CircuitState to) {
    State(from).Set(0);
    State(to).Set(1);
    families.breaker_transitions
        .Add({{"target", target}, {"from", CircuitStateLabel(from)}, {"to", CircuitStateLabel(to)}})
        .Increment();
  }

  void OnRefusal(RefusalReason reason) {
    (reason == RefusalReason::kHalfOpenFull ? refused_half_open_full : refused_open).Increment();
  }

  DownstreamMetrics::Families& families;
  const std::string target;
  prometheus::Counter& budget_exhausted;
  prometheus::Counter& refused_open;
  prometheus::Counter& refused_half_open_full;
};

// --- Downstream ---

absl::StatusOr<std::unique_ptr<Downstream>> Downstream::Create(DownstreamOptions options,
                                                               DownstreamMetrics& metrics,
                                                               Clock& clock, Sleep sleep) {
  if (absl::Status status = ValidateDownstreamOptions(options); !status.ok()) return status;
  if (options.breaker.name.empty()) options.breaker.name = absl::StrCat(options.name, " arm");
  std::unique_ptr<Downstream> downstream(
      new Downstream(std::move(options), metrics, clock, std::move(sleep)));
  const DownstreamOptions& opts = downstream->options_;

  if (opts.breaker_enabled) {
    TargetSeries* series = downstream->series_.get();
    auto breaker = CircuitBreaker::Create(
        opts.breaker, clock,
        [series](CircuitState from, CircuitState to) { series->OnTransition(from, to); });
    if (!breaker.ok()) return breaker.status();
    downstream->breaker_ = std::move(*breaker);
  }

  resilience::RetryPolicy policy = opts.retry;
  // The decider allows the most attempts any call may ask for (CallOptions::max_attempts);
  // Call() stops at the call's own limit.
  policy.max_attempts = kMaxCallAttempts;
  if (opts.retries_enabled) {
    auto budget = resilience::RetryBudget::Create(opts.budget);
    if (!budget.ok()) return budget.status();
    downstream->budget_ = std::move(*budget);
  } else {
    policy = resilience::RetryPolicy{.max_attempts = 1};
  }
  auto decider = resilience::RetryDecider::Create(std::move(policy), downstream->budget_);
  if (!decider.ok()) return decider.status();
  downstream->decider_ = std::make_unique<resilience::RetryDecider>(std::move(*decider));

  downstream->channel_ = MakeChannel(opts);
  return downstream;
}

Downstream::Downstream(DownstreamOptions options, DownstreamMetrics& metrics, Clock& clock,
                       Sleep sleep)
    : options_(std::move(options)),
      metrics_(metrics),
      series_(std::make_unique<TargetSeries>(metrics.families(), options_.name)),
      clock_(clock),
      sleep_(std::move(sleep)),
      error_prefix_(absl::StrCat(options_.breaker.name, " (", options_.target, "): ")) {
  if (!sleep_) {
    sleep_ = [&clock](absl::Duration d, CancelToken* token) {
      if (token != nullptr) return token->WaitFor(d);
      clock.SleepFor(d);
      return true;
    };
  }
}

Downstream::~Downstream() = default;

absl::Status Downstream::Call(std::string_view method_view, const CallOptions& options,
                              const Attempt& attempt, CallReport* report_out) {
  DownstreamMetrics::Families& families = metrics_.families();
  const std::string method(method_view);
  const std::string& target = options_.name;
  CancelToken* const token = options.cancel;
  const absl::Time call_start = clock_.Now();

  CallReport report;
  absl::Status last;          // outcome of the last attempt or refusal, not yet prefixed
  bool last_refused = false;  // `last` is a breaker refusal (its message names the downstream)
  bool cancelled = false;
  int tries = 0;  // attempts plus breaker refusals, for retry.max_attempts
  const int max_attempts = !options_.retries_enabled ? 1
                           : options.max_attempts > 0
                               ? std::min(options.max_attempts, kMaxCallAttempts)
                               : options_.retry.max_attempts;

  while (true) {
    if (token != nullptr && token->cancelled()) {
      cancelled = true;
      break;
    }
    if (clock_.Now() >= options.deadline) {
      // Only reachable when a wait overshot, or the call came in with its deadline passed.
      if (tries == 0) {
        last = absl::DeadlineExceededError("deadline passed before the first attempt");
        last_refused = false;
      }
      report.verdict = RetryVerdict::kDeadline;
      break;
    }
    ++tries;

    AttemptOutcome outcome;
    bool pushback_forbids_retry = false;
    std::optional<CircuitBreaker::Permit> permit;
    if (breaker_ != nullptr) {
      permit.emplace(breaker_->TryAcquire());
      if (!*permit) {
        series_->OnRefusal(permit->refusal_reason());
        outcome = AttemptOutcome{.status = permit->ToStatus(),
                                 .retry_after = permit->retry_after(),
                                 .reached_downstream = false};
        permit.reset();
      }
    }

    if (breaker_ == nullptr || permit.has_value()) {
      grpc::ClientContext context;
      const absl::Time attempt_start = clock_.Now();
      absl::Time attempt_deadline = options.deadline;
      const absl::Duration attempt_timeout = options.attempt_timeout > absl::ZeroDuration()
                                                 ? options.attempt_timeout
                                                 : options_.attempt_timeout;
      if (attempt_timeout > absl::ZeroDuration()) {
        attempt_deadline = std::min(attempt_deadline, attempt_start + attempt_timeout);
      }
      if (attempt_deadline != absl::InfiniteFuture()) {
        context.set_deadline(RealDeadline(attempt_deadline - attempt_start));
      }
      if (!options.request_id.empty()) {
        context.AddMetadata(runtime::kRequestIdKey, options.request_id);
      }
      if (report.attempts > 0) {
        context.AddMetadata(kPreviousAttemptsKey, std::to_string(report.attempts));
      }
      ++report.attempts;
      grpc::Status grpc_status;
      {
        AttachGuard attached(token, &context);
        grpc_status = attempt(context);
      }
      absl::Status status = runtime::FromGrpcStatus(grpc_status);
      families.attempts
          .Add({{"target", target}, {"method", method}, {"code", CodeLabel(status.code())}})
          .Increment();
      families.attempt_seconds
          .Add({{"target", target}, {"method", method}}, runtime::RpcLatencyBuckets())
          .Observe(absl::ToDoubleSeconds(clock_.Now() - attempt_start));

      if (!status.ok() && token != nullptr && token->cancelled()) {
        // The caller gave up: no evidence about the downstream either way.
        if (permit.has_value()) permit->Release();
        cancelled = true;
        break;
      }
      if (permit.has_value()) permit->Report(status);
      if (!status.ok()) {
        const std::optional<absl::Duration> pushback = Pushback(context);
        if (pushback.has_value()) {
          outcome.retry_after = *pushback;
        } else {
          pushback_forbids_retry = true;
        }
      }
      outcome.status = std::move(status);
      outcome.reached_downstream = true;
    }

    last = outcome.status;
    last_refused = !outcome.reached_downstream;
    report.retry_after = outcome.retry_after;
    // Decide after every attempt, success included: it also feeds the retry budget.
    const RetryDecision decision = decider_->Decide(tries, outcome, clock_.Now(), options.deadline);
    report.verdict = decision.verdict;
    if (tries >= max_attempts && (decision.verdict == RetryVerdict::kRetry ||
                                  decision.verdict == RetryVerdict::kBudgetExhausted)) {
      // This call's own attempt limit comes first: the budget did not stop anything here.
      report.verdict = RetryVerdict::kAttemptsExhausted;
    }
    if (report.verdict == RetryVerdict::kBudgetExhausted) series_->budget_exhausted.Increment();
    if (report.verdict == RetryVerdict::kRetry && pushback_forbids_retry) {
      report.verdict = RetryVerdict::kNotRetryable;
    }
    if (report.verdict != RetryVerdict::kRetry) break;

    if (!sleep_(decision.delay, token)) {
      cancelled = true;
      break;
    }
    families.retries.Add({{"target", target}, {"method", method}}).Increment();
  }

  absl::Status result;
  if (cancelled) {
    result = absl::CancelledError(absl::StrCat(error_prefix_, "call cancelled"));
    report.verdict = RetryVerdict::kNotRetryable;
    last_refused = false;
  } else if (last.ok()) {
    result = absl::OkStatus();
  } else if (last_refused) {
    result = last;
  } else {
    result = absl::Status(last.code(), absl::StrCat(error_prefix_, last.message()));
  }
  report.refused_by_breaker = last_refused;
  if (result.ok() || cancelled) report.retry_after = absl::ZeroDuration();

  families.calls.Add({{"target", target}, {"method", method}, {"code", CodeLabel(result.code())}})
      .Increment();
  families.call_seconds.Add({{"target", target}, {"method", method}}, runtime::RpcLatencyBuckets())
      .Observe(absl::ToDoubleSeconds(clock_.Now() - call_start));
  if (report_out != nullptr) *report_out = report;
  return result;
}

absl::StatusOr<v1::GetCapabilitiesResponse> FetchCapabilities(Downstream& downstream,
                                                              absl::Time deadline) {
  const std::unique_ptr<v1::ArmInfo::Stub> stub = v1::ArmInfo::NewStub(downstream.channel());
  const v1::GetCapabilitiesRequest request;
  v1::GetCapabilitiesResponse response;
  absl::Status status = downstream.Call(
      "GetCapabilities", CallOptions{.deadline = deadline}, [&](grpc::ClientContext& context) {
        response.Clear();
        return stub->GetCapabilities(&context, request, &response);
      });
  if (!status.ok()) return status;
  return response;
}

}  // namespace armature::downstream
