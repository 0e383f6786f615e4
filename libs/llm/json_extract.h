#pragma once

#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace armature::llm {

// ExtractJson finds the JSON object in a model's reply. It accepts a bare object, an object
// inside ``` or ```json fences (an unclosed fence too, as a truncated reply has), and an
// object surrounded by prose. It returns the text of the first balanced top-level object
// that parses as JSON (brace matching is string- and escape-aware, so braces inside string
// values do not count), unchanged. Errors (INVALID_ARGUMENT):
//   - the reply is empty or has no '{';
//   - an object starts but is never closed (the reply was likely cut at max_tokens);
//   - every balanced candidate fails to parse (the parser's message is included).
absl::StatusOr<std::string> ExtractJson(absl::string_view text);

}  // namespace armature::llm
