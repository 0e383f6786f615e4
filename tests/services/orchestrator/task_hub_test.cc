#include "services/orchestrator/task_hub.h"

#include <thread>

#include "gtest/gtest.h"

namespace armature::orchestrator {
namespace {

v1::TaskEvent Event(const std::string& id, int64_t sequence) {
  v1::TaskEvent e;
  e.set_task_id(id);
  e.set_sequence(sequence);
  e.set_message("event " + std::to_string(sequence));
  e.mutable_task()->set_id(id);
  return e;
}

TEST(TaskHubTest, DeliversATasksEventsInOrderToEverySubscriberOfThatTask) {
  TaskHub hub;
  auto a = hub.Subscribe("t1");
  auto b = hub.Subscribe("t1");
  auto other = hub.Subscribe("t2");
  hub.Publish(Event("t1", 1));
  hub.Publish(Event("t1", 2));
  for (auto* sub : {a.get(), b.get()}) {
    v1::TaskEvent e;
    // Every subscriber gets the whole event (the last one's is moved, the others' copied).
    ASSERT_EQ(sub->Next(absl::Seconds(1), &e), TaskHub::Subscription::Result::kEvent);
    EXPECT_EQ(e.sequence(), 1);
    EXPECT_EQ(e.message(), "event 1");
    EXPECT_EQ(e.task().id(), "t1");
    ASSERT_EQ(sub->Next(absl::Seconds(1), &e), TaskHub::Subscription::Result::kEvent);
    EXPECT_EQ(e.sequence(), 2);
    EXPECT_EQ(e.message(), "event 2");
    EXPECT_EQ(e.task().id(), "t1");
    EXPECT_EQ(sub->Next(absl::ZeroDuration(), &e), TaskHub::Subscription::Result::kTimeout);
  }
  v1::TaskEvent e;
  EXPECT_EQ(other->Next(absl::ZeroDuration(), &e), TaskHub::Subscription::Result::kTimeout);
}

TEST(TaskHubTest, AnUnsubscribedFollowerGetsNothingMore) {
  TaskHub hub;
  auto a = hub.Subscribe("t1");
  a.reset();
  hub.Publish(Event("t1", 1));  // no subscriber left: nothing to deliver, nothing to crash
  auto b = hub.Subscribe("t1");
  v1::TaskEvent e;
  EXPECT_EQ(b->Next(absl::ZeroDuration(), &e), TaskHub::Subscription::Result::kTimeout);
}

TEST(TaskHubTest, CloseWakesAWaitingSubscriberAndLaterSubscriptionsStartClosed) {
  TaskHub hub;
  auto a = hub.Subscribe("t1");
  std::thread closer([&] { hub.Close(); });
  v1::TaskEvent e;
  EXPECT_EQ(a->Next(absl::Seconds(30), &e), TaskHub::Subscription::Result::kClosed);
  closer.join();
  EXPECT_TRUE(hub.closed());
  auto b = hub.Subscribe("t1");
  EXPECT_EQ(b->Next(absl::Seconds(30), &e), TaskHub::Subscription::Result::kClosed);
}

TEST(TaskHubTest, EventsPublishedBeforeCloseAreStillDelivered) {
  TaskHub hub;
  auto a = hub.Subscribe("t1");
  hub.Publish(Event("t1", 7));
  hub.Close();
  v1::TaskEvent e;
  ASSERT_EQ(a->Next(absl::Seconds(1), &e), TaskHub::Subscription::Result::kEvent);
  EXPECT_EQ(e.sequence(), 7);
  EXPECT_EQ(a->Next(absl::Seconds(1), &e), TaskHub::Subscription::Result::kClosed);
}

}  // namespace
}  // namespace armature::orchestrator
