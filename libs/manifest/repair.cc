#include "libs/manifest/repair.h"

#include <algorithm>
#include <cmath>
#include <utility>

#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "google/protobuf/io/coded_stream.h"
#include "google/protobuf/io/zero_copy_stream_impl_lite.h"
#include "libs/manifest/text.h"
#include "libs/manifest/validator.h"

namespace armature::manifest {
namespace {

using armature::v1::Job;
using armature::v1::ProductionManifest;
using armature::v1::Violation;
using JobField = google::protobuf::RepeatedPtrField<Job>;

constexpr int kMaxRepairWarnings = 20;
constexpr size_t kMaxFallbackNarrationBytes = 5000;

bool Finite(double v) { return std::isfinite(v); }

bool ValidTotal(double v) {
  return std::isfinite(v) && v >= kMinDurationSeconds && v <= kMaxDurationSeconds;
}

std::string StableId(const ProductionManifest& m) {
  std::string bytes;
  {
    google::protobuf::io::StringOutputStream stream(&bytes);
    google::protobuf::io::CodedOutputStream coded(&stream);
    coded.SetSerializationDeterministic(true);
    m.SerializeToCodedStream(&coded);
  }
  StableHasher h;
  h.Add("armature.manifest.repair.v1");
  h.Add(bytes);
  return absl::StrFormat("mf_%016x", h.value());
}

std::string Style(const ProductionManifest& m, const RepairContext& ctx) {
  if (!Trim(m.consistency().style()).empty()) return m.consistency().style();
  if (!ctx.hints.style.empty()) return ctx.hints.style;
  return ctx.build.default_style;
}

const JobSettings& SettingsFor(armature::v1::JobType type, const JobProviders& p) {
  switch (type) {
    case armature::v1::TTS:
      return p.tts;
    case armature::v1::GENERATE_IMAGE:
      return p.image;
    case armature::v1::GENERATE_CHART:
      return p.chart;
    case armature::v1::GENERATE_MUSIC:
      return p.music;
    default:
      return p.render;
  }
}

class Repairer {
 public:
  Repairer(ProductionManifest& m, JobField& jobs, const RepairContext& ctx, RepairReport& out)
      : m_(m), jobs_(jobs), ctx_(ctx), out_(out) {}

  void Run() {
    const bool had_jobs = !jobs_.empty();
    RepairMetadata();
    RepairSceneIds();
    RepairScenes();
    RepairTiming();
    RepairCues();
    if (m_.id().empty()) {
      m_.set_id(StableId(m_));
      Fix(kRepairMissingFields, "id: derived a manifest id from the content");
    }
    if (had_jobs) RepairJobs();
    if (suppressed_ > 0)
      out_.warnings.push_back(absl::StrCat("and ", suppressed_, " more repairs"));
  }

 private:
  void Fix(std::string_view kind, std::string what) {
    ++out_.repairs[std::string(kind)];
    if (warnings_ < kMaxRepairWarnings) {
      ++warnings_;
      out_.warnings.push_back(absl::StrCat("repaired ", what));
    } else {
      ++suppressed_;
    }
  }

  void Fill(std::string* field, const std::string& value, const char* path) {
    if (!Trim(*field).empty()) return;
    *field = value;
    Fix(kRepairMissingFields, absl::StrCat(path, ": set to \"", value, "\""));
  }

  void RepairMetadata() {
    auto& meta = *m_.mutable_metadata();
    Fill(meta.mutable_intent(), "video", "metadata.intent");
    if (!ValidTotal(meta.duration_seconds())) {
      const double total =
          ValidTotal(ctx_.hints.duration_seconds) ? ctx_.hints.duration_seconds : 60.0;
      meta.set_duration_seconds(total);
      Fix(kRepairDurations, absl::StrCat("metadata.duration_seconds: set to ", total, " s"));
    }
    const NormalizedHints defaults;
    const auto pick = [](const std::string& hint, const std::string& fallback) {
      return Trim(hint).empty() ? fallback : hint;
    };
    Fill(meta.mutable_aspect_ratio(), pick(ctx_.hints.aspect_ratio, defaults.aspect_ratio),
         "metadata.aspect_ratio");
    Fill(meta.mutable_platform(), pick(ctx_.hints.platform, defaults.platform),
         "metadata.platform");
    Fill(meta.mutable_language(), pick(ctx_.hints.language, defaults.language),
         "metadata.language");
    Fill(meta.mutable_profile(), pick(ctx_.hints.profile, defaults.profile), "metadata.profile");
    Fill(meta.mutable_tone(), pick(ctx_.hints.tone, defaults.tone), "metadata.tone");
    auto& voice = *m_.mutable_voice();
    Fill(voice.mutable_voice_id(), ctx_.build.voice_id.empty() ? "eva" : ctx_.build.voice_id,
         "voice.voice_id");
    Fill(voice.mutable_language(), meta.language(), "voice.language");
  }

