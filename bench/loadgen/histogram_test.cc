#include "bench/loadgen/histogram.h"

#include <cmath>
#include <cstdint>
#include <random>
#include <thread>
#include <vector>

#include "gtest/gtest.h"

namespace armature::bench {
namespace {

TEST(LatencyHistogramTest, BucketsTileTheRangeWithoutGapsOrOverlaps) {
  int64_t expected_lowest = 0;
  for (int i = 0; i < LatencyHistogram::kBuckets; ++i) {
    ASSERT_EQ(LatencyHistogram::BucketLowest(i), expected_lowest) << "bucket " << i;
    ASSERT_EQ(LatencyHistogram::BucketIndex(expected_lowest), i);
    const int64_t highest = expected_lowest + LatencyHistogram::BucketWidth(i) - 1;
    ASSERT_EQ(LatencyHistogram::BucketIndex(highest), i);
    expected_lowest = highest + 1;
  }
  EXPECT_EQ(expected_lowest - 1, LatencyHistogram::kMaxNanos);
}

TEST(LatencyHistogramTest, SmallValuesAreExactAndLargeOnesWithinOnePercent) {
  for (int64_t v : {0, 1, 127, 255}) {
    LatencyHistogram h;
    h.Record(v);
    EXPECT_EQ(h.QuantileNanos(0.5), v);
  }
  for (int64_t v : {1'000LL, 123'456LL, 9'999'999LL, 3'000'000'000LL}) {
    LatencyHistogram h;
    h.Record(v);
    h.Record(v * 10);  // the max, so the midpoint of v's bucket is not capped
    EXPECT_NEAR(static_cast<double>(h.QuantileNanos(0.5)), static_cast<double>(v), v * 0.008);
  }
}

TEST(LatencyHistogramTest, QuantilesOfAUniformSpread) {
  LatencyHistogram h;
  for (int64_t v = 1; v <= 10000; ++v) h.Record(v * 1000);  // 1 µs .. 10 ms
  EXPECT_EQ(h.count(), 10000u);
  EXPECT_NEAR(h.QuantileNanos(0.50), 5'000'000, 5'000'000 * 0.008);
  EXPECT_NEAR(h.QuantileNanos(0.99), 9'900'000, 9'900'000 * 0.008);
  EXPECT_EQ(h.QuantileNanos(1.0), 10'000'000);  // capped at the max
  EXPECT_EQ(h.max_nanos(), 10'000'000);
  EXPECT_NEAR(h.mean_nanos(), 5'000'500, 1);
}

TEST(LatencyHistogramTest, EmptyAndClamped) {
  LatencyHistogram h;
  EXPECT_EQ(h.QuantileNanos(0.99), 0);
  h.Record(-5);
  h.Record(LatencyHistogram::kMaxNanos * 4);
  EXPECT_EQ(h.count(), 2u);
  EXPECT_EQ(h.QuantileNanos(0.0), 0);
  EXPECT_EQ(h.max_nanos(), LatencyHistogram::kMaxNanos);
}

TEST(LatencyHistogramTest, ConcurrentRecordsAreAllCounted) {
  LatencyHistogram h;
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&h, t] {
      std::mt19937_64 rng(t);
      for (int i = 0; i < 100000; ++i) h.Record(static_cast<int64_t>(rng() % 1'000'000'000));
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(h.count(), 400000u);
}

}  // namespace
}  // namespace armature::bench
