#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "libs/clock/clock.h"
#include "libs/llm/llm_provider.h"

namespace armature::llm {

// State of a provider as reported in ArmInfo (maps 1:1 onto armature.v1.BackendState).
enum class ProviderState {
  // Configured and usable, but not called yet.
  kUnknown,
  // The last call produced an accepted reply.
  kAvailable,
  // The last call failed or its reply was rejected.
  kDegraded,
  // Configured off or unusable (e.g. its API key is missing); never called.
  kUnavailable,
};

// "unknown", "available", "degraded", "unavailable".
absl::string_view ProviderStateName(ProviderState state);

// Counters of one provider since the chain was built.
struct ProviderStats {
  std::string name;
  // "openai", "anthropic", ...
  std::string kind;
  ProviderState state = ProviderState::kUnknown;
  // Calls that reached the provider.
  uint64_t calls = 0;
  // Calls whose reply the caller accepted.
  uint64_t successes = 0;
  // Calls that failed (HTTP, transport, timeouts), after the provider's own retries.
  uint64_t errors = 0;
  // Calls whose reply the caller's validator refused.
  uint64_t rejected = 0;
  // Mean duration of a call (retries and their waits included) in milliseconds; 0 if none.
  double mean_latency_ms = 0;
  // The last failure, redacted; empty when the last call succeeded.
  std::string last_error;
  // What a person should know: why it is unavailable, or the last error.
  std::string detail;

  // Fraction of calls that succeeded; 1 when no call was made yet.
  double success_rate() const {
    return calls == 0 ? 1.0 : static_cast<double>(successes) / static_cast<double>(calls);
  }
};

// One position of a chain: a usable provider, or one that is configured but unusable.
struct ChainEntry {
  // A provider the chain calls.
  static ChainEntry Usable(std::unique_ptr<LlmProvider> provider);
  // A provider listed for ArmInfo but never called, with the reason (e.g. "disabled in
  // config", "environment variable OPENAI_API_KEY is not set").
  static ChainEntry Unavailable(std::string name, std::string kind, std::string reason);

  std::unique_ptr<LlmProvider> provider;
  std::string name;
  std::string kind;
  std::string unavailable_reason;
};

// Outcome of one provider call within a chain run, for metrics and logs.
struct CallRecord {
  enum class Outcome { kSuccess, kError, kRejected };
  std::string provider;
  std::string kind;
  Outcome outcome = Outcome::kSuccess;
  // OK on success; the (redacted) error or rejection otherwise.
  absl::Status status;
  absl::Duration latency;
  // HTTP attempts, when known (a successful reply reports them).
  int attempts = 1;
};

// "success", "error", "rejected".
absl::string_view CallOutcomeName(CallRecord::Outcome outcome);

// Settings of a chain.
struct ChainOptions {
  // Strings redacted from every message the chain produces (the providers' API keys).
  std::vector<std::string> secrets;
  // Called after every provider call (from the calling thread); may be empty.
  std::function<void(const CallRecord&)> on_call;
};

// Result of a successful run.
struct ChainResult {
  // Name of the provider whose reply was accepted, e.g. "openai:gpt-4o-mini".
  std::string provider;
  std::string kind;
  LlmReply reply;
  // "<provider>: <reason>" for every provider tried before it, redacted (for warnings).
  std::vector<std::string> failures;
};

// A successful run with the value the caller's parser produced.
template <typename T>
struct ChainOutcome {
  T value;
  ChainResult result;
};

// ProviderChain asks its providers in order until one returns a reply the caller accepts.
// A provider error or a rejected reply moves on to the next provider; an unusable entry is
// skipped. The chain is immutable once built; Run and Stats are thread-safe.
class ProviderChain {
 public:
  // Decides whether a reply is usable: OK to accept it, an error (its message says why)
  // to move on to the next provider.
  using ReplyValidator = std::function<absl::Status(const LlmReply&)>;

  // `clock` measures call latency and checks LlmRequest.deadline; it must outlive the chain.
  explicit ProviderChain(std::vector<ChainEntry> entries, ChainOptions options = {},
                         Clock& clock = RealClock());

  ProviderChain(const ProviderChain&) = delete;
  ProviderChain& operator=(const ProviderChain&) = delete;

  // Runs the chain. Errors: FAILED_PRECONDITION when the chain has no entry at all;
  // DEADLINE_EXCEEDED when request.deadline passes before a provider succeeds; UNAVAILABLE
  // when every provider failed, was rejected or is unusable. Error messages list every
  // provider's failure and never contain a secret.
  absl::StatusOr<ChainResult> Run(const LlmRequest& request, const ReplyValidator& validate);

  // Runs the chain with a parser: the first reply `parse` turns into a T wins.
  template <typename T>
  absl::StatusOr<ChainOutcome<T>> RunParsed(
      const LlmRequest& request, const std::function<absl::StatusOr<T>(const LlmReply&)>& parse) {
    std::optional<T> value;
    absl::StatusOr<ChainResult> result = Run(request, [&](const LlmReply& reply) -> absl::Status {
      absl::StatusOr<T> parsed = parse(reply);
      if (!parsed.ok()) return parsed.status();
      value.emplace(std::move(*parsed));
      return absl::OkStatus();
    });
    if (!result.ok()) return result.status();
    return ChainOutcome<T>{std::move(*value), std::move(*result)};
  }

  // Per-provider counters in chain order (unusable entries included).
  std::vector<ProviderStats> Stats() const;
  // Whether at least one entry can be called.
  bool HasUsableProvider() const;
  // Number of entries, usable or not.
  size_t size() const { return entries_.size(); }

 private:
  struct Counters {
    uint64_t calls = 0;
    uint64_t successes = 0;
    uint64_t errors = 0;
    uint64_t rejected = 0;
    absl::Duration total_latency;
    std::string last_error;
    ProviderState state = ProviderState::kUnknown;
  };

  void Record(size_t index, const CallRecord& record);

  const std::vector<ChainEntry> entries_;
  const ChainOptions options_;
  Clock& clock_;
  mutable std::mutex mu_;
  std::vector<Counters> counters_;  // Guarded by mu_; one per entry.
};

}  // namespace armature::llm
