#pragma once

#include <algorithm>
#include <array>
#include <cstdint>
#include <cstring>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "absl/base/attributes.h"
#include "absl/base/optimization.h"
#include "absl/strings/ascii.h"
#include "absl/strings/string_view.h"
#include "libs/planner/lexicon.h"
#include "libs/planner/small_vector.h"

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

namespace text_internal {
// The ASCII lower case of the bytes of x, eight at a time.
template <typename T>
inline T LowerBytes(T x) {
  constexpr T kOnes = static_cast<T>(0x0101010101010101u);
  // Bit 7 of a byte of `upper` is set when the byte is 'A'..'Z' (and below 0x80).
  const T low7 = x & (0x7F * kOnes);
  const T upper =
      (low7 + (0x80 - 'A') * kOnes) & ~(low7 + (0x80 - 'Z' - 1) * kOnes) & ~x & (0x80 * kOnes);
  return x | (upper >> 2);  // 0x20 in each upper-case byte
}
}  // namespace text_internal

// Writes the ASCII lower case of `s` to `out` (room for s.size() characters; may be s.data()).
// Eight characters a step.
ABSL_ATTRIBUTE_ALWAYS_INLINE inline void AsciiLowerInto(absl::string_view s, char* out) {
  const char* in = s.data();
  const size_t n = s.size();
  if (n >= 8) {
    size_t i = 0;
    for (; i + 8 <= n; i += 8) {
      uint64_t x;
      std::memcpy(&x, in + i, 8);
      x = text_internal::LowerBytes(x);
      std::memcpy(out + i, &x, 8);
    }
    if (i < n) {  // the last 8 characters again (lower-casing is idempotent)
      uint64_t x;
      std::memcpy(&x, in + n - 8, 8);
      x = text_internal::LowerBytes(x);
      std::memcpy(out + n - 8, &x, 8);
    }
  } else if (n >= 4) {
    uint32_t head;
    uint32_t tail;
    std::memcpy(&head, in, 4);
    std::memcpy(&tail, in + n - 4, 4);
    head = text_internal::LowerBytes(head);
    tail = text_internal::LowerBytes(tail);
    std::memcpy(out, &head, 4);
    std::memcpy(out + n - 4, &tail, 4);
  } else {
    for (size_t i = 0; i < n; ++i) out[i] = absl::ascii_tolower(static_cast<unsigned char>(in[i]));
  }
}

// absl::StartsWithIgnoreCase(s, prefix) for a `prefix` without upper-case letters, inline.
inline bool StartsWithLowerCase(absl::string_view s, absl::string_view prefix) {
  if (s.size() < prefix.size()) return false;
  for (size_t i = 0; i < prefix.size(); ++i) {
    if (absl::ascii_tolower(static_cast<unsigned char>(s[i])) != prefix[i]) return false;
  }
  return true;
}

