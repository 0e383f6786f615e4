#include "libs/planner/plan_json.h"

#include <cmath>
#include <initializer_list>
#include <optional>
#include <string>

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "libs/planner/json_extract.h"
#include "nlohmann/json.hpp"

namespace armature::planner {
namespace {

using Json = nlohmann::json;

const Json* Field(const Json& object, std::initializer_list<absl::string_view> names) {
  for (absl::string_view name : names) {
    auto it = object.find(std::string(name));
    if (it != object.end() && !it->is_null()) return &*it;
  }
  return nullptr;
}

// A number, or a string starting with one ("3", " 0.8", "120s", "45 seconds").
std::optional<double> AsNumber(const Json& value) {
  if (value.is_number()) return value.get<double>();
  if (!value.is_string()) return std::nullopt;
  absl::string_view s = absl::StripAsciiWhitespace(value.get_ref<const std::string&>());
  size_t end = 0;
  while (end < s.size() && (absl::ascii_isdigit(static_cast<unsigned char>(s[end])) ||
                            s[end] == '.' || (end == 0 && (s[end] == '-' || s[end] == '+')))) {
    ++end;
  }
  double out = 0;
  if (end == 0 || !absl::SimpleAtod(s.substr(0, end), &out)) return std::nullopt;
  return out;
}

std::string Describe(const Json& value) {
  std::string dumped = value.dump();
  if (dumped.size() > 40) dumped = dumped.substr(0, 37) + "...";
  return dumped;
}

class Reader {
 public:
  explicit Reader(v1::Plan* plan) : plan_(plan) {}

  // Integer field: numbers, numeric strings; anything else is noted and read as 0.
  int Int(const Json& object, std::initializer_list<absl::string_view> names,
          const std::string& path) {
    const Json* v = Field(object, names);
    if (v == nullptr) return 0;
    std::optional<double> n = AsNumber(*v);
    if (!n.has_value() || !std::isfinite(*n)) {
      Note(path, *v);
      return 0;
    }
    const double clamped = std::max(-1e9, std::min(1e9, std::round(*n)));
    return static_cast<int>(clamped);
  }

  double Double(const Json& object, std::initializer_list<absl::string_view> names,
                const std::string& path) {
    const Json* v = Field(object, names);
    if (v == nullptr) return 0;
    std::optional<double> n = AsNumber(*v);
    if (!n.has_value() || !std::isfinite(*n)) {
      Note(path, *v);
      return 0;
    }
    // "85%" and 85 both mean 0.85 for a 0-1 score.
    if (*n > 1 && *n <= 100) return *n / 100.0;
    return *n;
  }

  absl::StatusOr<std::string> String(const Json& object,
                                     std::initializer_list<absl::string_view> names,
                                     const std::string& path) {
    const Json* v = Field(object, names);
    if (v == nullptr) return std::string();
    if (v->is_string()) return v->get<std::string>();
    if (v->is_number()) return v->dump();
    return absl::InvalidArgumentError(
        absl::StrFormat("%s: expected a string, got %s", path, Describe(*v)));
  }

  std::vector<std::string> Strings(const Json& object,
                                   std::initializer_list<absl::string_view> names,
                                   const std::string& path) {
    std::vector<std::string> out;
    const Json* v = Field(object, names);
    if (v == nullptr) return out;
    if (v->is_string()) {
      out.push_back(v->get<std::string>());
      return out;
    }
    if (!v->is_array()) {
      Note(path, *v);
      return out;
    }
    for (const Json& item : *v) {
      if (item.is_string()) {
        out.push_back(item.get<std::string>());
      } else if (item.is_number() || item.is_boolean()) {
        out.push_back(item.dump());
      } else if (item.is_object()) {
        // {"criterion": "..."} / {"description": "..."}
        const Json* text = Field(item, {"criterion", "description", "text", "name"});
        if (text != nullptr && text->is_string()) out.push_back(text->get<std::string>());
      }
    }
    return out;
  }

  // Step references: 2, "2", "step 2", "Step 2", or a comma-separated string "1, 2".
  std::vector<int> StepRefs(const Json& object, std::initializer_list<absl::string_view> names,
                            const std::string& path) {
    std::vector<int> out;
    const Json* v = Field(object, names);
    if (v == nullptr) return out;
    auto add = [&](const Json& item) {
      if (item.is_number()) {
        out.push_back(static_cast<int>(std::round(item.get<double>())));
        return;
      }
      if (!item.is_string()) {
        Note(path, item);
        return;
      }
      const std::string& s = item.get_ref<const std::string&>();
      bool any = false;
      size_t i = 0;
      while (i < s.size()) {
        if (!absl::ascii_isdigit(static_cast<unsigned char>(s[i]))) {
          ++i;
          continue;
        }
        size_t j = i;
        while (j < s.size() && absl::ascii_isdigit(static_cast<unsigned char>(s[j]))) ++j;
        int n = 0;
        if (j - i <= 6 && absl::SimpleAtoi(s.substr(i, j - i), &n)) {
          out.push_back(n);
          any = true;
        }
        i = j;
      }
      if (!any && !absl::StripAsciiWhitespace(s).empty()) Note(path, item);
    };
    if (v->is_array()) {
      for (const Json& item : *v) add(item);
    } else {
      add(*v);
    }
    return out;
  }

