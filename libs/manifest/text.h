#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <initializer_list>
#include <span>
#include <string>
#include <string_view>
#include <vector>

// Byte-level text helpers shared by the manifest parser, builder and sanitiser. All of them
// run in time linear in their input and accept any byte string.
namespace armature::manifest {

// CleanText returns `text` as valid UTF-8 with '\n' line ends: invalid byte sequences become
// U+FFFD, "\r\n" and lone '\r' become '\n', tabs become spaces, and other control characters
// (C0, DEL) are removed. `changed`, when given, receives the number of replaced or removed
// sequences (line-end and tab conversions are not counted).
std::string CleanText(std::string_view text, int* changed = nullptr);

// True when `text` is only printable ASCII and '\n', which CleanText returns unchanged (a quick
// check: other text can come back unchanged too).
bool IsCleanText(std::string_view text);

// True when `text` is well-formed UTF-8 (no overlong forms, surrogates or values past U+10FFFF).
bool IsValidUtf8(std::string_view text);

// At most `max_bytes` bytes of valid UTF-8 `text`, cut at a character boundary; "..." is appended
// (within the bound) when anything was cut.
std::string TruncateUtf8(std::string_view text, size_t max_bytes);

// `text` without leading and trailing ASCII whitespace.
inline std::string_view Trim(std::string_view text) {
  const auto is_space = [](char c) {
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
  };
  size_t begin = 0;
  size_t end = text.size();
  while (begin < end && is_space(text[begin])) ++begin;
  while (end > begin && is_space(text[end - 1])) --end;
  return text.substr(begin, end - begin);
}

// Position of the first `a` or `b` in `text` at or after `pos`, or npos.
size_t FindEither(std::string_view text, size_t pos, char a, char b);

// ASCII-lowercased copy of `text`.
std::string Lower(std::string_view text);

// True when `text` starts with `prefix`, comparing ASCII letters case-insensitively.
inline bool StartsWithNoCase(std::string_view text, std::string_view prefix) {
  if (text.size() < prefix.size()) return false;
  for (size_t i = 0; i < prefix.size(); ++i) {
    char a = text[i];
    char b = prefix[i];
    if (a >= 'A' && a <= 'Z') a = static_cast<char>(a - 'A' + 'a');
    if (b >= 'A' && b <= 'Z') b = static_cast<char>(b - 'A' + 'a');
    if (a != b) return false;
  }
  return true;
}

// Number of whitespace-separated words.
int CountWords(std::string_view text);

// Length in bytes of a dash at `pos`: 1 for '-', 3 for an en or em dash, 0 otherwise.
inline size_t DashLength(std::string_view text, size_t pos) {
  if (pos >= text.size()) return 0;
  if (text[pos] == '-') return 1;
  // U+2013 EN DASH and U+2014 EM DASH are E2 80 93 / E2 80 94.
  if (pos + 2 < text.size() && text[pos] == '\xE2' && text[pos + 1] == '\x80' &&
      (text[pos + 2] == '\x93' || text[pos + 2] == '\x94')) {
    return 3;
  }
  return 0;
}

// Length in bytes of a colon at `pos`: 1 for ':', 3 for a full-width colon, 0 otherwise.
inline size_t ColonLength(std::string_view text, size_t pos) {
  if (pos >= text.size()) return 0;
  if (text[pos] == ':') return 1;
  // U+FF1A FULLWIDTH COLON is EF BC 9A.
  if (pos + 2 < text.size() && text[pos] == '\xEF' && text[pos + 1] == '\xBC' &&
      text[pos + 2] == '\x9A') {
    return 3;
  }
  return 0;
}

// Removes one pair of surrounding quotes (straight or curly, single or double) from `text`.
std::string_view StripQuotes(std::string_view text);

// Splits `text` into whitespace-separated words.
std::vector<std::string_view> SplitWords(std::string_view text);

// True when `word` occurs in `text` between non-letters (ASCII letters, case-sensitive: pass
// lowercase text and a lowercase word).
bool ContainsWord(std::string_view text, std::string_view word);

// True when one of the lowercase `words` (each starting with a letter) occurs in `text` between
// non-letters, ASCII letters compared case-insensitively: ContainsWord(Lower(text), w) for some
// w, in one pass and without a copy.
bool ContainsAnyWordNoCase(std::string_view text, std::span<const std::string_view> words);

inline bool ContainsAnyWordNoCase(std::string_view text,
                                  std::initializer_list<std::string_view> words) {
  return ContainsAnyWordNoCase(text,
                               std::span<const std::string_view>(words.begin(), words.size()));
}

// Which of at most 64 lowercase `words` (each starting with a letter) occur in `text` as
// ContainsAnyWordNoCase finds them: bit i for words[i]. One pass over `text`.
uint64_t FindWordsNoCase(std::string_view text, std::span<const std::string_view> words);

// `c` ASCII-lowercased.
inline char LowerAscii(char c) {
  return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c;
}

// True when `a` and `b` are equal but for the case of ASCII letters.
inline bool EqualsNoCase(std::string_view a, std::string_view b) {
  return a.size() == b.size() && StartsWithNoCase(a, b);
}

// Appends `piece` to `out`, separated by one space when `out` is not empty.
void AppendWithSpace(std::string& out, std::string_view piece);

// A lowercase ASCII slug of `text`: letters and digits kept, every other run becomes one '_',
// at most `max_bytes` long, no leading or trailing '_'. Empty when `text` has no ASCII alnum.
std::string Slug(std::string_view text, size_t max_bytes);

// A quick hash of short strings for absl::flat_hash_{set,map}<std::string_view, ...>: absl hashes
// a std::string_view through std::hash, which costs more for the short ids hashed here.
struct ShortStringHash {
  size_t operator()(std::string_view s) const {
    constexpr uint64_t kMul = 0x9E3779B97F4A7C15ull;
    const auto load8 = [&s](size_t at) {
      uint64_t w;
      std::memcpy(&w, s.data() + at, sizeof(w));
      return w;
    };
    uint64_t h = (s.size() + 1) * kMul;
    if (s.size() >= 8) {
      for (size_t i = 0; i + 8 <= s.size(); i += 8) h = ((h ^ load8(i)) * kMul) ^ (h >> 29);
      h = (h ^ load8(s.size() - 8)) * kMul;  // the last 8 bytes (overlapping)
    } else {
      uint64_t w = 0;
      for (size_t i = 0; i < s.size(); ++i)
        w |= uint64_t{static_cast<unsigned char>(s[i])} << (8 * i);
      h = (h ^ w) * kMul;
    }
    // Final avalanche (MurmurHash3's), so that the low and high bits both vary.
    h ^= h >> 33;
    h *= 0xFF51AFD7ED558CCDull;
    h ^= h >> 33;
    h *= 0xC4CEB9FE1A85EC53ull;
    return static_cast<size_t>(h ^ (h >> 33));
  }
};

// FNV-1a 64-bit hash; stable across processes and builds (unlike absl::Hash).
class StableHasher {
 public:
  // Adds `bytes` framed by its length, so ("ab","c") and ("a","bc") differ.
  void Add(std::string_view bytes);
  void AddNumber(double value);
  uint64_t value() const { return state_; }

 private:
  void Mix(const void* data, size_t size);
  uint64_t state_ = 1469598103934665603ull;
};

}  // namespace armature::manifest
