#include "libs/runtime/worker_pool.h"

#include <atomic>
#include <condition_variable>
#include <mutex>

#include "gtest/gtest.h"

namespace armature::runtime {
namespace {

TEST(WorkerPoolTest, RunsEverythingSubmittedBeforeDestruction) {
  std::atomic<int> done{0};
  {
    WorkerPool pool({.threads = 3, .max_queued = 1000});
    for (int i = 0; i < 500; ++i) ASSERT_TRUE(pool.TrySubmit([&] { done.fetch_add(1); }));
  }
  EXPECT_EQ(done.load(), 500);
}

TEST(WorkerPoolTest, RefusesWhenTheQueueIsFull) {
  std::mutex mu;
  std::condition_variable cv;
  bool release = false;
  int started = 0;
  WorkerPool pool({.threads = 1, .max_queued = 2});
  auto blocker = [&] {
    std::unique_lock<std::mutex> lock(mu);
    ++started;
    cv.notify_all();
    cv.wait(lock, [&] { return release; });
  };
  ASSERT_TRUE(pool.TrySubmit(blocker));
  {
    std::unique_lock<std::mutex> lock(mu);
    ASSERT_TRUE(cv.wait_for(lock, std::chrono::seconds(10), [&] { return started == 1; }));
  }
  EXPECT_TRUE(pool.TrySubmit([] {}));
  EXPECT_TRUE(pool.TrySubmit([] {}));
  EXPECT_EQ(pool.queued(), 2u);
  EXPECT_FALSE(pool.TrySubmit([] {})) << "third queued item must be refused";
  {
    std::lock_guard<std::mutex> lock(mu);
    release = true;
  }
  cv.notify_all();
}

}  // namespace
}  // namespace armature::runtime
