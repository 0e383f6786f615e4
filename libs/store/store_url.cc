#include "libs/store/store_url.h"

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"

namespace armature::store {

absl::StatusOr<StoreUrl> ParseStoreUrl(absl::string_view url) {
  constexpr absl::string_view kExample = "sqlite:///path/to/armature.db";
  const size_t scheme_end = url.find("://");
  if (scheme_end == absl::string_view::npos || scheme_end == 0) {
    return absl::InvalidArgumentError(
        absl::StrCat("store URL '", url, "' has no scheme; expected e.g. ", kExample));
  }
  const std::string scheme = absl::AsciiStrToLower(url.substr(0, scheme_end));
  const absl::string_view rest = url.substr(scheme_end + 3);
  if (scheme == "postgresql" || scheme == "postgres") {
    return absl::InvalidArgumentError(absl::StrCat(
        "store URL '", url, "': postgresql is not supported in this build yet; use ", kExample));
  }
  if (scheme != "sqlite") {
    return absl::InvalidArgumentError(absl::StrCat("store URL '", url, "' has unsupported scheme '",
                                                   scheme, "'; supported: sqlite (e.g. ", kExample,
                                                   ")"));
  }
  if (rest.empty() || rest == "/") {
    return absl::InvalidArgumentError(
        absl::StrCat("store URL '", url, "' has no database path; expected e.g. ", kExample));
  }
  if (absl::StrContains(rest, '?') || absl::StrContains(rest, '#')) {
    return absl::InvalidArgumentError(absl::StrCat(
        "store URL '", url, "' has query parameters or a fragment, which are not supported"));
  }
  StoreUrl parsed;
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
