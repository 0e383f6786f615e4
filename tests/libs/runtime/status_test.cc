#include "libs/runtime/status.h"

#include "gtest/gtest.h"

namespace armature::runtime {
namespace {

struct CodePair {
  absl::StatusCode absl_code;
  grpc::StatusCode grpc_code;
  const char* name;
};

class StatusMappingTest : public ::testing::TestWithParam<CodePair> {};

TEST_P(StatusMappingTest, MapsEveryCanonicalCodeBothWays) {
  const CodePair& p = GetParam();
  const grpc::Status g = ToGrpcStatus(absl::Status(p.absl_code, "boom"));
  EXPECT_EQ(g.error_code(), p.grpc_code);
  EXPECT_EQ(StatusCodeName(p.grpc_code), p.name);
  if (p.absl_code != absl::StatusCode::kOk) {
    EXPECT_EQ(g.error_message(), "boom");
    const absl::Status back = FromGrpcStatus(g);
    EXPECT_EQ(back.code(), p.absl_code);
    EXPECT_EQ(back.message(), "boom");
  } else {
    EXPECT_TRUE(g.ok());
  }
}

INSTANTIATE_TEST_SUITE_P(
    AllCodes, StatusMappingTest,
    ::testing::Values(
        CodePair{absl::StatusCode::kOk, grpc::StatusCode::OK, "OK"},
        CodePair{absl::StatusCode::kCancelled, grpc::StatusCode::CANCELLED, "CANCELLED"},
        CodePair{absl::StatusCode::kUnknown, grpc::StatusCode::UNKNOWN, "UNKNOWN"},
        CodePair{absl::StatusCode::kInvalidArgument, grpc::StatusCode::INVALID_ARGUMENT,
                 "INVALID_ARGUMENT"},
        CodePair{absl::StatusCode::kDeadlineExceeded, grpc::StatusCode::DEADLINE_EXCEEDED,
                 "DEADLINE_EXCEEDED"},
        CodePair{absl::StatusCode::kNotFound, grpc::StatusCode::NOT_FOUND, "NOT_FOUND"},
        CodePair{absl::StatusCode::kAlreadyExists, grpc::StatusCode::ALREADY_EXISTS,
                 "ALREADY_EXISTS"},
        CodePair{absl::StatusCode::kPermissionDenied, grpc::StatusCode::PERMISSION_DENIED,
                 "PERMISSION_DENIED"},
        CodePair{absl::StatusCode::kResourceExhausted, grpc::StatusCode::RESOURCE_EXHAUSTED,
                 "RESOURCE_EXHAUSTED"},
        CodePair{absl::StatusCode::kFailedPrecondition, grpc::StatusCode::FAILED_PRECONDITION,
                 "FAILED_PRECONDITION"},
        CodePair{absl::StatusCode::kAborted, grpc::StatusCode::ABORTED, "ABORTED"},
        CodePair{absl::StatusCode::kOutOfRange, grpc::StatusCode::OUT_OF_RANGE, "OUT_OF_RANGE"},
        CodePair{absl::StatusCode::kUnimplemented, grpc::StatusCode::UNIMPLEMENTED,
                 "UNIMPLEMENTED"},
        CodePair{absl::StatusCode::kInternal, grpc::StatusCode::INTERNAL, "INTERNAL"},
        CodePair{absl::StatusCode::kUnavailable, grpc::StatusCode::UNAVAILABLE, "UNAVAILABLE"},
        CodePair{absl::StatusCode::kDataLoss, grpc::StatusCode::DATA_LOSS, "DATA_LOSS"},
        CodePair{absl::StatusCode::kUnauthenticated, grpc::StatusCode::UNAUTHENTICATED,
                 "UNAUTHENTICATED"}),
    [](const ::testing::TestParamInfo<CodePair>& info) { return std::string(info.param.name); });

TEST(StatusTest, TruncatesLongMessagesOnUtf8Boundary) {
  // 2-byte characters so that a naive cut would split one.
  std::string message;
  for (int i = 0; i < 2000; ++i) message += "\xC3\xA9";
  const grpc::Status g = ToGrpcStatus(absl::InvalidArgumentError(message));
  EXPECT_LE(g.error_message().size(), kMaxStatusMessageBytes);
  EXPECT_NE(g.error_message().find("(truncated)"), std::string::npos);
  const std::string prefix = g.error_message().substr(0, g.error_message().find("..."));
  EXPECT_EQ(prefix.size() % 2, 0u) << "cut inside a UTF-8 sequence";
}

TEST(StatusTest, KeepsShortMessagesIntact) {
  const grpc::Status g = ToGrpcStatus(absl::NotFoundError("task \"t1\" not found"));
  EXPECT_EQ(g.error_message(), "task \"t1\" not found");
}

TEST(StatusTest, UnknownGrpcCodeBecomesUnknown) {
  const absl::Status s = FromGrpcStatus(grpc::Status(static_cast<grpc::StatusCode>(99), "odd"));
  EXPECT_EQ(s.code(), absl::StatusCode::kUnknown);
  EXPECT_EQ(s.message(), "odd");
}

}  // namespace
}  // namespace armature::runtime
