#pragma once

#include <array>
#include <atomic>
#include <cstdint>

namespace armature::bench {

// LatencyHistogram records durations in nanoseconds from many threads without locks, in
// constant memory, with a relative error under 0.8%: values below 128 ns are exact, and
// every power-of-two range above is split into 128 equal buckets (the HdrHistogram layout).
// Values are clamped to kMaxNanos (about 18 minutes).
class LatencyHistogram {
 public:
  static constexpr int kSubBucketBits = 7;
  static constexpr int64_t kSubBuckets = int64_t{1} << kSubBucketBits;
  static constexpr int kMaxExponent = 40;
  static constexpr int64_t kMaxNanos = (int64_t{1} << (kMaxExponent + 1)) - 1;
  static constexpr int kBuckets = (kMaxExponent - kSubBucketBits + 2) * kSubBuckets;

  void Record(int64_t nanos);

  uint64_t count() const { return count_.load(std::memory_order_relaxed); }
  int64_t max_nanos() const { return max_.load(std::memory_order_relaxed); }
  double mean_nanos() const;
  // The value at quantile q in [0, 1]: the midpoint of the bucket holding the
  // ceil(q * count)-th smallest value, never above the largest value recorded (which q = 1
  // returns exactly). 0 when empty.
  int64_t QuantileNanos(double q) const;

  // Index of the bucket holding `nanos` and the smallest value of a bucket (for tests).
  static int BucketIndex(int64_t nanos);
  static int64_t BucketLowest(int index);
  static int64_t BucketWidth(int index);

 private:
  std::array<std::atomic<uint64_t>, kBuckets> buckets_{};
  std::atomic<uint64_t> count_{0};
  std::atomic<int64_t> sum_{0};
  std::atomic<int64_t> max_{0};
};

}  // namespace armature::bench
