#include "libs/planner/text.h"

#include <algorithm>

#include "absl/container/flat_hash_set.h"
#include "absl/strings/ascii.h"
#include "absl/strings/str_join.h"

namespace armature::planner {
namespace {

bool IsUtf8Continuation(char c) { return (static_cast<unsigned char>(c) & 0xC0) == 0x80; }

bool IsSurroundingPunct(char c) {
  switch (c) {
    case '.':
    case ',':
    case ';':
    case ':':
    case '!':
    case '?':
    case '"':
    case '\'':
    case '(':
    case ')':
    case '[':
    case ']':
    case '{':
    case '}':
    case '<':
    case '>':
    case '*':
    case '_':
    case '`':
      return true;
    default:
      return false;
  }
}

const absl::flat_hash_set<absl::string_view>& Stopwords() {
  static const auto* words = new absl::flat_hash_set<absl::string_view>{
      "a",       "an",      "the",     "and",     "or",        "but",   "nor",     "of",
      "to",      "for",     "in",      "on",      "at",        "by",    "with",    "from",
      "into",    "onto",    "about",   "as",      "is",        "are",   "was",     "were",
      "be",      "been",    "being",   "it",      "its",       "it's",  "this",    "that",
      "these",   "those",   "them",    "they",    "their",     "we",    "our",     "us",
      "you",     "your",    "i",       "my",      "me",        "he",    "she",     "his",
      "her",     "so",      "then",    "than",    "also",      "all",   "any",     "some",
      "each",    "every",   "both",    "either",  "neither",   "such",  "very",    "just",
      "only",    "not",     "no",      "do",      "does",      "did",   "can",     "could",
      "should",  "would",   "will",    "shall",   "may",       "might", "must",    "have",
      "has",     "had",     "if",      "when",    "while",     "where", "which",   "who",
      "whom",    "what",    "how",     "why",     "there",     "here",  "up",      "out",
      "over",    "under",   "after",   "before",  "again",     "new",   "please",  "using",
      "use",     "via",     "per",     "etc",     "e.g",       "i.e",   "make",    "sure",
      "way",     "thing",   "things",  "stuff",   "following", "need",  "needs",   "want",
      "like",    "let",     "lets",    "let's",   "get",       "got",   "one",     "two",
      "three",   "four",    "five",    "first",   "second",    "next",  "finally", "other",
      "another", "more",    "most",    "same",    "own",       "too",   "well",    "within",
      "without", "through", "between", "against", "during",    "until", "because", "since",
      "across"};
  return *words;
}

}  // namespace

std::string CollapseWhitespace(absl::string_view s) {
  std::string out;
  out.reserve(s.size());
  bool pending_space = false;
  for (char c : s) {
    if (absl::ascii_isspace(static_cast<unsigned char>(c))) {
      pending_space = !out.empty();
      continue;
    }
    if (pending_space) out.push_back(' ');
    pending_space = false;
    out.push_back(c);
  }
  return out;
}

std::string AsciiLower(absl::string_view s) { return absl::AsciiStrToLower(s); }

size_t Utf8Length(absl::string_view s) {
  size_t n = 0;
  for (char c : s) {
    if (!IsUtf8Continuation(c)) ++n;
  }
  return n;
}

std::string TruncateText(absl::string_view s, size_t max_chars) {
  if (Utf8Length(s) <= max_chars) return std::string(s);
  if (max_chars <= 3) return std::string("...").substr(0, max_chars);
  // Byte offset just past the (max_chars - 3)th code point.
  const size_t keep_chars = max_chars - 3;
  size_t chars = 0;
  size_t cut = 0;
  for (size_t i = 0; i < s.size(); ++i) {
    if (!IsUtf8Continuation(s[i])) {
      if (chars == keep_chars) {
        cut = i;
        break;
      }
      ++chars;
    }
  }
  absl::string_view head = s.substr(0, cut);
  // Prefer ending at a word boundary if that keeps at least half of the text.
  const size_t space = head.rfind(' ');
  if (space != absl::string_view::npos && space >= head.size() / 2) head = head.substr(0, space);
  std::string out = StripTrailingPunct(head);
  out += "...";
  return out;
}

std::vector<std::string> SplitWords(absl::string_view s) {
  std::vector<std::string> words;
  size_t i = 0;
  while (i < s.size()) {
    while (i < s.size() && absl::ascii_isspace(static_cast<unsigned char>(s[i]))) ++i;
    size_t j = i;
    while (j < s.size() && !absl::ascii_isspace(static_cast<unsigned char>(s[j]))) ++j;
    if (j > i) words.emplace_back(s.substr(i, j - i));
    i = j;
  }
  return words;
}

std::string StripPunct(absl::string_view word) {
  size_t b = 0;
  size_t e = word.size();
  while (b < e && IsSurroundingPunct(word[b])) ++b;
  while (e > b && IsSurroundingPunct(word[e - 1])) --e;
  return std::string(word.substr(b, e - b));
}

std::string NormWord(absl::string_view word) {
  size_t b = 0;
  size_t e = word.size();
  while (b < e && IsSurroundingPunct(word[b])) ++b;
  while (e > b && IsSurroundingPunct(word[e - 1])) --e;
  std::string out(word.substr(b, e - b));
  for (char& c : out) c = absl::ascii_tolower(static_cast<unsigned char>(c));
  return out;
}

std::string Stem(absl::string_view lower_word) {
  std::string w(lower_word);
  if (w.size() > 2 && w.compare(w.size() - 2, 2, "'s") == 0) w.resize(w.size() - 2);
  auto ends_with = [&w](absl::string_view suffix) {
    return w.size() >= suffix.size() &&
           w.compare(w.size() - suffix.size(), suffix.size(), suffix.data(), suffix.size()) == 0;
  };
  if (w.size() > 4 && ends_with("ies")) {
    w.replace(w.size() - 3, 3, "y");
  } else if (w.size() > 3 && ends_with("s") && !ends_with("ss") && !ends_with("us") &&
             !ends_with("is")) {
    w.pop_back();
  }
  if (w.size() > 5 && ends_with("ing")) {
    w.resize(w.size() - 3);
  } else if (w.size() > 4 && ends_with("ed")) {
    w.resize(w.size() - 2);
  } else if (w.size() > 4 && ends_with("e")) {
    w.pop_back();
  }
  return w;
}

bool IsStopword(absl::string_view lower_word) { return Stopwords().contains(lower_word); }

std::vector<std::string> ContentStems(absl::string_view s) {
  std::vector<std::string> stems;
  for (const std::string& word : SplitWords(s)) {
    const std::string norm = NormWord(word);
    if (norm.size() < 2 || IsStopword(norm)) continue;
    if (std::all_of(norm.begin(), norm.end(), [](char c) { return absl::ascii_isdigit(c); })) {
      continue;
    }
    std::string stem = Stem(norm);
    if (std::find(stems.begin(), stems.end(), stem) == stems.end()) stems.push_back(stem);
  }
  return stems;
}

std::string CapitalizeFirst(absl::string_view s) {
  std::string out(s);
  if (!out.empty()) out[0] = absl::ascii_toupper(static_cast<unsigned char>(out[0]));
  return out;
}

std::string LowerFirstWord(absl::string_view s, bool (*is_common)(absl::string_view)) {
  std::string out(s);
  if (out.empty() || !absl::ascii_isupper(static_cast<unsigned char>(out[0]))) return out;
  size_t end = 1;
  while (end < out.size() && absl::ascii_isalpha(static_cast<unsigned char>(out[end]))) ++end;
  for (size_t i = 1; i < end; ++i) {
    if (!absl::ascii_islower(static_cast<unsigned char>(out[i]))) return out;  // "API", "GitHub"
  }
  const std::string lower = AsciiLower(out.substr(0, end));
  if (IsStopword(lower) || (is_common != nullptr && is_common(lower))) {
    out[0] = absl::ascii_tolower(static_cast<unsigned char>(out[0]));
  }
  return out;
}

std::string StripTrailingPunct(absl::string_view s) {
  size_t e = s.size();
  while (e > 0) {
    const char c = s[e - 1];
    if (c == '.' || c == ',' || c == ';' || c == ':' || c == '!' || c == '?' ||
        absl::ascii_isspace(static_cast<unsigned char>(c))) {
      --e;
    } else {
      break;
    }
  }
  // Keep an ellipsis or an abbreviation such as "etc." intact only if nothing else remains.
  return std::string(s.substr(0, e));
}

std::string JoinWithAnd(const std::vector<std::string>& items) {
  if (items.empty()) return "";
  if (items.size() == 1) return items[0];
  std::vector<std::string> head(items.begin(), items.end() - 1);
  return absl::StrJoin(head, ", ") + " and " + items.back();
}

bool ContainsPhrase(absl::string_view text, absl::string_view phrase) {
  if (phrase.empty()) return false;
  size_t pos = 0;
  while ((pos = text.find(phrase, pos)) != absl::string_view::npos) {
    const bool left_ok =
        pos == 0 || !absl::ascii_isalnum(static_cast<unsigned char>(text[pos - 1]));
    const size_t end = pos + phrase.size();
    const bool right_ok =
        end >= text.size() || !absl::ascii_isalnum(static_cast<unsigned char>(text[end]));
    if (left_ok && right_ok) return true;
    ++pos;
  }
  return false;
}

std::string DefiniteObject(absl::string_view object) {
  const std::string lower = AsciiLower(object.substr(0, std::min<size_t>(3, object.size())));
  if (lower.rfind("a ", 0) == 0) return "the " + std::string(object.substr(2));
  if (lower == "an ") return "the " + std::string(object.substr(3));
  return std::string(object);
}

}  // namespace armature::planner
