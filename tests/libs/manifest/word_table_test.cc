#include "libs/manifest/word_table.h"

#include <string>
#include <string_view>
#include <vector>

#include "gtest/gtest.h"

namespace armature::manifest {
namespace {

TEST(WordSetTest, LooksUpExactlyOrLowercased) {
  const WordSet set{"the", "a", "don't", "fade in from black"};
  EXPECT_EQ(set.size(), 4u);
  EXPECT_TRUE(set.Contains("the"));
  EXPECT_FALSE(set.Contains("The"));
  EXPECT_TRUE(set.ContainsLower("The"));
  EXPECT_TRUE(set.ContainsLower("DON'T"));
  EXPECT_TRUE(set.ContainsLower("Fade In From Black"));
  EXPECT_FALSE(set.Contains(""));
  EXPECT_FALSE(set.ContainsLower("then"));
  EXPECT_FALSE(set.ContainsLower("fade in from black and white"));  // longer than every key
}

TEST(WordSetTest, KeepsTheFirstOfRepeatedKeys) {
  const WordSet set{"may", "are", "may", "is", "are"};
  EXPECT_EQ(set.size(), 3u);
  EXPECT_EQ(set.Index("may"), 0u);
  EXPECT_EQ(set.Index("are"), 1u);
  EXPECT_EQ(set.Index("is"), 2u);
  EXPECT_EQ(set.Index("was"), WordSet::kNotFound);
}

TEST(WordSetTest, FindsEveryKeyOfALargeSet) {
  std::vector<std::string> words;
  for (int i = 0; i < 500; ++i) words.push_back("w" + std::to_string(i * 7919 % 1000));
  const std::vector<std::string_view> views(words.begin(), words.end());
  const WordSet set(views);
  for (const std::string& w : words) EXPECT_TRUE(set.Contains(w)) << w;
  EXPECT_FALSE(set.Contains("w1001"));
}

TEST(WordTableTest, MapsKeysToTheirFirstValue) {
  const WordTable<int> table{{"s", 1}, {"min", 60}, {"h", 3600}, {"s", 2}};
  ASSERT_NE(table.Find("s"), nullptr);
  EXPECT_EQ(*table.Find("s"), 1);
  ASSERT_NE(table.FindLower("MIN"), nullptr);
  EXPECT_EQ(*table.FindLower("MIN"), 60);
  EXPECT_EQ(table.Find("MIN"), nullptr);
  EXPECT_EQ(table.Find("sec"), nullptr);
}

}  // namespace
}  // namespace armature::manifest
