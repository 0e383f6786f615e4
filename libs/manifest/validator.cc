#include "libs/manifest/validator.h"

#include <cmath>
#include <string>
#include <string_view>

#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/strings/str_cat.h"
#include "libs/manifest/text.h"

namespace armature::manifest {
namespace {

using armature::v1::Job;
using armature::v1::ProductionManifest;
using armature::v1::Violation;

// Views of the manifest's and jobs' strings.
using ViewSet = absl::flat_hash_set<std::string_view, ShortStringHash>;
template <typename T>
using ViewMap = absl::flat_hash_map<std::string_view, T, ShortStringHash>;

// "scenes[2]": a path prefix, formatted only when a violation names it (valid manifests, the
// common case, need none).
class Path {
 public:
  Path(const char* collection, int index) : collection_(collection), index_(index) {}

  const std::string& str() const {
    if (text_.empty()) text_ = absl::StrCat(collection_, "[", index_, "]");
    return text_;
  }
  std::string operator+(const char* suffix) const { return str() + suffix; }

 private:
  const char* collection_;
  int index_;
  mutable std::string text_;
};

class Checker {
 public:
  Checker(const ProductionManifest& manifest, std::vector<const Job*> jobs)
      : m_(manifest), jobs_(std::move(jobs)) {}

  std::vector<Violation> Run() {
    CheckMetadata();
    CheckScenes();
    CheckCues();
    if (!jobs_.empty()) CheckJobs();
    return std::move(out_);
  }

 private:
  void Add(std::string path, std::string_view rule, std::string message) {
    Violation v;
    v.set_path(std::move(path));
    v.set_rule(std::string(rule));
    v.set_message(std::move(message));
    out_.push_back(std::move(v));
  }

  // `make_path` builds the field's path, only when the field is empty.
  template <typename MakePath>
  void Required(const std::string& value, const MakePath& make_path, std::string_view what) {
    if (!Trim(value).empty()) return;
    std::string path = make_path();
    std::string message = absl::StrCat(path, " is empty; set ", std::string(what));
    Add(std::move(path), kRuleRequired, std::move(message));
  }

  void Required(const std::string& value, const char* path, std::string_view what) {
    Required(
        value, [path] { return std::string(path); }, what);
  }

  static std::string Quote(const std::string& s) {
    return absl::StrCat("\"", TruncateUtf8(s, 60), "\"");
  }

  static std::string Seconds(double v) {
    if (std::isnan(v)) return "NaN";
    return absl::StrCat(v);
  }

  void CheckMetadata() {
    Required(m_.id(), "id", "a manifest id");
    const auto& meta = m_.metadata();
    Required(meta.intent(), "metadata.intent", "what is produced, e.g. \"video\"");
    Required(meta.aspect_ratio(), "metadata.aspect_ratio", "\"auto\" or W:H such as \"16:9\"");
    Required(meta.platform(), "metadata.platform", "the target platform, e.g. \"social\"");
    Required(meta.language(), "metadata.language", "a language code such as \"en\"");
    Required(meta.profile(), "metadata.profile", "a production profile");
    Required(meta.tone(), "metadata.tone", "a tone such as \"neutral\"");
    const double total = meta.duration_seconds();
    if (!std::isfinite(total) || total < 1 || total > 3600) {
      Add("metadata.duration_seconds", kRuleDurationRange,
          absl::StrCat("total duration is ", Seconds(total),
                       " s; it must be between 1 and 3600 s"));
    }
    Required(m_.voice().voice_id(), "voice.voice_id", "the narration voice");
    Required(m_.voice().language(), "voice.language", "the narration language");
  }

