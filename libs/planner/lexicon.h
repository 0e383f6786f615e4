#pragma once

#include <cstdint>
#include <initializer_list>
#include <utility>

#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/strings/string_view.h"

// Word lists the planner engines look words up in (verbs, object words, stopwords, ...): hash
// sets and maps of string views that answer most misses without hashing.
namespace armature::planner {

// The (first character, length) pairs of a fixed set of words: a bit test that rules out most
// words that are not in the set before they are hashed.
class WordFilter {
 public:
  void Add(absl::string_view word) {
    if (word.empty()) {
      has_empty_ = true;
    } else if (word.size() < 32) {
      lengths_[static_cast<unsigned char>(word[0])] |= uint32_t{1} << word.size();
    } else {
      has_long_ = true;
    }
  }
  bool MayContain(absl::string_view word) const {
    if (word.empty()) return has_empty_;
    if (word.size() >= 32) return has_long_;
    return ((lengths_[static_cast<unsigned char>(word[0])] >> word.size()) & 1) != 0;
  }

 private:
  uint32_t lengths_[256] = {};
  bool has_empty_ = false;
  bool has_long_ = false;
};

// A fixed set of words (a lexicon) with fast misses. Built once, then read-only.
class WordSet {
 public:
  WordSet() = default;
  WordSet(std::initializer_list<absl::string_view> words) {
    for (absl::string_view w : words) insert(w);
  }
  void insert(absl::string_view word) {
    filter_.Add(word);
    words_.insert(word);
  }
  bool contains(absl::string_view word) const {
    return filter_.MayContain(word) && words_.contains(word);
  }

 private:
  WordFilter filter_;
  absl::flat_hash_set<absl::string_view> words_;
};

// A fixed map from words to values (a lexicon) with fast misses; the interface of the
// flat_hash_map it wraps. Built once, then read-only.
template <typename V>
class WordMap {
 public:
  using Map = absl::flat_hash_map<absl::string_view, V>;
  using const_iterator = typename Map::const_iterator;

  WordMap() = default;
  // Like the map's: the first entry of a repeated key wins.
  WordMap(std::initializer_list<std::pair<absl::string_view, V>> entries) {
    for (const auto& [key, value] : entries) {
      filter_.Add(key);
      map_.try_emplace(key, value);
    }
  }
  V& operator[](absl::string_view key) {
    filter_.Add(key);
    return map_[key];
  }
  const_iterator find(absl::string_view key) const {
    return filter_.MayContain(key) ? map_.find(key) : map_.end();
  }
  const_iterator end() const { return map_.end(); }
  bool contains(absl::string_view key) const {
    return filter_.MayContain(key) && map_.contains(key);
  }
  const V& at(absl::string_view key) const { return map_.at(key); }

 private:
  WordFilter filter_;
  Map map_;
};

}  // namespace armature::planner
