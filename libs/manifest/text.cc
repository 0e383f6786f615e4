#include "libs/manifest/text.h"

#include <algorithm>
#include <array>
#include <bit>
#include <cmath>
#include <cstdint>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

namespace armature::manifest {
namespace {

// Length of the well-formed UTF-8 sequence starting at `pos`, or 0 when it is malformed.
size_t Utf8SequenceLength(std::string_view s, size_t pos) {
  const auto byte = [&](size_t i) { return static_cast<unsigned char>(s[i]); };
  const unsigned char b0 = byte(pos);
  if (b0 < 0x80) return 1;
  const size_t left = s.size() - pos;
  const auto cont = [&](size_t i) { return (byte(pos + i) & 0xC0) == 0x80; };
  if (b0 >= 0xC2 && b0 <= 0xDF) return left >= 2 && cont(1) ? 2 : 0;
  if (b0 >= 0xE0 && b0 <= 0xEF) {
    if (left < 3 || !cont(1) || !cont(2)) return 0;
    const unsigned char b1 = byte(pos + 1);
    if (b0 == 0xE0 && b1 < 0xA0) return 0;  // overlong
    if (b0 == 0xED && b1 > 0x9F) return 0;  // surrogate
    return 3;
  }
  if (b0 >= 0xF0 && b0 <= 0xF4) {
    if (left < 4 || !cont(1) || !cont(2) || !cont(3)) return 0;
    const unsigned char b1 = byte(pos + 1);
    if (b0 == 0xF0 && b1 < 0x90) return 0;  // overlong
    if (b0 == 0xF4 && b1 > 0x8F) return 0;  // past U+10FFFF
    return 4;
  }
  return 0;
}

bool IsSpace(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}

// Bytes CleanText copies as they are: printable ASCII and '\n'.
bool IsKeptByte(char c) {
  const auto b = static_cast<unsigned char>(c);
  return (b >= 0x20 && b < 0x7F) || b == '\n';
}

#if defined(__SSE2__)
__m128i Load16(const char* p) { return _mm_loadu_si128(reinterpret_cast<const __m128i*>(p)); }

// Bit i set when byte i of `mask` (a compare result) is set.
unsigned MoveMask(__m128i mask) { return static_cast<unsigned>(_mm_movemask_epi8(mask)); }
#endif

// Position of the first byte at or after `pos` that is not kept as it is, or text.size().
size_t SkipKeptBytes(std::string_view text, size_t pos) {
#if defined(__SSE2__)
  const __m128i space = _mm_set1_epi8(0x20);
  const __m128i newline = _mm_set1_epi8('\n');
  const __m128i del = _mm_set1_epi8(0x7F);
  for (; pos + 16 <= text.size(); pos += 16) {
    const __m128i bytes = Load16(text.data() + pos);
    // A signed compare: bytes from 0x80 up are negative, so they count as below 0x20 too.
    const __m128i low =
        _mm_andnot_si128(_mm_cmpeq_epi8(bytes, newline), _mm_cmplt_epi8(bytes, space));
    const unsigned mask = MoveMask(_mm_or_si128(low, _mm_cmpeq_epi8(bytes, del)));
    if (mask != 0) return pos + static_cast<size_t>(std::countr_zero(mask));
  }
#endif
  while (pos < text.size() && IsKeptByte(text[pos])) ++pos;
  return pos;
}

// ASCII letters.
constexpr std::array<bool, 256> kAlpha = [] {
  std::array<bool, 256> table{};
  for (int c = 'a'; c <= 'z'; ++c) table[static_cast<size_t>(c)] = true;
  for (int c = 'A'; c <= 'Z'; ++c) table[static_cast<size_t>(c)] = true;
  return table;
}();

bool IsAlpha(char c) { return kAlpha[static_cast<unsigned char>(c)]; }

bool IsAsciiAlnum(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

}  // namespace

std::string CleanText(std::string_view text, int* changed) {
  std::string out;
  out.reserve(text.size());
  int count = 0;
  size_t i = 0;
  while (i < text.size()) {
    // Printable ASCII and '\n' are kept as they are: copy such runs at once.
    const size_t run = SkipKeptBytes(text, i);
    if (run > i) {
      out.append(text.data() + i, run - i);
      i = run;
      if (i == text.size()) break;
    }
    const char c = text[i];
    const auto u = static_cast<unsigned char>(c);
    if (c == '\r') {
      out.push_back('\n');
      i += (i + 1 < text.size() && text[i + 1] == '\n') ? 2 : 1;
      continue;
    }
    if (c == '\n') {
      out.push_back('\n');
      ++i;
      continue;
    }
    if (c == '\t') {
      out.push_back(' ');
      ++i;
      continue;
    }
    if (u < 0x20 || u == 0x7F) {
      ++count;
      ++i;
      continue;
    }
    const size_t len = Utf8SequenceLength(text, i);
    if (len == 0) {
      out.append("\xEF\xBF\xBD");
      ++count;
      ++i;
      continue;
    }
    out.append(text.substr(i, len));
    i += len;
  }
  if (changed != nullptr) *changed = count;
  return out;
}

bool IsCleanText(std::string_view text) { return SkipKeptBytes(text, 0) == text.size(); }

bool IsValidUtf8(std::string_view text) {
  size_t i = 0;
  while (i < text.size()) {
    const size_t len = Utf8SequenceLength(text, i);
    if (len == 0) return false;
    i += len;
  }
  return true;
}

std::string TruncateUtf8(std::string_view text, size_t max_bytes) {
  if (text.size() <= max_bytes) return std::string(text);
  constexpr std::string_view kEllipsis = "...";
  if (max_bytes <= kEllipsis.size()) return std::string(kEllipsis.substr(0, max_bytes));
  size_t cut = max_bytes - kEllipsis.size();
  // Step back to the start of a character.
  while (cut > 0 && (static_cast<unsigned char>(text[cut]) & 0xC0) == 0x80) --cut;
  std::string out(Trim(text.substr(0, cut)));
  out.append(kEllipsis);
  return out;
}

size_t FindEither(std::string_view text, size_t pos, char a, char b) {
#if defined(__SSE2__)
  const __m128i pattern_a = _mm_set1_epi8(a);
  const __m128i pattern_b = _mm_set1_epi8(b);
  for (; pos + 16 <= text.size(); pos += 16) {
    const __m128i bytes = Load16(text.data() + pos);
    const unsigned mask =
        MoveMask(_mm_or_si128(_mm_cmpeq_epi8(bytes, pattern_a), _mm_cmpeq_epi8(bytes, pattern_b)));
    if (mask != 0) return pos + static_cast<size_t>(std::countr_zero(mask));
  }
#endif
  for (; pos < text.size(); ++pos) {
    if (text[pos] == a || text[pos] == b) return pos;
  }
  return std::string_view::npos;
}

std::string Lower(std::string_view text) {
  std::string out(text);
  for (char& c : out) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return out;
}

int CountWords(std::string_view text) {
  int words = 0;
  bool after_space = true;
  size_t i = 0;
#if defined(__SSE2__)
  // Sixteen bytes at a time: a mask of the space bytes, and word starts where a non-space byte
  // follows a space byte.
  const __m128i space = _mm_set1_epi8(' ');
  const __m128i below_tab = _mm_set1_epi8('\t' - 1);
  const __m128i above_cr = _mm_set1_epi8('\r' + 1);
  for (; i + 16 <= text.size(); i += 16) {
    const __m128i bytes = Load16(text.data() + i);
    // '\t' '\n' '\v' '\f' '\r' are 0x09-0x0D (a signed compare leaves out bytes >= 0x80).
    const __m128i control =
        _mm_and_si128(_mm_cmpgt_epi8(bytes, below_tab), _mm_cmplt_epi8(bytes, above_cr));
    const uint32_t spaces = MoveMask(_mm_or_si128(_mm_cmpeq_epi8(bytes, space), control));
    const uint32_t before_is_space = (spaces << 1) | (after_space ? 1u : 0u);
    // A bit count without relying on a popcnt instruction (not in the x86-64 baseline).
    uint32_t starts = ~spaces & before_is_space & 0xFFFFu;
    starts = starts - ((starts >> 1) & 0x5555u);
    starts = (starts & 0x3333u) + ((starts >> 2) & 0x3333u);
    starts = (starts + (starts >> 4)) & 0x0F0Fu;
    words += static_cast<int>((starts + (starts >> 8)) & 0x1Fu);
    after_space = (spaces >> 15) & 1u;
  }
#endif
  static constexpr auto kSpace = [] {
    std::array<bool, 256> table{};
    for (const char c : {' ', '\t', '\n', '\r', '\f', '\v'})
      table[static_cast<unsigned char>(c)] = true;
    return table;
  }();
  // A word starts at every non-space byte that follows a space (or the start).
  for (; i < text.size(); ++i) {
    const bool space = kSpace[static_cast<unsigned char>(text[i])];
    words += static_cast<int>(after_space && !space);
    after_space = space;
  }
  return words;
}

std::string_view StripQuotes(std::string_view text) {
  text = Trim(text);
  // Every opening quote below starts with one of these bytes.
  if (text.empty() ||
      (text[0] != '"' && text[0] != '\'' && text[0] != '\xE2' && text[0] != '\xC2')) {
    return text;
  }
  struct Pair {
    std::string_view open;
    std::string_view close;
  };
  static constexpr Pair kPairs[] = {{"\"", "\""},
                                    {"'", "'"},
                                    {"\xE2\x80\x9C", "\xE2\x80\x9D"},  // “ ”
                                    {"\xE2\x80\x98", "\xE2\x80\x99"},  // ‘ ’
                                    {"\xC2\xAB", "\xC2\xBB"}};         // « »
  for (const Pair& p : kPairs) {
    if (text.size() >= p.open.size() + p.close.size() + 1 &&
        text.substr(0, p.open.size()) == p.open &&
        text.substr(text.size() - p.close.size()) == p.close) {
      std::string_view inner =
          text.substr(p.open.size(), text.size() - p.open.size() - p.close.size());
      // Only when the quotes wrap the whole text: "a" and "b" stays as it is.
      if (inner.find(p.open) == std::string_view::npos &&
          inner.find(p.close) == std::string_view::npos) {
        return Trim(inner);
      }
    }
  }
  return text;
}

std::vector<std::string_view> SplitWords(std::string_view text) {
  std::vector<std::string_view> words;
  size_t i = 0;
  while (i < text.size()) {
    while (i < text.size() && IsSpace(text[i])) ++i;
    const size_t start = i;
    while (i < text.size() && !IsSpace(text[i])) ++i;
    if (i > start) words.push_back(text.substr(start, i - start));
  }
  return words;
}

bool ContainsWord(std::string_view text, std::string_view word) {
  if (word.empty()) return false;
  const auto is_alpha = [](char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); };
  size_t pos = 0;
  while ((pos = text.find(word, pos)) != std::string_view::npos) {
    const bool start_ok = pos == 0 || !is_alpha(text[pos - 1]);
    const size_t end = pos + word.size();
    const bool end_ok = end >= text.size() || !is_alpha(text[end]);
    if (start_ok && end_ok) return true;
    pos = pos + 1;
  }
  return false;
}

namespace {

// Bit i for each words[i] that occurs in `text` between non-letters; with `first_only`, stops
// at the first one found.
uint64_t MatchWords(std::string_view text, std::span<const std::string_view> words,
                    bool first_only) {
  // The words start with a letter, so they can only match where a run of letters starts, and
  // only where that letter starts one of them.
  uint32_t first_letters = 0;
  for (const std::string_view word : words) first_letters |= 1u << ((word[0] - 'a') & 31);
  uint64_t found = 0;
  size_t pos = 0;
  while (pos < text.size()) {
    while (pos < text.size() && !IsAlpha(text[pos])) ++pos;
    if (pos == text.size()) break;
    const char first = LowerAscii(text[pos]);
    if ((first_letters >> ((first - 'a') & 31)) & 1u) {
      for (size_t w = 0; w < words.size() && w < 64; ++w) {
        const std::string_view word = words[w];
        if (word[0] != first || text.size() - pos < word.size()) continue;
        if (!StartsWithNoCase(text.substr(pos), word)) continue;
        const size_t end = pos + word.size();
        if (end >= text.size() || !IsAlpha(text[end])) {
          found |= uint64_t{1} << w;
          if (first_only) return found;
        }
      }
    }
    while (pos < text.size() && IsAlpha(text[pos])) ++pos;
  }
  return found;
}

}  // namespace

bool ContainsAnyWordNoCase(std::string_view text, std::span<const std::string_view> words) {
  return MatchWords(text, words, /*first_only=*/true) != 0;
}

uint64_t FindWordsNoCase(std::string_view text, std::span<const std::string_view> words) {
  return MatchWords(text, words, /*first_only=*/false);
}

void AppendWithSpace(std::string& out, std::string_view piece) {
  piece = Trim(piece);
  if (piece.empty()) return;
  if (!out.empty()) out.push_back(' ');
  out.append(piece);
}

std::string Slug(std::string_view text, size_t max_bytes) {
  std::string out;
  bool pending_sep = false;
  for (char c : text) {
    if (out.size() >= max_bytes) break;
    if (IsAsciiAlnum(c)) {
      if (pending_sep && !out.empty()) {
        out.push_back('_');
        if (out.size() >= max_bytes) break;
      }
      pending_sep = false;
      out.push_back((c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c);
    } else {
      pending_sep = true;
    }
  }
  while (!out.empty() && out.back() == '_') out.pop_back();
  return out;
}

void StableHasher::Mix(const void* data, size_t size) {
  constexpr uint64_t kPrime = 1099511628211ull;
  const auto* bytes = static_cast<const unsigned char*>(data);
  // A local copy: `bytes` may alias the member, which would force a store per byte.
  uint64_t state = state_;
  size_t i = 0;
  for (; i + 4 <= size; i += 4) {
    state = (state ^ bytes[i]) * kPrime;
    state = (state ^ bytes[i + 1]) * kPrime;
    state = (state ^ bytes[i + 2]) * kPrime;
    state = (state ^ bytes[i + 3]) * kPrime;
  }
  for (; i < size; ++i) state = (state ^ bytes[i]) * kPrime;
  state_ = state;
}

void StableHasher::Add(std::string_view bytes) {
  const uint64_t size = bytes.size();
  Mix(&size, sizeof(size));
  Mix(bytes.data(), bytes.size());
}

void StableHasher::AddNumber(double value) {
  // Hash the value in milliseconds as an integer so that -0.0/0.0 and platform float
  // formatting cannot change the id.
  int64_t ms = 0;
  if (std::isfinite(value) && value > -1e15 && value < 1e15) {
    ms = static_cast<int64_t>(std::llround(value * 1000.0));
  } else {
    ms = std::isnan(value) ? INT64_MIN : (value > 0 ? INT64_MAX : INT64_MIN + 1);
  }
  Mix(&ms, sizeof(ms));
}

}  // namespace armature::manifest
