#pragma once

#include <functional>
#include <mutex>

#include "absl/time/clock.h"
#include "absl/time/time.h"

namespace armature {

// Clock is the one source of time for code whose behaviour depends on it (circuit
// breakers, backoff, caches with TTL, leases), so tests can drive time exactly.
class Clock {
 public:
  virtual ~Clock() = default;
  // Current wall-clock time.
  virtual absl::Time Now() const = 0;
  // Blocks the caller for `d` (a ManualClock advances instead of blocking).
  virtual void SleepFor(absl::Duration d) = 0;
};

// SystemClock reads the real clock. Use Clock::Real() rather than constructing one.
class SystemClock final : public Clock {
 public:
  absl::Time Now() const override { return absl::Now(); }
  void SleepFor(absl::Duration d) override { absl::SleepFor(d); }
};

// RealClock returns a process-wide SystemClock.
Clock& RealClock();

// ManualClock only moves when told to; SleepFor advances it. Thread-safe.
class ManualClock final : public Clock {
 public:
  explicit ManualClock(absl::Time start = absl::FromUnixSeconds(1'700'000'000)) : now_(start) {}
  absl::Time Now() const override {
    std::lock_guard<std::mutex> lock(mu_);
    return now_;
  }
  void SleepFor(absl::Duration d) override { Advance(d); }
  void Advance(absl::Duration d) {
    std::lock_guard<std::mutex> lock(mu_);
    now_ += d;
  }
  void Set(absl::Time t) {
    std::lock_guard<std::mutex> lock(mu_);
    now_ = t;
  }

 private:
  mutable std::mutex mu_;
  absl::Time now_;
};

}  // namespace armature