  void CheckScenes() {
    if (m_.scenes_size() == 0) {
      Add("scenes", kRuleScenesPresent, "the manifest has no scene; add at least one");
      return;
    }
    // Views of the manifest's ids.
    ViewMap<int> seen;
    seen.reserve(static_cast<size_t>(m_.scenes_size()));
    double sum = 0;
    bool sum_valid = true;
    double expected_start = 0;
    for (int i = 0; i < m_.scenes_size(); ++i) {
      const auto& s = m_.scenes(i);
      const Path base("scenes", i);
      if (s.id().empty()) {
        Add(base + ".id", kRuleRequired,
            absl::StrCat(base.str(), ".id is empty; scenes need ids s1..sN"));
      } else if (auto [it, inserted] = seen.emplace(s.id(), i); !inserted) {
        Add(base + ".id", kRuleUniqueId,
            absl::StrCat("scene id ", Quote(s.id()), " is also used by scenes[", it->second, "]"));
      }
      const std::string& purpose = s.purpose();
      if (purpose != "hook" && purpose != "body" && purpose != "call_to_action") {
        Add(base + ".purpose", kRulePurpose,
            absl::StrCat("purpose is ", Quote(purpose),
                         "; use \"hook\", \"body\" or \"call_to_action\""));
      }
      const double d = s.duration_seconds();
      if (!std::isfinite(d) || d <= 0) {
        Add(base + ".duration_seconds", kRulePositiveDuration,
            absl::StrCat("duration is ", Seconds(d), " s; every scene needs a positive duration"));
        sum_valid = false;
      } else {
        sum += d;
      }
      const double start = s.start_at_seconds();
      if (!std::isfinite(start) || std::fabs(start - expected_start) > kTimeToleranceSeconds) {
        Add(base + ".start_at_seconds", kRuleStartTime,
            absl::StrCat("starts at ", Seconds(start), " s but the previous scenes end at ",
                         Seconds(expected_start), " s"));
      }
      if (std::isfinite(d) && d > 0) expected_start += d;
      for (int j = 0; j < s.visuals_size(); ++j) CheckVisual(s, base, j);
      if (s.has_chart()) CheckChart(s.chart(), base);
    }
    const double total = m_.metadata().duration_seconds();
    if (sum_valid && std::isfinite(total) && std::fabs(sum - total) > kTimeToleranceSeconds) {
      Add("scenes", kRuleDurationSum,
          absl::StrCat("scene durations sum to ", Seconds(sum), " s; metadata.duration_seconds is ",
                       Seconds(total), " s"));
    }
  }

  void CheckVisual(const armature::v1::Scene& s, const Path& base, int j) {
    const auto& v = s.visuals(j);
    const auto path = [&] { return absl::StrCat(base.str(), ".visuals[", j, "]"); };
    const std::string& type = v.type();
    const bool generated = type == "generated";
    const bool stock = !generated && type == "stock";
    const bool chart = !generated && !stock && type == "chart";
    if (!generated && !stock && !chart) {
      Add(path() + ".type", kRuleVisualType,
          absl::StrCat("visual type is ", Quote(type),
                       "; use \"generated\", \"stock\" or \"chart\""));
    }
    Required(
        v.asset_id(), [&] { return path() + ".asset_id"; }, "the asset the visual shows");
    if ((generated || stock) && Trim(v.prompt()).empty()) {
      const std::string p = path();
      Add(p + ".prompt", kRuleRequired,
          absl::StrCat(p, ".prompt is empty; a ", type, " visual needs a prompt or query"));
    }
    if (chart && !v.asset_id().empty() &&
        (!s.has_chart() || s.chart().asset_id() != v.asset_id())) {
      Add(path() + ".asset_id", kRuleUnknownReference,
          absl::StrCat("chart visual shows ", Quote(v.asset_id()), " but the scene's chart is ",
                       s.has_chart() ? Quote(s.chart().asset_id()) : std::string("missing")));
    }
  }

  void CheckChart(const armature::v1::ChartData& chart, const Path& base) {
    const auto path = [&] { return base + ".chart"; };
    if (chart.points_size() == 0) {
      Add(path() + ".points", kRuleChartData, "the chart has no data points");
    }
    for (int k = 0; k < chart.points_size(); ++k) {
      if (!std::isfinite(chart.points(k).value())) {
        Add(absl::StrCat(path(), ".points[", k, "].value"), kRuleChartData,
            "chart values must be finite numbers");
      }
    }
    Required(
        chart.asset_id(), [&] { return path() + ".asset_id"; },
        "the asset id of the rendered chart");
  }

  // Views of the scene ids.
  ViewSet SceneIds() const {
    ViewSet ids;
    ids.reserve(static_cast<size_t>(m_.scenes_size()));
    for (const auto& s : m_.scenes()) ids.insert(s.id());
    return ids;
  }

