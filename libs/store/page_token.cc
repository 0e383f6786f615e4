#include "libs/store/page_token.h"

#include <vector>

#include "absl/strings/escaping.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_split.h"

namespace armature::store {
namespace {

constexpr absl::string_view kVersion = "t1";

// FNV-1a, 32 bits: stable across processes and builds (absl::Hash is not).
uint32_t Fnv1a(absl::string_view data) {
  uint32_t hash = 2166136261u;
  for (unsigned char c : data) {
    hash ^= c;
    hash *= 16777619u;
  }
  return hash;
}

absl::Status BadToken() {
  return absl::InvalidArgumentError(
      "page_token is not a token this server issued (or it was altered); repeat the listing "
      "without page_token to start from the first page");
}

}  // namespace

std::string EncodePageToken(const PageCursor& cursor) {
  const std::string body =
      absl::StrCat(kVersion, ":", cursor.last_seq, ":", static_cast<int>(cursor.status), ":",
                   static_cast<int>(cursor.kind));
  return absl::WebSafeBase64Escape(absl::StrFormat("%s:%08x", body, Fnv1a(body)));
}

absl::StatusOr<PageCursor> DecodePageToken(absl::string_view token) {
  std::string raw;
  if (token.empty() || !absl::WebSafeBase64Unescape(token, &raw)) return BadToken();
  const size_t last_colon = raw.rfind(':');
  if (last_colon == std::string::npos) return BadToken();
  const absl::string_view body = absl::string_view(raw).substr(0, last_colon);
  const absl::string_view checksum = absl::string_view(raw).substr(last_colon + 1);
  if (checksum != absl::StrFormat("%08x", Fnv1a(body))) return BadToken();

  const std::vector<absl::string_view> parts = absl::StrSplit(body, ':');
  if (parts.size() != 4 || parts[0] != kVersion) return BadToken();
  PageCursor cursor;
  int status = 0;
  int kind = 0;
  if (!absl::SimpleAtoi(parts[1], &cursor.last_seq) || cursor.last_seq <= 0 ||
      !absl::SimpleAtoi(parts[2], &status) || !v1::TaskStatus_IsValid(status) ||
      !absl::SimpleAtoi(parts[3], &kind) || !v1::TaskKind_IsValid(kind)) {
    return BadToken();
  }
  cursor.status = static_cast<v1::TaskStatus>(status);
  cursor.kind = static_cast<v1::TaskKind>(kind);
  return cursor;
}

}  // namespace armature::store
