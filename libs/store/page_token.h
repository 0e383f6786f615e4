#pragma once

// Opaque, validated page tokens for TaskStore::ListTasks. A token carries the
// insertion sequence of the last task returned and the filter it was issued for;
// it is web-safe base64 with a checksum so that a garbled or edited token is
// rejected instead of silently listing the wrong page.

#include <cstdint>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "armature/v1/orchestrator.pb.h"

namespace armature::store {

// PageCursor is what a page token carries.
struct PageCursor {
  // Insertion sequence of the last task on the previous page (> 0); the next page
  // starts with the next older task.
  int64_t last_seq = 0;
  // Filter the token was issued for.
  v1::TaskStatus status = v1::TASK_STATUS_UNSPECIFIED;
  v1::TaskKind kind = v1::TASK_KIND_UNSPECIFIED;
};

std::string EncodePageToken(const PageCursor& cursor);

// DecodePageToken returns INVALID_ARGUMENT naming page_token for anything that
// EncodePageToken did not produce.
absl::StatusOr<PageCursor> DecodePageToken(absl::string_view token);

}  // namespace armature::store
