#pragma once

#include <string>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "absl/types/span.h"

namespace armature::llm {

// What a secret is replaced with.
inline constexpr absl::string_view kRedacted = "[REDACTED]";

// Redact returns `text` with every occurrence of every non-empty secret replaced by
// kRedacted. Longer secrets are replaced first, so a secret containing another one is
// never left half visible.
std::string Redact(absl::string_view text, absl::Span<const std::string> secrets);

// RedactStatus returns `status` with its message redacted; code and payloads are kept.
absl::Status RedactStatus(const absl::Status& status, absl::Span<const std::string> secrets);

// Truncate shortens `text` to at most `max_chars` bytes, marking the cut with "...".
// Never cuts a UTF-8 sequence in half. Redact before truncating: a truncated secret
// would no longer match.
std::string Truncate(absl::string_view text, size_t max_chars);

}  // namespace armature::llm
