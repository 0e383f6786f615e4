#include "libs/resilience/circuit_breaker.h"

#include <algorithm>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"

namespace armature::resilience {

std::string_view CircuitStateName(CircuitState state) {
  switch (state) {
    case CircuitState::kClosed:
      return "CLOSED";
    case CircuitState::kOpen:
      return "OPEN";
    case CircuitState::kHalfOpen:
      return "HALF_OPEN";
  }
  return "UNKNOWN";
}

CallOutcome ClassifyForBreaker(absl::StatusCode code) {
  switch (code) {
    case absl::StatusCode::kOk:
    case absl::StatusCode::kInvalidArgument:
    case absl::StatusCode::kNotFound:
    case absl::StatusCode::kAlreadyExists:
    case absl::StatusCode::kPermissionDenied:
    case absl::StatusCode::kUnauthenticated:
    case absl::StatusCode::kFailedPrecondition:
    case absl::StatusCode::kAborted:
    case absl::StatusCode::kOutOfRange:
    case absl::StatusCode::kUnimplemented:
      return CallOutcome::kSuccess;
    case absl::StatusCode::kCancelled:
      return CallOutcome::kIgnored;
    case absl::StatusCode::kUnavailable:
    case absl::StatusCode::kDeadlineExceeded:
    case absl::StatusCode::kResourceExhausted:
    case absl::StatusCode::kInternal:
    case absl::StatusCode::kUnknown:
    case absl::StatusCode::kDataLoss:
      return CallOutcome::kFailure;
    default:
      // A code outside the canonical set cannot be trusted to mean "healthy".
      return CallOutcome::kFailure;
  }
}

absl::Status ValidateCircuitBreakerOptions(const CircuitBreakerOptions& options) {
  if (!(options.failure_rate_threshold > 0.0 && options.failure_rate_threshold <= 1.0)) {
    return absl::InvalidArgumentError(
        absl::StrCat("circuit breaker failure_rate_threshold must be in (0, 1], got ",
                     options.failure_rate_threshold));
  }
  if (options.window_buckets < 1) {
    return absl::InvalidArgumentError(absl::StrCat(
        "circuit breaker window_buckets must be at least 1, got ", options.window_buckets));
  }
  if (options.window_ms < options.window_buckets) {
    return absl::InvalidArgumentError(absl::StrCat(
        "circuit breaker window_ms must be at least window_buckets (", options.window_buckets,
        ") so that each bucket spans >= 1 ms, got ", options.window_ms));
  }
  if (options.minimum_calls < 1) {
    return absl::InvalidArgumentError(absl::StrCat(
        "circuit breaker minimum_calls must be at least 1, got ", options.minimum_calls));
  }
  if (options.open_wait_ms < 0) {
    return absl::InvalidArgumentError(absl::StrCat(
        "circuit breaker open_wait_ms must not be negative, got ", options.open_wait_ms));
  }
  if (options.half_open_max_calls < 1) {
    return absl::InvalidArgumentError(
        absl::StrCat("circuit breaker half_open_max_calls must be at least 1, got ",
                     options.half_open_max_calls));
  }
  if (options.successes_to_close < 1) {
    return absl::InvalidArgumentError(absl::StrCat(
        "circuit breaker successes_to_close must be at least 1, got ", options.successes_to_close));
  }
  if (options.half_open_permit_timeout_ms < 1) {
    return absl::InvalidArgumentError(
        absl::StrCat("circuit breaker half_open_permit_timeout_ms must be at least 1, got ",
                     options.half_open_permit_timeout_ms));
  }
  return absl::OkStatus();
}

absl::StatusOr<std::unique_ptr<CircuitBreaker>> CircuitBreaker::Create(
    CircuitBreakerOptions options, Clock& clock, TransitionListener listener) {
  if (absl::Status status = ValidateCircuitBreakerOptions(options); !status.ok()) return status;
  return std::unique_ptr<CircuitBreaker>(
      new CircuitBreaker(std::move(options), clock, std::move(listener)));
}

CircuitBreaker::CircuitBreaker(CircuitBreakerOptions options, Clock& clock,
                               TransitionListener listener)
    : options_(std::move(options)),
      clock_(clock),
      listener_(std::move(listener)),
      bucket_width_ns_(options_.window_ms * 1'000'000 / options_.window_buckets),
      buckets_(static_cast<size_t>(options_.window_buckets)) {
  trials_.reserve(static_cast<size_t>(options_.half_open_max_calls));
}

CircuitBreaker::Permit CircuitBreaker::TryAcquire() {
  const absl::Time now = clock_.Now();
  std::lock_guard<std::mutex> lock(mu_);
  AdvanceLocked(now);
  switch (state_) {
    case CircuitState::kClosed:
      ++counters_.permits_granted;
      return Permit(this, generation_, 0, RefusalReason::kNone, absl::ZeroDuration(), 0);
    case CircuitState::kOpen:
      ++counters_.refused_open;
      return Permit(this, generation_, 0, RefusalReason::kOpen, open_until_ - now, 0);
    case CircuitState::kHalfOpen:
      break;
  }
  const int in_flight = static_cast<int>(trials_.size());
  if (in_flight >= options_.half_open_max_calls) {
    ++counters_.refused_half_open_full;
    return Permit(this, generation_, 0, RefusalReason::kHalfOpenFull, absl::ZeroDuration(),
                  in_flight);
  }
  const uint64_t id = next_trial_id_++;
  trials_.push_back(Trial{id, now + absl::Milliseconds(options_.half_open_permit_timeout_ms)});
  ++counters_.permits_granted;
  return Permit(this, generation_, id, RefusalReason::kNone, absl::ZeroDuration(), 0);
}

CircuitState CircuitBreaker::State() {
  const absl::Time now = clock_.Now();
  std::lock_guard<std::mutex> lock(mu_);
  AdvanceLocked(now);
  return state_;
}

CircuitBreakerStats CircuitBreaker::Stats() {
  const absl::Time now = clock_.Now();
  std::lock_guard<std::mutex> lock(mu_);
  AdvanceLocked(now);
  CircuitBreakerStats stats = counters_;
  stats.state = state_;
  stats.trials_in_flight = static_cast<int>(trials_.size());
  if (state_ == CircuitState::kClosed) {
    WindowTotalsLocked(now, stats.window_calls, stats.window_failures);
  }
  return stats;
}

void CircuitBreaker::Complete(uint64_t generation, uint64_t trial_id, CallOutcome outcome) {
  const absl::Time now = clock_.Now();
  std::lock_guard<std::mutex> lock(mu_);
  AdvanceLocked(now);
  if (generation != generation_) {
    if (outcome == CallOutcome::kIgnored) {
      ++counters_.released_without_outcome;
    } else {
      ++counters_.stale_outcomes;
    }
    return;
  }
  if (trial_id != 0) {
    // A trial that was reclaimed no longer holds a slot; its late report is ignored.
    if (!RemoveTrialLocked(trial_id)) {
      if (outcome == CallOutcome::kIgnored) {
        ++counters_.released_without_outcome;
      } else {
        ++counters_.stale_outcomes;
      }
      return;
    }
  }
  switch (outcome) {
    case CallOutcome::kIgnored:
      ++counters_.released_without_outcome;
      return;
    case CallOutcome::kSuccess:
      ++counters_.successes;
      break;
    case CallOutcome::kFailure:
      ++counters_.failures;
      break;
  }
  const bool failure = outcome == CallOutcome::kFailure;
  if (state_ == CircuitState::kHalfOpen) {
    if (failure) {
      TransitionLocked(CircuitState::kOpen, now);
    } else if (++trial_successes_ >= options_.successes_to_close) {
      TransitionLocked(CircuitState::kClosed, now);
    }
    return;
  }
  // Closed (an open breaker grants no permits, so a current-generation report is never open).
  RecordInWindowLocked(now, failure);
  int64_t calls = 0;
  int64_t failures = 0;
  WindowTotalsLocked(now, calls, failures);
  if (calls >= options_.minimum_calls &&
      static_cast<double>(failures) / static_cast<double>(calls) >=
          options_.failure_rate_threshold) {
    TransitionLocked(CircuitState::kOpen, now);
  }
}

void CircuitBreaker::AdvanceLocked(absl::Time now) {
  if (state_ == CircuitState::kOpen && now >= open_until_) {
    TransitionLocked(CircuitState::kHalfOpen, now);
  }
  if (state_ == CircuitState::kHalfOpen) {
    const auto expired = std::remove_if(trials_.begin(), trials_.end(),
                                        [now](const Trial& t) { return now >= t.reclaim_at; });
    counters_.trials_reclaimed += static_cast<uint64_t>(trials_.end() - expired);
    trials_.erase(expired, trials_.end());
  }
}

void CircuitBreaker::TransitionLocked(CircuitState to, absl::Time now) {
  const CircuitState from = state_;
  state_ = to;
  ++generation_;
  trials_.clear();
  trial_successes_ = 0;
  for (Bucket& bucket : buckets_) bucket = Bucket{};
  switch (to) {
    case CircuitState::kOpen:
      open_until_ = now + absl::Milliseconds(options_.open_wait_ms);
      ++counters_.transitions_to_open;
      break;
    case CircuitState::kHalfOpen:
      ++counters_.transitions_to_half_open;
      break;
    case CircuitState::kClosed:
      ++counters_.transitions_to_closed;
      break;
  }
  if (listener_) listener_(from, to);
}

int64_t CircuitBreaker::BucketIndex(absl::Time t) const {
  const int64_t ns = absl::ToUnixNanos(t);
  // Floor division, so that times before the Unix epoch still map to consecutive buckets.
  int64_t index = ns / bucket_width_ns_;
  if (ns % bucket_width_ns_ != 0 && ns < 0) --index;
  return index;
}

void CircuitBreaker::RecordInWindowLocked(absl::Time now, bool failure) {
  const int64_t index = BucketIndex(now);
  const int64_t n = static_cast<int64_t>(buckets_.size());
  Bucket& bucket = buckets_[static_cast<size_t>(((index % n) + n) % n)];
  if (bucket.index != index) bucket = Bucket{index, 0, 0};
  ++bucket.calls;
  if (failure) ++bucket.failures;
}

void CircuitBreaker::WindowTotalsLocked(absl::Time now, int64_t& calls, int64_t& failures) const {
  const int64_t current = BucketIndex(now);
  const int64_t n = static_cast<int64_t>(buckets_.size());
  calls = 0;
  failures = 0;
  for (const Bucket& bucket : buckets_) {
    // Buckets from the future (the clock was set back) are ignored rather than trusted.
    if (bucket.index > current - n && bucket.index <= current) {
      calls += bucket.calls;
      failures += bucket.failures;
    }
  }
}

bool CircuitBreaker::RemoveTrialLocked(uint64_t trial_id) {
  const auto it = std::find_if(trials_.begin(), trials_.end(),
                               [trial_id](const Trial& t) { return t.id == trial_id; });
  if (it == trials_.end()) return false;
  trials_.erase(it);
  return true;
}

// --- Permit ---

CircuitBreaker::Permit::Permit(CircuitBreaker* breaker, uint64_t generation, uint64_t trial_id,
                               RefusalReason reason, absl::Duration retry_after,
                               int trials_in_flight)
    : breaker_(breaker),
      pending_(reason == RefusalReason::kNone),
      generation_(generation),
      trial_id_(trial_id),
      reason_(reason),
      retry_after_(retry_after),
      trials_in_flight_(trials_in_flight) {}

CircuitBreaker::Permit::Permit(Permit&& other) noexcept
    : breaker_(other.breaker_),
      pending_(std::exchange(other.pending_, false)),
      generation_(other.generation_),
      trial_id_(other.trial_id_),
      reason_(other.reason_),
      retry_after_(other.retry_after_),
      trials_in_flight_(other.trials_in_flight_) {}

CircuitBreaker::Permit& CircuitBreaker::Permit::operator=(Permit&& other) noexcept {
  if (this != &other) {
    Release();
    breaker_ = other.breaker_;
    pending_ = std::exchange(other.pending_, false);
    generation_ = other.generation_;
    trial_id_ = other.trial_id_;
    reason_ = other.reason_;
    retry_after_ = other.retry_after_;
    trials_in_flight_ = other.trials_in_flight_;
  }
  return *this;
}

CircuitBreaker::Permit::~Permit() { Release(); }

void CircuitBreaker::Permit::Settle(CallOutcome outcome) {
  if (!pending_) return;
  pending_ = false;
  breaker_->Complete(generation_, trial_id_, outcome);
}

absl::Status CircuitBreaker::Permit::ToStatus() const {
  const std::string& name = breaker_->options().name;
  const char* sep = name.empty() ? "" : " ";
  switch (reason_) {
    case RefusalReason::kNone:
      return absl::OkStatus();
    case RefusalReason::kOpen:
      return absl::UnavailableError(
          absl::StrCat(name, sep, "circuit open, retry in ",
                       absl::FormatDuration(absl::Ceil(retry_after_, absl::Milliseconds(1)))));
    case RefusalReason::kHalfOpenFull:
      return absl::UnavailableError(
          absl::StrFormat("%s%scircuit half-open, all %d trial calls in flight, retry shortly",
                          name, sep, trials_in_flight_));
  }
  return absl::UnavailableError(absl::StrCat(name, sep, "circuit breaker refused the call"));
}

}  // namespace armature::resilience
