#include "libs/manifest/hints.h"

#include <array>
#include <cmath>
#include <cstdlib>
#include <optional>
#include <string_view>

#include "absl/strings/str_cat.h"
#include "libs/manifest/text.h"
#include "nlohmann/json.hpp"

namespace armature::manifest {
namespace {

using Json = nlohmann::json;

constexpr size_t kMaxSettingBytes = 64;
constexpr size_t kMaxJsonTextBytes = 4096;

// Settings gathered from one source; unset fields stay empty.
struct Settings {
  std::optional<double> duration_seconds;
  std::string aspect_ratio;
  std::string platform;
  std::string language;
  std::string tone;
  std::string profile;
  std::string style;
  std::string title;
};

std::string FormatNumber(double value) {
  if (std::isnan(value)) return "NaN";
  if (std::isinf(value)) return value > 0 ? "infinity" : "-infinity";
  return absl::StrCat(value);
}

absl::Status CheckDuration(double value, const std::string& field) {
  if (!std::isfinite(value) || value < kMinDurationSeconds || value > kMaxDurationSeconds) {
    return absl::InvalidArgumentError(
        absl::StrCat(field, ": must be between 1 and 3600 seconds, got ", FormatNumber(value)));
  }
  return absl::OkStatus();
}

// A one-line setting: trimmed, valid UTF-8, no control characters, at most `max_bytes`.
absl::StatusOr<std::string> CleanSetting(std::string_view value, const std::string& field,
                                         size_t max_bytes) {
  if (!IsValidUtf8(value)) {
    return absl::InvalidArgumentError(absl::StrCat(field, ": is not valid UTF-8"));
  }
  const std::string_view trimmed = Trim(value);
  for (char c : trimmed) {
    const auto u = static_cast<unsigned char>(c);
    if (u < 0x20 || u == 0x7F) {
      return absl::InvalidArgumentError(
          absl::StrCat(field, ": must be a single line without control characters"));
    }
  }
  if (trimmed.size() > max_bytes) {
    return absl::InvalidArgumentError(
        absl::StrCat(field, ": is ", trimmed.size(), " bytes long; the limit is ", max_bytes));
  }
  return std::string(trimmed);
}

bool ParsePositiveNumber(std::string_view text, double* out) {
  text = Trim(text);
  if (text.empty() || text.size() > 32) return false;
  const std::string copy(text);
  char* end = nullptr;
  const double v = std::strtod(copy.c_str(), &end);
  if (end != copy.c_str() + copy.size()) return false;
  *out = v;
  return true;
}

absl::StatusOr<std::string> NormalizeAspectRatio(std::string_view raw, const std::string& field) {
  const std::string value = Lower(Trim(raw));
  if (value.empty()) return std::string();
  if (value == "auto" || value == "smart auto" || value == "smart_auto" || value == "automatic") {
    return std::string("auto");
  }
  if (value == "landscape" || value == "horizontal" || value == "widescreen" || value == "wide") {
    return std::string("16:9");
  }
  if (value == "portrait" || value == "vertical") return std::string("9:16");
  if (value == "square") return std::string("1:1");
  // W:H, WxH or W/H with positive numbers.
  const size_t sep = value.find_first_of(":x/");
  if (sep != std::string::npos) {
    double w = 0;
    double h = 0;
    const std::string_view v(value);
    if (ParsePositiveNumber(v.substr(0, sep), &w) && ParsePositiveNumber(v.substr(sep + 1), &h) &&
        std::isfinite(w) && std::isfinite(h) && w > 0 && h > 0 && w <= 100 && h <= 100) {
      return absl::StrCat(w, ":", h);
    }
  }
  return absl::InvalidArgumentError(absl::StrCat(
      field, ": expected \"auto\" or width:height such as \"16:9\", \"9:16\" or \"1:1\", got \"",
      TruncateUtf8(raw, 40), "\""));
}

absl::StatusOr<std::string> NormalizeLanguage(std::string_view raw, const std::string& field) {
  std::string value(Trim(raw));
  if (value.empty()) return value;
  bool ok = value.size() >= 2 && value.size() <= 35;
  size_t primary = 0;
  bool in_primary = true;
  for (char& c : value) {
    if (c == '_') c = '-';
    const bool alpha = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
    const bool digit = c >= '0' && c <= '9';
    if (c == '-') {
      in_primary = false;
    } else if (!alpha && !digit) {
      ok = false;
    } else if (in_primary) {
      ok = ok && alpha;
      ++primary;
    }
  }
  ok = ok && primary >= 2 && primary <= 8 && value.back() != '-';
  if (!ok) {
    return absl::InvalidArgumentError(
        absl::StrCat(field, ": expected a BCP-47 language tag such as \"en\" or \"pt-BR\", got \"",
                     TruncateUtf8(raw, 40), "\""));
  }
  return value;
}

// Applies `source` over the gaps of `into` (fields already set in `into` win).
void FillGaps(Settings& into, const Settings& source) {
  if (!into.duration_seconds) into.duration_seconds = source.duration_seconds;
  const auto fill = [](std::string& a, const std::string& b) {
    if (a.empty()) a = b;
  };
  fill(into.aspect_ratio, source.aspect_ratio);
  fill(into.platform, source.platform);
  fill(into.language, source.language);
  fill(into.tone, source.tone);
  fill(into.profile, source.profile);
  fill(into.style, source.style);
  fill(into.title, source.title);
}

using KeyNames = std::array<const char*, 3>;

const Json* FindKey(const Json& object, const KeyNames& keys, std::string* found) {
  for (const char* key : keys) {
    if (key == nullptr) break;
    auto it = object.find(key);
    if (it != object.end() && !it->is_null()) {
      *found = key;
      return &*it;
    }
  }
  return nullptr;
}

absl::Status ReadJsonObject(const Json& object, const std::string& prefix, Settings& out) {
  std::string key;
  if (const Json* v =
          FindKey(object, KeyNames{"duration_seconds", "durationSeconds", "duration"}, &key)) {
    const std::string field = absl::StrCat(prefix, ".", key);
    double seconds = 0;
    if (v->is_number()) {
      seconds = v->get<double>();
    } else if (!v->is_string() ||
               !ParsePositiveNumber(v->get_ref<const std::string&>(), &seconds)) {
      return absl::InvalidArgumentError(absl::StrCat(field, ": expected a number of seconds"));
    }
    if (absl::Status s = CheckDuration(seconds, field); !s.ok()) return s;
    out.duration_seconds = seconds;
  }
  struct StringKey {
    KeyNames names;
    std::string* target;
    size_t max_bytes;
  };
  const StringKey string_keys[] = {
      {{"aspect_ratio", "aspectRatio", nullptr}, &out.aspect_ratio, kMaxSettingBytes},
      {{"platform", nullptr, nullptr}, &out.platform, kMaxSettingBytes},
      {{"language", nullptr, nullptr}, &out.language, kMaxSettingBytes},
      {{"tone", nullptr, nullptr}, &out.tone, kMaxSettingBytes},
      {{"profile", nullptr, nullptr}, &out.profile, kMaxSettingBytes},
      {{"style", "visual_style", "visualStyle"}, &out.style, kMaxJsonTextBytes},
      {{"title", nullptr, nullptr}, &out.title, kMaxJsonTextBytes},
  };
  for (const StringKey& sk : string_keys) {
    const Json* v = FindKey(object, sk.names, &key);
    if (v == nullptr) continue;
    const std::string field = absl::StrCat(prefix, ".", key);
    if (!v->is_string())
      return absl::InvalidArgumentError(absl::StrCat(field, ": expected a string"));
    absl::StatusOr<std::string> value =
        CleanSetting(v->get_ref<const std::string&>(), field, sk.max_bytes);
    if (!value.ok()) return value.status();
    *sk.target = *std::move(value);
  }
  return absl::OkStatus();
}

absl::StatusOr<Settings> ReadJsonSettings(const std::string& text, const std::string& field) {
  Settings out;
  if (Trim(text).empty()) return out;
  if (text.size() > kMaxHintJsonBytes) {
    return absl::InvalidArgumentError(
        absl::StrCat(field, ": is ", text.size(), " bytes; the limit is ", kMaxHintJsonBytes));
  }
  Json doc;
  try {
    doc = Json::parse(text);
  } catch (const Json::parse_error& e) {
    return absl::InvalidArgumentError(
        absl::StrCat(field, ": not valid JSON (syntax error at byte ", e.byte, ")"));
  }
  if (!doc.is_object()) {
    return absl::InvalidArgumentError(absl::StrCat(field, ": expected a JSON object"));
  }
  if (absl::Status s = ReadJsonObject(doc, field, out); !s.ok()) return s;
  auto metadata = doc.find("metadata");
  if (metadata != doc.end() && metadata->is_object()) {
    Settings nested;
    if (absl::Status s = ReadJsonObject(*metadata, absl::StrCat(field, ".metadata"), nested);
        !s.ok()) {
      return s;
    }
    FillGaps(out, nested);
  }
  return out;
}

}  // namespace

absl::Status ValidateTreatment(const std::string& treatment) {
  const std::string_view trimmed = Trim(treatment);
  if (trimmed.empty()) {
    return absl::InvalidArgumentError("treatment: is empty; provide the treatment text");
  }
  if (trimmed.size() > kMaxTreatmentBytes) {
    return absl::InvalidArgumentError(absl::StrCat("treatment: is ", trimmed.size(),
                                                   " bytes; the limit is ", kMaxTreatmentBytes,
                                                   " bytes (about 15,000 words)"));
  }
  return absl::OkStatus();
}

absl::StatusOr<NormalizedHints> NormalizeHints(const armature::v1::BuildManifestRequest& request) {
  if (absl::Status s = ValidateTreatment(request.treatment()); !s.ok()) return s;

  Settings merged;
  const armature::v1::ManifestHints& hints = request.hints();
  if (hints.duration_seconds() != 0) {
    if (absl::Status s = CheckDuration(hints.duration_seconds(), "hints.duration_seconds");
        !s.ok()) {
      return s;
    }
    merged.duration_seconds = hints.duration_seconds();
  }
  struct HintField {
    const std::string* value;
    const char* name;
    std::string* target;
  };
  const HintField hint_fields[] = {
      {&hints.aspect_ratio(), "hints.aspect_ratio", &merged.aspect_ratio},
      {&hints.platform(), "hints.platform", &merged.platform},
      {&hints.language(), "hints.language", &merged.language},
      {&hints.tone(), "hints.tone", &merged.tone},
      {&hints.profile(), "hints.profile", &merged.profile},
  };
  for (const HintField& f : hint_fields) {
    absl::StatusOr<std::string> value = CleanSetting(*f.value, f.name, kMaxSettingBytes);
    if (!value.ok()) return value.status();
    *f.target = *std::move(value);
  }

  // Later pipeline stages win over earlier ones.
  const std::pair<const std::string*, const char*> documents[] = {
      {&request.script_json(), "script_json"},
      {&request.refiner_json(), "refiner_json"},
      {&request.analyzer_json(), "analyzer_json"},
  };
  std::string aspect_source = "hints.aspect_ratio";
  std::string language_source = "hints.language";
  for (const auto& [text, name] : documents) {
    absl::StatusOr<Settings> settings = ReadJsonSettings(*text, name);
    if (!settings.ok()) return settings.status();
    if (merged.aspect_ratio.empty() && !settings->aspect_ratio.empty()) {
      aspect_source = absl::StrCat(name, ".aspect_ratio");
    }
    if (merged.language.empty() && !settings->language.empty()) {
      language_source = absl::StrCat(name, ".language");
    }
    FillGaps(merged, *settings);
  }

  NormalizedHints out;
  if (merged.duration_seconds) {
    out.duration_seconds = std::round(*merged.duration_seconds * 1000.0) / 1000.0;
    out.duration_is_default = false;
  }
  absl::StatusOr<std::string> aspect = NormalizeAspectRatio(merged.aspect_ratio, aspect_source);
  if (!aspect.ok()) return aspect.status();
  if (!aspect->empty()) out.aspect_ratio = *std::move(aspect);
  absl::StatusOr<std::string> language = NormalizeLanguage(merged.language, language_source);
  if (!language.ok()) return language.status();
  if (!language->empty()) out.language = *std::move(language);
  if (!merged.platform.empty()) out.platform = merged.platform;
  if (!merged.tone.empty()) out.tone = merged.tone;
  if (!merged.profile.empty()) out.profile = merged.profile;
  out.style = merged.style;
  out.title = merged.title;
  return out;
}

}  // namespace armature::manifest
