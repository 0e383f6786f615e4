#include "libs/resilience/retry_budget.h"

#include <functional>
#include <thread>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace armature::resilience {
namespace {

using ::testing::HasSubstr;

std::unique_ptr<RetryBudget> MakeBudget(double max_tokens, double token_ratio) {
  absl::StatusOr<std::unique_ptr<RetryBudget>> budget =
      RetryBudget::Create({.max_tokens = max_tokens, .token_ratio = token_ratio});
  EXPECT_TRUE(budget.ok()) << budget.status();
  return *std::move(budget);
}

TEST(RetryBudgetTest, RejectsInvalidOptionsByName) {
  for (double max_tokens : {0.0, -1.0, 1000.5}) {
    absl::StatusOr<std::unique_ptr<RetryBudget>> budget =
        RetryBudget::Create({.max_tokens = max_tokens, .token_ratio = 0.1});
    ASSERT_FALSE(budget.ok());
    EXPECT_EQ(budget.status().code(), absl::StatusCode::kInvalidArgument);
    EXPECT_THAT(budget.status().message(), HasSubstr("max_tokens"));
  }
  for (double ratio : {0.0, 0.0001, 11.0}) {
    absl::StatusOr<std::unique_ptr<RetryBudget>> budget =
        RetryBudget::Create({.max_tokens = 10, .token_ratio = ratio});
    ASSERT_FALSE(budget.ok());
    EXPECT_THAT(budget.status().message(), HasSubstr("token_ratio"));
  }
  EXPECT_TRUE(ValidateRetryBudgetOptions(RetryBudgetOptions{}).ok());
}

TEST(RetryBudgetTest, StartsFullAndAllowsRetries) {
  auto budget = MakeBudget(10, 0.1);
  EXPECT_DOUBLE_EQ(budget->tokens(), 10.0);
  EXPECT_TRUE(budget->TryRetry());
}

TEST(RetryBudgetTest, RetriesStopWhenTokensReachHalf) {
  auto budget = MakeBudget(10, 0.1);
  for (int i = 0; i < 4; ++i) budget->RecordFailure();
  EXPECT_DOUBLE_EQ(budget->tokens(), 6.0);
  EXPECT_TRUE(budget->TryRetry());
  budget->RecordFailure();
  EXPECT_DOUBLE_EQ(budget->tokens(), 5.0);
  EXPECT_FALSE(budget->TryRetry());  // 5 is not > 10 / 2
  RetryBudgetCounters counters = budget->counters();
  EXPECT_EQ(counters.failures, 5u);
  EXPECT_EQ(counters.retries_allowed, 1u);
  EXPECT_EQ(counters.retries_refused, 1u);
}

TEST(RetryBudgetTest, SuccessesRefillByTheTokenRatio) {
  auto budget = MakeBudget(10, 0.1);
  for (int i = 0; i < 5; ++i) budget->RecordFailure();
  EXPECT_FALSE(budget->TryRetry());
  budget->RecordSuccess();
  EXPECT_DOUBLE_EQ(budget->tokens(), 5.1);
  EXPECT_TRUE(budget->TryRetry());
  EXPECT_EQ(budget->counters().successes, 1u);
}

TEST(RetryBudgetTest, StaysBetweenZeroAndMax) {
  auto budget = MakeBudget(4, 1.6);
  budget->RecordSuccess();
  EXPECT_DOUBLE_EQ(budget->tokens(), 4.0);
  for (int i = 0; i < 10; ++i) budget->RecordFailure();
  EXPECT_DOUBLE_EQ(budget->tokens(), 0.0);
  // From empty, successes must first earn back past half: 0 -> 1.6 -> 3.2 (> 2).
  budget->RecordSuccess();
  EXPECT_FALSE(budget->TryRetry());
  budget->RecordSuccess();
  EXPECT_TRUE(budget->TryRetry());
}

TEST(RetryBudgetTest, ConcurrentUpdatesAreNotLost) {
  auto budget = MakeBudget(1000, 1);
  auto run_on_threads = [](const std::function<void()>& body) {
    std::vector<std::thread> threads;
    for (int t = 0; t < 4; ++t) threads.emplace_back(body);
    for (std::thread& thread : threads) thread.join();
  };
  // Neither phase can reach a clamp, so any lost update shows in the exact totals.
  run_on_threads([&budget] {
    for (int i = 0; i < 200; ++i) budget->RecordFailure();
  });
  EXPECT_DOUBLE_EQ(budget->tokens(), 200.0);
  run_on_threads([&budget] {
    for (int i = 0; i < 100; ++i) budget->RecordSuccess();
  });
  EXPECT_DOUBLE_EQ(budget->tokens(), 600.0);
  EXPECT_EQ(budget->counters().failures, 800u);
  EXPECT_EQ(budget->counters().successes, 400u);
}

}  // namespace
}  // namespace armature::resilience
