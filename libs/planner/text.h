#pragma once

#include <string>
#include <vector>

#include "absl/strings/string_view.h"

// Small, allocation-light text helpers shared by the planner engines. All of them are pure and
// deterministic; "characters" means Unicode code points of UTF-8 text, case folding is ASCII only.
namespace armature::planner {

// Trims and collapses every run of whitespace (including newlines) into one space.
std::string CollapseWhitespace(absl::string_view s);

// ASCII lower-case copy.
std::string AsciiLower(absl::string_view s);

// Number of code points in UTF-8 text (invalid bytes count as one each).
size_t Utf8Length(absl::string_view s);

// Cuts `s` to at most `max_chars` code points, preferring a word boundary, and marks the cut
// with "...". Never splits a UTF-8 sequence. Returns `s` unchanged when it already fits.
std::string TruncateText(absl::string_view s, size_t max_chars);

// Splits on ASCII whitespace, dropping empty pieces.
std::vector<std::string> SplitWords(absl::string_view s);

// Strips surrounding punctuation and quotes from a word ("(tests)," -> "tests").
std::string StripPunct(absl::string_view word);

// Lower-cased `word` without surrounding punctuation: the form used for lexicon look-ups.
std::string NormWord(absl::string_view word);

// Crude suffix stemmer so that "caching"/"cache" and "tests"/"testing" compare equal.
std::string Stem(absl::string_view lower_word);

// True for function words that carry no subject matter ("the", "for", "it", ...).
bool IsStopword(absl::string_view lower_word);

// Stems of the content words of `s`, in order of appearance, without duplicates.
std::vector<std::string> ContentStems(absl::string_view s);

// Upper-cases the first ASCII letter.
std::string CapitalizeFirst(absl::string_view s);

// Lower-cases the first letter when the first word is a capitalised common word: a stopword or
// one `is_common` accepts ("The parser" -> "the parser", but "Python parser" and "API docs" stay).
std::string LowerFirstWord(absl::string_view s, bool (*is_common)(absl::string_view) = nullptr);

// Removes trailing spaces and sentence punctuation (".", ",", ";", ":", "!", "?").
std::string StripTrailingPunct(absl::string_view s);

// "a", "a and b", "a, b and c".
std::string JoinWithAnd(const std::vector<std::string>& items);

// True when `text` contains `phrase` as whole words; both must already be lower case.
bool ContainsPhrase(absl::string_view text, absl::string_view phrase);

// Replaces a leading "a "/"an " with "the " so a later step can refer back to an object.
std::string DefiniteObject(absl::string_view object);

}  // namespace armature::planner
