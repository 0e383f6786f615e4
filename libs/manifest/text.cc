#include "libs/manifest/text.h"

#include <cmath>
#include <cstdint>

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

std::string_view Trim(std::string_view text) {
  size_t begin = 0;
  size_t end = text.size();
  while (begin < end && IsSpace(text[begin])) ++begin;
  while (end > begin && IsSpace(text[end - 1])) --end;
  return text.substr(begin, end - begin);
}

std::string Lower(std::string_view text) {
  std::string out(text);
  for (char& c : out) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return out;
}

bool StartsWithNoCase(std::string_view text, std::string_view prefix) {
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

int CountWords(std::string_view text) {
  int words = 0;
  bool in_word = false;
  for (char c : text) {
    if (IsSpace(c)) {
      in_word = false;
    } else if (!in_word) {
      in_word = true;
      ++words;
    }
  }
  return words;
}

size_t DashLength(std::string_view text, size_t pos) {
  if (pos >= text.size()) return 0;
  if (text[pos] == '-') return 1;
  // U+2013 EN DASH and U+2014 EM DASH are E2 80 93 / E2 80 94.
  if (pos + 2 < text.size() && text[pos] == '\xE2' && text[pos + 1] == '\x80' &&
      (text[pos + 2] == '\x93' || text[pos + 2] == '\x94')) {
    return 3;
  }
  return 0;
}

size_t ColonLength(std::string_view text, size_t pos) {
  if (pos >= text.size()) return 0;
  if (text[pos] == ':') return 1;
  // U+FF1A FULLWIDTH COLON is EF BC 9A.
  if (pos + 2 < text.size() && text[pos] == '\xEF' && text[pos + 1] == '\xBC' &&
      text[pos + 2] == '\x9A') {
    return 3;
  }
  return 0;
}

std::string_view StripQuotes(std::string_view text) {
  text = Trim(text);
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
  const auto* bytes = static_cast<const unsigned char*>(data);
  for (size_t i = 0; i < size; ++i) {
    state_ ^= bytes[i];
    state_ *= 1099511628211ull;
  }
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
