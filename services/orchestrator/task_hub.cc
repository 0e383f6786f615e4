#include "services/orchestrator/task_hub.h"

#include <chrono>
#include <iterator>
#include <utility>

namespace armature::orchestrator {

std::unique_ptr<TaskHub::Subscription> TaskHub::Subscribe(const std::string& task_id) {
  auto queue = std::make_shared<Queue>();
  std::lock_guard<std::mutex> lock(mu_);
  if (closed_) {
    queue->closed = true;
  } else {
    subscribers_.emplace(task_id, queue);
  }
  return std::unique_ptr<Subscription>(new Subscription(this, task_id, std::move(queue)));
}

void TaskHub::Publish(v1::TaskEvent event) {
  std::lock_guard<std::mutex> lock(mu_);
  auto [begin, end] = subscribers_.equal_range(event.task_id());
  for (auto it = begin; it != end; ++it) {
    Queue& q = *it->second;
    {
      std::lock_guard<std::mutex> qlock(q.mu);
      if (std::next(it) == end) {
        q.events.push_back(std::move(event));
      } else {
        q.events.push_back(event);
      }
    }
    q.cv.notify_all();
  }
}

void TaskHub::Close() {
  std::lock_guard<std::mutex> lock(mu_);
  closed_ = true;
  for (auto& [id, queue] : subscribers_) {
    {
      std::lock_guard<std::mutex> qlock(queue->mu);
      queue->closed = true;
    }
    queue->cv.notify_all();
  }
}

bool TaskHub::closed() const {
  std::lock_guard<std::mutex> lock(mu_);
  return closed_;
}

void TaskHub::Unsubscribe(const std::string& task_id, const std::shared_ptr<Queue>& queue) {
  std::lock_guard<std::mutex> lock(mu_);
  auto [begin, end] = subscribers_.equal_range(task_id);
  for (auto it = begin; it != end; ++it) {
    if (it->second == queue) {
      subscribers_.erase(it);
      return;
    }
  }
}

TaskHub::Subscription::~Subscription() { hub_->Unsubscribe(task_id_, queue_); }

TaskHub::Subscription::Result TaskHub::Subscription::Next(absl::Duration timeout,
                                                          v1::TaskEvent* event) {
  std::unique_lock<std::mutex> lock(queue_->mu);
  const bool ready = queue_->cv.wait_for(lock, absl::ToChronoNanoseconds(timeout), [this] {
    return !queue_->events.empty() || queue_->closed;
  });
  if (!queue_->events.empty()) {
    *event = std::move(queue_->events.front());
    queue_->events.pop_front();
    return Result::kEvent;
  }
  if (queue_->closed) return Result::kClosed;
  (void)ready;
  return Result::kTimeout;
}

}  // namespace armature::orchestrator