  void RepairSceneIds() {
    if (m_.scenes_size() == 0) {
      auto& s = *m_.add_scenes();
      s.set_id("s1");
      s.set_title(m_.metadata().title());
      s.set_purpose("hook");
      Fix(kRepairMissingFields, "scenes: added one scene spanning the production");
    }
    absl::flat_hash_set<std::string> seen;
    bool renumber = false;
    bool duplicate = false;
    for (const auto& s : m_.scenes()) {
      if (s.id().empty()) {
        renumber = true;
      } else if (!seen.insert(s.id()).second) {
        renumber = true;
        duplicate = true;
      }
    }
    if (!renumber) return;
    // Renumber s1..sN; references follow the first scene that had the old id.
    absl::flat_hash_map<std::string, std::string> renamed;
    for (int i = 0; i < m_.scenes_size(); ++i) {
      auto& s = *m_.mutable_scenes(i);
      const std::string id = absl::StrCat("s", i + 1);
      if (!s.id().empty()) renamed.emplace(s.id(), id);
      s.set_id(id);
    }
    for (auto& cue : *m_.mutable_audio_cues()) {
      if (cue.scene_id().empty()) continue;
      auto it = renamed.find(cue.scene_id());
      if (it != renamed.end()) cue.set_scene_id(it->second);
    }
    Fix(duplicate ? kRepairDuplicateIds : kRepairMissingFields,
        absl::StrCat("scenes[].id: renumbered the scenes s1..s", m_.scenes_size()));
  }

