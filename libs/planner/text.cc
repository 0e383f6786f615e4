#include "libs/planner/text.h"

#include <algorithm>
#include <array>
#include <cstdint>
#include <cstring>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "libs/planner/lexicon.h"

namespace armature::planner {
namespace {

bool IsUtf8Continuation(char c) { return (static_cast<unsigned char>(c) & 0xC0) == 0x80; }

}  // namespace

namespace text_internal {

const WordSet& MakeStopwords() {
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

}  // namespace text_internal

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
  std::string collapsed;
  const absl::string_view view = CollapsedView(*s, &collapsed);
  if (view.data() == s->data() && view.size() == s->size()) return;  // collapsed already
  // The output never gets ahead of the input, so it can overwrite it.
  s->resize(static_cast<size_t>(CollapseInto(*s, s->data()) - s->data()));
}

absl::string_view CollapsedView(absl::string_view s, std::string* storage) {
  size_t b = 0;
  size_t e = s.size();
  while (b < e && IsAsciiSpace(s[b])) ++b;
  while (e > b && IsAsciiSpace(s[e - 1])) --e;
  const absl::string_view trimmed = s.substr(b, e - b);
  // Sixteen characters a step: whitespace other than ' ' (0x09-0x0D), or a space followed by a
  // space, needs collapsing. The last character is no whitespace (trimmed): it need not be read.
  auto needs_collapsing = [](const char* q) {  // reads q[0, 17)
    const __m128i v = _mm_loadu_si128(reinterpret_cast<const __m128i*>(q));
    const __m128i next = _mm_loadu_si128(reinterpret_cast<const __m128i*>(q + 1));
    const __m128i blank = _mm_set1_epi8(' ');
    const __m128i control = _mm_and_si128(_mm_cmpgt_epi8(v, _mm_set1_epi8(0x08)),
                                          _mm_cmplt_epi8(v, _mm_set1_epi8(0x0E)));
    const __m128i doubled = _mm_and_si128(_mm_cmpeq_epi8(v, blank), _mm_cmpeq_epi8(next, blank));
    return _mm_movemask_epi8(_mm_or_si128(control, doubled)) != 0;
  };
  const char* const begin = trimmed.data();
  const size_t n = trimmed.size();
  bool collapse = false;
  if (n >= 17) {
    for (size_t i = 0; i + 17 <= n && !collapse; i += 16) collapse = needs_collapsing(begin + i);
    // The last block again, overlapping (up to the last character but one).
    collapse = collapse || needs_collapsing(begin + n - 17);
  } else if (n >= 2) {
    char padded[32] = {};  // zeros: neither whitespace nor spaces
    std::memcpy(padded, begin, n);
    collapse = needs_collapsing(padded);
  }
  if (collapse) {
    *storage = CollapseWhitespace(trimmed);
    return *storage;
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
  // Eight bytes a step: the continuation bytes (10xxxxxx) are those with bit 7 set and bit 6
  // clear; most text is ASCII and has none.
  constexpr uint64_t kOnes = 0x0101010101010101u;
  const char* p = s.data();
  size_t left = s.size();
  size_t n = 0;
  for (; left >= 8; p += 8, left -= 8) {
    uint64_t x;
    std::memcpy(&x, p, 8);
    const uint64_t continuation = x & ~(x << 1) & (0x80 * kOnes);
    n += 8 - static_cast<size_t>(((continuation >> 7) * kOnes) >> 56);
  }
  for (; left > 0; ++p, --left) {
    if (!IsUtf8Continuation(*p)) ++n;
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
  // ASCII up to the cut: the offset is the count (s is longer than keep_chars here).
  size_t ascii = 0;
  while (ascii <= keep_chars && static_cast<unsigned char>(s[ascii]) < 0x80) ++ascii;
  const bool all_ascii = ascii > keep_chars;
  if (all_ascii) cut = keep_chars;
  for (size_t i = 0; !all_ascii && i < s.size(); ++i) {
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

namespace {

// The number of set bits of a 16-bit value (without a library call on plain x86-64).
size_t Popcount16(unsigned x) {
  static constexpr std::array<uint8_t, 256> kBits = [] {
    std::array<uint8_t, 256> bits{};
    for (int i = 0; i < 256; ++i) bits[i] = static_cast<uint8_t>((i & 1) + bits[i / 2]);
    return bits;
  }();
  return kBits[x & 0xFF] + kBits[(x >> 8) & 0xFF];
}

}  // namespace

size_t CountWords(absl::string_view s) {
  // A word starts at each non-space that is first or follows a space.
  auto space = [](char c) {
    return static_cast<unsigned>(c == ' ' || static_cast<unsigned char>(c - '\t') < 5);
  };
  const char* p = s.data();
  size_t left = s.size();
  size_t n = 0;
  unsigned before = 1;  // whether the character before p is a space (or p is the start)
#if defined(__SSE2__)
  // Sixteen characters a step: a bit mask of the spaces, then the non-spaces after a space.
  const __m128i blank = _mm_set1_epi8(' ');
  const __m128i tab = _mm_set1_epi8('\t');
  const __m128i four = _mm_set1_epi8(4);
  while (left >= 16) {
    const __m128i v = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p));
    const __m128i from_tab = _mm_sub_epi8(v, tab);  // \t..\r become 0..4
    const __m128i control = _mm_cmpeq_epi8(_mm_min_epu8(from_tab, four), from_tab);
    const unsigned spaces =
        static_cast<unsigned>(_mm_movemask_epi8(_mm_or_si128(_mm_cmpeq_epi8(v, blank), control)));
    const unsigned starts = ~spaces & ((spaces << 1) | before) & 0xFFFFu;
    n += Popcount16(starts);
    before = (spaces >> 15) & 1u;
    p += 16;
    left -= 16;
  }
  if (left > 0 && s.size() >= 16) {
    // The last 16 characters again; only the starts among the last `left` count. The character
    // before each of them is in the same block.
    const __m128i v = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p + left - 16));
    const __m128i from_tab = _mm_sub_epi8(v, tab);
    const __m128i control = _mm_cmpeq_epi8(_mm_min_epu8(from_tab, four), from_tab);
    const unsigned spaces =
        static_cast<unsigned>(_mm_movemask_epi8(_mm_or_si128(_mm_cmpeq_epi8(v, blank), control)));
    const unsigned keep = (0xFFFFu << (16 - left)) & 0xFFFFu;
    n += Popcount16(~spaces & (spaces << 1) & keep);
    return n;
  }
#endif
  for (size_t i = 0; i < left; ++i) {
    const unsigned is_space = space(p[i]);
    n += (1 - is_space) & before;
    before = is_space;
  }
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

namespace text_internal {

absl::string_view StripPunctSlow(absl::string_view word) {
  size_t b = 0;
  size_t e = word.size();
  while (b < e && IsSurroundingPunct(word[b])) ++b;
  while (e > b && IsSurroundingPunct(word[e - 1])) --e;
  return word.substr(b, e - b);
}

}  // namespace text_internal

std::string StripPunct(absl::string_view word) { return std::string(StripPunctView(word)); }

std::string NormWord(absl::string_view word) {
  std::string out(StripPunctView(word));
  for (char& c : out) c = absl::ascii_tolower(static_cast<unsigned char>(c));
  return out;
}

namespace text_internal {

size_t StemInPlace(char* w, size_t n) {
  // The last characters, compared one by one ('\0' before the start).
  auto at = [w, &n](size_t back) { return back <= n ? w[n - back] : '\0'; };
  if (n > 2 && at(2) == '\'' && at(1) == 's') n -= 2;
  if (n > 4 && at(3) == 'i' && at(2) == 'e' && at(1) == 's') {
    w[n - 3] = 'y';
    n -= 2;
  } else if (n > 3 && at(1) == 's' && at(2) != 's' && at(2) != 'u' && at(2) != 'i') {
    --n;
  }
  if (n > 5 && at(3) == 'i' && at(2) == 'n' && at(1) == 'g') {
    n -= 3;
  } else if (n > 4 && at(2) == 'e' && at(1) == 'd') {
    n -= 2;
  } else if (n > 4 && at(1) == 'e') {
    --n;
  }
  return n;
}

}  // namespace text_internal

std::string Stem(absl::string_view lower_word) {
  std::string w(lower_word);
  w.resize(text_internal::StemInPlace(w.data(), w.size()));
  return w;
}

bool IsStopword(absl::string_view lower_word) {
  return text_internal::Stopwords().contains(lower_word);
}

std::vector<std::string> ContentStems(absl::string_view s) {
  std::vector<std::string> stems;
  AppendContentStems(s, &stems);
  return stems;
}

void AppendContentStems(absl::string_view s, std::vector<std::string>* out) {
  const size_t first = out->size();
  ForEachContentStem(s, [out, first](absl::string_view stem) {
    if (std::find(out->begin() + static_cast<std::ptrdiff_t>(first), out->end(), stem) ==
        out->end()) {
      out->emplace_back(stem);
    }
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

void TextWriter::Grow(size_t size) { out_->resize(std::max(2 * out_->size(), size)); }

void TextWriter::AppendInt(int64_t value) {
  char digits[absl::numbers_internal::kFastToBufferSize];
  const char* end = absl::numbers_internal::FastIntToBuffer(value, digits);
  Append(absl::string_view(digits, static_cast<size_t>(end - digits)));
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
  auto lower = [&object](size_t i) {
    return absl::ascii_tolower(static_cast<unsigned char>(object[i]));
  };
  size_t article = 0;  // the size of a leading "a " or "an " (any case)
  if (object.size() >= 2 && lower(0) == 'a' && object[1] == ' ') {
    article = 2;
  } else if (object.size() >= 3 && lower(0) == 'a' && lower(1) == 'n' && object[2] == ' ') {
    article = 3;
  }
  if (article == 0) return std::string(object);
  std::string out;
  out.reserve(4 + object.size() - article);
  out.append("the ");
  out.append(object.data() + article, object.size() - article);
  return out;
}

}  // namespace armature::planner
