#pragma once

#include <array>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "absl/container/inlined_vector.h"
#include "absl/strings/ascii.h"
#include "absl/strings/string_view.h"

// Small, allocation-light text helpers shared by the planner engines. All of them are pure and
// deterministic; "characters" means Unicode code points of UTF-8 text, case folding is ASCII only.
namespace armature::planner {

namespace text_internal {
inline constexpr std::array<bool, 256> kAsciiSpace = [] {
  std::array<bool, 256> table{};
  for (char c : std::string_view(" \t\n\v\f\r")) table[static_cast<unsigned char>(c)] = true;
  return table;
}();
inline constexpr std::array<bool, 256> kSurroundingPunct = [] {
  std::array<bool, 256> table{};
  for (char c : std::string_view(".,;:!?\"'()[]{}<>*_`"))
    table[static_cast<unsigned char>(c)] = true;
  return table;
}();
}  // namespace text_internal

// ASCII whitespace, as absl::ascii_isspace: space, \t, \n, \v, \f, \r.
inline bool IsAsciiSpace(char c) {
  return text_internal::kAsciiSpace[static_cast<unsigned char>(c)];
}

// The end of the run of non-whitespace that starts at p (at most `end`).
inline const char* SkipWord(const char* p, const char* end) {
  // Four characters a step: most words are longer than one.
  while (end - p >= 4) {
    if (IsAsciiSpace(p[0])) return p;
    if (IsAsciiSpace(p[1])) return p + 1;
    if (IsAsciiSpace(p[2])) return p + 2;
    if (IsAsciiSpace(p[3])) return p + 3;
    p += 4;
  }
  while (p < end && !IsAsciiSpace(*p)) ++p;
  return p;
}

// Punctuation and quotes StripPunct removes around a word.
inline bool IsSurroundingPunct(char c) {
  return text_internal::kSurroundingPunct[static_cast<unsigned char>(c)];
}

// Calls f(word) for each maximal run of non-whitespace in `s`, in order (the words SplitWords
// returns); stops early when f returns false.
template <typename F>
void ForEachWord(absl::string_view s, F&& f) {
  const char* p = s.data();
  const char* const end = p + s.size();
  while (p < end) {
    while (p < end && IsAsciiSpace(*p)) ++p;
    const char* word = p;
    p = SkipWord(p, end);
    if (p > word && !f(absl::string_view(word, static_cast<size_t>(p - word)))) return;
  }
}

// Trims and collapses every run of whitespace (including newlines) into one space.
std::string CollapseWhitespace(absl::string_view s);

// CollapseWhitespace(s) without a copy when `s` is collapsed already apart from surrounding
// whitespace: the trimmed view of `s`; otherwise *storage is set to the collapsed text (never
// empty then) and viewed.
absl::string_view CollapsedView(absl::string_view s, std::string* storage);

// TruncateText(s, max_chars) without a copy when `s` fits: `s` itself; otherwise *storage is set
// to the truncated text and viewed.
absl::string_view TruncatedView(absl::string_view s, size_t max_chars, std::string* storage);

// *s = CollapseWhitespace(*s), in place.
void CollapseWhitespaceInPlace(std::string* s);

// ASCII lower-case copy.
std::string AsciiLower(absl::string_view s);

// An ASCII lower-case copy that lives on the stack when the text is short (the heap otherwise).
// Not copyable: view() points into the object.
class LowerText {
 public:
  explicit LowerText(absl::string_view s) {
    char* out = inline_;
    if (s.size() > sizeof(inline_)) {
      heap_.reset(new char[s.size()]);
      out = heap_.get();
    }
    for (size_t i = 0; i < s.size(); ++i) {
      out[i] = absl::ascii_tolower(static_cast<unsigned char>(s[i]));
    }
    view_ = absl::string_view(out, s.size());
  }
  LowerText(const LowerText&) = delete;
  LowerText& operator=(const LowerText&) = delete;

  absl::string_view view() const { return view_; }

 private:
  char inline_[200];
  std::unique_ptr<char[]> heap_;
  absl::string_view view_;
};

// Number of code points in UTF-8 text (invalid bytes count as one each).
size_t Utf8Length(absl::string_view s);

// Cuts `s` to at most `max_chars` code points, preferring a word boundary, and marks the cut
// with "...". Never splits a UTF-8 sequence. Returns `s` unchanged when it already fits.
std::string TruncateText(absl::string_view s, size_t max_chars);
// *s = TruncateText(*s, max_chars), without a copy when it already fits.
void TruncateTextInPlace(std::string* s, size_t max_chars);

// Splits on ASCII whitespace, dropping empty pieces.
std::vector<std::string> SplitWords(absl::string_view s);

// SplitWords without copies: views into `s` (which must outlive them).
using WordViews = absl::InlinedVector<absl::string_view, 16>;
WordViews SplitWordViews(absl::string_view s);

// SplitWords(s).size() without building the words.
size_t CountWords(absl::string_view s);

// The first `n` words of `s` joined by single spaces: StrJoin(first n of SplitWords(s), " ").
std::string FirstWords(absl::string_view s, size_t n);

// Strips surrounding punctuation and quotes from a word ("(tests)," -> "tests").
std::string StripPunct(absl::string_view word);
// The same as a view into `word`.
inline absl::string_view StripPunctView(absl::string_view word) {
  size_t b = 0;
  size_t e = word.size();
  while (b < e && IsSurroundingPunct(word[b])) ++b;
  while (e > b && IsSurroundingPunct(word[e - 1])) --e;
  return word.substr(b, e - b);
}

// Lower-cased `word` without surrounding punctuation: the form used for lexicon look-ups.
std::string NormWord(absl::string_view word);

// Crude suffix stemmer so that "caching"/"cache" and "tests"/"testing" compare equal.
std::string Stem(absl::string_view lower_word);

// True for function words that carry no subject matter ("the", "for", "it", ...).
bool IsStopword(absl::string_view lower_word);

// Stems of the content words of `s`, in order of appearance, without duplicates.
std::vector<std::string> ContentStems(absl::string_view s);
// Appends ContentStems(s) to *stems (duplicates are only checked among the appended stems).
void AppendContentStems(absl::string_view s, std::vector<std::string>* stems);

// Upper-cases the first ASCII letter.
std::string CapitalizeFirst(absl::string_view s);
void CapitalizeFirstInPlace(std::string* s);

// Lower-cases the first letter when the first word is a capitalised common word: a stopword or
// one `is_common` accepts ("The parser" -> "the parser", but "Python parser" and "API docs" stay).
std::string LowerFirstWord(absl::string_view s, bool (*is_common)(absl::string_view) = nullptr);

// Removes trailing spaces and sentence punctuation (".", ",", ";", ":", "!", "?").
std::string StripTrailingPunct(absl::string_view s);
// The same as a view into `s`.
absl::string_view StripTrailingPunctView(absl::string_view s);

// "a", "a and b", "a, b and c".
std::string JoinWithAnd(const std::vector<std::string>& items);

// True when `text` contains `phrase` as whole words; both must already be lower case.
bool ContainsPhrase(absl::string_view text, absl::string_view phrase);

// Replaces a leading "a "/"an " with "the " so a later step can refer back to an object.
std::string DefiniteObject(absl::string_view object);

}  // namespace armature::planner
