#pragma once

#include <cstdint>
#include <list>
#include <optional>
#include <string>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "armature/v1/planner.pb.h"
#include "libs/clock/clock.h"

namespace armature::planner {

// Options of the plan cache.
struct PlanCacheOptions {
  // Most plans kept; the least recently used is evicted first. 0 disables caching.
  size_t capacity = 1024;
  // How long a plan stays valid after it was inserted, milliseconds. <= 0 disables caching.
  int64_t ttl_ms = 10 * 60 * 1000;
};

// The cache key of a request: the goal trimmed with whitespace runs collapsed, each constraint
// likewise (in order), the context sorted by key, and `backend_fingerprint` (a string that
// changes whenever the backend configuration that would produce a different plan changes, e.g.
// "builtin" or "openai:gpt-4o-mini@t0.2|anthropic:..."). The request id is not part of it.
// Fields are length-prefixed so no two different requests share a key.
std::string PlanCacheKey(const v1::PlanRequest& request, absl::string_view backend_fingerprint);

// PlanCache is an in-process LRU cache of plans with a time-to-live, on an injected clock.
// Thread-safe. Hit and miss counts are readable for metrics.
class PlanCache {
 public:
  PlanCache(PlanCacheOptions options, Clock& clock);

  PlanCache(const PlanCache&) = delete;
  PlanCache& operator=(const PlanCache&) = delete;

  // The plan stored under `key` if present and younger than the TTL (then it becomes the most
  // recently used); counts a hit or a miss. Expired entries are removed.
  std::optional<v1::Plan> Lookup(const std::string& key);

  // Stores (or replaces) the plan under `key` as the most recently used entry, evicting the
  // least recently used entry beyond capacity.
  void Insert(const std::string& key, const v1::Plan& plan);

  // Drops every entry (counters are kept).
  void Clear();

  // Whether plans are kept at all (capacity and TTL both positive). When not, Lookup only counts
  // a miss and Insert does nothing, whatever the key.
  bool enabled() const { return options_.capacity > 0 && options_.ttl_ms > 0; }

  int64_t hits() const;
  int64_t misses() const;
  // Entries removed to make room (not counting expiry).
  int64_t evictions() const;
  size_t size() const;

 private:
  struct Entry {
    std::string key;
    v1::Plan plan;
    absl::Time inserted;
  };
  using List = std::list<Entry>;

  const PlanCacheOptions options_;
  Clock& clock_;
  mutable absl::Mutex mu_;
  List entries_ ABSL_GUARDED_BY(mu_);  // most recently used first
  absl::flat_hash_map<std::string, List::iterator> index_ ABSL_GUARDED_BY(mu_);
  int64_t hits_ ABSL_GUARDED_BY(mu_) = 0;
  int64_t misses_ ABSL_GUARDED_BY(mu_) = 0;
  int64_t evictions_ ABSL_GUARDED_BY(mu_) = 0;
};

}  // namespace armature::planner