  void CheckCues() {
    if (m_.audio_cues_size() == 0) return;
    const ViewSet scene_ids = SceneIds();
    ViewMap<int> seen;
    seen.reserve(static_cast<size_t>(m_.audio_cues_size()));
    const double total = m_.metadata().duration_seconds();
    for (int i = 0; i < m_.audio_cues_size(); ++i) {
      const auto& c = m_.audio_cues(i);
      const Path base("audio_cues", i);
      if (c.id().empty()) {
        Add(base + ".id", kRuleRequired,
            absl::StrCat(base.str(), ".id is empty; cues need ids such as music_01"));
      } else if (auto [it, inserted] = seen.emplace(c.id(), i); !inserted) {
        Add(base + ".id", kRuleUniqueId,
            absl::StrCat("cue id ", Quote(c.id()), " is also used by audio_cues[", it->second,
                         "]"));
      }
      if (c.type() != "music" && c.type() != "sfx") {
        Add(base + ".type", kRuleCueType,
            absl::StrCat("cue type is ", Quote(c.type()), "; use \"music\" or \"sfx\""));
      }
      if (!std::isfinite(c.duration_seconds()) || c.duration_seconds() <= 0) {
        Add(base + ".duration_seconds", kRulePositiveDuration,
            absl::StrCat("cue duration is ", Seconds(c.duration_seconds()),
                         " s; it must be positive"));
      } else if (!std::isfinite(c.start_at_seconds()) ||
                 c.start_at_seconds() < -kTimeToleranceSeconds ||
                 (std::isfinite(total) &&
                  c.start_at_seconds() + c.duration_seconds() > total + kTimeToleranceSeconds)) {
        Add(base + ".start_at_seconds", kRuleCueTiming,
            absl::StrCat("cue plays from ", Seconds(c.start_at_seconds()), " s for ",
                         Seconds(c.duration_seconds()), " s, outside the ", Seconds(total),
                         " s production"));
      }
      if (!c.scene_id().empty() && !scene_ids.contains(c.scene_id())) {
        Add(base + ".scene_id", kRuleUnknownReference,
            absl::StrCat("cue belongs to scene ", Quote(c.scene_id()), ", which does not exist"));
      }
    }
  }

  // The payload's string field `key`; empty when missing or not a string.
  static std::string_view PayloadString(const Job& job, const std::string& key) {
    const auto& fields = job.payload().fields();
    auto it = fields.find(key);
    if (it == fields.end() || !it->second.has_string_value()) return {};
    return it->second.string_value();
  }

  void CheckJobs() {
    const int n = static_cast<int>(jobs_.size());
    // Views of the job ids.
    ViewMap<int> index;
    index.reserve(jobs_.size());
    for (int i = 0; i < n; ++i) {
      const Job& job = *jobs_[i];
      const Path base("jobs", i);
      if (job.id().empty()) {
        Add(base + ".id", kRuleRequired,
            absl::StrCat(base.str(), ".id is empty; jobs need ids such as job_tts_s1"));
      } else if (auto [it, inserted] = index.emplace(job.id(), i); !inserted) {
        Add(base + ".id", kRuleUniqueId,
            absl::StrCat("job id ", Quote(job.id()), " is also used by jobs[", it->second, "]"));
      }
      if (job.type() == armature::v1::JOB_TYPE_UNSPECIFIED ||
          !armature::v1::JobType_IsValid(job.type())) {
        Add(base + ".type", kRuleJobType,
            absl::StrCat("job ", Quote(job.id()), " has no valid type; use TTS, GENERATE_IMAGE, ",
                         "GENERATE_CHART, GENERATE_MUSIC or RENDER"));
      }
      if (job.priority() < 1 || job.priority() > 10) {
        Add(base + ".priority", kRulePriorityRange,
            absl::StrCat("priority is ", job.priority(), "; it must be between 1 and 10"));
      }
      Required(
          job.provider(), [&] { return base + ".provider"; }, "the provider that runs the job");
    }
    const ViewSet scene_ids = SceneIds();
    // Dependencies name existing jobs: edges[edge_begin[i], edge_begin[i + 1]) are job i's.
    std::vector<int> edges;
    std::vector<size_t> edge_begin(static_cast<size_t>(n) + 1, 0);
    for (int i = 0; i < n; ++i) {
      const Job& job = *jobs_[i];
      for (int k = 0; k < job.depends_on_size(); ++k) {
        auto it = index.find(job.depends_on(k));
        if (it == index.end()) {
          Add(absl::StrCat("jobs[", i, "].depends_on[", k, "]"), kRuleUnknownReference,
              absl::StrCat("job ", Quote(job.id()), " depends on ", Quote(job.depends_on(k)),
                           ", which is not a job of this manifest"));
        } else {
          edges.push_back(it->second);
        }
      }
      edge_begin[static_cast<size_t>(i) + 1] = edges.size();
      const std::string_view scene = PayloadString(job, keys_.scene_id);
      if (!scene.empty()) {
        if (!scene_ids.contains(scene)) {
          Add(absl::StrCat("jobs[", i, "].payload.scene_id"), kRuleUnknownReference,
              absl::StrCat("job ", Quote(job.id()), " is for scene ", Quote(std::string(scene)),
                           ", which does not exist"));
        }
      }
    }
    CheckAcyclic(edges, edge_begin);
    CheckRenderAndAssets();
  }