  void RepairScenes() {
    const int n = m_.scenes_size();
    const std::string style = Style(m_, ctx_);
    absl::flat_hash_set<std::string> assets;
    for (const auto& s : m_.scenes()) {
      for (const auto& v : s.visuals()) {
        if (!v.asset_id().empty()) assets.insert(v.asset_id());
      }
      if (s.has_chart() && !s.chart().asset_id().empty()) assets.insert(s.chart().asset_id());
    }
    const auto fresh_asset = [&](const std::string& base) {
      std::string id = base;
      for (int k = 2; assets.contains(id); ++k) id = absl::StrCat(base, "_", k);
      assets.insert(id);
      return id;
    };
    for (int i = 0; i < n; ++i) {
      auto& s = *m_.mutable_scenes(i);
      const std::string base = absl::StrCat("scenes[", i, "]");
      const std::string& p = s.purpose();
      if (p != "hook" && p != "body" && p != "call_to_action") {
        const std::string purpose = i == 0                   ? "hook"
                                    : (i + 1 == n && n >= 3) ? "call_to_action"
                                                             : "body";
        Fix(kRepairInvalidValues,
            absl::StrCat(base, ".purpose: \"", TruncateUtf8(p, 40), "\" -> ", purpose));
        s.set_purpose(purpose);
      }
      // Chart data.
      if (s.has_chart()) {
        auto& chart = *s.mutable_chart();
        for (auto& point : *chart.mutable_points()) {
          if (!Finite(point.value())) {
            point.set_value(0);
            Fix(kRepairInvalidValues,
                absl::StrCat(base, ".chart.points: non-finite value set to 0"));
          }
        }
        if (chart.points_size() == 0) {
          // Its chart visuals become generated ones below.
          s.clear_chart();
          Fix(kRepairInvalidValues,
              absl::StrCat(base, ".chart: removed a chart without data points"));
        } else if (chart.asset_id().empty()) {
          chart.set_asset_id(fresh_asset(absl::StrCat(s.id(), "_chart")));
          Fix(kRepairMissingFields,
              absl::StrCat(base, ".chart.asset_id: set to ", chart.asset_id()));
        }
      }
      for (int j = 0; j < s.visuals_size(); ++j) {
        auto& v = *s.mutable_visuals(j);
        const std::string path = absl::StrCat(base, ".visuals[", j, "]");
        if (v.type() != "generated" && v.type() != "stock" && v.type() != "chart") {
          const std::string type =
              s.has_chart() && v.asset_id() == s.chart().asset_id() ? "chart" : "generated";
          Fix(kRepairInvalidValues,
              absl::StrCat(path, ".type: \"", TruncateUtf8(v.type(), 40), "\" -> ", type));
          v.set_type(type);
        }
        if (v.type() == "chart") {
          if (s.has_chart() && v.asset_id() != s.chart().asset_id()) {
            v.set_asset_id(s.chart().asset_id());
            Fix(kRepairUnknownReferences,
                absl::StrCat(path, ".asset_id: points at the scene's chart"));
          } else if (!s.has_chart()) {
            v.set_type("generated");
            v.set_asset_id(std::string());
            Fix(kRepairUnknownReferences,
                absl::StrCat(path, ": the scene has no chart; made a generated visual"));
          }
        }
        if (v.asset_id().empty()) {
          v.set_asset_id(
              fresh_asset(absl::StrCat(s.id(), v.type() == "stock" ? "_stock" : "_img", j + 1)));
          Fix(kRepairMissingFields, absl::StrCat(path, ".asset_id: set to ", v.asset_id()));
        }
        if (v.type() != "chart" && Trim(v.prompt()).empty()) {
          const std::string& subject = !s.narration().empty() ? s.narration()
                                       : !s.title().empty()   ? s.title()
                                                              : s.id();
          v.set_prompt(absl::StrCat("Illustration of: ", TruncateUtf8(subject, 300), ", ", style));
          Fix(kRepairMissingFields, absl::StrCat(path, ".prompt: built from the scene's text"));
        }
      }
    }
  }

  void RepairTiming() {
    const double total = m_.metadata().duration_seconds();
    const int n = m_.scenes_size();
    bool retime = false;
    double sum = 0;
    std::vector<std::optional<double>> declared(static_cast<size_t>(n));
    std::vector<double> weights(static_cast<size_t>(n));
    for (int i = 0; i < n; ++i) {
      const auto& s = m_.scenes(i);
      const double d = s.duration_seconds();
      if (Finite(d) && d > 0) {
        declared[static_cast<size_t>(i)] = d;
        sum += d;
      } else {
        retime = true;
      }
      weights[static_cast<size_t>(i)] = std::max(8, CountWords(s.narration()));
    }
    if (!retime && std::fabs(sum - total) > kTimeToleranceSeconds) retime = true;
    if (retime) {
      std::vector<std::string> notes;
      const std::vector<double> durations =
          AssignDurations(declared, weights, total, ctx_.build.min_scene_seconds, &notes);
      for (int i = 0; i < n; ++i)
        m_.mutable_scenes(i)->set_duration_seconds(durations[static_cast<size_t>(i)]);
      Fix(kRepairDurations, absl::StrCat("scenes[].duration_seconds: re-timed ", n,
                                         " scene(s) to sum to ", total, " s"));
    }
    int64_t start_ms = 0;
    bool restarted = false;
    for (int i = 0; i < n; ++i) {
      auto& s = *m_.mutable_scenes(i);
      const double start = static_cast<double>(start_ms) / 1000.0;
      if (!Finite(s.start_at_seconds()) ||
          std::fabs(s.start_at_seconds() - start) > kTimeToleranceSeconds / 2) {
        s.set_start_at_seconds(start);
        restarted = true;
      }
      start_ms += std::llround(s.duration_seconds() * 1000.0);
    }
    if (restarted)
      Fix(kRepairDurations, "scenes[].start_at_seconds: recomputed from the durations");
  }

