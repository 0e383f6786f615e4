#include "libs/manifest/manifest_json.h"

#include "absl/strings/str_cat.h"
#include "google/protobuf/util/json_util.h"
#include "libs/manifest/text.h"

namespace armature::manifest {

namespace {

template <typename Status>
std::string Message(const Status& status) {
  const auto message = status.message();
  return TruncateUtf8(std::string(message.data(), message.size()), 300);
}

}  // namespace

absl::StatusOr<std::string> ManifestToJson(const armature::v1::ProductionManifest& manifest) {
  google::protobuf::util::JsonPrintOptions options;
  options.preserve_proto_field_names = true;
  options.always_print_primitive_fields = true;
  std::string out;
  const auto status = google::protobuf::util::MessageToJsonString(manifest, &out, options);
  if (!status.ok()) {
    return absl::InvalidArgumentError(
        absl::StrCat("manifest JSON: cannot print the manifest: ", Message(status)));
  }
  return out;
}

absl::StatusOr<armature::v1::ProductionManifest> ParseManifestJson(std::string_view json) {
  if (json.size() > kMaxManifestJsonBytes) {
    return absl::InvalidArgumentError(absl::StrCat("manifest JSON: is ", json.size(),
                                                   " bytes; the limit is ", kMaxManifestJsonBytes));
  }
  const std::string_view body = Trim(json);
  if (body.empty() || body.front() != '{') {
    return absl::InvalidArgumentError("manifest JSON: expected a JSON object");
  }
  google::protobuf::util::JsonParseOptions options;
  options.ignore_unknown_fields = false;
  armature::v1::ProductionManifest manifest;
  const auto status = google::protobuf::util::JsonStringToMessage(
      google::protobuf::StringPiece(body.data(), body.size()), &manifest, options);
  if (!status.ok())
    return absl::InvalidArgumentError(absl::StrCat("manifest JSON: ", Message(status)));
  return manifest;
}

}  // namespace armature::manifest
