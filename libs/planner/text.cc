#include "libs/planner/text.h"

#include <algorithm>

#include "absl/strings/ascii.h"
#include "libs/planner/lexicon.h"

namespace armature::planner {
namespace {

bool IsUtf8Continuation(char c) { return (static_cast<unsigned char>(c) & 0xC0) == 0x80; }

const WordSet& Stopwords() {
  static const auto* words = new WordSet{
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

namespace {

// Writes CollapseWhitespace(s) to `out` (room for s.size() characters, which may be s itself)
// and returns its end.
char* CollapseInto(absl::string_view s, char* const out) {
  char* p = out;
  bool pending_space = false;
  for (char c : s) {
    if (IsAsciiSpace(c)) {
      pending_space = p != out;
      continue;
    }
    if (pending_space) *p++ = ' ';
    pending_space = false;
    *p++ = c;
  }
  return p;
}

}  // namespace

std::string CollapseWhitespace(absl::string_view s) {
  std::string out(s.size(), '\0');
  out.resize(static_cast<size_t>(CollapseInto(s, out.data()) - out.data()));
  return out;
}

void CollapseWhitespaceInPlace(std::string* s) {
  // The output never gets ahead of the input, so it can overwrite it.
  s->resize(static_cast<size_t>(CollapseInto(*s, s->data()) - s->data()));
}

absl::string_view CollapsedView(absl::string_view s, std::string* storage) {
  size_t b = 0;
  size_t e = s.size();
  while (b < e && IsAsciiSpace(s[b])) ++b;
  while (e > b && IsAsciiSpace(s[e - 1])) --e;
  const absl::string_view trimmed = s.substr(b, e - b);
  for (size_t i = 0; i < trimmed.size(); ++i) {
    // Trimmed: a space is never last, so trimmed[i + 1] exists.
    if (IsAsciiSpace(trimmed[i]) && (trimmed[i] != ' ' || trimmed[i + 1] == ' ')) {
      *storage = CollapseWhitespace(trimmed);
      return *storage;
    }
  }
  return trimmed;
}

absl::string_view TruncatedView(absl::string_view s, size_t max_chars, std::string* storage) {
  if (s.size() <= max_chars || Utf8Length(s) <= max_chars) return s;
  *storage = TruncateText(s, max_chars);
  return *storage;
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
  if (s.size() <= max_chars || Utf8Length(s) <= max_chars) return std::string(s);
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

void TruncateTextInPlace(std::string* s, size_t max_chars) {
  if (s->size() <= max_chars || Utf8Length(*s) <= max_chars) return;
  *s = TruncateText(*s, max_chars);
}

std::vector<std::string> SplitWords(absl::string_view s) {
  std::vector<std::string> words;
  words.reserve(CountWords(s));
  ForEachWord(s, [&words](absl::string_view w) {
    words.emplace_back(w);
    return true;
  });
  return words;
}

WordViews SplitWordViews(absl::string_view s) {
  WordViews words;
  ForEachWord(s, [&words](absl::string_view w) {
    words.push_back(w);
    return true;
  });
  return words;
}

size_t CountWords(absl::string_view s) {
  // A word starts at each non-space that is first or follows a space. Written without branches
  // or loop-carried state so that the compiler vectorises it.
  auto space = [](char c) {
    return static_cast<unsigned>(c == ' ' || static_cast<unsigned char>(c - '\t') < 5);
  };
  if (s.empty()) return 0;
  size_t n = 1 - space(s[0]);
  for (size_t i = 1; i < s.size(); ++i) n += (1 - space(s[i])) & space(s[i - 1]);
  return n;
}

std::string FirstWords(absl::string_view s, size_t n) {
  std::string out;
  size_t taken = 0;
  ForEachWord(s, [&](absl::string_view w) {
    if (taken == n) return false;
    if (taken++ > 0) out.push_back(' ');
    out.append(w.data(), w.size());
    return true;
  });
  return out;
}

std::string StripPunct(absl::string_view word) { return std::string(StripPunctView(word)); }

std::string NormWord(absl::string_view word) {
  std::string out(StripPunctView(word));
  for (char& c : out) c = absl::ascii_tolower(static_cast<unsigned char>(c));
  return out;
}

namespace {

// Stem() in place: the stem of w[0, n) is w[0, result) (an "ies" ending becomes "y").
size_t StemInPlace(char* w, size_t n) {
  auto ends_with = [w, &n](absl::string_view suffix) {
    return n >= suffix.size() && absl::string_view(w + n - suffix.size(), suffix.size()) == suffix;
  };
  if (n > 2 && ends_with("'s")) n -= 2;
  if (n > 4 && ends_with("ies")) {
    w[n - 3] = 'y';
    n -= 2;
  } else if (n > 3 && ends_with("s") && !ends_with("ss") && !ends_with("us") && !ends_with("is")) {
    --n;
  }
  if (n > 5 && ends_with("ing")) {
    n -= 3;
  } else if (n > 4 && ends_with("ed")) {
    n -= 2;
  } else if (n > 4 && ends_with("e")) {
    --n;
  }
  return n;
}

}  // namespace

std::string Stem(absl::string_view lower_word) {
  std::string w(lower_word);
  w.resize(StemInPlace(w.data(), w.size()));
  return w;
}

bool IsStopword(absl::string_view lower_word) { return Stopwords().contains(lower_word); }

std::vector<std::string> ContentStems(absl::string_view s) {
  std::vector<std::string> stems;
  AppendContentStems(s, &stems);
  return stems;
}

void AppendContentStems(absl::string_view s, std::vector<std::string>* out) {
  const size_t first = out->size();
  ForEachWord(s, [out, first](absl::string_view word) {
    // NormWord(word), stemmed in place: on the stack unless the word is long.
    const absl::string_view stripped = StripPunctView(word);
    if (stripped.size() < 2) return true;
    char stack[64];
    std::string heap;
    char* w = stack;
    if (stripped.size() > sizeof(stack)) {
      heap.resize(stripped.size());
      w = heap.data();
    }
    for (size_t i = 0; i < stripped.size(); ++i) {
      w[i] = absl::ascii_tolower(static_cast<unsigned char>(stripped[i]));
    }
    const absl::string_view norm(w, stripped.size());
    if (IsStopword(norm)) return true;
    if (std::all_of(norm.begin(), norm.end(), [](char c) { return absl::ascii_isdigit(c); })) {
      return true;
    }
    const absl::string_view stem(w, StemInPlace(w, norm.size()));
    if (std::find(out->begin() + static_cast<std::ptrdiff_t>(first), out->end(), stem) ==
        out->end()) {
      out->emplace_back(stem);
    }
    return true;
  });
}

std::string CapitalizeFirst(absl::string_view s) {
  std::string out(s);
  CapitalizeFirstInPlace(&out);
  return out;
}

void CapitalizeFirstInPlace(std::string* s) {
  if (!s->empty()) (*s)[0] = absl::ascii_toupper(static_cast<unsigned char>((*s)[0]));
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
  return std::string(StripTrailingPunctView(s));
}

absl::string_view StripTrailingPunctView(absl::string_view s) {
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
  return s.substr(0, e);
}

std::string JoinWithAnd(const std::vector<std::string>& items) {
  if (items.empty()) return "";
  if (items.size() == 1) return items[0];
  size_t size = 5 * items.size();
  for (const std::string& item : items) size += item.size();
  std::string out;
  out.reserve(size);
  for (size_t i = 0; i + 1 < items.size(); ++i) {
    if (i > 0) out += ", ";
    out += items[i];
  }
  out += " and ";
  out += items.back();
  return out;
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