  void RepairCues() {
    absl::flat_hash_map<std::string, const armature::v1::Scene*> scenes;
    for (const auto& s : m_.scenes()) scenes.emplace(s.id(), &s);
    const double total = m_.metadata().duration_seconds();
    absl::flat_hash_set<std::string> ids;
    bool renumber = false;
    for (int i = 0; i < m_.audio_cues_size(); ++i) {
      auto& c = *m_.mutable_audio_cues(i);
      if (c.type() != "music" && c.type() != "sfx") {
        Fix(kRepairInvalidValues, absl::StrCat("audio_cues[", i, "].type: \"",
                                               TruncateUtf8(c.type(), 40), "\" -> music"));
        c.set_type("music");
      }
      if (c.id().empty() || !ids.insert(c.id()).second) renumber = true;
    }
    if (renumber) {
      int music = 0;
      int sfx = 0;
      for (auto& c : *m_.mutable_audio_cues()) {
        c.set_id(c.type() == "sfx" ? absl::StrFormat("sfx_%02d", ++sfx)
                                   : absl::StrFormat("music_%02d", ++music));
      }
      Fix(kRepairDuplicateIds, "audio_cues[].id: renumbered the cues");
    }
    for (int i = 0; i < m_.audio_cues_size(); ++i) {
      auto& c = *m_.mutable_audio_cues(i);
      const std::string base = absl::StrCat("audio_cues[", i, "]");
      const armature::v1::Scene* scene = nullptr;
      if (!c.scene_id().empty()) {
        auto it = scenes.find(c.scene_id());
        if (it == scenes.end()) {
          Fix(kRepairUnknownReferences,
              absl::StrCat(base, ".scene_id: \"", TruncateUtf8(c.scene_id(), 40),
                           "\" is not a scene; the cue now spans the production"));
          c.clear_scene_id();
          c.set_start_at_seconds(0);
          c.set_duration_seconds(c.type() == "sfx" ? std::min(2.0, total) : total);
        } else {
          scene = it->second;
        }
      }
      const bool bad = !Finite(c.duration_seconds()) || c.duration_seconds() <= 0 ||
                       !Finite(c.start_at_seconds()) || c.start_at_seconds() < 0 ||
                       c.start_at_seconds() + c.duration_seconds() > total + kTimeToleranceSeconds;
      if (bad) {
        const double start = scene != nullptr ? scene->start_at_seconds() : 0;
        const double span = scene != nullptr ? scene->duration_seconds() : total;
        c.set_start_at_seconds(start);
        c.set_duration_seconds(c.type() == "sfx" ? std::min(2.0, span) : span);
        Fix(kRepairDurations,
            absl::StrCat(base, ": timing set to its ", scene != nullptr ? "scene" : "production"));
      }
    }
  }

  bool JobsBroken() const {
    for (const Violation& v : ValidateManifest(m_, jobs_)) {
      if (v.path().rfind("jobs", 0) == 0 || v.rule() == kRuleAssetProduced) return true;
    }
    return false;
  }

  void RepairJobs() {
    // Repeated job ids: keep the first (the kept ones move up in order; the rest are dropped).
    absl::flat_hash_set<std::string> ids;
    int kept = 0;
    for (int i = 0; i < jobs_.size(); ++i) {
      const Job& job = jobs_[i];
      if (!job.id().empty() && !ids.insert(job.id()).second) {
        Fix(kRepairDuplicateIds,
            absl::StrCat("jobs: dropped a repeated job \"", TruncateUtf8(job.id(), 60), "\""));
        continue;
      }
      if (kept != i) jobs_.SwapElements(kept, i);
      ++kept;
    }
    if (kept < jobs_.size()) jobs_.DeleteSubrange(kept, jobs_.size() - kept);
    for (int i = 0; i < jobs_.size(); ++i) {
      Job& job = *jobs_.Mutable(i);
      const std::string base = absl::StrCat("jobs[", i, "]");
      // Dependencies on jobs that do not exist.
      auto* deps = job.mutable_depends_on();
      const int before = deps->size();
      deps->erase(std::remove_if(deps->begin(), deps->end(),
                                 [&](const std::string& d) { return !ids.contains(d); }),
                  deps->end());
      if (deps->size() != before) {
        Fix(kRepairUnknownReferences,
            absl::StrCat(base, ".depends_on: dropped ", before - deps->size(),
                         " unknown dependency(ies)"));
      }
      if (job.priority() < 1 || job.priority() > 10) {
        const int p = std::clamp(job.priority(), 1, 10);
        Fix(kRepairInvalidValues, absl::StrCat(base, ".priority: ", job.priority(), " -> ", p));
        job.set_priority(p);
      }
      if (Trim(job.provider()).empty() && armature::v1::JobType_IsValid(job.type()) &&
          job.type() != armature::v1::JOB_TYPE_UNSPECIFIED) {
        job.set_provider(SettingsFor(job.type(), ctx_.jobs).provider);
        Fix(kRepairMissingFields, absl::StrCat(base, ".provider: set to ", job.provider()));
      }
    }
    if (JobsBroken()) {
      DecomposeJobsInto(m_, ctx_.jobs, &jobs_);
      Fix(kRepairJobDag,
          absl::StrCat("jobs: re-derived the job DAG from the manifest (", jobs_.size(), " jobs)"));
    }
  }

