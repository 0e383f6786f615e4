#include "libs/manifest/config.h"

#include <cerrno>
#include <cstring>
#include <fstream>
#include <set>
#include <sstream>

#include "absl/strings/str_cat.h"
#include "libs/manifest/text.h"
#include "yaml-cpp/yaml.h"

namespace armature::manifest {
namespace {

class Reader {
 public:
  explicit Reader(std::string source) : source_(std::move(source)) {}

  absl::Status Error(const std::string& path, const std::string& what) const {
    return absl::InvalidArgumentError(absl::StrCat(source_, ": ", path, ": ", what));
  }

  // Checks that `node` is a map whose keys are all in `allowed`.
  absl::Status CheckMap(const YAML::Node& node, const std::string& path,
                        const std::set<std::string>& allowed) const {
    if (!node.IsMap())
      return Error(path.empty() ? "(root)" : path, "expected a mapping of keys to values");
    for (const auto& kv : node) {
      const std::string key = kv.first.as<std::string>("");
      if (!allowed.contains(key)) {
        std::string expected;
        for (const std::string& a : allowed)
          absl::StrAppend(&expected, expected.empty() ? "" : ", ", a);
        return Error(path.empty() ? key : absl::StrCat(path, ".", key),
                     absl::StrCat("unknown key (expected one of: ", expected, ")"));
      }
    }
    return absl::OkStatus();
  }

  absl::Status Int(const YAML::Node& parent, const char* key, const std::string& path, int min,
                   int max, int& out) const {
    const YAML::Node node = parent[key];
    if (!node) return absl::OkStatus();
    const std::string full = absl::StrCat(path, ".", key);
    long long value = 0;
    try {
      if (!node.IsScalar()) throw YAML::Exception(node.Mark(), "not a scalar");
      value = node.as<long long>();
    } catch (const YAML::Exception&) {
      return Error(full, absl::StrCat("expected an integer, got ", Describe(node)));
    }
    if (value < min || value > max) {
      return Error(full, absl::StrCat("must be between ", min, " and ", max, ", got ", value));
    }
    out = static_cast<int>(value);
    return absl::OkStatus();
  }

  absl::Status Double(const YAML::Node& parent, const char* key, const std::string& path,
                      double min, double max, double& out) const {
    const YAML::Node node = parent[key];
    if (!node) return absl::OkStatus();
    const std::string full = absl::StrCat(path, ".", key);
    double value = 0;
    try {
      if (!node.IsScalar()) throw YAML::Exception(node.Mark(), "not a scalar");
      value = node.as<double>();
    } catch (const YAML::Exception&) {
      return Error(full, absl::StrCat("expected a number, got ", Describe(node)));
    }
    if (!(value >= min && value <= max)) {
      return Error(full, absl::StrCat("must be between ", min, " and ", max, ", got ", value));
    }
    out = value;
    return absl::OkStatus();
  }

  absl::Status Bool(const YAML::Node& parent, const char* key, const std::string& path,
                    bool& out) const {
    const YAML::Node node = parent[key];
    if (!node) return absl::OkStatus();
    try {
      if (!node.IsScalar()) throw YAML::Exception(node.Mark(), "not a scalar");
      out = node.as<bool>();
    } catch (const YAML::Exception&) {
      return Error(absl::StrCat(path, ".", key),
                   absl::StrCat("expected true or false, got ", Describe(node)));
    }
    return absl::OkStatus();
  }

  absl::Status String(const YAML::Node& parent, const char* key, const std::string& path,
                      bool allow_empty, std::string& out) const {
    const YAML::Node node = parent[key];
    if (!node) return absl::OkStatus();
    const std::string full = absl::StrCat(path, ".", key);
    if (!node.IsScalar())
      return Error(full, absl::StrCat("expected a string, got ", Describe(node)));
    std::string value = node.as<std::string>("");
    value = std::string(Trim(value));
    if (!IsValidUtf8(value)) return Error(full, "is not valid UTF-8");
    if (value.empty() && !allow_empty) return Error(full, "must not be empty");
    if (value.size() > 1000) return Error(full, "is longer than 1000 bytes");
    out = std::move(value);
    return absl::OkStatus();
  }

 private:
  static std::string Describe(const YAML::Node& node) {
    if (node.IsScalar()) return absl::StrCat("\"", TruncateUtf8(node.Scalar(), 40), "\"");
    if (node.IsSequence()) return "a list";
    if (node.IsMap()) return "a mapping";
    return "nothing";
  }

