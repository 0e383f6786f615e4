#pragma once

#include <condition_variable>
#include <deque>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "absl/time/time.h"
#include "armature/v1/orchestrator.pb.h"

namespace armature::orchestrator {

// TaskHub fans task events out to the RPCs following them (WatchTask, SubmitTask with wait).
// Events are published after they are committed to the store; a subscriber may see them out
// of order or miss one published before it subscribed, so followers order by sequence and fill
// gaps from the store. Thread-safe.
class TaskHub {
 public:
  class Subscription;

  // Follows `task_id` until the subscription is destroyed.
  std::unique_ptr<Subscription> Subscribe(const std::string& task_id);
  // Delivers `event` to the task's subscribers (copied for all but the last, which gets it
  // moved: with the usual single follower, an event is never copied).
  void Publish(v1::TaskEvent event);
  // Wakes every subscriber for good (shutdown); later subscriptions start closed.
  void Close();
  bool closed() const;

 private:
  struct Queue {
    std::mutex mu;
    std::condition_variable cv;
    std::deque<v1::TaskEvent> events;
    bool closed = false;
  };
  void Unsubscribe(const std::string& task_id, const std::shared_ptr<Queue>& queue);

  mutable std::mutex mu_;
  bool closed_ = false;
  std::multimap<std::string, std::shared_ptr<Queue>> subscribers_;
};

class TaskHub::Subscription {
 public:
  enum class Result { kEvent, kTimeout, kClosed };

  ~Subscription();
  Subscription(const Subscription&) = delete;
  Subscription& operator=(const Subscription&) = delete;

  // Waits up to `timeout` for the next event.
  Result Next(absl::Duration timeout, v1::TaskEvent* event);

 private:
  friend class TaskHub;
  Subscription(TaskHub* hub, std::string task_id, std::shared_ptr<Queue> queue)
      : hub_(hub), task_id_(std::move(task_id)), queue_(std::move(queue)) {}

  TaskHub* hub_;
  std::string task_id_;
  std::shared_ptr<Queue> queue_;
};

}  // namespace armature::orchestrator