  // Kahn's algorithm: jobs left over sit on or behind a cycle.
  void CheckAcyclic(const std::vector<int>& edges, const std::vector<size_t>& edge_begin) {
    const size_t n = edge_begin.size() - 1;
    std::vector<int> pending(n, 0);
    // dependents[dependent_begin[d], dependent_begin[d + 1]) wait on job d.
    std::vector<size_t> dependent_begin(n + 1, 0);
    for (const int d : edges) ++dependent_begin[static_cast<size_t>(d) + 1];
    for (size_t d = 0; d < n; ++d) dependent_begin[d + 1] += dependent_begin[d];
    std::vector<int> dependents(edges.size());
    std::vector<size_t> fill(dependent_begin.begin(), dependent_begin.end() - 1);
    for (size_t i = 0; i < n; ++i) {
      pending[i] = static_cast<int>(edge_begin[i + 1] - edge_begin[i]);
      for (size_t e = edge_begin[i]; e < edge_begin[i + 1]; ++e) {
        dependents[fill[static_cast<size_t>(edges[e])]++] = static_cast<int>(i);
      }
    }
    std::vector<int> ready;
    for (size_t i = 0; i < n; ++i) {
      if (pending[i] == 0) ready.push_back(static_cast<int>(i));
    }
    size_t done = 0;
    while (!ready.empty()) {
      const auto j = static_cast<size_t>(ready.back());
      ready.pop_back();
      ++done;
      for (size_t e = dependent_begin[j]; e < dependent_begin[j + 1]; ++e) {
        const auto k = static_cast<size_t>(dependents[e]);
        if (--pending[k] == 0) ready.push_back(static_cast<int>(k));
      }
    }
    if (done == n) return;
    for (size_t i = 0; i < n; ++i) {
      if (pending[i] > 0) {
        Add(absl::StrCat("jobs[", i, "].depends_on"), kRuleAcyclic,
            absl::StrCat("job ", Quote(jobs_[i]->id()),
                         " is part of or waits on a dependency cycle"));
      }
    }
  }

