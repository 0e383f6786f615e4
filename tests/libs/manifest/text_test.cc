#include "libs/manifest/text.h"

#include <algorithm>
#include <cstdint>
#include <iterator>
#include <random>
#include <string>
#include <string_view>

#include "absl/strings/escaping.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace armature::manifest {
namespace {

TEST(CleanTextTest, ReplacesInvalidUtf8AndRemovesControls) {
  int changed = 0;
  EXPECT_EQ(CleanText(std::string("a\xC3\x28"
                                  "b\x00"
                                  "c\r\nd\re\tf",
                                  13),
                      &changed),
            "a\xEF\xBF\xBD(bc\nd\ne f");
  EXPECT_EQ(changed, 2);
  // Overlong encodings, surrogates and truncated sequences are invalid.
  EXPECT_EQ(CleanText("\xC0\xAF"), "\xEF\xBF\xBD\xEF\xBF\xBD");
  EXPECT_EQ(CleanText("\xED\xA0\x80"), "\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD");
  EXPECT_EQ(CleanText("\xE2\x82"), "\xEF\xBF\xBD\xEF\xBF\xBD");
  EXPECT_EQ(CleanText("ok \xF0\x9F\x91\x8B"), "ok \xF0\x9F\x91\x8B");
}

TEST(IsValidUtf8Test, AcceptsOnlyWellFormedText) {
  EXPECT_TRUE(IsValidUtf8("plain"));
  EXPECT_TRUE(IsValidUtf8("caf\xC3\xA9 \xE2\x80\x94 \xF0\x9F\x8E\xAC"));
  EXPECT_FALSE(IsValidUtf8("\xFF"));
  EXPECT_FALSE(IsValidUtf8("\xF4\x90\x80\x80"));  // past U+10FFFF
}

TEST(TruncateUtf8Test, CutsAtCharacterBoundaries) {
  EXPECT_EQ(TruncateUtf8("short", 10), "short");
  EXPECT_EQ(TruncateUtf8("abcdefghij", 8), "abcde...");
  // "é" is two bytes; the cut never splits it.
  EXPECT_EQ(TruncateUtf8("\xC3\xA9\xC3\xA9\xC3\xA9\xC3\xA9", 6), "\xC3\xA9...");
}

TEST(SlugTest, MakesIdentifiers) {
  EXPECT_EQ(Slug("Quick Zoom-In!", 40), "quick_zoom_in");
  EXPECT_EQ(Slug("  --  ", 40), "");
  EXPECT_EQ(Slug("abcdefghij", 4), "abcd");
}

TEST(ContainsWordTest, MatchesWholeWords) {
  EXPECT_TRUE(ContainsWord("please subscribe now", "subscribe"));
  EXPECT_FALSE(ContainsWord("unsubscribed", "subscribe"));
  EXPECT_TRUE(ContainsWord("sign up today", "sign up"));
}

TEST(StableHasherTest, IsStableAndFramed) {
  StableHasher a;
  a.Add("ab");
  a.Add("c");
  StableHasher b;
  b.Add("a");
  b.Add("bc");
  EXPECT_NE(a.value(), b.value());
  StableHasher c;
  c.Add("ab");
  c.Add("c");
  EXPECT_EQ(a.value(), c.value());
  // FNV-1a over (little-endian length, bytes) is fixed: these values must never change, or
  // every manifest id would.
  StableHasher d;
  d.Add("");
  EXPECT_EQ(d.value(), 0x47fe0d7eaf8e51e3ull);
  StableHasher e;
  e.Add("a");
  EXPECT_EQ(e.value(), 0x4f985ce6ba39f9f9ull);
}

// ---- The fast paths (SSE2, tables, single-pass matching) against plain reference versions, on
// random text mixing the bytes each path treats specially.

std::string RandomText(std::mt19937& rng, size_t size) {
  static constexpr std::string_view kPieces[] = {"a",
                                                 "Z",
                                                 "q",
                                                 " ",
                                                 "\n",
                                                 "\t",
                                                 "\r",
                                                 "\v",
                                                 "\f",
                                                 "\x01",
                                                 "\x7F",
                                                 "*",
                                                 "_",
                                                 "**",
                                                 "-",
                                                 "'",
                                                 ".",
                                                 ":",
                                                 "0",
                                                 "7",
                                                 "\xC3",
                                                 "\xA9",
                                                 "\xE2\x80\x94",
                                                 "\xF0\x9F\x8E\xAC",
                                                 "\xFF",
                                                 "b-roll",
                                                 "Stock",
                                                 "chart",
                                                 "GRAPH",
                                                 "broll",
                                                 "stocks"};
  std::string out;
  while (out.size() < size) {
    out.append(kPieces[std::uniform_int_distribution<size_t>(0, std::size(kPieces) - 1)(rng)]);
  }
  return out;
}

int ReferenceCountWords(std::string_view text) {
  int words = 0;
  bool in_word = false;
  for (char c : text) {
    const bool space = c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
    if (space) {
      in_word = false;
    } else if (!in_word) {
      in_word = true;
      ++words;
    }
  }
  return words;
}

TEST(FastPathTest, CountWordsMatchesTheReference) {
  std::mt19937 rng(7);
  for (int round = 0; round < 2000; ++round) {
    const std::string text = RandomText(rng, static_cast<size_t>(round % 97));
    EXPECT_EQ(CountWords(text), ReferenceCountWords(text)) << absl::CEscape(text);
  }
  EXPECT_EQ(CountWords(std::string(40, ' ') + "x" + std::string(40, '\n')), 1);
  EXPECT_EQ(CountWords("one two\tthree\nfour  five-six seven.eight nine ten eleven twelve"), 10);
}

TEST(FastPathTest, CleanTextCopiesCleanRunsAsTheByteLoopDid) {
  std::mt19937 rng(11);
  for (int round = 0; round < 2000; ++round) {
    const std::string text = RandomText(rng, static_cast<size_t>(round % 131));
    // The reference: byte by byte, as CleanText documents it.
    std::string expected;
    int expected_changed = 0;
    for (size_t i = 0; i < text.size();) {
      const auto u = static_cast<unsigned char>(text[i]);
      if (text[i] == '\r') {
        expected.push_back('\n');
        i += (i + 1 < text.size() && text[i + 1] == '\n') ? 2 : 1;
      } else if (text[i] == '\t') {
        expected.push_back(' ');
        ++i;
      } else if (text[i] == '\n' || (u >= 0x20 && u < 0x7F)) {
        expected.push_back(text[i]);
        ++i;
      } else if (u < 0x20 || u == 0x7F) {
        ++expected_changed;
        ++i;
      } else {
        size_t len = 1;
        while (len <= 4 && !IsValidUtf8(text.substr(i, len))) ++len;
        if (len > 4 || i + len > text.size()) {
          expected.append("\xEF\xBF\xBD");
          ++expected_changed;
          ++i;
        } else {
          expected.append(text.substr(i, len));
          i += len;
        }
      }
    }
    int changed = -1;
    EXPECT_EQ(CleanText(text, &changed), expected) << absl::CEscape(text);
    EXPECT_EQ(changed, expected_changed) << absl::CEscape(text);
    const bool printable = std::all_of(text.begin(), text.end(),
                                       [](char c) { return c == '\n' || (c >= 0x20 && c < 0x7F); });
    EXPECT_EQ(IsCleanText(text), printable) << absl::CEscape(text);
    if (IsCleanText(text)) {
      EXPECT_EQ(expected, text);
    }
  }
  EXPECT_TRUE(IsCleanText("Plain text\nover two lines, long enough for a vector step."));
  EXPECT_FALSE(IsCleanText("A tab\there"));
  EXPECT_FALSE(IsCleanText("caf\xC3\xA9"));
}

TEST(FastPathTest, FindEitherMatchesTheReference) {
  std::mt19937 rng(13);
  for (int round = 0; round < 1000; ++round) {
    const std::string text = RandomText(rng, static_cast<size_t>(round % 71));
    for (size_t pos = 0; pos <= text.size(); pos += 3) {
      EXPECT_EQ(FindEither(text, pos, '*', '_'), text.find_first_of("*_", pos))
          << absl::CEscape(text) << " from " << pos;
    }
  }
}

TEST(FastPathTest, WordMatchingMatchesContainsWordOnALowercasedCopy) {
  static constexpr std::string_view kWords[] = {"stock", "b-roll", "b roll",    "broll",
                                                "chart", "graph",  "line chart"};
  std::mt19937 rng(17);
  for (int round = 0; round < 2000; ++round) {
    const std::string text = RandomText(rng, static_cast<size_t>(round % 89));
    const std::string lower = Lower(text);
    uint64_t expected = 0;
    for (size_t w = 0; w < std::size(kWords); ++w) {
      if (ContainsWord(lower, kWords[w])) expected |= uint64_t{1} << w;
    }
    EXPECT_EQ(FindWordsNoCase(text, kWords), expected) << absl::CEscape(text);
    EXPECT_EQ(ContainsAnyWordNoCase(text, kWords), expected != 0) << absl::CEscape(text);
  }
  EXPECT_TRUE(ContainsAnyWordNoCase("Some STOCK footage", {"stock"}));
  EXPECT_FALSE(ContainsAnyWordNoCase("stockings", {"stock"}));
  EXPECT_TRUE(ContainsAnyWordNoCase("3stock", {"stock"}));  // a digit is not a letter
}

TEST(FastPathTest, ShortStringHashIsAFunctionOfTheBytes) {
  const ShortStringHash hash;
  const std::string a = "job_image_s12_img1";
  const std::string b = "job_image_s12_img1";
  EXPECT_EQ(hash(a), hash(b));
  EXPECT_NE(hash("s1"), hash("s2"));
  EXPECT_NE(hash("job_image_s12_img1"), hash("job_image_s12_img2"));
  EXPECT_NE(hash(""), hash(std::string_view("\0", 1)));
}

}  // namespace
}  // namespace armature::manifest
