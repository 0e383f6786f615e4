#include "libs/runtime/arena_allocator.h"

#include <algorithm>
#include <thread>

namespace armature::runtime {

// An arena with the first block it owns. The block must outlive the arena, so it is declared
// first.
class ArenaPool::Slot {
 public:
  explicit Slot(const Options& options)
      : block(new char[options.first_block_bytes]), arena(MakeOptions(options, block.get())) {}

  static google::protobuf::ArenaOptions MakeOptions(const Options& options, char* block) {
    google::protobuf::ArenaOptions arena_options;
    arena_options.initial_block = block;
    arena_options.initial_block_size = options.first_block_bytes;
    arena_options.start_block_size = options.first_block_bytes;
    arena_options.max_block_size = options.max_block_bytes;
    return arena_options;
  }

  std::unique_ptr<char[]> block;
  google::protobuf::Arena arena;
  // The thread that created or last reset `arena`: the owner of its first block.
  std::thread::id owner = std::this_thread::get_id();
};

namespace {

ArenaPool::Options Normalized(ArenaPool::Options options) {
  // The arena keeps its own bookkeeping in the first block: smaller ones are not worth pooling.
  options.first_block_bytes = std::max<size_t>(options.first_block_bytes, 1024);
  options.max_block_bytes = std::max(options.max_block_bytes, options.first_block_bytes);
  return options;
}

}  // namespace

ArenaPool::ArenaPool(Options options) : options_(Normalized(options)) {}

ArenaPool::~ArenaPool() {
  for (Slot* slot : idle_) delete slot;
}

ArenaPool::Slot* ArenaPool::Acquire() {
  Slot* slot = nullptr;
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (!idle_.empty()) {
      slot = idle_.back();
      idle_.pop_back();
    } else {
      ++created_;
    }
  }
  if (slot == nullptr) return new Slot(options_);
  // Give this thread the first block (see the class comment).
  if (const std::thread::id me = std::this_thread::get_id(); slot->owner != me) {
    slot->arena.Reset();
    slot->owner = me;
  }
  return slot;
}

google::protobuf::Arena* ArenaPool::ArenaOf(Slot* slot) { return &slot->arena; }

void ArenaPool::Release(Slot* slot) {
  slot->arena.Reset();
  slot->owner = std::this_thread::get_id();
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (idle_.size() < options_.max_idle) {
      idle_.push_back(slot);
      return;
    }
  }
  delete slot;
}

size_t ArenaPool::idle() const {
  std::lock_guard<std::mutex> lock(mu_);
  return idle_.size();
}

size_t ArenaPool::created() const {
  std::lock_guard<std::mutex> lock(mu_);
  return created_;
}

}  // namespace armature::runtime
