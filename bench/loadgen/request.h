#pragma once

#include <string>
#include <vector>

#include "absl/status/statusor.h"

namespace google::protobuf {
class FieldDescriptor;
class Message;
}  // namespace google::protobuf

namespace armature::bench {

// Splits a gRPC method path "/package.Service/Method" into its service and method names.
absl::Status SplitMethodPath(const std::string& path, std::string* service, std::string* method);

// Serializes a request for `method_path` from its proto3 JSON form. The request type comes
// from the descriptors linked into this binary (every armature.v1 contract and the echo
// service); a method outside them is an error that suggests a pre-serialized request instead.
absl::StatusOr<std::string> SerializeRequestFromJson(const std::string& method_path,
                                                     const std::string& json);

// One gRPC length-prefixed message as it travels in an HTTP/2 DATA frame: a zero
// compression flag, the big-endian length, the bytes. h2load sends it with -d FILE.
std::string GrpcFrame(const std::string& message);

// ResponseCheck verifies one scalar field of a method's response, for calls whose OK status
// does not say they worked (SubmitTask answers OK with a FAILED task). The expectation is
// "dotted.field.path=VALUE" with proto field names; enums compare by value name, bools as
// true/false, numbers in their shortest decimal form.
class ResponseCheck {
 public:
  static absl::StatusOr<ResponseCheck> Create(const std::string& method_path,
                                              const std::string& expectation);
  // OK when `response` parses and the field holds the value; otherwise what was found.
  absl::Status Check(const std::string& response) const;
  const std::string& expectation() const { return expectation_; }

 private:
  ResponseCheck() = default;
  const google::protobuf::Message* prototype_ = nullptr;
  std::vector<const google::protobuf::FieldDescriptor*> path_;
  std::string expected_;
  std::string expectation_;
};

}  // namespace armature::bench
