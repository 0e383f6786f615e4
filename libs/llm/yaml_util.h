#pragma once

#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "yaml-cpp/yaml.h"

// Helpers shared by the YAML loaders of this library (config and prompt templates).
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

}  // namespace armature::llm::internal
