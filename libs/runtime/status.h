#pragma once

#include <string_view>

#include "absl/status/status.h"
#include "grpcpp/support/status.h"

namespace armature::runtime {

// Longest message a gRPC status carries; longer ones are cut with a marker.
inline constexpr size_t kMaxStatusMessageBytes = 1024;

// ToGrpcStatus is the one place where absl::Status becomes grpc::Status. Messages
// longer than kMaxStatusMessageBytes are truncated (on a UTF-8 boundary).
grpc::Status ToGrpcStatus(const absl::Status& status);

// FromGrpcStatus converts a status received from a downstream call.
absl::Status FromGrpcStatus(const grpc::Status& status);

// Canonical upper-case name of a gRPC code, e.g. "INVALID_ARGUMENT".
std::string_view StatusCodeName(grpc::StatusCode code);

}  // namespace armature::runtime
