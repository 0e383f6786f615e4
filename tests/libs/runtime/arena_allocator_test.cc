#include "libs/runtime/arena_allocator.h"

#include <atomic>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "armature/v1/planner.grpc.pb.h"
#include "grpcpp/grpcpp.h"
#include "gtest/gtest.h"

namespace armature::runtime {
namespace {

using google::protobuf::Arena;

TEST(ArenaPoolTest, ReusesAReleasedArena) {
  ArenaPool pool;
  ArenaPool::Slot* first = pool.Acquire();
  Arena* arena = ArenaPool::ArenaOf(first);
  auto* plan = Arena::CreateMessage<v1::Plan>(arena);
  plan->set_rationale(std::string(200, 'x'));  // a heap buffer the reset must free
  EXPECT_GT(arena->SpaceUsed(), 0u);
  pool.Release(first);
  EXPECT_EQ(pool.idle(), 1u);

  ArenaPool::Slot* second = pool.Acquire();
  EXPECT_EQ(second, first);
  EXPECT_EQ(ArenaPool::ArenaOf(second)->SpaceUsed(), 0u) << "a reused arena starts empty";
  EXPECT_EQ(pool.created(), 1u);
  EXPECT_EQ(pool.idle(), 0u);
  pool.Release(second);
}

TEST(ArenaPoolTest, KeepsAtMostMaxIdleArenas) {
  ArenaPool pool(ArenaPool::Options{.max_idle = 2});
  std::vector<ArenaPool::Slot*> slots;
  for (int i = 0; i < 5; ++i) slots.push_back(pool.Acquire());
  EXPECT_EQ(pool.created(), 5u);
  for (ArenaPool::Slot* slot : slots) pool.Release(slot);
  EXPECT_EQ(pool.idle(), 2u);
  // The two kept are handed out again before any new one is made.
  ArenaPool::Slot* a = pool.Acquire();
  ArenaPool::Slot* b = pool.Acquire();
  ArenaPool::Slot* c = pool.Acquire();
  EXPECT_EQ(pool.created(), 6u);
  for (ArenaPool::Slot* slot : {a, b, c}) pool.Release(slot);
}

TEST(ArenaPoolTest, GrowsPastTheFirstBlockAndShrinksBackOnReset) {
  ArenaPool pool(ArenaPool::Options{.first_block_bytes = 2048, .max_block_bytes = 8192});
  ArenaPool::Slot* slot = pool.Acquire();
  Arena* arena = ArenaPool::ArenaOf(slot);
  auto* plan = Arena::CreateMessage<v1::Plan>(arena);
  for (int i = 0; i < 200; ++i) plan->add_subtasks()->set_step(i + 1);
  EXPECT_GT(arena->SpaceAllocated(), 2048u);
  EXPECT_EQ(plan->subtasks(199).step(), 200);
  pool.Release(slot);
  slot = pool.Acquire();
  EXPECT_LE(ArenaPool::ArenaOf(slot)->SpaceAllocated(), 2048u) << "only the first block is kept";
  pool.Release(slot);
}

// gRPC often ends a call on another thread than the one that starts the next. The next call's
// messages must still land in the pooled first block, not in a new heap block of the arena's.
TEST(ArenaPoolTest, AnArenaReleasedOnAnotherThreadIsServedFromItsFirstBlock) {
  ArenaPool pool(ArenaPool::Options{.first_block_bytes = 4096, .max_block_bytes = 8192});
  ArenaPool::Slot* slot = pool.Acquire();
  std::thread([&] { pool.Release(slot); }).join();

  slot = pool.Acquire();
  EXPECT_EQ(pool.created(), 1u);
  Arena* arena = ArenaPool::ArenaOf(slot);
  auto* request = Arena::CreateMessage<v1::PlanRequest>(arena);
  request->set_goal("Build and deploy a REST API with tests");
  request->add_constraints("Python only");
  EXPECT_EQ(arena->SpaceAllocated(), 4096u) << "the messages went to a new block";
  EXPECT_GT(arena->SpaceUsed(), 0u);
  pool.Release(slot);
}

TEST(ArenaPoolTest, RaisesATooSmallFirstBlock) {
  ArenaPool pool(ArenaPool::Options{.first_block_bytes = 16, .max_block_bytes = 16});
  ArenaPool::Slot* slot = pool.Acquire();
  auto* request = Arena::CreateMessage<v1::PlanRequest>(ArenaPool::ArenaOf(slot));
  request->set_goal("Build and deploy a REST API with tests");
  EXPECT_EQ(request->goal(), "Build and deploy a REST API with tests");
  pool.Release(slot);
}

TEST(ArenaMessageAllocatorTest, PutsRequestAndResponseOnOnePooledArena) {
  ArenaMessageAllocator<v1::PlanRequest, v1::PlanResponse> allocator;
  grpc::MessageHolder<v1::PlanRequest, v1::PlanResponse>* holder = allocator.AllocateMessages();
  ASSERT_NE(holder->request()->GetArena(), nullptr);
  EXPECT_EQ(holder->request()->GetArena(), holder->response()->GetArena());
  holder->request()->set_goal("a goal");
  holder->response()->mutable_plan()->add_subtasks()->set_action(std::string(100, 'a'));
  Arena* arena = holder->response()->GetArena();
  holder->Release();
  EXPECT_EQ(allocator.pool().idle(), 1u);

  holder = allocator.AllocateMessages();
  EXPECT_EQ(holder->response()->GetArena(), arena);
  EXPECT_TRUE(holder->request()->goal().empty());
  EXPECT_FALSE(holder->response()->has_plan()) << "each call starts from empty messages";
  holder->Release();
  EXPECT_EQ(allocator.pool().created(), 1u);
}

// A Plan handler that answers on the allocator's messages, as the planner arm does.
class ArenaPlanner final : public v1::PlannerArm::CallbackService {
 public:
  explicit ArenaPlanner(grpc::MessageAllocator<v1::PlanRequest, v1::PlanResponse>* allocator) {
    SetMessageAllocatorFor_Plan(allocator);
  }
  grpc::ServerUnaryReactor* Plan(grpc::CallbackServerContext* context,
                                 const v1::PlanRequest* request,
                                 v1::PlanResponse* response) override {
    grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
    if (request->GetArena() == nullptr || response->GetArena() != request->GetArena()) {
      reactor->Finish(grpc::Status(grpc::StatusCode::INTERNAL, "messages are not on one arena"));
      return reactor;
    }
    if (request->goal().empty()) {
      reactor->Finish(grpc::Status(grpc::StatusCode::INVALID_ARGUMENT, "goal: must not be empty"));
      return reactor;
    }
    v1::SubTask* step = response->mutable_plan()->add_subtasks();
    step->set_step(1);
    step->set_action("Do: " + request->goal());
    response->set_request_id(request->request_id());
    reactor->Finish(grpc::Status::OK);
    return reactor;
  }
};

TEST(ArenaMessageAllocatorTest, ServesCallsOfARealServerAndReusesItsArenas) {
  ArenaMessageAllocator<v1::PlanRequest, v1::PlanResponse> allocator;
  ArenaPlanner service(&allocator);
  grpc::ServerBuilder builder;
  int port = 0;
  builder.AddListeningPort("127.0.0.1:0", grpc::InsecureServerCredentials(), &port);
  builder.RegisterService(&service);
  std::unique_ptr<grpc::Server> server = builder.BuildAndStart();
  ASSERT_NE(server, nullptr);
  auto stub = v1::PlannerArm::NewStub(
      grpc::CreateChannel("127.0.0.1:" + std::to_string(port), grpc::InsecureChannelCredentials()));

  constexpr int kCalls = 200;
  for (int i = 0; i < kCalls; ++i) {
    v1::PlanRequest request;
    request.set_goal("goal " + std::to_string(i) + std::string(40, '.'));
    request.set_request_id("req-" + std::to_string(i));
    v1::PlanResponse response;
    grpc::ClientContext context;
    const grpc::Status status = stub->Plan(&context, request, &response);
    ASSERT_TRUE(status.ok()) << status.error_message();
    ASSERT_EQ(response.plan().subtasks_size(), 1);
    EXPECT_EQ(response.plan().subtasks(0).action(), "Do: " + request.goal());
    EXPECT_EQ(response.request_id(), request.request_id());
  }
  // A failed call releases its messages too.
  v1::PlanResponse response;
  grpc::ClientContext context;
  EXPECT_EQ(stub->Plan(&context, v1::PlanRequest(), &response).error_code(),
            grpc::StatusCode::INVALID_ARGUMENT);

  server->Shutdown();
  // One call at a time: a handful of arenas serve them all (a call's arena is released just
  // after its answer is sent, so the next call may briefly need a second one).
  EXPECT_LE(allocator.pool().created(), 8u);
  EXPECT_EQ(allocator.pool().idle(), allocator.pool().created()) << "every arena came back";
}

}  // namespace
}  // namespace armature::runtime
