// SmallVector behaves like std::vector for the values it holds, inline and after growing.
#include "libs/planner/small_vector.h"

#include <set>
#include <utility>
#include <vector>

#include "absl/strings/string_view.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace armature::planner {
namespace {

using ::testing::ElementsAre;
using ::testing::ElementsAreArray;
using ::testing::IsEmpty;

template <typename T, size_t N>
std::vector<T> ToVector(const SmallVector<T, N>& v) {
  return std::vector<T>(v.begin(), v.end());
}

TEST(SmallVectorTest, PushBackGrowsPastTheInlineRoom) {
  SmallVector<int, 4> v;
  EXPECT_TRUE(v.empty());
  std::vector<int> expected;
  for (int i = 0; i < 100; ++i) {
    v.push_back(i);
    expected.push_back(i);
    ASSERT_EQ(v.size(), expected.size());
    ASSERT_EQ(v.back(), i);
  }
  EXPECT_GE(v.capacity(), 100u);
  EXPECT_EQ(ToVector(v), expected);
  EXPECT_EQ(v.front(), 0);
  EXPECT_EQ(v[42], 42);
}

TEST(SmallVectorTest, PushBackOfAnOwnElementWhileGrowing) {
  SmallVector<int, 2> v = {7, 8};
  v.push_back(v[0]);  // grows: the value must be read before the old storage goes
  v.push_back(v[2]);
  EXPECT_THAT(ToVector(v), ElementsAre(7, 8, 7, 7));
}

TEST(SmallVectorTest, ConstructorsAndAssign) {
  const SmallVector<int, 3> filled(5, 9);
  EXPECT_THAT(ToVector(filled), ElementsAre(9, 9, 9, 9, 9));
  const std::set<int> ordered = {3, 1, 2};
  const SmallVector<int, 2> from_range(ordered.begin(), ordered.end());
  EXPECT_THAT(ToVector(from_range), ElementsAre(1, 2, 3));
  SmallVector<int, 2> v = {1, 2, 3, 4};
  v.assign(2, 0);
  EXPECT_THAT(ToVector(v), ElementsAre(0, 0));
  const std::vector<int> source = {5, 6, 7};
  v.assign(source.begin(), source.end());
  EXPECT_THAT(ToVector(v), ElementsAre(5, 6, 7));
  v = {8};
  EXPECT_THAT(ToVector(v), ElementsAre(8));
}

TEST(SmallVectorTest, CopyAndMoveInlineAndGrown) {
  for (int n : {0, 1, 3, 4, 5, 40}) {
    SmallVector<int, 4> original;
    for (int i = 0; i < n; ++i) original.push_back(i * i);
    const std::vector<int> expected = ToVector(original);

    SmallVector<int, 4> copy(original);
    EXPECT_EQ(ToVector(copy), expected) << n;
    SmallVector<int, 4> assigned = {99};
    assigned = original;
    EXPECT_EQ(ToVector(assigned), expected) << n;

    SmallVector<int, 4> moved(std::move(copy));
    EXPECT_EQ(ToVector(moved), expected) << n;
    EXPECT_THAT(ToVector(copy), IsEmpty());  // NOLINT(bugprone-use-after-move): emptied
    copy.push_back(1);                       // still usable
    EXPECT_THAT(ToVector(copy), ElementsAre(1));

    SmallVector<int, 4> move_assigned = {1, 2, 3, 4, 5, 6};
    move_assigned = std::move(moved);
    EXPECT_EQ(ToVector(move_assigned), expected) << n;
  }
}

TEST(SmallVectorTest, InsertEraseResizePopBack) {
  SmallVector<int, 3> v = {1, 5};
  const std::vector<int> middle = {2, 3, 4};
  v.insert(v.begin() + 1, middle.begin(), middle.end());
  EXPECT_THAT(ToVector(v), ElementsAre(1, 2, 3, 4, 5));
  const std::vector<int> tail = {6, 7};
  v.insert(v.end(), tail.begin(), tail.end());
  EXPECT_THAT(ToVector(v), ElementsAre(1, 2, 3, 4, 5, 6, 7));
  v.erase(v.begin() + 2, v.begin() + 4);
  EXPECT_THAT(ToVector(v), ElementsAre(1, 2, 5, 6, 7));
  v.erase(v.begin());
  EXPECT_THAT(ToVector(v), ElementsAre(2, 5, 6, 7));
  v.pop_back();
  EXPECT_THAT(ToVector(v), ElementsAre(2, 5, 6));
  v.resize(5);
  EXPECT_THAT(ToVector(v), ElementsAre(2, 5, 6, 0, 0));
  v.resize(7, 4);
  EXPECT_THAT(ToVector(v), ElementsAre(2, 5, 6, 0, 0, 4, 4));
  v.resize(1);
  EXPECT_THAT(ToVector(v), ElementsAre(2));
  v.clear();
  EXPECT_TRUE(v.empty());
}

TEST(SmallVectorTest, HoldsStringViewsAndAggregates) {
  struct Pair {
    int a;
    char b;
  };
  SmallVector<Pair, 2> pairs;
  pairs.emplace_back(Pair{1, 'x'});
  Pair& added = pairs.emplace_back();
  added.a = 2;
  added.b = 'y';
  ASSERT_EQ(pairs.size(), 2u);
  EXPECT_EQ(pairs[1].a, 2);
  EXPECT_EQ(pairs[1].b, 'y');

  SmallVector<absl::string_view, 2> words = {"a", "bc"};
  words.push_back("def");
  EXPECT_THAT(ToVector(words), ElementsAre("a", "bc", "def"));
  const std::vector<absl::string_view> expected = {"a", "bc", "def"};
  EXPECT_THAT(ToVector(words), ElementsAreArray(expected));
}

}  // namespace
}  // namespace armature::planner
