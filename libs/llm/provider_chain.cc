#include "libs/llm/provider_chain.h"

#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/strip.h"
#include "libs/llm/redact.h"

namespace armature::llm {
namespace {

// Longest excerpt of one provider's failure in a combined error.
constexpr size_t kMaxFailureChars = 400;

}  // namespace

absl::string_view ProviderStateName(ProviderState state) {
  switch (state) {
    case ProviderState::kUnknown:
      return "unknown";
    case ProviderState::kAvailable:
      return "available";
    case ProviderState::kDegraded:
      return "degraded";
    case ProviderState::kUnavailable:
      return "unavailable";
  }
  return "unknown";
}

absl::string_view CallOutcomeName(CallRecord::Outcome outcome) {
  switch (outcome) {
    case CallRecord::Outcome::kSuccess:
      return "success";
    case CallRecord::Outcome::kError:
      return "error";
    case CallRecord::Outcome::kRejected:
      return "rejected";
  }
  return "error";
}

ChainEntry ChainEntry::Usable(std::unique_ptr<LlmProvider> provider) {
  ChainEntry entry;
  entry.name = provider->name();
  entry.kind = std::string(ProviderKindName(provider->kind()));
  entry.provider = std::move(provider);
  return entry;
}

ChainEntry ChainEntry::Unavailable(std::string name, std::string kind, std::string reason) {
  ChainEntry entry;
  entry.name = std::move(name);
  entry.kind = std::move(kind);
  entry.unavailable_reason = std::move(reason);
  return entry;
}

ProviderChain::ProviderChain(std::vector<ChainEntry> entries, ChainOptions options, Clock& clock)
    : entries_(std::move(entries)),
      options_(std::move(options)),
      clock_(clock),
      counters_(entries_.size()) {
  for (size_t i = 0; i < entries_.size(); ++i) {
    if (entries_[i].provider == nullptr) counters_[i].state = ProviderState::kUnavailable;
  }
}

absl::StatusOr<ChainResult> ProviderChain::Run(const LlmRequest& request,
                                               const ReplyValidator& validate) {
  if (entries_.empty()) {
    return absl::FailedPreconditionError("no LLM provider is configured");
  }
  // Every failure, for the combined error; `tried` only those of called providers.
  std::vector<std::string> failures;
  std::vector<std::string> tried;
  for (size_t i = 0; i < entries_.size(); ++i) {
    const ChainEntry& entry = entries_[i];
    if (entry.provider == nullptr) {
      failures.push_back(absl::StrCat(entry.name, ": skipped (", entry.unavailable_reason, ")"));
      continue;
    }
    if (request.deadline != absl::InfiniteFuture() && clock_.Now() >= request.deadline) {
      failures.push_back(absl::StrCat(entry.name, ": not tried (deadline passed)"));
      return absl::DeadlineExceededError(
          Redact(absl::StrCat("deadline passed before an LLM provider succeeded: ",
                              absl::StrJoin(failures, "; ")),
                 options_.secrets));
    }

    CallRecord record{entry.name,       entry.kind,           CallRecord::Outcome::kSuccess,
                      absl::OkStatus(), absl::ZeroDuration(), 1};
    const absl::Time start = clock_.Now();
    absl::StatusOr<LlmReply> reply = entry.provider->Complete(request);
    absl::Status verdict;
    if (reply.ok()) {
      record.attempts = reply->attempts;
      verdict = validate ? validate(*reply) : absl::OkStatus();
      if (!verdict.ok()) {
        record.outcome = CallRecord::Outcome::kRejected;
        record.status = absl::Status(
            verdict.code(),
            Truncate(Redact(absl::StrCat("reply rejected: ", verdict.message()), options_.secrets),
                     kMaxFailureChars));
      }
    } else {
      record.outcome = CallRecord::Outcome::kError;
      record.status = RedactStatus(reply.status(), options_.secrets);
      record.status =
          absl::Status(record.status.code(), Truncate(record.status.message(), kMaxFailureChars));
    }
    record.latency = clock_.Now() - start;
    Record(i, record);
    if (options_.on_call) options_.on_call(record);

    if (record.outcome == CallRecord::Outcome::kSuccess) {
      return ChainResult{entry.name, entry.kind, std::move(*reply), std::move(tried)};
    }
    // "<name>: [CODE: ]<reason>"; provider errors usually start with the name already.
    absl::string_view reason = record.status.message();
    absl::ConsumePrefix(&reason, absl::StrCat(entry.name, ": "));
    std::string failure =
        record.outcome == CallRecord::Outcome::kRejected
            ? absl::StrCat(entry.name, ": ", reason)
            : absl::StrCat(entry.name, ": ", absl::StatusCodeToString(record.status.code()), ": ",
                           reason);
    tried.push_back(failure);
    failures.push_back(std::move(failure));
  }
  return absl::UnavailableError(
      Redact(absl::StrCat("every LLM provider failed: ", absl::StrJoin(failures, "; ")),
             options_.secrets));
}

void ProviderChain::Record(size_t index, const CallRecord& record) {
  std::lock_guard<std::mutex> lock(mu_);
  Counters& c = counters_[index];
  ++c.calls;
  c.total_latency += record.latency;
  switch (record.outcome) {
    case CallRecord::Outcome::kSuccess:
      ++c.successes;
      c.last_error.clear();
      c.state = ProviderState::kAvailable;
      break;
    case CallRecord::Outcome::kError:
      ++c.errors;
      c.last_error = std::string(record.status.message());
      c.state = ProviderState::kDegraded;
      break;
    case CallRecord::Outcome::kRejected:
      ++c.rejected;
      c.last_error = std::string(record.status.message());
      c.state = ProviderState::kDegraded;
      break;
  }
}

std::vector<ProviderStats> ProviderChain::Stats() const {
  std::vector<ProviderStats> out;
  out.reserve(entries_.size());
  std::lock_guard<std::mutex> lock(mu_);
  for (size_t i = 0; i < entries_.size(); ++i) {
    const Counters& c = counters_[i];
    ProviderStats stats;
    stats.name = entries_[i].name;
    stats.kind = entries_[i].kind;
    stats.state = c.state;
    stats.calls = c.calls;
    stats.successes = c.successes;
    stats.errors = c.errors;
    stats.rejected = c.rejected;
    stats.mean_latency_ms =
        c.calls == 0 ? 0.0
                     : absl::ToDoubleMilliseconds(c.total_latency) / static_cast<double>(c.calls);
    stats.last_error = c.last_error;
    stats.detail = entries_[i].provider == nullptr ? entries_[i].unavailable_reason : c.last_error;
    out.push_back(std::move(stats));
  }
  return out;
}

bool ProviderChain::HasUsableProvider() const {
  for (const ChainEntry& entry : entries_) {
    if (entry.provider != nullptr) return true;
  }
  return false;
}

}  // namespace armature::llm