 private:
  void Note(const std::string& path, const Json& value) {
    plan_->add_warnings(
        absl::StrFormat("LLM reply: %s: ignored unusable value %s", path, Describe(value)));
  }

  v1::Plan* plan_;
};

}  // namespace

absl::StatusOr<v1::Plan> ParsePlanJson(absl::string_view llm_reply) {
  absl::StatusOr<std::string> text = ExtractJson(llm_reply);
  if (!text.ok()) return text.status();
  Json root;
  try {
    root = Json::parse(*text);
  } catch (const Json::exception& e) {
    return absl::InvalidArgumentError(absl::StrCat("LLM reply is not valid JSON: ", e.what()));
  }
  v1::Plan plan;
  Reader reader(&plan);
  const Json* list = nullptr;
  const Json* top = &root;
  if (root.is_array()) {
    list = &root;
  } else if (root.is_object()) {
    // {"plan": {"subtasks": [...], "rationale": ...}} wraps the plan one level down.
    if (const Json* inner = Field(root, {"plan", "result", "response"});
        inner != nullptr && inner->is_object()) {
      top = inner;
    }
    list = Field(*top, {"subtasks", "plan", "steps", "tasks"});
  } else {
    return absl::InvalidArgumentError("LLM reply's JSON must be an object with a subtasks list");
  }
  if (list == nullptr || !list->is_array()) {
    return absl::InvalidArgumentError("LLM reply has no \"subtasks\" (or \"plan\") list of steps");
  }
  if (list->empty()) return absl::InvalidArgumentError("LLM reply's subtasks list is empty");

  for (size_t i = 0; i < list->size(); ++i) {
    const Json& item = (*list)[i];
    const std::string at = absl::StrCat("subtasks[", i, "]");
    if (!item.is_object()) {
      return absl::InvalidArgumentError(
          absl::StrFormat("%s: expected an object, got %s", at, Describe(item)));
    }
    v1::SubTask* t = plan.add_subtasks();
    t->set_step(reader.Int(item, {"step", "step_number", "number", "id"}, at + ".step"));
    absl::StatusOr<std::string> action =
        reader.String(item, {"action", "description", "task", "title", "name"}, at + ".action");
    if (!action.ok()) return action.status();
    t->set_action(*action);
    absl::StatusOr<std::string> arm =
        reader.String(item, {"required_arm", "arm", "assigned_arm", "agent"}, at + ".required_arm");
    if (!arm.ok()) return arm.status();
    t->set_required_arm(*arm);
    for (std::string& c :
         reader.Strings(item, {"acceptance_criteria", "criteria", "success_criteria"},
                        at + ".acceptance_criteria")) {
      t->add_acceptance_criteria(std::move(c));
    }
    for (int dep :
         reader.StepRefs(item, {"depends_on", "dependencies", "deps"}, at + ".depends_on")) {
      t->add_depends_on(dep);
    }
    t->set_estimated_cost_tier(reader.Int(item, {"estimated_cost_tier", "cost_tier", "cost"},
                                          at + ".estimated_cost_tier"));
    t->set_estimated_duration_seconds(reader.Int(
        item, {"estimated_duration_seconds", "duration_seconds", "estimated_duration", "duration"},
        at + ".estimated_duration_seconds"));
  }
  if (top->is_object()) {
    absl::StatusOr<std::string> rationale =
        reader.String(*top, {"rationale", "reasoning", "explanation"}, "rationale");
    if (!rationale.ok()) return rationale.status();
    plan.set_rationale(*rationale);
    plan.set_confidence(reader.Double(*top, {"confidence"}, "confidence"));
    plan.set_total_estimated_duration_seconds(reader.Int(
        *top,
        {"total_estimated_duration_seconds", "total_estimated_duration", "total_duration_seconds"},
        "total_estimated_duration_seconds"));
    plan.set_complexity_score(
        reader.Double(*top, {"complexity_score", "complexity"}, "complexity_score"));
  }
  return plan;
}

}  // namespace armature::planner
