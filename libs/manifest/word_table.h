#pragma once

#include <cstddef>
#include <cstdint>
#include <initializer_list>
#include <string_view>
#include <utility>
#include <vector>

namespace armature::manifest {

// WordSet is an immutable hash set of short keys (static keyword lists), built once and looked up
// without allocating: exactly, or with the probe ASCII-lowercased first (the same as looking up a
// lowercased copy, so such sets are written in lowercase). The keys must outlive the set (string
// literals). Index() numbers the distinct keys in their first-seen order.
class WordSet {
 public:
  static constexpr size_t kNotFound = static_cast<size_t>(-1);

  WordSet(std::initializer_list<std::string_view> words) { Init(words.begin(), words.end()); }
  explicit WordSet(const std::vector<std::string_view>& words) { Init(words.begin(), words.end()); }

  // The index of `key`, or kNotFound.
  size_t Index(std::string_view key) const { return Probe<false>(key); }
  // The index of ASCII-lowercased `key`, or kNotFound.
  size_t IndexLower(std::string_view key) const { return Probe<true>(key); }

  bool Contains(std::string_view key) const { return Index(key) != kNotFound; }
  bool ContainsLower(std::string_view key) const { return IndexLower(key) != kNotFound; }

  // Number of distinct keys.
  size_t size() const { return keys_.size(); }

 private:
  static char Fold(char c, bool lower) {
    return lower && c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c;
  }

  // The length and three of the bytes: cheap, and enough to tell short keys apart (the probe
  // compares whole keys).
  static uint64_t Hash(std::string_view s, bool lower) {
    if (s.empty()) return 0;
    const auto byte = [&](size_t i) -> uint64_t {
      return static_cast<unsigned char>(Fold(s[i], lower));
    };
    const uint64_t h =
        (s.size() << 24) ^ (byte(0) << 16) ^ (byte(s.size() / 2) << 8) ^ byte(s.size() - 1);
    return (h * 0x9E3779B97F4A7C15ull) >> 40;
  }

  template <typename It>
  void Init(It begin, It end) {
    const size_t n = static_cast<size_t>(end - begin);
    size_t slots = 16;
    while (slots < n * 2) slots *= 2;
    mask_ = slots - 1;
    slots_.assign(slots, -1);
    keys_.reserve(n);
    for (It it = begin; it != end; ++it) Insert(*it);
  }

  // A repeated key keeps its first index.
  void Insert(std::string_view key) {
    if (Index(key) != kNotFound) return;  // uses max_size_ and the slots set so far
    if (key.size() > max_size_) max_size_ = key.size();
    size_t slot = Hash(key, /*lower=*/false) & mask_;
    while (slots_[slot] >= 0) slot = (slot + 1) & mask_;
    slots_[slot] = static_cast<int32_t>(keys_.size());
    keys_.push_back(key);
  }

  template <bool kLower>
  size_t Probe(std::string_view key) const {
    if (key.size() > max_size_ || keys_.empty()) return kNotFound;
    for (size_t slot = Hash(key, kLower) & mask_; slots_[slot] >= 0; slot = (slot + 1) & mask_) {
      const size_t index = static_cast<size_t>(slots_[slot]);
      const std::string_view stored = keys_[index];
      if (stored.size() != key.size()) continue;
      if (!kLower) {
        if (stored == key) return index;
        continue;
      }
      bool equal = true;
      for (size_t i = 0; i < key.size() && equal; ++i) equal = Fold(key[i], true) == stored[i];
      if (equal) return index;
    }
    return kNotFound;
  }

  std::vector<std::string_view> keys_;
  std::vector<int32_t> slots_;
  size_t mask_ = 0;
  size_t max_size_ = 0;
};

// WordTable maps short keys to values with the lookups of WordSet. A repeated key keeps its first
// value, as inserting an initializer list into a flat_hash_map does.
template <typename V>
class WordTable {
 public:
  WordTable(std::initializer_list<std::pair<std::string_view, V>> entries) : keys_(Keys(entries)) {
    values_.reserve(keys_.size());
    for (const auto& [key, value] : entries) {
      if (keys_.Index(key) == values_.size()) values_.push_back(value);
    }
  }

  // The value stored under `key`, or nullptr.
  const V* Find(std::string_view key) const { return At(keys_.Index(key)); }
  // The value stored under ASCII-lowercased `key`, or nullptr.
  const V* FindLower(std::string_view key) const { return At(keys_.IndexLower(key)); }

 private:
  static WordSet Keys(std::initializer_list<std::pair<std::string_view, V>> entries) {
    std::vector<std::string_view> keys;
    keys.reserve(entries.size());
    for (const auto& entry : entries) keys.push_back(entry.first);
    return WordSet(keys);
  }

  const V* At(size_t index) const {
    return index == WordSet::kNotFound ? nullptr : &values_[index];
  }

  WordSet keys_;
  std::vector<V> values_;
};

}  // namespace armature::manifest
