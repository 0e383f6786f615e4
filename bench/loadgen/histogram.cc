#include "bench/loadgen/histogram.h"

#include <algorithm>
#include <bit>
#include <cmath>

namespace armature::bench {

int LatencyHistogram::BucketIndex(int64_t nanos) {
  const uint64_t v = static_cast<uint64_t>(std::clamp<int64_t>(nanos, 0, kMaxNanos));
  if (v < static_cast<uint64_t>(kSubBuckets)) return static_cast<int>(v);
  const int exponent = 63 - std::countl_zero(v);  // >= kSubBucketBits
  const int shift = exponent - kSubBucketBits;
  // (v >> shift) is in [kSubBuckets, 2 * kSubBuckets): one of 128 buckets of this range.
  return shift * static_cast<int>(kSubBuckets) + static_cast<int>(v >> shift);
}

int64_t LatencyHistogram::BucketLowest(int index) {
  if (index < 2 * kSubBuckets) return index;
  const int shift = index / static_cast<int>(kSubBuckets) - 1;
  const int64_t sub = index % kSubBuckets + kSubBuckets;
  return sub << shift;
}

int64_t LatencyHistogram::BucketWidth(int index) {
  if (index < 2 * kSubBuckets) return 1;
  return int64_t{1} << (index / static_cast<int>(kSubBuckets) - 1);
}

void LatencyHistogram::Record(int64_t nanos) {
  nanos = std::clamp<int64_t>(nanos, 0, kMaxNanos);
  buckets_[BucketIndex(nanos)].fetch_add(1, std::memory_order_relaxed);
  count_.fetch_add(1, std::memory_order_relaxed);
  sum_.fetch_add(nanos, std::memory_order_relaxed);
  int64_t seen = max_.load(std::memory_order_relaxed);
  while (nanos > seen && !max_.compare_exchange_weak(seen, nanos, std::memory_order_relaxed)) {
  }
}

double LatencyHistogram::mean_nanos() const {
  const uint64_t n = count();
  return n == 0
             ? 0.0
             : static_cast<double>(sum_.load(std::memory_order_relaxed)) / static_cast<double>(n);
}

int64_t LatencyHistogram::QuantileNanos(double q) const {
  const uint64_t n = count();
  if (n == 0) return 0;
  const uint64_t rank = std::max<uint64_t>(
      1, static_cast<uint64_t>(std::ceil(std::clamp(q, 0.0, 1.0) * static_cast<double>(n))));
  if (rank >= n) return max_nanos();  // the largest value is known exactly
  uint64_t seen = 0;
  for (int i = 0; i < kBuckets; ++i) {
    seen += buckets_[i].load(std::memory_order_relaxed);
    if (seen >= rank) {
      return std::min(BucketLowest(i) + BucketWidth(i) / 2, max_nanos());
    }
  }
  return max_nanos();
}

}  // namespace armature::bench
