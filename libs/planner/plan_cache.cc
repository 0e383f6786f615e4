#include "libs/planner/plan_cache.h"

#include <algorithm>
#include <utility>

#include "absl/container/inlined_vector.h"
#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "libs/planner/text.h"

namespace armature::planner {
namespace {

void AppendField(std::string* key, absl::string_view field) {
  absl::StrAppend(key, field.size(), ":", field, ";");
}

}  // namespace

std::string PlanCacheKey(const v1::PlanRequest& request, absl::string_view backend_fingerprint) {
  // Room for every field and its length prefix, so the key is built in one allocation.
  size_t size = backend_fingerprint.size() + request.goal().size() + 64;
  for (const std::string& c : request.constraints()) size += c.size() + 24;
  for (const auto& [k, v] : request.context()) size += k.size() + v.size() + 48;
  std::string key;
  key.reserve(size);
  std::string collapsed;  // a field CollapsedView had to rewrite
  AppendField(&key, backend_fingerprint);
  AppendField(&key, CollapsedView(request.goal(), &collapsed));
  absl::StrAppend(&key, "c", request.constraints_size(), ";");
  for (const std::string& c : request.constraints()) {
    AppendField(&key, CollapsedView(c, &collapsed));
  }
  absl::InlinedVector<std::pair<absl::string_view, absl::string_view>, 8> context(
      request.context().begin(), request.context().end());
  std::sort(context.begin(), context.end());
  absl::StrAppend(&key, "x", context.size(), ";");
  for (const auto& [k, v] : context) {
    AppendField(&key, k);
    AppendField(&key, v);
  }
  return key;
}

PlanCache::PlanCache(PlanCacheOptions options, Clock& clock) : options_(options), clock_(clock) {}

std::optional<v1::Plan> PlanCache::Lookup(const std::string& key) {
  absl::MutexLock lock(&mu_);
  if (!enabled()) {
    ++misses_;
    return std::nullopt;
  }
  auto it = index_.find(key);
  if (it == index_.end()) {
    ++misses_;
    return std::nullopt;
  }
  List::iterator entry = it->second;
  if (clock_.Now() - entry->inserted >= absl::Milliseconds(options_.ttl_ms)) {
    entries_.erase(entry);
    index_.erase(it);
    ++misses_;
    return std::nullopt;
  }
  entries_.splice(entries_.begin(), entries_, entry);
  ++hits_;
  return entry->plan;
}

void PlanCache::Insert(const std::string& key, const v1::Plan& plan) {
  absl::MutexLock lock(&mu_);
  if (!enabled()) return;
  const absl::Time now = clock_.Now();
  if (auto it = index_.find(key); it != index_.end()) {
    it->second->plan = plan;
    it->second->inserted = now;
    entries_.splice(entries_.begin(), entries_, it->second);
    return;
  }
  entries_.push_front(Entry{key, plan, now});
  index_[key] = entries_.begin();
  while (entries_.size() > options_.capacity) {
    index_.erase(entries_.back().key);
    entries_.pop_back();
    ++evictions_;
  }
}

void PlanCache::Clear() {
  absl::MutexLock lock(&mu_);
  entries_.clear();
  index_.clear();
}

int64_t PlanCache::hits() const {
  absl::MutexLock lock(&mu_);
  return hits_;
}

int64_t PlanCache::misses() const {
  absl::MutexLock lock(&mu_);
  return misses_;
}

int64_t PlanCache::evictions() const {
  absl::MutexLock lock(&mu_);
  return evictions_;
}

size_t PlanCache::size() const {
  absl::MutexLock lock(&mu_);
  return entries_.size();
}

}  // namespace armature::planner
