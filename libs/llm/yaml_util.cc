#include "libs/llm/yaml_util.h"

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "libs/llm/redact.h"

namespace armature::llm::internal {

absl::StatusOr<std::string> ReadTextFile(const std::string& path) {
  std::error_code ec;
  if (std::filesystem::is_directory(path, ec)) {
    return absl::FailedPreconditionError(
        absl::StrCat(path, ": cannot read: it is a directory, not a file"));
  }
  errno = 0;
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    const int err = errno;
    const std::string reason = err != 0 ? std::strerror(err) : "cannot open";
    if (err == ENOENT) return absl::NotFoundError(absl::StrCat(path, ": ", reason));
    return absl::FailedPreconditionError(absl::StrCat(path, ": cannot read: ", reason));
  }
  std::ostringstream content;
  content << in.rdbuf();
  if (in.bad()) return absl::FailedPreconditionError(absl::StrCat(path, ": read error"));
  return content.str();
}

absl::StatusOr<YAML::Node> ParseYaml(const std::string& text, absl::string_view source) {
  try {
    return YAML::Load(text);
  } catch (const YAML::Exception& e) {
    return absl::InvalidArgumentError(absl::StrCat(
        source, ":", e.mark.line + 1, ":", e.mark.column + 1, ": YAML syntax error: ", e.msg));
  }
}

absl::Status FieldError(absl::string_view source, const YAML::Node& node, absl::string_view field,
                        absl::string_view problem) {
  const YAML::Mark mark = node.IsDefined() ? node.Mark() : YAML::Mark::null_mark();
  if (mark.is_null()) {
    return absl::InvalidArgumentError(absl::StrCat(source, ": ", field, ": ", problem));
  }
  return absl::InvalidArgumentError(
      absl::StrCat(source, ":", mark.line + 1, ": ", field, ": ", problem));
}

std::string Quoted(const YAML::Node& node) {
  if (!node.IsDefined() || node.IsNull()) return "null";
  if (node.IsMap()) return "a mapping";
  if (node.IsSequence()) return "a list";
  return absl::StrCat("\"", absl::CEscape(Truncate(node.Scalar(), 60)), "\"");
}

}  // namespace armature::llm::internal
