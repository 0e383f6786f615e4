#include "libs/clock/backoff.h"

#include "gtest/gtest.h"

namespace armature {
namespace {

TEST(BackoffTest, GrowsExponentiallyWithoutJitter) {
  BackoffOptions options{.initial = absl::Milliseconds(100),
                         .multiplier = 2.0,
                         .max = absl::Seconds(10),
                         .jitter = 0.0};
  auto zero = [] { return 0.5; };
  EXPECT_EQ(BackoffDelay(options, 1, zero), absl::Milliseconds(100));
  EXPECT_EQ(BackoffDelay(options, 2, zero), absl::Milliseconds(200));
  EXPECT_EQ(BackoffDelay(options, 4, zero), absl::Milliseconds(800));
}

TEST(BackoffTest, IsCappedAtMax) {
  BackoffOptions options{
      .initial = absl::Seconds(1), .multiplier = 3.0, .max = absl::Seconds(5), .jitter = 0.0};
  EXPECT_EQ(BackoffDelay(options, 10, nullptr), absl::Seconds(5));
}

TEST(BackoffTest, JitterRemovesUpToItsFraction) {
  BackoffOptions options{
      .initial = absl::Seconds(1), .multiplier = 2.0, .max = absl::Seconds(60), .jitter = 0.5};
  EXPECT_EQ(BackoffDelay(options, 1, [] { return 0.0; }), absl::Seconds(1));
  EXPECT_EQ(BackoffDelay(options, 1, [] { return 1.0; }), absl::Milliseconds(500));
  EXPECT_EQ(BackoffDelay(options, 2, [] { return 0.5; }), absl::Milliseconds(1500));
}

TEST(BackoffTest, DefaultRandomStaysInRange) {
  UniformRandom random = DefaultRandom();
  for (int i = 0; i < 1000; ++i) {
    const double r = random();
    ASSERT_GE(r, 0.0);
    ASSERT_LT(r, 1.0);
  }
}

}  // namespace
}  // namespace armature
