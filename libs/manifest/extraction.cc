#include "libs/manifest/extraction.h"

#include <cmath>
#include <optional>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "libs/manifest/parser.h"
#include "libs/manifest/text.h"
#include "nlohmann/json.hpp"

namespace armature::manifest {
namespace {

using Json = nlohmann::json;

absl::Status Invalid(const std::string& path, std::string_view what) {
  return absl::InvalidArgumentError(
      absl::StrCat("extraction JSON: ", path, ": ", std::string(what)));
}

std::string Path(const std::string& base, const char* key) {
  return base.empty() ? std::string(key) : absl::StrCat(base, ".", key);
}

const Json* Find(const Json& obj, const char* key) {
  auto it = obj.find(key);
  if (it == obj.end() || it->is_null()) return nullptr;
  return &*it;
}

absl::StatusOr<std::string> ReadText(const Json& v, const std::string& path) {
  if (v.is_string()) return std::string(Trim(CleanText(v.get_ref<const std::string&>())));
  if (v.is_number()) return v.dump();
  return Invalid(path, "expected a string");
}

absl::StatusOr<std::string> GetString(const Json& obj, const char* key, const std::string& base) {
  const Json* v = Find(obj, key);
  if (v == nullptr) return std::string();
  return ReadText(*v, Path(base, key));
}

absl::Status GetList(const Json& obj, const char* key, const std::string& base,
                     std::vector<std::string>& out) {
  const Json* v = Find(obj, key);
  if (v == nullptr) return absl::OkStatus();
  const std::string path = Path(base, key);
  if (v->is_string()) {
    std::string s(Trim(CleanText(v->get_ref<const std::string&>())));
    if (!s.empty()) out.push_back(std::move(s));
    return absl::OkStatus();
  }
  if (!v->is_array()) return Invalid(path, "expected a list of strings");
  for (size_t i = 0; i < v->size(); ++i) {
    absl::StatusOr<std::string> s = ReadText((*v)[i], absl::StrCat(path, "[", i, "]"));
    if (!s.ok()) return s.status();
    if (!s->empty()) out.push_back(*std::move(s));
  }
  return absl::OkStatus();
}

absl::StatusOr<std::optional<double>> GetDuration(const Json& obj, const char* key,
                                                  const std::string& base) {
  const Json* v = Find(obj, key);
  if (v == nullptr) return std::optional<double>();
  const std::string path = Path(base, key);
  if (v->is_number()) {
    const double d = v->get<double>();
    if (d == 0) return std::optional<double>();  // "unknown"
    if (!std::isfinite(d) || d < 0 || d > 3600)
      return Invalid(path, "expected a positive number of seconds up to 3600");
    return std::optional<double>(d);
  }
  if (v->is_string()) {
    if (Trim(v->get_ref<const std::string&>()).empty()) return std::optional<double>();
    std::optional<double> d = ParseDurationText(v->get_ref<const std::string&>());
    if (!d || *d > 3600) return Invalid(path, "expected a duration such as 5 or \"5s\"");
    return d;
  }
  return Invalid(path, "expected a positive number of seconds");
}

absl::Status ReadVisuals(const Json& scene, const std::string& base,
                         std::vector<ParsedVisual>& out) {
  const Json* v = Find(scene, "visuals");
  if (v == nullptr) return absl::OkStatus();
  const std::string path = Path(base, "visuals");
  if (!v->is_array()) return Invalid(path, "expected a list");
  for (size_t i = 0; i < v->size(); ++i) {
    const Json& item = (*v)[i];
    const std::string item_path = absl::StrCat(path, "[", i, "]");
    ParsedVisual visual;
    if (item.is_string()) {
      visual.description = std::string(Trim(CleanText(item.get_ref<const std::string&>())));
    } else if (item.is_object()) {
      for (const char* key : {"description", "prompt", "text"}) {
        absl::StatusOr<std::string> s = GetString(item, key, item_path);
        if (!s.ok()) return s.status();
        if (!s->empty()) {
          visual.description = *std::move(s);
          break;
        }
      }
      if (const Json* stock = Find(item, "stock")) {
        if (!stock->is_boolean())
          return Invalid(Path(item_path, "stock"), "expected true or false");
        visual.stock = stock->get<bool>();
      }
      if (const Json* type = Find(item, "type"); type != nullptr && type->is_string()) {
        visual.stock = visual.stock || Lower(type->get_ref<const std::string&>()) == "stock";
      }
    } else {
      return Invalid(item_path, "expected a string or an object with a description");
    }
    if (!visual.description.empty()) out.push_back(std::move(visual));
  }
  return absl::OkStatus();
}

absl::StatusOr<std::optional<ParsedChart>> ReadChart(const Json& scene, const std::string& base) {
  const Json* v = Find(scene, "chart");
  if (v == nullptr) return std::optional<ParsedChart>();
  const std::string path = Path(base, "chart");
  if (v->is_string()) return ParseChartText(CleanText(v->get_ref<const std::string&>()));
  if (!v->is_object()) return Invalid(path, "expected an object with points");
  ParsedChart chart;
  absl::StatusOr<std::string> kind = GetString(*v, "kind", path);
  if (!kind.ok()) return kind.status();
  if (!kind->empty()) chart.kind = Lower(*kind);
  absl::StatusOr<std::string> title = GetString(*v, "title", path);
  if (!title.ok()) return title.status();
  chart.title = *std::move(title);
  const Json* points = Find(*v, "points");
  if (points == nullptr) points = Find(*v, "data");
  const std::string points_path = Path(path, "points");
  if (points == nullptr || !points->is_array())
    return Invalid(points_path, "expected a list of {label, value}");
  for (size_t i = 0; i < points->size() && i < 50; ++i) {
    const Json& p = (*points)[i];
    const std::string p_path = absl::StrCat(points_path, "[", i, "]");
    if (!p.is_object()) return Invalid(p_path, "expected {\"label\": ..., \"value\": ...}");
    absl::StatusOr<std::string> label = GetString(p, "label", p_path);
    if (!label.ok()) return label.status();
    const Json* value = Find(p, "value");
    if (value == nullptr || !value->is_number() || !std::isfinite(value->get<double>())) {
      return Invalid(Path(p_path, "value"), "expected a finite number");
    }
    chart.points.push_back(
        {label->empty() ? std::to_string(i + 1) : *std::move(label), value->get<double>()});
  }
  if (chart.points.empty()) return std::optional<ParsedChart>();
  return std::optional<ParsedChart>(std::move(chart));
}

absl::StatusOr<ParsedScene> ReadScene(const Json& scene, const std::string& base) {
  if (!scene.is_object()) return Invalid(base, "expected an object");
  ParsedScene out;
  absl::StatusOr<std::string> title = GetString(scene, "title", base);
  if (!title.ok()) return title.status();
  out.title = *std::move(title);
  absl::StatusOr<std::optional<double>> duration = GetDuration(scene, "duration_seconds", base);
  if (!duration.ok()) return duration.status();
  out.duration_seconds = *duration;
  absl::StatusOr<std::string> narration = GetString(scene, "narration", base);
  if (!narration.ok()) return narration.status();
  out.narration = *std::move(narration);
  if (absl::Status s = ReadVisuals(scene, base, out.visuals); !s.ok()) return s;
  struct ListKey {
    const char* key;
    std::vector<std::string>* target;
  };
  for (const ListKey& lk :
       {ListKey{"on_screen_text", &out.on_screen_text}, ListKey{"music", &out.music},
        ListKey{"sfx", &out.sfx}, ListKey{"effects", &out.effects}, ListKey{"notes", &out.notes},
        ListKey{"characters", &out.characters}}) {
    if (absl::Status s = GetList(scene, lk.key, base, *lk.target); !s.ok()) return s;
  }
  absl::StatusOr<std::optional<ParsedChart>> chart = ReadChart(scene, base);
  if (!chart.ok()) return chart.status();
  out.chart = *std::move(chart);
  return out;
}

std::string_view StripCodeFence(std::string_view text) {
  text = Trim(text);
  if (text.substr(0, 3) != "```") return text;
  const size_t newline = text.find('\n');
  if (newline == std::string_view::npos) return text;
  text = text.substr(newline + 1);
  const size_t close = text.rfind("```");
  if (close != std::string_view::npos) text = text.substr(0, close);
  return Trim(text);
}

}  // namespace

absl::StatusOr<ParsedTreatment> ParseExtractionJson(std::string_view json) {
  if (json.size() > kMaxExtractionJsonBytes) {
    return absl::InvalidArgumentError(absl::StrCat(
        "extraction JSON: is ", json.size(), " bytes; the limit is ", kMaxExtractionJsonBytes));
  }
  const std::string_view body = StripCodeFence(json);
  Json doc;
  try {
    doc = Json::parse(body.begin(), body.end());
  } catch (const Json::parse_error& e) {
    return absl::InvalidArgumentError(
        absl::StrCat("extraction JSON: not valid JSON (syntax error at byte ", e.byte, ")"));
  }
  if (!doc.is_object()) return Invalid("(root)", "expected a JSON object");
  ParsedTreatment out;
  absl::StatusOr<std::string> title = GetString(doc, "title", "");
  if (!title.ok()) return title.status();
  out.title = *std::move(title);
  absl::StatusOr<std::string> style = GetString(doc, "style", "");
  if (!style.ok()) return style.status();
  out.style = *std::move(style);
  absl::StatusOr<std::optional<double>> total = GetDuration(doc, "duration_seconds", "");
  if (!total.ok()) return total.status();
  out.total_duration_seconds = *total;
  struct ListKey {
    const char* key;
    std::vector<std::string>* target;
  };
  for (const ListKey& lk : {ListKey{"palette", &out.palette}, ListKey{"music", &out.music},
                            ListKey{"characters", &out.characters}, ListKey{"props", &out.props},
                            ListKey{"notes", &out.notes}}) {
    if (absl::Status s = GetList(doc, lk.key, "", *lk.target); !s.ok()) return s;
  }
  const Json* scenes = Find(doc, "scenes");
  if (scenes == nullptr || !scenes->is_array() || scenes->empty()) {
    return Invalid("scenes", "expected a non-empty list of scenes");
  }
  if (scenes->size() > kMaxExtractionScenes) {
    return Invalid("scenes", absl::StrCat("has ", scenes->size(), " scenes; the limit is ",
                                          kMaxExtractionScenes));
  }
  for (size_t i = 0; i < scenes->size(); ++i) {
    absl::StatusOr<ParsedScene> scene = ReadScene((*scenes)[i], absl::StrCat("scenes[", i, "]"));
    if (!scene.ok()) return scene.status();
    out.scenes.push_back(*std::move(scene));
  }
  return out;
}

}  // namespace armature::manifest
