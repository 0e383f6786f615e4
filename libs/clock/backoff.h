#pragma once

#include <cstdint>
#include <functional>

#include "absl/time/time.h"

namespace armature {

// BackoffOptions describes exponential backoff with full jitter.
struct BackoffOptions {
  // Delay before the first retry (before jitter).
  absl::Duration initial = absl::Milliseconds(100);
  // Growth factor per attempt.
  double multiplier = 2.0;
  // Upper bound of a delay (before jitter).
  absl::Duration max = absl::Seconds(5);
  // Fraction of the delay that is randomised: 0 = none, 1 = uniform in [0, delay].
  double jitter = 0.2;
};

// Uniform random number in [0, 1); injected so that tests are exact.
using UniformRandom = std::function<double()>;

// A UniformRandom backed by a thread-safe process-wide generator.
UniformRandom DefaultRandom();

// BackoffDelay returns the delay before retry number `retry` (1 = first retry):
// min(max, initial * multiplier^(retry-1)), minus a random part of up to `jitter` of it.
absl::Duration BackoffDelay(const BackoffOptions& options, int retry, const UniformRandom& random);

}  // namespace armature
