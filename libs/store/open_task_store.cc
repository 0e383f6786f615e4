#include "libs/store/open_task_store.h"

#include "libs/store/store_url.h"

namespace armature::store {

absl::StatusOr<std::unique_ptr<TaskStore>> OpenTaskStore(absl::string_view url,
                                                         const SqliteStoreOptions& sqlite_options,
                                                         Clock& clock) {
  absl::StatusOr<StoreUrl> parsed = ParseStoreUrl(url);
  if (!parsed.ok()) return parsed.status();
  SqliteStoreOptions options = sqlite_options;
  if (parsed->synchronous) options.synchronous = *parsed->synchronous;
  absl::StatusOr<std::unique_ptr<SqliteTaskStore>> store =
      SqliteTaskStore::Open(parsed->in_memory ? ":memory:" : parsed->path, options, clock);
  if (!store.ok()) return store.status();
  return std::unique_ptr<TaskStore>(*std::move(store));
}

}  // namespace armature::store
