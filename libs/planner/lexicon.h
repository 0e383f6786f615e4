#pragma once

#include <cstdint>
#include <cstring>
#include <initializer_list>
#include <utility>
#include <vector>

#include "absl/base/attributes.h"
#include "absl/strings/ascii.h"
#include "absl/strings/string_view.h"

// Word lists the planner engines look words up in (verbs, object words, stopwords, ...): hash
// sets and maps of string views that answer most misses without hashing, and hash the rest with
// a few integer operations (a word of up to 16 bytes is compared as two integers).
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
  // MayContain(word) for the ASCII lower case of `word` (without lower-casing it).
  bool MayContainLowered(absl::string_view word) const {
    if (word.empty()) return has_empty_;
    if (word.size() >= 32) return has_long_;
    const unsigned char first = absl::ascii_tolower(static_cast<unsigned char>(word[0]));
    return ((lengths_[first] >> word.size()) & 1) != 0;
  }

 private:
  uint32_t lengths_[256] = {};
  bool has_empty_ = false;
  bool has_long_ = false;
};

namespace lexicon_internal {

// A word's bytes as two integers and its size. Equal words have equal keys; words of at most 16
// bytes with equal keys are equal (longer ones must be compared in full).
struct WordKey {
  uint64_t head = 0;
  uint64_t tail = 0;
  uint64_t size = 0;
};

inline uint64_t Load64(const char* p) {
  uint64_t v;
  std::memcpy(&v, p, sizeof(v));
  return v;
}

inline uint64_t Load32(const char* p) {
  uint32_t v;
  std::memcpy(&v, p, sizeof(v));
  return v;
}

ABSL_ATTRIBUTE_ALWAYS_INLINE inline WordKey KeyOf(absl::string_view word) {
  const char* p = word.data();
  const size_t n = word.size();
  WordKey key;
  key.size = n;
  if (n >= 8) {
    key.head = Load64(p);
    key.tail = Load64(p + n - 8);
  } else if (n >= 4) {
    // Two overlapping loads cover the n bytes exactly.
    key.head = Load32(p) | (Load32(p + n - 4) << (8 * (n - 4)));
  } else if (n > 0) {
    key.head = uint64_t{static_cast<unsigned char>(p[0])} |
               (uint64_t{static_cast<unsigned char>(p[n / 2])} << (8 * (n / 2))) |
               (uint64_t{static_cast<unsigned char>(p[n - 1])} << (8 * (n - 1)));
  }
  return key;
}

inline uint64_t HashOf(const WordKey& key) {
  const uint64_t mixed =
      key.head ^ ((key.tail << 29) | (key.tail >> 35)) ^ (key.size * 0x9E3779B97F4A7C15u);
  return mixed * 0xD6E8FEB86659FD93u;
}

// Open-addressing index from words to 0-based entry numbers, in insertion order.
class WordIndex {
 public:
  WordIndex() : slots_(kMinSlots), shift_(64 - kMinBits) {}

  // The entry number of `word`, or -1.
  ABSL_ATTRIBUTE_ALWAYS_INLINE int Find(absl::string_view word) const {
    const WordKey key = KeyOf(word);
    const size_t mask = slots_.size() - 1;
    for (size_t i = HashOf(key) >> shift_;; i = (i + 1) & mask) {
      const Slot& s = slots_[i];
      if (s.index < 0) return -1;
      if (s.key.size == key.size && s.key.head == key.head && s.key.tail == key.tail &&
          (key.size <= 16 || words_[static_cast<size_t>(s.index)] == word)) {
        return s.index;
      }
    }
  }

  // The entry number of `word`, added (as the next number) when new; `word` must outlive the
  // index. Sets *added.
  int Insert(absl::string_view word, bool* added) {
    const int found = Find(word);
    *added = found < 0;
    if (found >= 0) return found;
    const int index = static_cast<int>(words_.size());
    words_.push_back(word);
    // At most a quarter full: most look-ups probe one slot.
    if (4 * words_.size() > slots_.size()) {
      Rebuild(2 * slots_.size());
    } else {
      Place(index);
    }
    return index;
  }

  size_t size() const { return words_.size(); }

 private:
  static constexpr int kMinBits = 4;
  static constexpr size_t kMinSlots = size_t{1} << kMinBits;

  struct Slot {
    WordKey key;
    int index = -1;  // -1: empty
  };

  void Place(int index) {
    const WordKey key = KeyOf(words_[static_cast<size_t>(index)]);
    const size_t mask = slots_.size() - 1;
    size_t i = HashOf(key) >> shift_;
    while (slots_[i].index >= 0) i = (i + 1) & mask;
    slots_[i].key = key;
    slots_[i].index = index;
  }

  void Rebuild(size_t slots) {
    slots_.assign(slots, Slot());
    int bits = 0;
    while ((size_t{1} << bits) < slots) ++bits;
    shift_ = 64 - bits;
    for (size_t k = 0; k < words_.size(); ++k) Place(static_cast<int>(k));
  }

  std::vector<Slot> slots_;
  int shift_;
  std::vector<absl::string_view> words_;
};

}  // namespace lexicon_internal

// A fixed set of words (a lexicon) with fast misses. Built once, then read-only.
class WordSet {
 public:
  WordSet() = default;
  WordSet(std::initializer_list<absl::string_view> words) {
    for (absl::string_view w : words) insert(w);
  }
  void insert(absl::string_view word) {
    filter_.Add(word);
    bool added;
    index_.Insert(word, &added);
  }
  bool contains(absl::string_view word) const {
    return filter_.MayContain(word) && index_.Find(word) >= 0;
  }
  // False when the ASCII lower case of `word` is certainly not in the set; a cheap test before
  // lower-casing a word to look it up.
  bool MayContainLowered(absl::string_view word) const { return filter_.MayContainLowered(word); }

 private:
  WordFilter filter_;
  lexicon_internal::WordIndex index_;
};

// A fixed map from words to values (a lexicon) with fast misses; find() returns a pointer to the
// (word, value) entry, end() is null. Built once, then read-only.
template <typename V>
class WordMap {
 public:
  using value_type = std::pair<absl::string_view, V>;
  using const_iterator = const value_type*;

  WordMap() = default;
  // The first entry of a repeated key wins.
  WordMap(std::initializer_list<std::pair<absl::string_view, V>> entries) {
    for (const auto& [key, value] : entries) {
      filter_.Add(key);
      bool added;
      index_.Insert(key, &added);
      if (added) entries_.emplace_back(key, value);
    }
  }
  V& operator[](absl::string_view key) {
    filter_.Add(key);
    bool added;
    const int i = index_.Insert(key, &added);
    if (added) entries_.emplace_back(key, V());
    return entries_[static_cast<size_t>(i)].second;
  }
  const_iterator find(absl::string_view key) const {
    if (!filter_.MayContain(key)) return nullptr;
    const int i = index_.Find(key);
    return i < 0 ? nullptr : &entries_[static_cast<size_t>(i)];
  }
  const_iterator end() const { return nullptr; }
  bool contains(absl::string_view key) const { return find(key) != nullptr; }
  // The value of a key that is in the map.
  const V& at(absl::string_view key) const { return find(key)->second; }
  // See WordSet::MayContainLowered.
  bool MayContainLowered(absl::string_view word) const { return filter_.MayContainLowered(word); }

 private:
  WordFilter filter_;
  lexicon_internal::WordIndex index_;
  std::vector<value_type> entries_;
};

}  // namespace armature::planner
