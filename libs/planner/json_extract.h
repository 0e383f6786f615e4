#pragma once

#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace armature::planner {

// Largest LLM reply the parsers accept, in bytes.
inline constexpr size_t kMaxLlmReplyBytes = 1 << 20;

// Finds the JSON document in an LLM reply: looks inside Markdown code fences first (```json ...
// ```), then the whole text, and returns the first balanced {...} or [...] that parses as JSON,
// skipping any prose around it. INVALID_ARGUMENT with a readable reason otherwise ("contains no
// JSON object", "unterminated JSON object", "invalid JSON at byte 57: ...").
absl::StatusOr<std::string> ExtractJson(absl::string_view reply);

}  // namespace armature::planner
