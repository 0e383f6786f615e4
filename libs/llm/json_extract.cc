#include "libs/llm/json_extract.h"

#include <optional>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "nlohmann/json.hpp"

namespace armature::llm {
namespace {

// Candidate '{' positions tried before giving up (bounds the work on hostile input).
constexpr int kMaxCandidates = 64;

// End (one past the closing brace) of the object starting at text[start] == '{', or
// nullopt when it is not closed before the end of `text`.
std::optional<size_t> MatchObject(absl::string_view text, size_t start) {
  int depth = 0;
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
    if (c == '"') {
      in_string = true;
    } else if (c == '{') {
      ++depth;
    } else if (c == '}') {
      if (--depth == 0) return i + 1;
    }
  }
  return std::nullopt;
}

// The bodies of ``` fenced blocks, in order (an unclosed last fence runs to the end).
std::vector<absl::string_view> FencedBlocks(absl::string_view text) {
  std::vector<absl::string_view> blocks;
  size_t pos = 0;
  while ((pos = text.find("```", pos)) != absl::string_view::npos) {
    // Skip the info string ("json", "JSON", ...) up to the end of the line.
    size_t body = text.find('\n', pos + 3);
    if (body == absl::string_view::npos) break;
    ++body;
    size_t end = text.find("```", body);
    if (end == absl::string_view::npos) {
      blocks.push_back(text.substr(body));
      break;
    }
    blocks.push_back(text.substr(body, end - body));
    pos = end + 3;
  }
  return blocks;
}

struct ScanResult {
  std::optional<std::string> object;
  // The most useful reason when no object was found.
  std::string problem;
};

ScanResult Scan(absl::string_view text) {
  ScanResult result;
  int candidates = 0;
  size_t pos = 0;
  while ((pos = text.find('{', pos)) != absl::string_view::npos) {
    if (++candidates > kMaxCandidates) {
      if (result.problem.empty()) {
        result.problem = absl::StrCat("no JSON object among the first ", kMaxCandidates, " '{'");
      }
      break;
    }
    std::optional<size_t> end = MatchObject(text, pos);
    if (!end) {
      if (result.problem.empty()) {
        result.problem = absl::StrCat("the JSON object starting at offset ", pos,
                                      " is never closed (reply truncated? raise max_tokens)");
      }
      ++pos;
      continue;
    }
    absl::string_view candidate = text.substr(pos, *end - pos);
    try {
      const nlohmann::json parsed = nlohmann::json::parse(candidate);
      if (parsed.is_object()) {
        result.object = std::string(candidate);
        return result;
      }
    } catch (const nlohmann::json::parse_error& e) {
      if (result.problem.empty()) {
        result.problem = absl::StrCat("the text at offset ", pos,
                                      " looks like JSON but does not parse: ", e.what());
      }
    }
    ++pos;
  }
  return result;
}

}  // namespace

absl::StatusOr<std::string> ExtractJson(absl::string_view text) {
  if (absl::StripAsciiWhitespace(text).empty()) {
    return absl::InvalidArgumentError("no JSON object in the reply: it is empty");
  }
  std::string first_problem;
  for (absl::string_view block : FencedBlocks(text)) {
    ScanResult fenced = Scan(block);
    if (fenced.object) return *std::move(fenced.object);
    if (first_problem.empty()) first_problem = fenced.problem;
  }
  ScanResult whole = Scan(text);
  if (whole.object) return *std::move(whole.object);
  if (first_problem.empty()) first_problem = whole.problem;
  if (first_problem.empty()) {
    std::string start(text.substr(0, 60));
    return absl::InvalidArgumentError(absl::StrCat("no JSON object in the reply (", text.size(),
                                                   " characters, no '{'; it starts with \"",
                                                   absl::CEscape(start), "\")"));
  }
  return absl::InvalidArgumentError(absl::StrCat("no JSON object in the reply: ", first_problem));
}

}  // namespace armature::llm
