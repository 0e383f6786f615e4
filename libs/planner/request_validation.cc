#include "libs/planner/request_validation.h"

#include <algorithm>
#include <string>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/str_format.h"
#include "libs/planner/text.h"

namespace armature::planner {
namespace {

// Keys are user input: quote them, cut to a readable length.
std::string QuoteKey(absl::string_view key) {
  return absl::StrFormat("\"%s\"", TruncateText(key, 40));
}

}  // namespace

absl::Status ValidatePlanRequest(const v1::PlanRequest& request, const PlanLimits& limits) {
  const absl::string_view goal = absl::StripAsciiWhitespace(request.goal());
  if (goal.empty()) return absl::InvalidArgumentError("goal: must not be empty");
  if (const size_t n = Utf8Length(goal); n > static_cast<size_t>(limits.max_goal_chars)) {
    return absl::InvalidArgumentError(absl::StrFormat(
        "goal: must be at most %d characters after trimming (got %d)", limits.max_goal_chars, n));
  }
  if (request.constraints_size() > limits.max_constraints) {
    return absl::InvalidArgumentError(absl::StrFormat("constraints: at most %d allowed (got %d)",
                                                      limits.max_constraints,
                                                      request.constraints_size()));
  }
  for (int i = 0; i < request.constraints_size(); ++i) {
    const absl::string_view c = absl::StripAsciiWhitespace(request.constraints(i));
    if (c.empty()) {
      return absl::InvalidArgumentError(absl::StrFormat(
          "constraints[%d]: must not be empty (remove it or state the constraint)", i));
    }
    if (const size_t n = Utf8Length(c); n > static_cast<size_t>(limits.max_constraint_chars)) {
      return absl::InvalidArgumentError(
          absl::StrFormat("constraints[%d]: must be at most %d characters (got %d)", i,
                          limits.max_constraint_chars, n));
    }
  }
  if (request.context_size() > limits.max_context_entries) {
    return absl::InvalidArgumentError(
        absl::StrFormat("context: at most %d entries allowed (got %d)", limits.max_context_entries,
                        request.context_size()));
  }
  std::vector<absl::string_view> keys;
  keys.reserve(request.context_size());
  for (const auto& [key, value] : request.context()) keys.push_back(key);
  std::sort(keys.begin(), keys.end());
  for (absl::string_view key : keys) {
    if (absl::StripAsciiWhitespace(key).empty()) {
      return absl::InvalidArgumentError("context: keys must not be empty");
    }
    if (const size_t n = Utf8Length(key); n > static_cast<size_t>(limits.max_context_key_chars)) {
      return absl::InvalidArgumentError(
          absl::StrFormat("context[%s]: key must be at most %d characters (got %d)", QuoteKey(key),
                          limits.max_context_key_chars, n));
    }
    const std::string& value = request.context().at(std::string(key));
    if (const size_t n = Utf8Length(value);
        n > static_cast<size_t>(limits.max_context_value_chars)) {
      return absl::InvalidArgumentError(
          absl::StrFormat("context[%s]: value must be at most %d characters (got %d)",
                          QuoteKey(key), limits.max_context_value_chars, n));
    }
  }
  if (const size_t n = Utf8Length(request.request_id());
      n > static_cast<size_t>(limits.max_request_id_chars)) {
    return absl::InvalidArgumentError(absl::StrFormat(
        "request_id: must be at most %d characters (got %d)", limits.max_request_id_chars, n));
  }
  return absl::OkStatus();
}

}  // namespace armature::planner
