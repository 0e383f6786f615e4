#pragma once

#include <optional>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "libs/store/sqlite_task_store.h"

namespace armature::store {

// StoreUrl is a parsed `--store` URL. Only SQLite is supported in this build:
//   sqlite:///var/lib/armature/armature.db   absolute path /var/lib/armature/armature.db
//   sqlite://data/armature.db                relative path data/armature.db
//   sqlite://:memory:                        a private in-memory database (tests)
// One query parameter is understood:
//   ?synchronous=full|normal   the durability of a commit (SqliteSynchronous; full by default)
struct StoreUrl {
  // Database file path; empty when in_memory.
  std::string path;
  // True for sqlite://:memory:.
  bool in_memory = false;
  // From ?synchronous=; unset keeps the store's default.
  std::optional<SqliteSynchronous> synchronous;
};

// ParseStoreUrl parses a store URL. INVALID_ARGUMENT, naming the URL, for a
// missing scheme, an empty path, an unknown query parameter or value, a fragment, or any other
// scheme (postgresql:// is reported as not supported yet in this build).
absl::StatusOr<StoreUrl> ParseStoreUrl(absl::string_view url);

}  // namespace armature::store
