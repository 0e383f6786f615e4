#pragma once

#include <memory>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "libs/clock/clock.h"
#include "libs/store/sqlite_task_store.h"
#include "libs/store/task_store.h"

namespace armature::store {

// OpenTaskStore opens the store a `--store` URL names (see ParseStoreUrl): today
// a SqliteTaskStore configured by `sqlite_options`, with the URL's `synchronous`
// parameter taking precedence. Errors: those of
// ParseStoreUrl and SqliteTaskStore::Open.
absl::StatusOr<std::unique_ptr<TaskStore>> OpenTaskStore(
    absl::string_view url, const SqliteStoreOptions& sqlite_options = {},
    Clock& clock = RealClock());

}  // namespace armature::store