// An ASCII lower-case copy that lives on the stack when the text is short (the heap otherwise).
// Not copyable: view() points into the object.
class LowerText {
 public:
  ABSL_ATTRIBUTE_ALWAYS_INLINE explicit LowerText(absl::string_view s) {
    char* out = inline_;
    if (s.size() > sizeof(inline_)) {
      heap_.reset(new char[s.size()]);
      out = heap_.get();
    }
    AsciiLowerInto(s, out);
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
using WordViews = SmallVector<absl::string_view, 16>;
WordViews SplitWordViews(absl::string_view s);

// SplitWords(s).size() without building the words.
size_t CountWords(absl::string_view s);

// The first `n` words of `s` joined by single spaces: StrJoin(first n of SplitWords(s), " ").
std::string FirstWords(absl::string_view s, size_t n);

// Strips surrounding punctuation and quotes from a word ("(tests)," -> "tests").
std::string StripPunct(absl::string_view word);
namespace text_internal {
absl::string_view StripPunctSlow(absl::string_view word);
}  // namespace text_internal
// The same as a view into `word`.
inline absl::string_view StripPunctView(absl::string_view word) {
  // Most words start and end with a letter or digit.
  if (!word.empty() && !IsSurroundingPunct(word.front()) && !IsSurroundingPunct(word.back())) {
    return word;
  }
  return text_internal::StripPunctSlow(word);
}

// Lower-cased `word` without surrounding punctuation: the form used for lexicon look-ups.
std::string NormWord(absl::string_view word);

// Crude suffix stemmer so that "caching"/"cache" and "tests"/"testing" compare equal.
std::string Stem(absl::string_view lower_word);

// True for function words that carry no subject matter ("the", "for", "it", ...).
bool IsStopword(absl::string_view lower_word);

namespace text_internal {
// The stopwords IsStopword knows.
const WordSet& MakeStopwords();
inline const WordSet& Stopwords() {
  static const WordSet& stopwords = MakeStopwords();
  return stopwords;
}

// Stem() in place: the stem of w[0, n) is w[0, result) (an "ies" ending becomes "y").
size_t StemInPlace(char* w, size_t n);
}  // namespace text_internal

// Calls f(stem) for the stem of each content word of `s` in order, repeats included: words of
// at least two characters (without surrounding punctuation, lower-cased) that are neither
// stopwords nor numbers, stemmed (Stem). The view is valid during the call only.
template <typename F>
void ForEachContentStem(absl::string_view s, F&& f) {
  const WordSet& stopwords = text_internal::Stopwords();
  ForEachWord(s, [&f, &stopwords](absl::string_view word) {
    // NormWord(word), stemmed in place: on the stack unless the word is long.
    const absl::string_view stripped = StripPunctView(word);
    if (stripped.size() < 2) return true;
    const bool maybe_stopword = stopwords.MayContainLowered(stripped);
    char stack[64];
    std::unique_ptr<char[]> heap;
    char* w = stack;
    if (stripped.size() > sizeof(stack)) {
      heap.reset(new char[stripped.size()]);
      w = heap.get();
    }
    AsciiLowerInto(stripped, w);
    const absl::string_view norm(w, stripped.size());
    if (maybe_stopword && stopwords.contains(norm)) return true;
    if (absl::ascii_isdigit(static_cast<unsigned char>(norm[0]))) {  // a number?
      bool digits = true;
      for (char c : norm) digits = digits && absl::ascii_isdigit(static_cast<unsigned char>(c));
      if (digits) return true;
    }
    f(absl::string_view(w, text_internal::StemInPlace(w, norm.size())));
    return true;
  });
}

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

// Builds text in a std::string without the checks of each append: pieces are copied into room
// reserved ahead (grown when short); Finish() (or the destructor) cuts the string to the text
// and ends the writing. Meant for text made of many short pieces, such as a rationale.
class TextWriter {
 public:
  // Appends to *out, reserving `room` characters.
  TextWriter(std::string* out, size_t room) : out_(out), used_(out->size()) {
    out_->resize(used_ + room);
  }
  ~TextWriter() {
    if (out_ != nullptr) Finish();
  }
  TextWriter(const TextWriter&) = delete;
  TextWriter& operator=(const TextWriter&) = delete;

  ABSL_ATTRIBUTE_ALWAYS_INLINE void Append(absl::string_view s) {
    if (!s.empty()) std::memcpy(Room(s.size()), s.data(), s.size());
  }
  void Append(const std::string& s) { Append(absl::string_view(s)); }
  // A literal: its size is known at compile time.
  template <size_t N>
  ABSL_ATTRIBUTE_ALWAYS_INLINE void Append(const char (&literal)[N]) {
    std::memcpy(Room(N - 1), literal, N - 1);
  }
  ABSL_ATTRIBUTE_ALWAYS_INLINE void Append(char c) { *Room(1) = c; }
  void AppendInt(int64_t value);

  // The text written so far.
  size_t size() const { return used_; }
  absl::string_view view() const { return absl::string_view(out_->data(), used_); }
  // Cuts the string to the text written; no appends may follow.
  void Finish() {
    out_->resize(used_);
    out_ = nullptr;
  }

 private:
  ABSL_ATTRIBUTE_ALWAYS_INLINE char* Room(size_t n) {
    if (ABSL_PREDICT_FALSE(used_ + n > out_->size())) Grow(used_ + n);
    char* p = out_->data() + used_;
    used_ += n;
    return p;
  }
  void Grow(size_t size);

  std::string* out_;
  size_t used_;
};

// "a", "a and b", "a, b and c".
std::string JoinWithAnd(const std::vector<std::string>& items);

// Appends JoinWithAnd(items) to *out; `items` is a container of strings or string views.
template <typename Items>
void AppendJoinedWithAnd(const Items& items, std::string* out) {
  const size_t n = items.size();
  size_t i = 0;
  for (const auto& item : items) {
    if (i > 0) *out += i + 1 == n ? " and " : ", ";
    const absl::string_view view(item);
    out->append(view.data(), view.size());
    ++i;
  }
}

// True when `text` contains `phrase` as whole words; both must already be lower case.
bool ContainsPhrase(absl::string_view text, absl::string_view phrase);

// Replaces a leading "a "/"an " with "the " so a later step can refer back to an object.
std::string DefiniteObject(absl::string_view object);

}  // namespace armature::planner
