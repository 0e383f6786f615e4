#include "libs/planner/json_extract.h"

#include <vector>

#include "absl/strings/str_cat.h"
#include "nlohmann/json.hpp"

namespace armature::planner {
namespace {

// Contents of every fenced block, in order; an unclosed fence runs to the end of the text.
std::vector<absl::string_view> FencedBlocks(absl::string_view text) {
  std::vector<absl::string_view> blocks;
  size_t pos = 0;
  while ((pos = text.find("```", pos)) != absl::string_view::npos) {
    size_t start = text.find('\n', pos + 3);
    if (start == absl::string_view::npos) {
      start = pos + 3;  // "```{...}```" on one line
      while (start < text.size() && text[start] != '{' && text[start] != '[') ++start;
    } else {
      ++start;
    }
    const size_t end = text.find("```", start);
    blocks.push_back(
        text.substr(start, end == absl::string_view::npos ? absl::string_view::npos : end - start));
    if (end == absl::string_view::npos) break;
    pos = end + 3;
  }
  return blocks;
}

// End (exclusive) of the balanced value starting at text[start], or npos when unterminated.
size_t BalancedEnd(absl::string_view text, size_t start) {
  std::vector<char> stack;
  bool in_string = false;
  bool escaped = false;
  for (size_t i = start; i < text.size(); ++i) {
    const char c = text[i];
    if (in_string) {
      if (escaped) {
        escaped = false;
      } else if (c == '\\') {
        escaped = true;
      } else if (c == '"') {
        in_string = false;
      }
      continue;
    }
    switch (c) {
      case '"':
        in_string = true;
        break;
      case '{':
        stack.push_back('}');
        break;
      case '[':
        stack.push_back(']');
        break;
      case '}':
      case ']':
        if (stack.empty() || stack.back() != c) return absl::string_view::npos;
        stack.pop_back();
        if (stack.empty()) return i + 1;
        break;
      default:
        break;
    }
  }
  return absl::string_view::npos;
}

}  // namespace

absl::StatusOr<std::string> ExtractJson(absl::string_view reply) {
  if (reply.size() > kMaxLlmReplyBytes) {
    return absl::InvalidArgumentError(absl::StrCat("LLM reply is too large (", reply.size(),
                                                   " bytes; at most ", kMaxLlmReplyBytes, ")"));
  }
  std::vector<absl::string_view> candidates = FencedBlocks(reply);
  candidates.push_back(reply);
  std::string first_error;
  bool saw_start = false;
  for (absl::string_view text : candidates) {
    int attempts = 0;
    for (size_t i = 0; i < text.size() && attempts < 32; ++i) {
      if (text[i] != '{' && text[i] != '[') continue;
      saw_start = true;
      ++attempts;
      const size_t end = BalancedEnd(text, i);
      if (end == absl::string_view::npos) {
        if (first_error.empty()) {
          first_error = absl::StrCat("unterminated JSON ", text[i] == '{' ? "object" : "array",
                                     " starting at byte ", i, " (missing '",
                                     text[i] == '{' ? "}" : "]", "'; was the reply cut off?)");
        }
        break;  // everything after an unclosed '{' is inside it: no complete value follows
      }
      const absl::string_view candidate = text.substr(i, end - i);
      if (nlohmann::json::accept(candidate)) return std::string(candidate);
      if (first_error.empty()) {
        try {
          const nlohmann::json parsed = nlohmann::json::parse(candidate);
          (void)parsed;
        } catch (const nlohmann::json::parse_error& e) {
          first_error = absl::StrCat("invalid JSON at byte ", e.byte, " of the object: ", e.what());
        }
      }
      // A valid value can only start after this one ends.
      i = end - 1;
    }
  }
  if (!saw_start) return absl::InvalidArgumentError("LLM reply contains no JSON object");
  return absl::InvalidArgumentError(absl::StrCat("LLM reply has no usable JSON: ", first_error));
}

}  // namespace armature::planner
