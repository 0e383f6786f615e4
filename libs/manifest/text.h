#pragma once

#include <cstddef>
#include <cstdint>
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

// True when `text` is well-formed UTF-8 (no overlong forms, surrogates or values past U+10FFFF).
bool IsValidUtf8(std::string_view text);

// At most `max_bytes` bytes of valid UTF-8 `text`, cut at a character boundary; "..." is appended
// (within the bound) when anything was cut.
std::string TruncateUtf8(std::string_view text, size_t max_bytes);

// `text` without leading and trailing ASCII whitespace.
std::string_view Trim(std::string_view text);

// ASCII-lowercased copy of `text`.
std::string Lower(std::string_view text);

// True when `text` starts with `prefix`, comparing ASCII letters case-insensitively.
bool StartsWithNoCase(std::string_view text, std::string_view prefix);

// Number of whitespace-separated words.
int CountWords(std::string_view text);

// Length in bytes of a dash at `pos`: 1 for '-', 3 for an en or em dash, 0 otherwise.
size_t DashLength(std::string_view text, size_t pos);

// Length in bytes of a colon at `pos`: 1 for ':', 3 for a full-width colon, 0 otherwise.
size_t ColonLength(std::string_view text, size_t pos);

// Removes one pair of surrounding quotes (straight or curly, single or double) from `text`.
std::string_view StripQuotes(std::string_view text);

// Splits `text` into whitespace-separated words.
std::vector<std::string_view> SplitWords(std::string_view text);

// True when `word` occurs in `text` between non-letters (ASCII letters, case-sensitive: pass
// lowercase text and a lowercase word).
bool ContainsWord(std::string_view text, std::string_view word);

// Appends `piece` to `out`, separated by one space when `out` is not empty.
void AppendWithSpace(std::string& out, std::string_view piece);

// A lowercase ASCII slug of `text`: letters and digits kept, every other run becomes one '_',
// at most `max_bytes` long, no leading or trailing '_'. Empty when `text` has no ASCII alnum.
std::string Slug(std::string_view text, size_t max_bytes);

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
