#include "libs/manifest/validator.h"

#include <cmath>
#include <string>

#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/strings/str_cat.h"
#include "libs/manifest/text.h"

namespace armature::manifest {
namespace {

using armature::v1::Job;
using armature::v1::ProductionManifest;
using armature::v1::Violation;

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

  void Required(const std::string& value, const std::string& path, std::string_view what) {
    if (Trim(value).empty())
      Add(path, kRuleRequired, absl::StrCat(path, " is empty; set ", std::string(what)));
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
    absl::flat_hash_map<std::string, int> seen;
    double sum = 0;
    bool sum_valid = true;
    double expected_start = 0;
    for (int i = 0; i < m_.scenes_size(); ++i) {
      const auto& s = m_.scenes(i);
      const std::string base = absl::StrCat("scenes[", i, "]");
      if (s.id().empty()) {
        Add(base + ".id", kRuleRequired,
            absl::StrCat(base, ".id is empty; scenes need ids s1..sN"));
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
      if (s.has_chart()) CheckChart(s.chart(), base + ".chart");
    }
    const double total = m_.metadata().duration_seconds();
    if (sum_valid && std::isfinite(total) && std::fabs(sum - total) > kTimeToleranceSeconds) {
      Add("scenes", kRuleDurationSum,
          absl::StrCat("scene durations sum to ", Seconds(sum), " s; metadata.duration_seconds is ",
                       Seconds(total), " s"));
    }
  }

  void CheckVisual(const armature::v1::Scene& s, const std::string& base, int j) {
    const auto& v = s.visuals(j);
    const std::string path = absl::StrCat(base, ".visuals[", j, "]");
    if (v.type() != "generated" && v.type() != "stock" && v.type() != "chart") {
      Add(path + ".type", kRuleVisualType,
          absl::StrCat("visual type is ", Quote(v.type()),
                       "; use \"generated\", \"stock\" or \"chart\""));
    }
    Required(v.asset_id(), path + ".asset_id", "the asset the visual shows");
    if ((v.type() == "generated" || v.type() == "stock") && Trim(v.prompt()).empty()) {
      Add(path + ".prompt", kRuleRequired,
          absl::StrCat(path, ".prompt is empty; a ", v.type(), " visual needs a prompt or query"));
    }
    if (v.type() == "chart" && !v.asset_id().empty() &&
        (!s.has_chart() || s.chart().asset_id() != v.asset_id())) {
      Add(path + ".asset_id", kRuleUnknownReference,
          absl::StrCat("chart visual shows ", Quote(v.asset_id()), " but the scene's chart is ",
                       s.has_chart() ? Quote(s.chart().asset_id()) : std::string("missing")));
    }
  }

  void CheckChart(const armature::v1::ChartData& chart, const std::string& path) {
    if (chart.points_size() == 0) {
      Add(path + ".points", kRuleChartData, "the chart has no data points");
    }
    for (int k = 0; k < chart.points_size(); ++k) {
      if (!std::isfinite(chart.points(k).value())) {
        Add(absl::StrCat(path, ".points[", k, "].value"), kRuleChartData,
            "chart values must be finite numbers");
      }
    }
    Required(chart.asset_id(), path + ".asset_id", "the asset id of the rendered chart");
  }

  void CheckCues() {
    absl::flat_hash_set<std::string> scene_ids;
    for (const auto& s : m_.scenes()) scene_ids.insert(s.id());
    absl::flat_hash_map<std::string, int> seen;
    const double total = m_.metadata().duration_seconds();
    for (int i = 0; i < m_.audio_cues_size(); ++i) {
      const auto& c = m_.audio_cues(i);
      const std::string base = absl::StrCat("audio_cues[", i, "]");
      if (c.id().empty()) {
        Add(base + ".id", kRuleRequired,
            absl::StrCat(base, ".id is empty; cues need ids such as music_01"));
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

  static std::string PayloadString(const Job& job, const char* key) {
    const auto& fields = job.payload().fields();
    auto it = fields.find(key);
    if (it == fields.end() || !it->second.has_string_value()) return "";
    return it->second.string_value();
  }

  void CheckJobs() {
    const int n = static_cast<int>(jobs_.size());
    absl::flat_hash_map<std::string, int> index;
    for (int i = 0; i < n; ++i) {
      const Job& job = *jobs_[i];
      const std::string base = absl::StrCat("jobs[", i, "]");
      if (job.id().empty()) {
        Add(base + ".id", kRuleRequired,
            absl::StrCat(base, ".id is empty; jobs need ids such as job_tts_s1"));
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
      Required(job.provider(), base + ".provider", "the provider that runs the job");
    }
    absl::flat_hash_set<std::string> scene_ids;
    for (const auto& s : m_.scenes()) scene_ids.insert(s.id());
    // Dependencies name existing jobs.
    std::vector<std::vector<int>> edges(static_cast<size_t>(n));
    for (int i = 0; i < n; ++i) {
      const Job& job = *jobs_[i];
      for (int k = 0; k < job.depends_on_size(); ++k) {
        auto it = index.find(job.depends_on(k));
        if (it == index.end()) {
          Add(absl::StrCat("jobs[", i, "].depends_on[", k, "]"), kRuleUnknownReference,
              absl::StrCat("job ", Quote(job.id()), " depends on ", Quote(job.depends_on(k)),
                           ", which is not a job of this manifest"));
        } else {
          edges[static_cast<size_t>(i)].push_back(it->second);
        }
      }
      const std::string scene = PayloadString(job, "scene_id");
      if (!scene.empty()) {
        if (!scene_ids.contains(scene)) {
          Add(absl::StrCat("jobs[", i, "].payload.scene_id"), kRuleUnknownReference,
              absl::StrCat("job ", Quote(job.id()), " is for scene ", Quote(scene),
                           ", which does not exist"));
        }
      }
    }
    CheckAcyclic(edges);
    CheckRenderAndAssets();
  }

  // Kahn's algorithm: jobs left over sit on or behind a cycle.
  void CheckAcyclic(const std::vector<std::vector<int>>& edges) {
    const size_t n = edges.size();
    std::vector<int> pending(n, 0);
    std::vector<std::vector<int>> dependents(n);
    for (size_t i = 0; i < n; ++i) {
      pending[i] = static_cast<int>(edges[i].size());
      for (int d : edges[i]) dependents[static_cast<size_t>(d)].push_back(static_cast<int>(i));
    }
    std::vector<int> ready;
    for (size_t i = 0; i < n; ++i) {
      if (pending[i] == 0) ready.push_back(static_cast<int>(i));
    }
    size_t done = 0;
    while (!ready.empty()) {
      const int j = ready.back();
      ready.pop_back();
      ++done;
      for (int k : dependents[static_cast<size_t>(j)]) {
        if (--pending[static_cast<size_t>(k)] == 0) ready.push_back(k);
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
    absl::flat_hash_set<std::string> images;
    absl::flat_hash_set<std::string> charts;
    absl::flat_hash_set<std::string> tts_scenes;
    absl::flat_hash_set<std::string> music_cues;
    for (size_t i = 0; i < jobs_.size(); ++i) {
      const Job& job = *jobs_[i];
      switch (job.type()) {
        case armature::v1::RENDER:
          renders.push_back(static_cast<int>(i));
          break;
        case armature::v1::GENERATE_IMAGE:
          images.insert(PayloadString(job, "result_asset_id"));
          break;
        case armature::v1::GENERATE_CHART:
          charts.insert(PayloadString(job, "result_asset_id"));
          break;
        case armature::v1::TTS:
          tts_scenes.insert(PayloadString(job, "scene_id"));
          break;
        case armature::v1::GENERATE_MUSIC:
          music_cues.insert(PayloadString(job, "cue_id"));
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
      absl::flat_hash_set<std::string> deps(render.depends_on().begin(), render.depends_on().end());
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
      const std::string base = absl::StrCat("scenes[", i, "]");
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
          Add(absl::StrCat(base, ".visuals[", j, "].asset_id"), kRuleAssetProduced,
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

  const ProductionManifest& m_;
  std::vector<const Job*> jobs_;
  std::vector<Violation> out_;
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
