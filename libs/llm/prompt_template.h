#pragma once

#include <map>
#include <set>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace armature::llm {

// A rendered prompt, ready for an LlmRequest.
struct RenderedPrompt {
  std::string system;
  std::string user;
};

// PromptTemplate is a system and a user prompt with {name} variables, loaded from YAML:
//
//   description: what the prompt is for       # optional
//   version: 3                                # optional
//   system: |
//     You are ... Answer with JSON like {{"steps": [...]}}.
//   user: |
//     Goal: {goal}
//
// A variable is {name} with name = [A-Za-z_][A-Za-z0-9_]*; "{{" and "}}" stand for literal
// braces (so JSON examples are written with doubled braces). Rendering substitutes values
// verbatim: a value containing "{goal}" is not expanded again.
class PromptTemplate {
 public:
  // Parses YAML text; `source` names it in messages. Variables outside `allowed` are
  // errors. Errors (INVALID_ARGUMENT) name the source and the problem: YAML syntax (with
  // line), system or user missing, empty or not a string, an unknown field, an unknown
  // variable, an unbalanced brace (with its line and column in the field's text).
  static absl::StatusOr<PromptTemplate> Parse(const std::string& yaml, absl::string_view source,
                                              const std::set<std::string>& allowed);

  // Substitutes `vars` into both prompts. INVALID_ARGUMENT naming the template and the
  // variable when a variable the template uses has no value; extra values are ignored.
  absl::StatusOr<RenderedPrompt> Render(const std::map<std::string, std::string>& vars) const;

  // Where the template came from.
  const std::string& source() const { return source_; }
  // Optional description from the file.
  const std::string& description() const { return description_; }
  // Variables used by system or user.
  const std::set<std::string>& variables() const { return variables_; }

 private:
  // A literal run of text, or a variable name.
  struct Segment {
    bool is_variable = false;
    std::string text;
  };

  absl::StatusOr<std::string> RenderPart(const std::vector<Segment>& part,
                                         const std::map<std::string, std::string>& vars) const;

  std::string source_;
  std::string description_;
  std::vector<Segment> system_;
  std::vector<Segment> user_;
  std::set<std::string> variables_;
};

// LoadPromptTemplate reads a template file (see PromptTemplate). NOT_FOUND when the file
// does not exist, FAILED_PRECONDITION when it cannot be read, INVALID_ARGUMENT for content
// errors; every message starts with the path.
absl::StatusOr<PromptTemplate> LoadPromptTemplate(const std::string& path,
                                                  const std::set<std::string>& allowed);

}  // namespace armature::llm
