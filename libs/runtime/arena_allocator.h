#pragma once

#include <cstddef>
#include <memory>
#include <mutex>
#include <new>
#include <vector>

#include "google/protobuf/arena.h"
#include "grpcpp/support/message_allocator.h"

namespace armature::runtime {

// ArenaPool hands out protobuf arenas that are reset and reused call after call. Each arena
// owns a first block of `first_block_bytes`, so a call whose messages fit in it allocates
// nothing from the heap for them, and freeing them is one reset instead of a walk over every
// sub-message. Arenas are created on demand (none at start, so an idle server holds none) and
// at most `max_idle` are kept between calls; the rest are freed. Thread-safe.
//
// A protobuf arena gives its first block to the thread that created or last reset it; any other
// thread allocating on it gets a new heap block of its own. gRPC often ends a call (Release) on
// another thread than the one that starts the next (Acquire), so Acquire resets the arena again
// on its own thread when another thread did the last reset: cheap on an empty arena, and the
// call's messages then land in the first block.
class ArenaPool {
 public:
  struct Options {
    // The block each pooled arena starts with and keeps across resets.
    size_t first_block_bytes = 8 * 1024;
    // Growth blocks beyond the first (freed at every reset) double up to this size.
    size_t max_block_bytes = 64 * 1024;
    // Arenas kept for reuse when no call holds them.
    size_t max_idle = 64;
  };

  ArenaPool() : ArenaPool(Options()) {}
  explicit ArenaPool(Options options);
  ~ArenaPool();
  ArenaPool(const ArenaPool&) = delete;
  ArenaPool& operator=(const ArenaPool&) = delete;

  // A pooled arena: an arena with the first block it owns.
  class Slot;

  // An empty arena, from the pool or new.
  Slot* Acquire();
  // The arena of `slot`.
  static google::protobuf::Arena* ArenaOf(Slot* slot);
  // Resets the slot's arena (running its messages' cleanups) and keeps it for reuse, or frees it
  // when `max_idle` arenas are already idle. `slot` must come from this pool's Acquire.
  void Release(Slot* slot);

  // Arenas idle in the pool now.
  size_t idle() const;
  // Arenas created over the pool's life (a measure of reuse: calls / created).
  size_t created() const;

 private:
  const Options options_;
  mutable std::mutex mu_;
  std::vector<Slot*> idle_;
  size_t created_ = 0;
};

// ArenaMessageAllocator gives each call of a callback unary method its request and response on
// a pooled arena (see ArenaPool); gRPC releases them when the call is done. Register it with the
// generated `SetMessageAllocatorFor_<Method>`. A handler that fills the response must build into
// it in place: moving a heap message into an arena message copies it.
template <typename Request, typename Response>
class ArenaMessageAllocator final : public grpc::MessageAllocator<Request, Response> {
 public:
  ArenaMessageAllocator() = default;
  explicit ArenaMessageAllocator(ArenaPool::Options options) : pool_(options) {}

  grpc::MessageHolder<Request, Response>* AllocateMessages() override {
    ArenaPool::Slot* slot = pool_.Acquire();
    google::protobuf::Arena* arena = ArenaPool::ArenaOf(slot);
    // The holder lives on the arena too. It is never destroyed: the reset in Release reclaims
    // its bytes, and it owns nothing.
    void* memory = google::protobuf::Arena::CreateArray<char>(arena, sizeof(Holder));
    return new (memory) Holder(&pool_, slot, arena);
  }

  const ArenaPool& pool() const { return pool_; }

 private:
  class Holder final : public grpc::MessageHolder<Request, Response> {
   public:
    Holder(ArenaPool* pool, ArenaPool::Slot* slot, google::protobuf::Arena* arena)
        : pool_(pool), slot_(slot) {
      this->set_request(google::protobuf::Arena::CreateMessage<Request>(arena));
      this->set_response(google::protobuf::Arena::CreateMessage<Response>(arena));
    }
    // Frees the request and response (and this holder, which lives on the same arena).
    void Release() override { pool_->Release(slot_); }

   private:
    ArenaPool* const pool_;
    ArenaPool::Slot* const slot_;
  };
  static_assert(alignof(Holder) <= 8, "arena allocations are 8-byte aligned");

  ArenaPool pool_;
};

}  // namespace armature::runtime
