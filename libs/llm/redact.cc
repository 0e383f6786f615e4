#include "libs/llm/redact.h"

#include <algorithm>
#include <vector>

#include "absl/strings/str_replace.h"

namespace armature::llm {

std::string Redact(absl::string_view text, absl::Span<const std::string> secrets) {
  std::vector<absl::string_view> ordered;
  for (const std::string& secret : secrets) {
    if (!secret.empty()) ordered.push_back(secret);
  }
  std::sort(ordered.begin(), ordered.end(),
            [](absl::string_view a, absl::string_view b) { return a.size() > b.size(); });
  std::string out(text);
  for (absl::string_view secret : ordered) {
    out = absl::StrReplaceAll(out, {{secret, kRedacted}});
  }
  return out;
}

absl::Status RedactStatus(const absl::Status& status, absl::Span<const std::string> secrets) {
  if (status.ok()) return status;
  absl::Status out(status.code(), Redact(status.message(), secrets));
  status.ForEachPayload(
      [&out](absl::string_view url, const absl::Cord& payload) { out.SetPayload(url, payload); });
  return out;
}

std::string Truncate(absl::string_view text, size_t max_chars) {
  if (text.size() <= max_chars) return std::string(text);
  constexpr absl::string_view kEllipsis = "...";
  size_t cut = max_chars > kEllipsis.size() ? max_chars - kEllipsis.size() : 0;
  // Step back over UTF-8 continuation bytes (10xxxxxx) so no character is split.
  while (cut > 0 && (static_cast<unsigned char>(text[cut]) & 0xC0) == 0x80) --cut;
  return std::string(text.substr(0, cut)) + std::string(kEllipsis);
}

}  // namespace armature::llm