  std::string source_;
};

absl::Status ReadJob(const Reader& r, const YAML::Node& jobs, const char* name,
                     JobSettings& settings, std::string* format, std::string* model) {
  const YAML::Node node = jobs[name];
  if (!node) return absl::OkStatus();
  const std::string path = absl::StrCat("jobs.", name);
  std::set<std::string> allowed = {"provider", "priority"};
  if (format != nullptr) allowed.insert("format");
  if (model != nullptr) allowed.insert("model");
  if (absl::Status s = r.CheckMap(node, path, allowed); !s.ok()) return s;
  if (absl::Status s = r.String(node, "provider", path, false, settings.provider); !s.ok())
    return s;
  if (absl::Status s = r.Int(node, "priority", path, 1, 10, settings.priority); !s.ok()) return s;
  if (format != nullptr) {
    if (absl::Status s = r.String(node, "format", path, false, *format); !s.ok()) return s;
  }
  if (model != nullptr) {
    if (absl::Status s = r.String(node, "model", path, false, *model); !s.ok()) return s;
  }
  return absl::OkStatus();
}

}  // namespace

ManifestConfig DefaultManifestConfig() { return ManifestConfig(); }

absl::StatusOr<ManifestConfig> ParseManifestConfig(std::string_view yaml,
                                                   std::string_view source_name) {
  const std::string source(source_name);
  Reader r(source);
  YAML::Node root;
  try {
    root = YAML::Load(std::string(yaml));
  } catch (const YAML::Exception& e) {
    return absl::InvalidArgumentError(absl::StrCat(
        source, ":", e.mark.line + 1, ":", e.mark.column + 1, ": YAML syntax error: ", e.msg));
  }
  ManifestConfig config = DefaultManifestConfig();
  if (root.IsNull()) return config;
  try {
    if (absl::Status s = r.CheckMap(root, "", {"parser", "build", "jobs"}); !s.ok()) return s;
    if (const YAML::Node parser = root["parser"]) {
      if (absl::Status s = r.CheckMap(parser, "parser",
                                      {"max_scenes", "max_visuals_per_scene", "max_auto_scenes",
                                       "words_per_auto_scene", "max_line_warnings"});
          !s.ok()) {
        return s;
      }
      ParseOptions& p = config.parser;
      if (absl::Status s = r.Int(parser, "max_scenes", "parser", 1, 1000, p.max_scenes); !s.ok())
        return s;
      if (absl::Status s =
              r.Int(parser, "max_visuals_per_scene", "parser", 1, 100, p.max_visuals_per_scene);
          !s.ok()) {
        return s;
      }
      if (absl::Status s = r.Int(parser, "max_auto_scenes", "parser", 1, 1000, p.max_auto_scenes);
          !s.ok())
        return s;
      if (absl::Status s =
              r.Int(parser, "words_per_auto_scene", "parser", 10, 1000, p.words_per_auto_scene);
          !s.ok()) {
        return s;
      }
      if (absl::Status s =
              r.Int(parser, "max_line_warnings", "parser", 0, 1000, p.max_line_warnings);
          !s.ok()) {
        return s;
      }
    }
    if (const YAML::Node build = root["build"]) {
      if (absl::Status s = r.CheckMap(
              build, "build", {"min_scene_seconds", "default_style", "default_music", "voice_id"});
          !s.ok()) {
        return s;
      }
      BuildOptions& b = config.build;
      if (absl::Status s =
              r.Double(build, "min_scene_seconds", "build", 0.001, 60, b.min_scene_seconds);
          !s.ok()) {
        return s;
      }
      if (absl::Status s = r.String(build, "default_style", "build", false, b.default_style);
          !s.ok())
        return s;
      if (absl::Status s = r.Bool(build, "default_music", "build", b.default_music); !s.ok())
        return s;
      if (absl::Status s = r.String(build, "voice_id", "build", false, b.voice_id); !s.ok())
        return s;
    }
    if (const YAML::Node jobs = root["jobs"]) {
      if (absl::Status s = r.CheckMap(jobs, "jobs", {"tts", "image", "chart", "music", "render"});
          !s.ok())
        return s;
      JobProviders& j = config.jobs;
      if (absl::Status s = ReadJob(r, jobs, "tts", j.tts, &j.tts_format, nullptr); !s.ok())
        return s;
      if (absl::Status s = ReadJob(r, jobs, "image", j.image, nullptr, &j.image_model); !s.ok())
        return s;
      if (absl::Status s = ReadJob(r, jobs, "chart", j.chart, nullptr, nullptr); !s.ok()) return s;
      if (absl::Status s = ReadJob(r, jobs, "music", j.music, nullptr, nullptr); !s.ok()) return s;
      if (absl::Status s = ReadJob(r, jobs, "render", j.render, &j.render_format, nullptr); !s.ok())
        return s;
    }
  } catch (const YAML::Exception& e) {
    return absl::InvalidArgumentError(
        absl::StrCat(source, ":", e.mark.line + 1, ":", e.mark.column + 1, ": ", e.msg));
  }
  return config;
}

absl::StatusOr<ManifestConfig> LoadManifestConfig(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    return absl::NotFoundError(
        absl::StrCat(path, ": cannot open the manifest config: ", std::strerror(errno)));
  }
  std::stringstream buffer;
  buffer << in.rdbuf();
  return ParseManifestConfig(buffer.str(), path);
}

}  // namespace armature::manifest