  void CheckRenderAndAssets() {
    std::vector<int> renders;
    // Views of the jobs' payload strings.
    ViewSet images;
    ViewSet charts;
    ViewSet tts_scenes;
    ViewSet music_cues;
    for (size_t i = 0; i < jobs_.size(); ++i) {
      const Job& job = *jobs_[i];
      switch (job.type()) {
        case armature::v1::RENDER:
          renders.push_back(static_cast<int>(i));
          break;
        case armature::v1::GENERATE_IMAGE:
          images.insert(PayloadString(job, keys_.result_asset_id));
          break;
        case armature::v1::GENERATE_CHART:
          charts.insert(PayloadString(job, keys_.result_asset_id));
          break;
        case armature::v1::TTS:
          tts_scenes.insert(PayloadString(job, keys_.scene_id));
          break;
        case armature::v1::GENERATE_MUSIC:
          music_cues.insert(PayloadString(job, keys_.cue_id));
          break;
        default:
          break;
      }
    }
    if (renders.size() != 1) {
      Add("jobs", kRuleSingleRender,
          absl::StrCat("the job DAG has ", renders.size(), " RENDER jobs; it needs exactly one"));
    } else {
      const Job& render = *jobs_[static_cast<size_t>(renders[0])];
      ViewSet deps;
      deps.reserve(static_cast<size_t>(render.depends_on_size()));
      for (const std::string& d : render.depends_on()) deps.insert(d);
      std::vector<std::string> missing;
      for (const Job* job : jobs_) {
        if (job == &render || job->id().empty()) continue;
        if (!deps.contains(job->id())) missing.push_back(job->id());
      }
      if (!missing.empty()) {
        std::string list;
        for (size_t k = 0; k < missing.size() && k < 5; ++k)
          absl::StrAppend(&list, k ? ", " : "", missing[k]);
        if (missing.size() > 5) absl::StrAppend(&list, ", ...");
        Add(absl::StrCat("jobs[", renders[0], "].depends_on"), kRuleRenderDependencies,
            absl::StrCat("the RENDER job does not depend on ", missing.size(),
                         " asset job(s): ", list));
      }
    }
    for (int i = 0; i < m_.scenes_size(); ++i) {
      const auto& s = m_.scenes(i);
      const Path base("scenes", i);
      if (!s.narration().empty() && !tts_scenes.contains(s.id())) {
        Add(base + ".narration", kRuleAssetProduced,
            absl::StrCat("scene ", Quote(s.id()), " has narration but no TTS job produces it"));
      }
      for (int j = 0; j < s.visuals_size(); ++j) {
        const auto& v = s.visuals(j);
        const bool produced = v.type() == "generated" ? images.contains(v.asset_id())
                              : v.type() == "chart"   ? charts.contains(v.asset_id())
                                                      : true;
        if (!produced && !v.asset_id().empty()) {
          Add(absl::StrCat(base.str(), ".visuals[", j, "].asset_id"), kRuleAssetProduced,
              absl::StrCat("asset ", Quote(v.asset_id()), " is shown but no ",
                           v.type() == "chart" ? "GENERATE_CHART" : "GENERATE_IMAGE",
                           " job produces it"));
        }
      }
      if (s.has_chart() && !s.chart().asset_id().empty() &&
          !charts.contains(s.chart().asset_id())) {
        Add(base + ".chart.asset_id", kRuleAssetProduced,
            absl::StrCat("chart ", Quote(s.chart().asset_id()),
                         " is not produced by a GENERATE_CHART job"));
      }
    }
    for (int i = 0; i < m_.audio_cues_size(); ++i) {
      const auto& c = m_.audio_cues(i);
      if (c.type() == "music" && !c.id().empty() && !music_cues.contains(c.id())) {
        Add(absl::StrCat("audio_cues[", i, "].id"), kRuleAssetProduced,
            absl::StrCat("music cue ", Quote(c.id()), " is not produced by a GENERATE_MUSIC job"));
      }
    }
  }

  // Payload keys looked up, made once.
  struct Keys {
    const std::string scene_id = "scene_id";
    const std::string result_asset_id = "result_asset_id";
    const std::string cue_id = "cue_id";
  };
  static const Keys& PayloadKeys() {
    static const auto* const kKeys = new Keys;
    return *kKeys;
  }

  const ProductionManifest& m_;
  std::vector<const Job*> jobs_;
  std::vector<Violation> out_;
  const Keys& keys_ = PayloadKeys();
};

}  // namespace

std::vector<Violation> ValidateManifest(const ProductionManifest& manifest,
                                        const std::vector<Job>& jobs) {
  std::vector<const Job*> pointers;
  pointers.reserve(jobs.size());
  for (const Job& j : jobs) pointers.push_back(&j);
  return Checker(manifest, std::move(pointers)).Run();
}

std::vector<Violation> ValidateManifest(const ProductionManifest& manifest) {
  return Checker(manifest, {}).Run();
}

std::vector<Violation> ValidateManifest(const ProductionManifest& manifest,
                                        const google::protobuf::RepeatedPtrField<Job>& jobs) {
  std::vector<const Job*> pointers;
  pointers.reserve(static_cast<size_t>(jobs.size()));
  for (const Job& j : jobs) pointers.push_back(&j);
  return Checker(manifest, std::move(pointers)).Run();
}

}  // namespace armature::manifest
