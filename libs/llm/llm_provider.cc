#include "libs/llm/llm_provider.h"

#include <algorithm>
#include <string>

#include "absl/strings/cord.h"
#include "absl/strings/numbers.h"

namespace armature::llm {
namespace {

constexpr absl::string_view kRetryAfterUrl = "type.armature.dev/llm.RetryAfterMs";

}  // namespace

absl::string_view ProviderKindName(ProviderKind kind) {
  switch (kind) {
    case ProviderKind::kOpenAi:
      return "openai";
    case ProviderKind::kAnthropic:
      return "anthropic";
    case ProviderKind::kOther:
      return "other";
  }
  return "other";
}

bool IsRetryable(const absl::Status& status) {
  return absl::IsResourceExhausted(status) || absl::IsUnavailable(status) ||
         absl::IsDeadlineExceeded(status);
}

void SetRetryAfter(absl::Status& status, absl::Duration delay) {
  if (status.ok()) return;
  const int64_t ms = absl::ToInt64Milliseconds(std::max(delay, absl::ZeroDuration()));
  status.SetPayload(kRetryAfterUrl, absl::Cord(std::to_string(ms)));
}

std::optional<absl::Duration> GetRetryAfter(const absl::Status& status) {
  absl::optional<absl::Cord> payload = status.GetPayload(kRetryAfterUrl);
  if (!payload) return std::nullopt;
  int64_t ms = 0;
  if (!absl::SimpleAtoi(std::string(*payload), &ms) || ms < 0) return std::nullopt;
  return absl::Milliseconds(ms);
}

}  // namespace armature::llm
