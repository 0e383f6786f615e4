#pragma once

#include <array>

#include "google/protobuf/arena.h"
#include "grpcpp/support/message_allocator.h"

namespace armature::runtime {

// ArenaMessageAllocator gives each call of a callback method its request and response on one
// protobuf Arena whose first block lives inside the holder: building an answer in place
// (mutable_/add_) then costs no malloc per string or sub-message, and freeing it is one delete.
// Worth it only for handlers that fill the response in place; moving a heap-built message into
// an arena response copies it. Install with Service::SetMessageAllocatorFor_Method(&allocator);
// the allocator must outlive the server.
template <typename Request, typename Response, size_t kInlineBytes = 768>
class ArenaMessageAllocator final : public grpc::MessageAllocator<Request, Response> {
 public:
  grpc::MessageHolder<Request, Response>* AllocateMessages() override { return new Holder(); }

 private:
  class Holder final : public grpc::MessageHolder<Request, Response> {
   public:
    Holder() : arena_(Options(block_.data())) {
      this->set_request(google::protobuf::Arena::CreateMessage<Request>(&arena_));
      this->set_response(google::protobuf::Arena::CreateMessage<Response>(&arena_));
    }
    void Release() override { delete this; }

   private:
    static google::protobuf::ArenaOptions Options(char* block) {
      google::protobuf::ArenaOptions options;
      options.initial_block = block;
      options.initial_block_size = kInlineBytes;
      return options;
    }
    alignas(8) std::array<char, kInlineBytes> block_;
    google::protobuf::Arena arena_;
  };
};

}  // namespace armature::runtime
