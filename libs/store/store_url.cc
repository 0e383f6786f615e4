#include "libs/store/store_url.h"

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"

namespace armature::store {

namespace {

// The query of a store URL: `synchronous=full|normal`, nothing else.
absl::Status ParseQuery(absl::string_view url, absl::string_view query, StoreUrl* parsed) {
  if (query.empty()) return absl::OkStatus();
  for (absl::string_view param : absl::StrSplit(query, '&')) {
    const std::pair<absl::string_view, absl::string_view> kv =
        absl::StrSplit(param, absl::MaxSplits('=', 1));
    if (kv.first != "synchronous") {
      return absl::InvalidArgumentError(absl::StrCat("store URL '", url,
                                                     "' has unknown parameter '", kv.first,
                                                     "'; supported: synchronous=full|normal"));
    }
    const std::string value = absl::AsciiStrToLower(kv.second);
    if (value == "full") {
      parsed->synchronous = SqliteSynchronous::kFull;
    } else if (value == "normal") {
      parsed->synchronous = SqliteSynchronous::kNormal;
    } else {
      return absl::InvalidArgumentError(absl::StrCat(
          "store URL '", url, "': synchronous must be full or normal, got '", kv.second, "'"));
    }
  }
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<StoreUrl> ParseStoreUrl(absl::string_view url) {
  constexpr absl::string_view kExample = "sqlite:///path/to/armature.db";
  const size_t scheme_end = url.find("://");
  if (scheme_end == absl::string_view::npos || scheme_end == 0) {
    return absl::InvalidArgumentError(
        absl::StrCat("store URL '", url, "' has no scheme; expected e.g. ", kExample));
  }
  const std::string scheme = absl::AsciiStrToLower(url.substr(0, scheme_end));
  absl::string_view rest = url.substr(scheme_end + 3);
  if (scheme == "postgresql" || scheme == "postgres") {
    return absl::InvalidArgumentError(absl::StrCat(
        "store URL '", url, "': postgresql is not supported in this build yet; use ", kExample));
  }
  if (scheme != "sqlite") {
    return absl::InvalidArgumentError(absl::StrCat("store URL '", url, "' has unsupported scheme '",
                                                   scheme, "'; supported: sqlite (e.g. ", kExample,
                                                   ")"));
  }
  absl::string_view query;
  if (const size_t q = rest.find('?'); q != absl::string_view::npos) {
    query = rest.substr(q + 1);
    rest = rest.substr(0, q);
  }
  if (rest.empty() || rest == "/") {
    return absl::InvalidArgumentError(
        absl::StrCat("store URL '", url, "' has no database path; expected e.g. ", kExample));
  }
  if (absl::StrContains(rest, '#') || absl::StrContains(query, '#')) {
    return absl::InvalidArgumentError(
        absl::StrCat("store URL '", url, "' has a fragment, which is not supported"));
  }
  StoreUrl parsed;
  if (absl::Status s = ParseQuery(url, query, &parsed); !s.ok()) return s;
  if (rest == ":memory:") {
    parsed.in_memory = true;
    return parsed;
  }
  parsed.path = std::string(rest);
  if (absl::EndsWith(parsed.path, "/")) {
    return absl::InvalidArgumentError(absl::StrCat(
        "store URL '", url, "' names a directory; expected a database file, e.g. ", kExample));
  }
  return parsed;
}

}  // namespace armature::store
