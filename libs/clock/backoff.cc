#include "libs/clock/backoff.h"

#include <algorithm>
#include <cmath>
#include <mutex>
#include <random>

namespace armature {

UniformRandom DefaultRandom() {
  return [] {
    static std::mutex mu;
    static std::mt19937_64 gen{std::random_device{}()};
    std::lock_guard<std::mutex> lock(mu);
    return std::uniform_real_distribution<double>(0.0, 1.0)(gen);
  };
}

absl::Duration BackoffDelay(const BackoffOptions& options, int retry, const UniformRandom& random) {
  if (retry < 1) retry = 1;
  const double base_s = absl::ToDoubleSeconds(options.initial) *
                        std::pow(std::max(1.0, options.multiplier), retry - 1);
  const double capped_s = std::min(base_s, absl::ToDoubleSeconds(options.max));
  const double jitter = std::clamp(options.jitter, 0.0, 1.0);
  const double r = random ? std::clamp(random(), 0.0, 1.0) : 0.0;
  return absl::Seconds(capped_s * (1.0 - jitter * r));
}

}  // namespace armature
