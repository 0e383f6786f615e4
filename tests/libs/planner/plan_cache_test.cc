#include "libs/planner/plan_cache.h"

#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "libs/clock/clock.h"
#include "tests/libs/planner/plan_test_util.h"

namespace armature::planner {
namespace {

using ::armature::planner::testing::Request;

v1::Plan PlanNamed(const std::string& rationale) {
  v1::Plan plan;
  plan.set_rationale(rationale);
  return plan;
}

TEST(PlanCacheKeyTest, NormalisesWhitespaceContextOrderAndIgnoresRequestId) {
  v1::PlanRequest a = Request("  Build   a\n REST API ", {" Python   only "});
  (*a.mutable_context())["repo"] = "acme";
  (*a.mutable_context())["team"] = "core";
  a.set_request_id("one");
  v1::PlanRequest b = Request("Build a REST API", {"Python only"});
  (*b.mutable_context())["team"] = "core";
  (*b.mutable_context())["repo"] = "acme";
  b.set_request_id("two");
  EXPECT_EQ(PlanCacheKey(a, "builtin"), PlanCacheKey(b, "builtin"));
}

TEST(PlanCacheKeyTest, DistinguishesEverythingThatChangesThePlan) {
  const v1::PlanRequest base = Request("Build a REST API", {"Python only"});
  const std::string key = PlanCacheKey(base, "builtin");
  EXPECT_NE(key, PlanCacheKey(base, "openai:gpt-4o-mini"));
  EXPECT_NE(key, PlanCacheKey(Request("Build a REST API"), "builtin"));
  EXPECT_NE(key, PlanCacheKey(Request("build a REST API", {"Python only"}), "builtin"));
  v1::PlanRequest with_context = base;
  (*with_context.mutable_context())["repo"] = "acme";
  EXPECT_NE(key, PlanCacheKey(with_context, "builtin"));
  // Length prefixes keep field boundaries apart.
  EXPECT_NE(PlanCacheKey(Request("g", {"a b"}), "x"), PlanCacheKey(Request("g", {"a", "b"}), "x"));
  EXPECT_NE(PlanCacheKey(Request("g", {"a"}), "x"), PlanCacheKey(Request("g a"), "x"));
  EXPECT_NE(PlanCacheKey(Request("g", {"first", "second"}), "x"),
            PlanCacheKey(Request("g", {"second", "first"}), "x"));
}

TEST(PlanCacheTest, CountsHitsAndMisses) {
  ManualClock clock;
  PlanCache cache(PlanCacheOptions{}, clock);
  EXPECT_FALSE(cache.Lookup("k").has_value());
  cache.Insert("k", PlanNamed("p"));
  std::optional<v1::Plan> hit = cache.Lookup("k");
  ASSERT_TRUE(hit.has_value());
  EXPECT_EQ(hit->rationale(), "p");
  EXPECT_EQ(cache.hits(), 1);
  EXPECT_EQ(cache.misses(), 1);
  EXPECT_EQ(cache.size(), 1u);
}

TEST(PlanCacheTest, EvictsTheLeastRecentlyUsed) {
  ManualClock clock;
  PlanCache cache(PlanCacheOptions{.capacity = 2, .ttl_ms = 60'000}, clock);
  cache.Insert("a", PlanNamed("a"));
  cache.Insert("b", PlanNamed("b"));
  ASSERT_TRUE(cache.Lookup("a").has_value());  // a is now the most recent
  cache.Insert("c", PlanNamed("c"));           // evicts b
  EXPECT_TRUE(cache.Lookup("a").has_value());
  EXPECT_FALSE(cache.Lookup("b").has_value());
  EXPECT_TRUE(cache.Lookup("c").has_value());
  EXPECT_EQ(cache.evictions(), 1);
  EXPECT_EQ(cache.size(), 2u);
}

TEST(PlanCacheTest, EntriesExpireAfterTheTtl) {
  ManualClock clock;
  PlanCache cache(PlanCacheOptions{.capacity = 10, .ttl_ms = 1000}, clock);
  cache.Insert("k", PlanNamed("p"));
  clock.Advance(absl::Milliseconds(999));
  EXPECT_TRUE(cache.Lookup("k").has_value());
  clock.Advance(absl::Milliseconds(1));
  EXPECT_FALSE(cache.Lookup("k").has_value());
  EXPECT_EQ(cache.size(), 0u);  // the expired entry is gone
  EXPECT_EQ(cache.hits(), 1);
  EXPECT_EQ(cache.misses(), 1);
}

TEST(PlanCacheTest, ReinsertingReplacesAndRefreshes) {
  ManualClock clock;
  PlanCache cache(PlanCacheOptions{.capacity = 10, .ttl_ms = 1000}, clock);
  cache.Insert("k", PlanNamed("old"));
  clock.Advance(absl::Milliseconds(800));
  cache.Insert("k", PlanNamed("new"));
  clock.Advance(absl::Milliseconds(800));
  std::optional<v1::Plan> hit = cache.Lookup("k");
  ASSERT_TRUE(hit.has_value());
  EXPECT_EQ(hit->rationale(), "new");
  EXPECT_EQ(cache.size(), 1u);
}

TEST(PlanCacheTest, ZeroCapacityOrTtlDisablesCaching) {
  ManualClock clock;
  PlanCache no_room(PlanCacheOptions{.capacity = 0, .ttl_ms = 1000}, clock);
  no_room.Insert("k", PlanNamed("p"));
  EXPECT_FALSE(no_room.Lookup("k").has_value());
  EXPECT_EQ(no_room.misses(), 1);
  PlanCache no_time(PlanCacheOptions{.capacity = 10, .ttl_ms = 0}, clock);
  no_time.Insert("k", PlanNamed("p"));
  EXPECT_FALSE(no_time.Lookup("k").has_value());
}

TEST(PlanCacheTest, ClearKeepsCounters) {
  ManualClock clock;
  PlanCache cache(PlanCacheOptions{}, clock);
  cache.Insert("k", PlanNamed("p"));
  ASSERT_TRUE(cache.Lookup("k").has_value());
  cache.Clear();
  EXPECT_EQ(cache.size(), 0u);
  EXPECT_FALSE(cache.Lookup("k").has_value());
  EXPECT_EQ(cache.hits(), 1);
  EXPECT_EQ(cache.misses(), 1);
}

TEST(PlanCacheTest, SafeUnderConcurrentUse) {
  ManualClock clock;
  PlanCache cache(PlanCacheOptions{.capacity = 8, .ttl_ms = 60'000}, clock);
  constexpr int kThreads = 4;
  constexpr int kOps = 500;
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&cache, t] {
      for (int i = 0; i < kOps; ++i) {
        const std::string key = absl::StrCat("k", (i + t) % 16);
        if (!cache.Lookup(key).has_value()) cache.Insert(key, PlanNamed(key));
      }
    });
  }
  for (std::thread& th : threads) th.join();
  EXPECT_EQ(cache.hits() + cache.misses(), kThreads * kOps);
  EXPECT_LE(cache.size(), 8u);
}

}  // namespace
}  // namespace armature::planner
