#include "libs/clock/clock.h"

#include "gtest/gtest.h"

namespace armature {
namespace {

TEST(ManualClockTest, MovesOnlyWhenTold) {
  ManualClock clock(absl::FromUnixSeconds(100));
  EXPECT_EQ(clock.Now(), absl::FromUnixSeconds(100));
  clock.Advance(absl::Seconds(5));
  EXPECT_EQ(clock.Now(), absl::FromUnixSeconds(105));
  clock.SleepFor(absl::Milliseconds(250));
  EXPECT_EQ(clock.Now(), absl::FromUnixSeconds(105) + absl::Milliseconds(250));
  clock.Set(absl::FromUnixSeconds(7));
  EXPECT_EQ(clock.Now(), absl::FromUnixSeconds(7));
}

TEST(RealClockTest, IsMonotoneEnough) {
  const absl::Time a = RealClock().Now();
  const absl::Time b = RealClock().Now();
  EXPECT_LE(a, b);
}

}  // namespace
}  // namespace armature
