#pragma once

#include <condition_variable>
#include <deque>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

namespace armature::runtime {

// WorkerPool runs blocking work (LLM calls, store writes) off gRPC's callback threads, with
// a bounded queue so overload becomes RESOURCE_EXHAUSTED instead of unbounded memory.
class WorkerPool {
 public:
  struct Options {
    // Threads running work.
    int threads = 4;
    // Work items waiting beyond those running; TrySubmit refuses past it.
    int max_queued = 256;
  };

  explicit WorkerPool(Options options);
  // Finishes every queued item, then joins the threads.
  ~WorkerPool();
  WorkerPool(const WorkerPool&) = delete;
  WorkerPool& operator=(const WorkerPool&) = delete;

  // Queues `work`; false when the queue is full or the pool is stopping.
  bool TrySubmit(std::function<void()> work);
  // Items waiting (not counting running ones).
  size_t queued() const;
  const Options& options() const { return options_; }

 private:
  void Run();

  const Options options_;
  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::deque<std::function<void()>> queue_;
  bool stopping_ = false;
  std::vector<std::thread> threads_;
};

}  // namespace armature::runtime
