#include "bench/loadgen/request.h"

#include <memory>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "armature/bench/v1/echo.pb.h"
#include "armature/v1/arm_info.pb.h"
#include "armature/v1/manifest.pb.h"
#include "armature/v1/orchestrator.pb.h"
#include "armature/v1/planner.pb.h"
#include "google/protobuf/descriptor.h"
#include "google/protobuf/message.h"
#include "google/protobuf/util/json_util.h"
#include "grpc/health/v1/health.pb.h"

namespace armature::bench {
namespace {

// Naming one message of every contract file keeps its generated code (and with it the
// file's descriptors) in the link, so that the generated pool can find the services.
void LinkContracts() {
  static const google::protobuf::Descriptor* const kDescriptors[] = {
      ::armature::v1::GetCapabilitiesRequest::descriptor(),
      ::armature::v1::PlanRequest::descriptor(),
      ::armature::v1::BuildManifestRequest::descriptor(),
      ::armature::v1::SubmitTaskRequest::descriptor(),
      ::armature::bench::v1::EchoRequest::descriptor(),
      grpc::health::v1::HealthCheckRequest::descriptor(),
  };
  (void)kDescriptors;
}

const google::protobuf::MethodDescriptor* FindMethod(const std::string& method_path,
                                                     absl::Status* error) {
  LinkContracts();
  std::string service_name;
  std::string method_name;
  if (absl::Status s = SplitMethodPath(method_path, &service_name, &method_name); !s.ok()) {
    *error = s;
    return nullptr;
  }
  const google::protobuf::ServiceDescriptor* service =
      google::protobuf::DescriptorPool::generated_pool()->FindServiceByName(service_name);
  const google::protobuf::MethodDescriptor* method =
      service == nullptr ? nullptr : service->FindMethodByName(method_name);
  if (method == nullptr) {
    *error = absl::NotFoundError(
        absl::StrCat("method: ", method_path,
                     " is not in the contracts linked into loadgen; pass the serialized request "
                     "with --request_file instead of --request_json"));
  }
  return method;
}

const google::protobuf::Message* Prototype(const google::protobuf::Descriptor* type) {
  return google::protobuf::MessageFactory::generated_factory()->GetPrototype(type);
}

}  // namespace

absl::Status SplitMethodPath(const std::string& path, std::string* service, std::string* method) {
  const size_t slash = path.rfind('/');
  if (path.size() < 4 || path[0] != '/' || slash == 0 || slash == std::string::npos ||
      slash + 1 == path.size()) {
    return absl::InvalidArgumentError(
        absl::StrCat("method: \"", path, "\" is not a gRPC method path like /pkg.Service/Method"));
  }
  *service = path.substr(1, slash - 1);
  *method = path.substr(slash + 1);
  return absl::OkStatus();
}

absl::StatusOr<std::string> SerializeRequestFromJson(const std::string& method_path,
                                                     const std::string& json) {
  absl::Status error;
  const google::protobuf::MethodDescriptor* method = FindMethod(method_path, &error);
  if (method == nullptr) return error;
  std::unique_ptr<google::protobuf::Message> request(Prototype(method->input_type())->New());
  const auto parsed = google::protobuf::util::JsonStringToMessage(json, request.get());
  if (!parsed.ok()) {
    return absl::InvalidArgumentError(absl::StrCat("request_json: not a valid ",
                                                   method->input_type()->full_name(), ": ",
                                                   std::string(parsed.message())));
  }
  return request->SerializeAsString();
}

std::string GrpcFrame(const std::string& message) {
  const uint32_t n = static_cast<uint32_t>(message.size());
  std::string frame;
  frame.reserve(5 + message.size());
  frame.push_back('\0');
  for (int shift = 24; shift >= 0; shift -= 8)
    frame.push_back(static_cast<char>((n >> shift) & 0xff));
  frame += message;
  return frame;
}

absl::StatusOr<ResponseCheck> ResponseCheck::Create(const std::string& method_path,
                                                    const std::string& expectation) {
  absl::Status error;
  const google::protobuf::MethodDescriptor* method = FindMethod(method_path, &error);
  if (method == nullptr) return error;
  const size_t eq = expectation.find('=');
  if (eq == std::string::npos || eq == 0) {
    return absl::InvalidArgumentError(
        absl::StrCat("expect: \"", expectation, "\" is not FIELD.PATH=VALUE"));
  }
  ResponseCheck check;
  check.prototype_ = Prototype(method->output_type());
  check.expected_ = expectation.substr(eq + 1);
  check.expectation_ = expectation;
  const google::protobuf::Descriptor* type = method->output_type();
  for (absl::string_view name : absl::StrSplit(expectation.substr(0, eq), '.')) {
    const google::protobuf::FieldDescriptor* field =
        type == nullptr ? nullptr : type->FindFieldByName(std::string(name));
    if (field == nullptr || field->is_repeated()) {
      return absl::InvalidArgumentError(absl::StrCat("expect: ", method->output_type()->full_name(),
                                                     " has no singular field \"",
                                                     expectation.substr(0, eq), "\""));
    }
    check.path_.push_back(field);
    type = field->message_type();
  }
  if (check.path_.back()->cpp_type() == google::protobuf::FieldDescriptor::CPPTYPE_MESSAGE) {
    return absl::InvalidArgumentError("expect: the last field must be a scalar or an enum");
  }
  return check;
}

absl::Status ResponseCheck::Check(const std::string& response) const {
  using google::protobuf::FieldDescriptor;
  std::unique_ptr<google::protobuf::Message> message(prototype_->New());
  if (!message->ParseFromString(response)) {
    return absl::DataLossError("response does not parse as " + prototype_->GetTypeName());
  }
  const google::protobuf::Message* at = message.get();
  for (size_t i = 0; i + 1 < path_.size(); ++i) {
    at = &at->GetReflection()->GetMessage(*at, path_[i]);
  }
  const google::protobuf::Reflection* r = at->GetReflection();
  const FieldDescriptor* f = path_.back();
  std::string got;
  switch (f->cpp_type()) {
    case FieldDescriptor::CPPTYPE_ENUM:
      got = r->GetEnum(*at, f)->name();
      break;
    case FieldDescriptor::CPPTYPE_STRING:
      got = r->GetString(*at, f);
      break;
    case FieldDescriptor::CPPTYPE_BOOL:
      got = r->GetBool(*at, f) ? "true" : "false";
      break;
    case FieldDescriptor::CPPTYPE_INT32:
      got = absl::StrCat(r->GetInt32(*at, f));
      break;
    case FieldDescriptor::CPPTYPE_INT64:
      got = absl::StrCat(r->GetInt64(*at, f));
      break;
    case FieldDescriptor::CPPTYPE_UINT32:
      got = absl::StrCat(r->GetUInt32(*at, f));
      break;
    case FieldDescriptor::CPPTYPE_UINT64:
      got = absl::StrCat(r->GetUInt64(*at, f));
      break;
    case FieldDescriptor::CPPTYPE_DOUBLE:
      got = absl::StrCat(r->GetDouble(*at, f));
      break;
    case FieldDescriptor::CPPTYPE_FLOAT:
      got = absl::StrCat(r->GetFloat(*at, f));
      break;
    case FieldDescriptor::CPPTYPE_MESSAGE:
      break;
  }
  if (got == expected_) return absl::OkStatus();
  return absl::FailedPreconditionError(
      absl::StrCat("response ", expectation_.substr(0, expectation_.find('=')), " is \"", got,
                   "\", expected \"", expected_, "\""));
}

}  // namespace armature::bench
