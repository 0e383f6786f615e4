// The allocation-free text helpers agree with the plain ones they stand in for.
#include "libs/planner/text.h"

#include <algorithm>
#include <random>
#include <string>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/str_join.h"
#include "gtest/gtest.h"

namespace armature::planner {
namespace {

const std::vector<std::string>& Samples() {
  static const auto* samples = new std::vector<std::string>{
      "",
      " ",
      "word",
      "Build and deploy a REST API with tests",
      "  leading and trailing  ",
      "tabs\tand\nnewlines\r\nand\vvertical\fform feeds",
      "double  spaces   inside",
      "(quoted), \"words\"; [here]!",
      "ÜNICODE café naïve — dash",
      "a",
      "ab cd",
      "The parsers' caching testing tests studies analysed e-mail 2024 R&D",
      std::string(300, 'x') + " " + std::string(250, 'y'),
  };
  return *samples;
}

TEST(TextHelpersTest, WordViewsMatchSplitWords) {
  for (const std::string& s : Samples()) {
    const std::vector<std::string> words = SplitWords(s);
    const WordViews views = SplitWordViews(s);
    ASSERT_EQ(views.size(), words.size()) << s;
    for (size_t i = 0; i < words.size(); ++i) EXPECT_EQ(views[i], words[i]) << s;
    EXPECT_EQ(CountWords(s), words.size()) << s;
    for (size_t n = 0; n <= words.size() + 1; ++n) {
      const std::vector<std::string> head(words.begin(), words.begin() + std::min(n, words.size()));
      EXPECT_EQ(FirstWords(s, n), absl::StrJoin(head, " ")) << s << " n=" << n;
    }
  }
}

TEST(TextHelpersTest, ViewsAndInPlaceFormsMatchTheCopyingForms) {
  for (const std::string& s : Samples()) {
    std::string storage;
    EXPECT_EQ(CollapsedView(s, &storage), CollapseWhitespace(s)) << s;
    std::string in_place = s;
    CollapseWhitespaceInPlace(&in_place);
    EXPECT_EQ(in_place, CollapseWhitespace(s)) << s;
    for (size_t max : {0, 3, 5, 20, 100, 1000}) {
      std::string truncated_storage;
      EXPECT_EQ(TruncatedView(s, max, &truncated_storage), TruncateText(s, max)) << s;
      std::string truncated = s;
      TruncateTextInPlace(&truncated, max);
      EXPECT_EQ(truncated, TruncateText(s, max)) << s;
    }
    EXPECT_EQ(StripTrailingPunctView(s), StripTrailingPunct(s)) << s;
    EXPECT_EQ(LowerText(s).view(), AsciiLower(s)) << s;
    std::string capitalized = s;
    CapitalizeFirstInPlace(&capitalized);
    EXPECT_EQ(capitalized, CapitalizeFirst(s)) << s;
    for (absl::string_view word : SplitWordViews(s)) {
      EXPECT_EQ(StripPunctView(word), StripPunct(word)) << word;
    }
    std::vector<std::string> stems = {"kept"};
    AppendContentStems(s, &stems);
    std::vector<std::string> expected = {"kept"};
    for (std::string& stem : ContentStems(s)) expected.push_back(std::move(stem));
    EXPECT_EQ(stems, expected) << s;
  }
}

// Random text over an alphabet of the characters the helpers treat specially: every kind of
// ASCII whitespace, punctuation, upper and lower case, UTF-8 bytes, at every offset of the
// 8- and 16-byte blocks the helpers read at a time.
std::vector<std::string> RandomTexts() {
  std::mt19937 random(11);
  const std::string alphabet = std::string("  aZ.,\t\n\v\f\r(-'\"mQ9") + "\xC3\xA9" + "\x80";
  std::vector<std::string> texts;
  for (size_t size = 0; size <= 48; ++size) {
    for (int i = 0; i < 40; ++i) {
      std::string t;
      for (size_t k = 0; k < size; ++k) t.push_back(alphabet[random() % alphabet.size()]);
      texts.push_back(t);
    }
  }
  return texts;
}

bool IsSpaceForTest(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\v' || c == '\f' || c == '\r';
}

TEST(TextHelpersTest, FastScansMatchPlainLoops) {
  for (const std::string& s : RandomTexts()) {
    // CollapseWhitespace: words joined by single spaces.
    std::string collapsed;
    size_t words = 0;
    for (size_t i = 0; i < s.size(); ++i) {
      if (IsSpaceForTest(s[i])) continue;
      if (i == 0 || IsSpaceForTest(s[i - 1])) {
        if (words++ > 0) collapsed.push_back(' ');
      }
      collapsed.push_back(s[i]);
    }
    std::string storage;
    EXPECT_EQ(CollapsedView(s, &storage), collapsed) << absl::CEscape(s);
    EXPECT_EQ(CollapseWhitespace(s), collapsed) << absl::CEscape(s);
    std::string in_place = s;
    CollapseWhitespaceInPlace(&in_place);
    EXPECT_EQ(in_place, collapsed) << absl::CEscape(s);
    EXPECT_EQ(CountWords(s), words) << absl::CEscape(s);
    EXPECT_EQ(SplitWordViews(s).size(), words) << absl::CEscape(s);

    std::string lower(s.size(), '\0');
    AsciiLowerInto(s, lower.data());
    EXPECT_EQ(lower, absl::AsciiStrToLower(s)) << absl::CEscape(s);
    std::string same = s;
    AsciiLowerInto(same, same.data());  // in place
    EXPECT_EQ(same, lower);

    size_t b = 0;
    size_t e = s.size();
    auto punct = [](char c) {
      return absl::string_view(".,;:!?\"'()[]{}<>*_`").find(c) != absl::string_view::npos;
    };
    while (b < e && punct(s[b])) ++b;
    while (e > b && punct(s[e - 1])) --e;
    EXPECT_EQ(StripPunctView(s), absl::string_view(s).substr(b, e - b)) << absl::CEscape(s);
  }
}

TEST(TextHelpersTest, CollapseInPlaceTurnsOtherWhitespaceIntoSpaces) {
  // Same size as the input but not the same text.
  std::string s = "a\tb";
  CollapseWhitespaceInPlace(&s);
  EXPECT_EQ(s, "a b");
  s = "already collapsed";
  CollapseWhitespaceInPlace(&s);
  EXPECT_EQ(s, "already collapsed");
}

TEST(TextHelpersTest, ContentStemsFollowTheirDefinition) {
  for (const std::string& s : Samples()) {
    // Words of two characters or more, lower case, no stopwords or numbers, stemmed.
    std::vector<std::string> expected;
    for (const std::string& word : SplitWords(s)) {
      const std::string norm = NormWord(word);
      if (norm.size() < 2 || IsStopword(norm)) continue;
      if (std::all_of(norm.begin(), norm.end(), [](char c) { return absl::ascii_isdigit(c); })) {
        continue;
      }
      const std::string stem = Stem(norm);
      if (std::find(expected.begin(), expected.end(), stem) == expected.end()) {
        expected.push_back(stem);
      }
    }
    EXPECT_EQ(ContentStems(s), expected) << s;
    std::vector<std::string> seen;
    ForEachContentStem(s, [&seen](absl::string_view stem) { seen.emplace_back(stem); });
    for (const std::string& stem : seen) {
      EXPECT_NE(std::find(expected.begin(), expected.end(), stem), expected.end()) << stem;
    }
  }
}

TEST(TextHelpersTest, AppendJoinedWithAndMatchesJoinWithAnd) {
  for (const std::vector<std::string>& items :
       {std::vector<std::string>{}, std::vector<std::string>{"a"},
        std::vector<std::string>{"a", "b"}, std::vector<std::string>{"a", "b", "c", "d"}}) {
    std::string out = "x: ";
    AppendJoinedWithAnd(items, &out);
    EXPECT_EQ(out, "x: " + JoinWithAnd(items));
    const std::vector<absl::string_view> views(items.begin(), items.end());
    std::string from_views;
    AppendJoinedWithAnd(views, &from_views);
    EXPECT_EQ(from_views, JoinWithAnd(items));
  }
}

TEST(TextHelpersTest, DefiniteObject) {
  EXPECT_EQ(DefiniteObject("a parser"), "the parser");
  EXPECT_EQ(DefiniteObject("A parser"), "the parser");
  EXPECT_EQ(DefiniteObject("an API"), "the API");
  EXPECT_EQ(DefiniteObject("An API"), "the API");
  EXPECT_EQ(DefiniteObject("and more"), "and more");
  EXPECT_EQ(DefiniteObject("a"), "a");
  EXPECT_EQ(DefiniteObject("an"), "an");
  EXPECT_EQ(DefiniteObject(""), "");
  EXPECT_EQ(DefiniteObject("the API"), "the API");
}

TEST(TextHelpersTest, StartsWithLowerCaseIgnoresTheTextsCase) {
  for (const std::string& s : RandomTexts()) {
    for (absl::string_view prefix : {"", "a", "az", "a.,", " m9", "qm9(\t"}) {
      EXPECT_EQ(StartsWithLowerCase(s, prefix), absl::StartsWithIgnoreCase(s, prefix))
          << absl::CEscape(s) << " / " << prefix;
    }
  }
  EXPECT_TRUE(StartsWithLowerCase("Tests for the API", "tests for "));
  EXPECT_TRUE(StartsWithLowerCase("TESTS FOR the API", "tests for "));
  EXPECT_FALSE(StartsWithLowerCase("tests", "tests for "));
  EXPECT_FALSE(StartsWithLowerCase("testsXfor the API", "tests for "));
}

TEST(TextHelpersTest, TextWriterAppendsAndGrows) {
  std::string out = "start:";
  {
    TextWriter text(&out, 4);  // less room than is written: it grows
    text.Append(' ');
    text.Append("literal");
    text.Append(absl::string_view(""));
    text.Append(absl::string_view(" view"));
    text.Append(std::string(" string"));
    text.Append(' ');
    text.AppendInt(-42);
    text.Append(' ');
    text.AppendInt(0);
    text.Append(' ');
    text.AppendInt(1234567890123);
    const std::string written = "start: literal view string -42 0 1234567890123";
    EXPECT_EQ(text.view(), written);
    EXPECT_EQ(text.size(), written.size());
    text.Append(std::string(1000, 'x'));
    EXPECT_EQ(text.size(), written.size() + 1000);
  }  // the destructor finishes the text
  EXPECT_EQ(out, "start: literal view string -42 0 1234567890123" + std::string(1000, 'x'));

  std::string finished;
  TextWriter text(&finished, 64);
  text.Append("abc");
  text.Finish();
  EXPECT_EQ(finished, "abc");
}

}  // namespace
}  // namespace armature::planner
