// The allocation-free text helpers agree with the plain ones they stand in for.
#include "libs/planner/text.h"

#include <string>
#include <vector>

#include "absl/strings/str_join.h"
#include "gtest/gtest.h"
#include "libs/planner/lexicon.h"

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

TEST(LexiconTest, LooksUpExactlyTheWordsItHolds) {
  // The lexicon holds views: its words must outlive it.
  static const std::string kLong(40, 'z');
  const WordSet set = {"a", "an", "set up", "", kLong};
  EXPECT_TRUE(set.contains("a"));
  EXPECT_TRUE(set.contains("an"));
  EXPECT_TRUE(set.contains("set up"));
  EXPECT_TRUE(set.contains(""));
  EXPECT_TRUE(set.contains(std::string(40, 'z')));
  EXPECT_FALSE(set.contains("A"));
  EXPECT_FALSE(set.contains("ab"));
  EXPECT_FALSE(set.contains("set"));
  EXPECT_FALSE(set.contains(std::string(41, 'z')));

  // As for the map it wraps, the first of repeated keys wins.
  const WordMap<int> map = {{"one", 1}, {"two", 2}, {"one", 3}};
  ASSERT_NE(map.find("one"), map.end());
  EXPECT_EQ(map.find("one")->second, 1);
  EXPECT_EQ(map.at("two"), 2);
  EXPECT_TRUE(map.contains("two"));
  EXPECT_FALSE(map.contains("three"));
  EXPECT_EQ(map.find("on"), map.end());
}

}  // namespace
}  // namespace armature::planner
