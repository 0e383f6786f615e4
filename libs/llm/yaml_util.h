#pragma once

#include <algorithm>
#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/string_view.h"
#include "yaml-cpp/yaml.h"

// Helpers shared by the YAML loaders (LLM config, prompt templates, the orchestrator's pipelines).
namespace armature::llm::internal {

// Reads a whole file. NOT_FOUND when it does not exist, FAILED_PRECONDITION when it cannot
// be read; messages name `path` and the system's reason.
absl::StatusOr<std::string> ReadTextFile(const std::string& path);

// Parses YAML text. INVALID_ARGUMENT "<source>:<line>:<column>: YAML syntax error: ..." on
// a syntax error.
absl::StatusOr<YAML::Node> ParseYaml(const std::string& text, absl::string_view source);

// INVALID_ARGUMENT "<source>:<line>: <field>: <problem>" (the line of `node`, when known).
absl::Status FieldError(absl::string_view source, const YAML::Node& node, absl::string_view field,
                        absl::string_view problem);

// A scalar's text, for messages, quoted and shortened.
std::string Quoted(const YAML::Node& node);

// YamlReader reads typed fields from YAML nodes, producing errors that name file, line and
// field: "<source>:<line>: <field>: <problem>". `source` must outlive the reader.
class YamlReader {
 public:
  explicit YamlReader(absl::string_view source) : source_(source) {}

  absl::Status Error(const YAML::Node& node, absl::string_view field,
                     absl::string_view problem) const {
    return FieldError(source_, node, field, problem);
  }

  absl::Status CheckKeys(const YAML::Node& map, absl::string_view path,
                         const std::vector<std::string>& allowed) const {
    for (const auto& item : map) {
      const std::string key = item.first.as<std::string>();
      if (std::find(allowed.begin(), allowed.end(), key) != allowed.end()) continue;
      const std::string field = path.empty() ? key : absl::StrCat(path, ".", key);
      if (key == "api_key") {
        // Never echo the value: it is probably a key.
        return Error(item.first, field,
                     "keys are never read from the file; put the key in an environment "
                     "variable and name that variable in api_key_env");
      }
      return Error(
          item.first, field,
          absl::StrCat("unknown field (expected one of: ", absl::StrJoin(allowed, ", "), ")"));
    }
    return absl::OkStatus();
  }

  absl::StatusOr<std::string> String(const YAML::Node& node, absl::string_view field) const {
    if (!node.IsScalar())
      return Error(node, field, absl::StrCat("expected a string, got ", Quoted(node)));
    return node.Scalar();
  }

  absl::StatusOr<int64_t> Int(const YAML::Node& node, absl::string_view field, int64_t lo,
                              int64_t hi) const {
    int64_t value = 0;
    try {
      if (!node.IsScalar()) throw YAML::BadConversion(node.Mark());
      value = node.as<int64_t>();
    } catch (const YAML::Exception&) {
      return Error(node, field, absl::StrCat("expected an integer, got ", Quoted(node)));
    }
    if (value < lo || value > hi) {
      return Error(node, field, absl::StrCat("must be ", lo, "-", hi, ", got ", value));
    }
    return value;
  }

  absl::StatusOr<double> Double(const YAML::Node& node, absl::string_view field, double lo,
                                double hi) const {
    double value = 0;
    try {
      if (!node.IsScalar()) throw YAML::BadConversion(node.Mark());
      value = node.as<double>();
    } catch (const YAML::Exception&) {
      return Error(node, field, absl::StrCat("expected a number, got ", Quoted(node)));
    }
    if (!(value >= lo && value <= hi)) {
      return Error(node, field, absl::StrCat("must be ", lo, "-", hi, ", got ", value));
    }
    return value;
  }

  absl::StatusOr<bool> Bool(const YAML::Node& node, absl::string_view field) const {
    try {
      if (!node.IsScalar()) throw YAML::BadConversion(node.Mark());
      return node.as<bool>();
    } catch (const YAML::Exception&) {
      return Error(node, field, absl::StrCat("expected true or false, got ", Quoted(node)));
    }
  }

 private:
  absl::string_view source_;
};

}  // namespace armature::llm::internal
