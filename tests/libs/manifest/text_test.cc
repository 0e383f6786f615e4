#include "libs/manifest/text.h"

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

}  // namespace
}  // namespace armature::manifest