  ProductionManifest& m_;
  JobField& jobs_;
  const RepairContext& ctx_;
  RepairReport& out_;
  int warnings_ = 0;
  int suppressed_ = 0;
};

std::string Summarise(const std::vector<Violation>& violations) {
  std::string out;
  for (size_t i = 0; i < violations.size() && i < 5; ++i) {
    absl::StrAppend(&out, i ? "; " : "", violations[i].path(), " (", violations[i].rule(), ")");
  }
  if (violations.size() > 5) absl::StrAppend(&out, "; ...");
  return out;
}

}  // namespace

ProductionManifest MinimalFallbackManifest(const NormalizedHints& hints, std::string_view narration,
                                           std::string_view title, const BuildOptions& options) {
  ProductionManifest m;
  MinimalFallbackManifestInto(hints, narration, title, options, &m);
  return m;
}

void MinimalFallbackManifestInto(const NormalizedHints& hints_in, std::string_view narration,
                                 std::string_view title, const BuildOptions& options,
                                 ProductionManifest* out) {
  const NormalizedHints defaults;
  NormalizedHints hints = hints_in;
  if (!ValidTotal(hints.duration_seconds)) hints.duration_seconds = defaults.duration_seconds;
  const auto valid = [](const std::string& s) { return !Trim(s).empty() && IsValidUtf8(s); };
  if (!valid(hints.aspect_ratio)) hints.aspect_ratio = defaults.aspect_ratio;
  if (!valid(hints.platform)) hints.platform = defaults.platform;
  if (!valid(hints.language)) hints.language = defaults.language;
  if (!valid(hints.tone)) hints.tone = defaults.tone;
  if (!valid(hints.profile)) hints.profile = defaults.profile;
  const std::string text = TruncateUtf8(Trim(CleanText(narration)), kMaxFallbackNarrationBytes);
  const std::string clean_title = TruncateUtf8(Trim(CleanText(title)), 200);
  const std::string style =
      !hints.style.empty() && IsValidUtf8(hints.style) ? hints.style : options.default_style;
  const double total = std::round(hints.duration_seconds * 1000.0) / 1000.0;

  out->Clear();
  ProductionManifest& m = *out;
  auto& meta = *m.mutable_metadata();
  meta.set_intent("video");
  meta.set_duration_seconds(total);
  meta.set_aspect_ratio(hints.aspect_ratio);
  meta.set_platform(hints.platform);
  meta.set_language(hints.language);
  meta.set_profile(hints.profile);
  meta.set_tone(hints.tone);
  meta.set_title(clean_title);
  auto& scene = *m.add_scenes();
  scene.set_id("s1");
  scene.set_title(clean_title);
  scene.set_start_at_seconds(0);
  scene.set_duration_seconds(total);
  scene.set_purpose("hook");
  scene.set_narration(text);
  auto& visual = *scene.add_visuals();
  visual.set_type("generated");
  visual.set_asset_id("s1_img1");
  const std::string& subject = !clean_title.empty() ? clean_title
                               : !text.empty()      ? text
                                                    : std::string("the topic");
  visual.set_prompt(absl::StrCat("Illustration of: ", TruncateUtf8(subject, 300), ", ", style));
  auto& voice = *m.mutable_voice();
  voice.set_voice_id(options.voice_id.empty() || !IsValidUtf8(options.voice_id) ? "eva"
                                                                                : options.voice_id);
  voice.set_style("clear");
  voice.set_language(hints.language);
  m.mutable_consistency()->set_style(style);
  StableHasher h;
  h.Add("armature.manifest.fallback.v1");
  h.Add(text);
  h.Add(clean_title);
  h.AddNumber(total);
  h.Add(hints.aspect_ratio);
  h.Add(hints.platform);
  h.Add(hints.language);
  h.Add(hints.tone);
  h.Add(hints.profile);
  m.set_id(absl::StrFormat("mf_%016x", h.value()));
}

RepairOutcome RepairManifest(ProductionManifest manifest, std::vector<Job> jobs,
                             const RepairContext& context) {
  JobField field;
  field.Reserve(static_cast<int>(jobs.size()));
  // Moves between heap messages: swaps, no copies.
  for (Job& job : jobs) *field.Add() = std::move(job);
  RepairOutcome out;
  static_cast<RepairReport&>(out) = RepairManifestInPlace(&manifest, &field, context);
  out.manifest = std::move(manifest);
  out.jobs = TakeJobs(&field);
  return out;
}

RepairReport RepairManifestInPlace(ProductionManifest* manifest, JobField* jobs,
                                   const RepairContext& context) {
  RepairReport out;
  std::vector<Violation> violations = ValidateManifest(*manifest, *jobs);
  if (violations.empty()) return out;
  const bool had_jobs = !jobs->empty();
  // The fallback's narration and title come from the manifest as it was given: read them before
  // the repairs change it.
  std::string narration;
  for (const auto& s : manifest->scenes()) {
    AppendWithSpace(narration, s.narration());
    if (narration.size() > kMaxFallbackNarrationBytes) break;
  }
  const std::string title = manifest->metadata().title();
  Repairer(*manifest, *jobs, context, out).Run();
  violations = ValidateManifest(*manifest, *jobs);
  if (violations.empty()) return out;
  if (context.llm_repair) {
    // The LLM step is slow anyway: the hook gets the jobs as a vector, copied.
    const std::vector<Job> job_list(jobs->begin(), jobs->end());
    absl::StatusOr<RepairCandidate> candidate = context.llm_repair(*manifest, job_list, violations);
    if (candidate.ok()) {
      const std::vector<Violation> left = ValidateManifest(candidate->manifest, candidate->jobs);
      if (left.empty() && (!had_jobs || !candidate->jobs.empty())) {
        ++out.repairs[std::string(kRepairLlm)];
        out.used_llm = true;
        out.warnings.push_back(
            candidate->source.empty()
                ? std::string("repaired the manifest with the LLM repair step")
                : absl::StrCat("repaired the manifest with the LLM repair step (",
                               candidate->source, ")"));
        for (std::string& w : candidate->warnings) out.warnings.push_back(std::move(w));
        // Moved when `manifest` and `jobs` are on the heap, copied onto their arena otherwise.
        *manifest = std::move(candidate->manifest);
        jobs->DeleteSubrange(0, jobs->size());
        jobs->Reserve(static_cast<int>(candidate->jobs.size()));
        for (Job& job : candidate->jobs) *jobs->Add() = std::move(job);
        return out;
      }
      out.warnings.push_back(
          left.empty()
              ? std::string("the LLM repair step's manifest came without its jobs")
              : absl::StrCat("the LLM repair step's manifest is still invalid: ", Summarise(left)));
    } else {
      out.warnings.push_back(
          absl::StrCat("the LLM repair step failed: ",
                       TruncateUtf8(std::string(candidate.status().message()), 200)));
    }
  }
  MinimalFallbackManifestInto(context.hints, narration, title, context.build, manifest);
  DecomposeJobsInto(*manifest, context.jobs, jobs);
  out.fell_back = true;
  ++out.repairs[std::string(kRepairFallback)];
  out.warnings.push_back(
      absl::StrCat("could not repair the manifest (", Summarise(violations),
                   "); produced a minimal one-scene fallback manifest; review it"));
  return out;
}

}  // namespace armature::manifest
