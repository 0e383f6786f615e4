#include "libs/llm/prompt_template.h"

#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "libs/llm/yaml_util.h"

namespace armature::llm {
namespace {

using internal::FieldError;
using internal::Quoted;

bool IsNameStart(char c) { return absl::ascii_isalpha(static_cast<unsigned char>(c)) || c == '_'; }
bool IsNameChar(char c) { return absl::ascii_isalnum(static_cast<unsigned char>(c)) || c == '_'; }

// 1-based line and column of `offset` in `text`.
std::string Where(absl::string_view text, size_t offset) {
  size_t line = 1;
  size_t column = 1;
  for (size_t i = 0; i < offset && i < text.size(); ++i) {
    if (text[i] == '\n') {
      ++line;
      column = 1;
    } else {
      ++column;
    }
  }
  return absl::StrCat("line ", line, ", column ", column);
}

std::string AllowedList(const std::set<std::string>& allowed) {
  if (allowed.empty()) return "none";
  return absl::StrJoin(allowed, ", ", [](std::string* out, const std::string& name) {
    absl::StrAppend(out, "{", name, "}");
  });
}

}  // namespace

absl::StatusOr<PromptTemplate> PromptTemplate::Parse(const std::string& yaml,
                                                     absl::string_view source,
                                                     const std::set<std::string>& allowed) {
  absl::StatusOr<YAML::Node> root = internal::ParseYaml(yaml, source);
  if (!root.ok()) return root.status();
  if (!root->IsMap()) {
    return FieldError(source, *root, "(top level)",
                      absl::StrCat("expected a mapping with system and user, got ",
                                   root->IsNull() ? "an empty document" : Quoted(*root)));
  }
  static const auto* kKeys = new std::set<std::string>{"system", "user", "description", "version"};
  for (const auto& item : *root) {
    const std::string key = item.first.as<std::string>();
    if (kKeys->count(key) == 0) {
      return FieldError(source, item.first, key,
                        "unknown field (expected system, user, description, version)");
    }
  }

  PromptTemplate tmpl;
  tmpl.source_ = std::string(source);
  if (const YAML::Node d = (*root)["description"]; d) {
    if (!d.IsScalar()) return FieldError(source, d, "description", "expected a string");
    tmpl.description_ = d.Scalar();
  }
  if (const YAML::Node v = (*root)["version"]; v && !v.IsScalar()) {
    return FieldError(source, v, "version", "expected a string or number");
  }

  for (const char* field : {"system", "user"}) {
    const YAML::Node node = (*root)[field];
    if (!node) {
      return FieldError(source, *root, field,
                        absl::StrCat("missing (a prompt template needs both system and user)"));
    }
    if (!node.IsScalar()) {
      return FieldError(source, node, field, absl::StrCat("expected a string, got ", Quoted(node)));
    }
    const std::string& text = node.Scalar();
    if (absl::StripAsciiWhitespace(text).empty()) {
      return FieldError(source, node, field, "must not be empty");
    }
    std::vector<Segment>& part = absl::string_view(field) == "system" ? tmpl.system_ : tmpl.user_;
    std::string literal;
    for (size_t i = 0; i < text.size(); ++i) {
      const char c = text[i];
      if (c == '{' && i + 1 < text.size() && text[i + 1] == '{') {
        literal.push_back('{');
        ++i;
        continue;
      }
      if (c == '}' && i + 1 < text.size() && text[i + 1] == '}') {
        literal.push_back('}');
        ++i;
        continue;
      }
      if (c == '}') {
        return FieldError(source, node, field,
                          absl::StrCat("unbalanced '}' at ", Where(text, i),
                                       " of the text (write }} for a literal brace)"));
      }
      if (c != '{') {
        literal.push_back(c);
        continue;
      }
      size_t end = i + 1;
      if (end < text.size() && IsNameStart(text[end])) {
        while (end < text.size() && IsNameChar(text[end])) ++end;
      }
      if (end == i + 1 || end >= text.size() || text[end] != '}') {
        return FieldError(source, node, field,
                          absl::StrCat("unbalanced '{' at ", Where(text, i),
                                       " of the text: expected {name} (write {{ for a literal "
                                       "brace)"));
      }
      std::string name = text.substr(i + 1, end - i - 1);
      if (allowed.count(name) == 0) {
        return FieldError(source, node, field,
                          absl::StrCat("unknown variable {", name, "} at ", Where(text, i),
                                       " of the text (allowed: ", AllowedList(allowed), ")"));
      }
      if (!literal.empty()) part.push_back(Segment{false, std::move(literal)});
      literal.clear();
      tmpl.variables_.insert(name);
      part.push_back(Segment{true, std::move(name)});
      i = end;
    }
    if (!literal.empty()) part.push_back(Segment{false, std::move(literal)});
  }
  return tmpl;
}

absl::StatusOr<std::string> PromptTemplate::RenderPart(
    const std::vector<Segment>& part, const std::map<std::string, std::string>& vars) const {
  std::string out;
  for (const Segment& segment : part) {
    if (!segment.is_variable) {
      out += segment.text;
      continue;
    }
    auto it = vars.find(segment.text);
    if (it == vars.end()) {
      return absl::InvalidArgumentError(
          absl::StrCat(source_, ": no value given for variable {", segment.text, "}"));
    }
    out += it->second;
  }
  return out;
}

absl::StatusOr<RenderedPrompt> PromptTemplate::Render(
    const std::map<std::string, std::string>& vars) const {
  RenderedPrompt prompt;
  absl::StatusOr<std::string> system = RenderPart(system_, vars);
  if (!system.ok()) return system.status();
  absl::StatusOr<std::string> user = RenderPart(user_, vars);
  if (!user.ok()) return user.status();
  prompt.system = *std::move(system);
  prompt.user = *std::move(user);
  return prompt;
}

absl::StatusOr<PromptTemplate> LoadPromptTemplate(const std::string& path,
                                                  const std::set<std::string>& allowed) {
  absl::StatusOr<std::string> text = internal::ReadTextFile(path);
  if (!text.ok()) {
    return absl::Status(text.status().code(),
                        absl::StrCat("prompt template ", text.status().message()));
  }
  return PromptTemplate::Parse(*text, path, allowed);
}

}  // namespace armature::llm
