// The word lists answer exactly like the hash sets they stand in for.
#include "libs/planner/lexicon.h"

#include <random>
#include <set>
#include <string>
#include <vector>

#include "absl/strings/ascii.h"
#include "gtest/gtest.h"

namespace armature::planner {
namespace {

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
  std::string almost(40, 'z');
  almost[20] = 'y';  // same size, same first and last 16 bytes' neighbours
  EXPECT_FALSE(set.contains(almost));

  // As for the map it wraps, the first of repeated keys wins.
  const WordMap<int> map = {{"one", 1}, {"two", 2}, {"one", 3}};
  ASSERT_NE(map.find("one"), map.end());
  EXPECT_EQ(map.find("one")->second, 1);
  EXPECT_EQ(map.find("one")->first, "one");
  EXPECT_EQ(map.at("two"), 2);
  EXPECT_TRUE(map.contains("two"));
  EXPECT_FALSE(map.contains("three"));
  EXPECT_EQ(map.find("on"), map.end());
}

TEST(LexiconTest, MapIndexOperatorAddsOrUpdates) {
  WordMap<int> map;
  map["x"] = 1;
  map["yy"] += 2;
  map["x"] += 10;
  EXPECT_EQ(map.at("x"), 11);
  EXPECT_EQ(map.at("yy"), 2);
  EXPECT_FALSE(map.contains("y"));
}

// Random words of every length up to 24 (the index compares words of up to 16 bytes as two
// integers, longer ones in full), looked up among thousands of other words.
TEST(LexiconTest, AgreesWithStdSetOnManyWords) {
  std::mt19937 random(7);
  auto word = [&random](size_t size) {
    std::string w;
    for (size_t k = 0; k < size; ++k) w.push_back("abcdeXY -'"[random() % 10]);
    return w;
  };
  static const auto* words = [&] {
    auto* out = new std::vector<std::string>();
    for (int i = 0; i < 3000; ++i) out->push_back(word(random() % 25));
    return out;
  }();
  const std::set<std::string> reference(words->begin(), words->end());
  WordSet set;
  WordMap<size_t> map;
  for (size_t i = 0; i < words->size(); ++i) {
    set.insert((*words)[i]);
    if (!map.contains((*words)[i])) map[(*words)[i]] = i;
  }
  for (int i = 0; i < 20000; ++i) {
    const std::string probe = i % 2 == 0 ? (*words)[random() % words->size()] : word(random() % 25);
    const bool in = reference.count(probe) > 0;
    ASSERT_EQ(set.contains(probe), in) << '"' << probe << '"';
    ASSERT_EQ(map.contains(probe), in) << '"' << probe << '"';
    if (in) {
      ASSERT_EQ((*words)[map.at(probe)], probe);
      ASSERT_EQ(map.find(probe)->first, probe);
    }
  }
}

TEST(LexiconTest, MayContainLoweredRulesOutOnlyAbsentWords) {
  const WordSet set = {"deploy", "set up", "api", "x"};
  for (absl::string_view w : {"deploy", "Deploy", "DEPLOY", "set up", "API", "Api", "x", "X"}) {
    EXPECT_TRUE(set.MayContainLowered(w)) << w;
    EXPECT_TRUE(set.contains(absl::AsciiStrToLower(w))) << w;
  }
  // Different first letter or length: certainly absent.
  const std::string long_word(40, 'a');
  for (absl::string_view w :
       {absl::string_view("deploys"), absl::string_view("Zeploy"), absl::string_view(""),
        absl::string_view("ap"), absl::string_view("apis"), absl::string_view(long_word)}) {
    EXPECT_FALSE(set.MayContainLowered(w)) << w;
  }
  const WordMap<int> map = {{"run", 1}};
  EXPECT_TRUE(map.MayContainLowered("RUN"));
  EXPECT_FALSE(map.MayContainLowered("runs"));
}

}  // namespace
}  // namespace armature::planner
