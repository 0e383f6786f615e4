#pragma once

#include <deque>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "libs/clock/clock.h"
#include "libs/llm/llm_provider.h"

namespace armature::llm::testing {

// RecordingClock is a ManualClock that also remembers every SleepFor.
class RecordingClock final : public Clock {
 public:
  absl::Time Now() const override { return clock_.Now(); }
  void SleepFor(absl::Duration d) override {
    {
      std::lock_guard<std::mutex> lock(mu_);
      sleeps_.push_back(d);
    }
    clock_.Advance(d);
  }
  void Advance(absl::Duration d) { clock_.Advance(d); }
  std::vector<absl::Duration> sleeps() const {
    std::lock_guard<std::mutex> lock(mu_);
    return sleeps_;
  }

 private:
  ManualClock clock_;
  mutable std::mutex mu_;
  std::vector<absl::Duration> sleeps_;
};

// FakeProvider answers Complete with scripted results, in order (the last one repeats), and
// optionally advances a clock by a fixed latency per call. Thread-safe.
class FakeProvider final : public LlmProvider {
 public:
  explicit FakeProvider(std::string name, ProviderKind kind = ProviderKind::kOther)
      : name_(std::move(name)), kind_(kind) {}

  // Appends a scripted result.
  FakeProvider& Then(absl::StatusOr<std::string> text) {
    std::lock_guard<std::mutex> lock(mu_);
    script_.push_back(std::move(text));
    return *this;
  }
  // Each call advances `clock` by `latency` (simulated time spent).
  FakeProvider& WithLatency(ManualClock* clock, absl::Duration latency) {
    clock_ = clock;
    latency_ = latency;
    return *this;
  }

  absl::StatusOr<LlmReply> Complete(const LlmRequest& request) override {
    absl::StatusOr<std::string> next = absl::InternalError("FakeProvider: empty script");
    {
      std::lock_guard<std::mutex> lock(mu_);
      requests_.push_back(request);
      if (!script_.empty()) {
        next = script_.front();
        if (script_.size() > 1) script_.pop_front();
      }
    }
    if (clock_ != nullptr) clock_->Advance(latency_);
    if (!next.ok()) return next.status();
    LlmReply reply;
    reply.text = *next;
    reply.model = name_;
    return reply;
  }
  std::string name() const override { return name_; }
  ProviderKind kind() const override { return kind_; }

  int calls() const {
    std::lock_guard<std::mutex> lock(mu_);
    return static_cast<int>(requests_.size());
  }

 private:
  const std::string name_;
  const ProviderKind kind_;
  ManualClock* clock_ = nullptr;
  absl::Duration latency_;
  mutable std::mutex mu_;
  std::deque<absl::StatusOr<std::string>> script_;
  std::vector<LlmRequest> requests_;
};

// A status with a Retry-After payload.
inline absl::Status WithRetryAfter(absl::Status status, absl::Duration delay) {
  SetRetryAfter(status, delay);
  return status;
}

}  // namespace armature::llm::testing
