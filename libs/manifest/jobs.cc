#include "libs/manifest/jobs.h"

#include <utility>

#include "absl/container/flat_hash_set.h"
#include "absl/strings/str_cat.h"
#include "google/protobuf/struct.pb.h"

namespace armature::manifest {
namespace {

using armature::v1::Job;
using google::protobuf::ListValue;
using google::protobuf::Struct;
using google::protobuf::Value;

void Put(Struct& s, const char* key, const std::string& value) {
  (*s.mutable_fields())[key].set_string_value(value);
}

void Put(Struct& s, const char* key, double value) {
  (*s.mutable_fields())[key].set_number_value(value);
}

ListValue& PutList(Struct& s, const char* key) {
  return *(*s.mutable_fields())[key].mutable_list_value();
}

int ClampPriority(int p) { return p < 1 ? 1 : p > 10 ? 10 : p; }

}  // namespace

std::vector<Job> DecomposeJobs(const armature::v1::ProductionManifest& manifest,
                               const JobProviders& providers) {
  std::vector<Job> jobs;
  absl::flat_hash_set<std::string> ids;
  std::vector<std::string> assets;
  const auto add = [&](Job job, const std::string& asset) {
    if (!ids.insert(job.id()).second) return;
    assets.push_back(asset);
    jobs.push_back(std::move(job));
  };
  const auto& meta = manifest.metadata();
  for (const armature::v1::Scene& scene : manifest.scenes()) {
    if (!scene.narration().empty()) {
      Job job;
      job.set_id(absl::StrCat("job_tts_", scene.id()));
      job.set_type(armature::v1::TTS);
      job.set_priority(ClampPriority(providers.tts.priority));
      job.set_provider(providers.tts.provider);
      Struct& p = *job.mutable_payload();
      const std::string asset = absl::StrCat(scene.id(), "_vo");
      Put(p, "scene_id", scene.id());
      Put(p, "text", scene.narration());
      Put(p, "voice_id", manifest.voice().voice_id());
      Put(p, "voice_style", manifest.voice().style());
      Put(p, "language",
          manifest.voice().language().empty() ? meta.language() : manifest.voice().language());
      Put(p, "format", providers.tts_format);
      Put(p, "duration_seconds", scene.duration_seconds());
      Put(p, "result_asset_id", asset);
      add(std::move(job), asset);
    }
    for (const armature::v1::Visual& visual : scene.visuals()) {
      if (visual.type() != "generated" || visual.asset_id().empty()) continue;
      Job job;
      job.set_id(absl::StrCat("job_image_", visual.asset_id()));
      job.set_type(armature::v1::GENERATE_IMAGE);
      job.set_priority(ClampPriority(providers.image.priority));
      job.set_provider(providers.image.provider);
      Struct& p = *job.mutable_payload();
      Put(p, "scene_id", scene.id());
      Put(p, "prompt", visual.prompt());
      Put(p, "model", providers.image_model);
      Put(p, "aspect_ratio", meta.aspect_ratio());
      Put(p, "result_asset_id", visual.asset_id());
      add(std::move(job), visual.asset_id());
    }
    if (scene.has_chart() && !scene.chart().asset_id().empty()) {
      const armature::v1::ChartData& chart = scene.chart();
      Job job;
      job.set_id(absl::StrCat("job_chart_", chart.asset_id()));
      job.set_type(armature::v1::GENERATE_CHART);
      job.set_priority(ClampPriority(providers.chart.priority));
      job.set_provider(providers.chart.provider);
      Struct& p = *job.mutable_payload();
      Put(p, "scene_id", scene.id());
      Put(p, "kind", chart.kind());
      Put(p, "title", chart.title());
      ListValue& data = PutList(p, "data");
      for (const armature::v1::ChartPoint& point : chart.points()) {
        Struct& entry = *data.add_values()->mutable_struct_value();
        Put(entry, "label", point.label());
        Put(entry, "value", point.value());
      }
      Put(p, "result_asset_id", chart.asset_id());
      add(std::move(job), chart.asset_id());
    }
  }
  for (const armature::v1::AudioCue& cue : manifest.audio_cues()) {
    if (cue.type() != "music" || cue.id().empty()) continue;
    Job job;
    job.set_id(absl::StrCat("job_music_", cue.id()));
    job.set_type(armature::v1::GENERATE_MUSIC);
    job.set_priority(ClampPriority(providers.music.priority));
    job.set_provider(providers.music.provider);
    Struct& p = *job.mutable_payload();
    Put(p, "cue_id", cue.id());
    Put(p, "mood", cue.description());
    Put(p, "start_at_seconds", cue.start_at_seconds());
    Put(p, "duration_seconds", cue.duration_seconds());
    Put(p, "scene_id", cue.scene_id());
    Put(p, "result_asset_id", cue.id());
    add(std::move(job), cue.id());
  }
  Job render;
  render.set_id("job_render");
  render.set_type(armature::v1::RENDER);
  render.set_priority(ClampPriority(providers.render.priority));
  render.set_provider(providers.render.provider);
  Struct& p = *render.mutable_payload();
  Put(p, "manifest_id", manifest.id());
  Put(p, "aspect_ratio", meta.aspect_ratio());
  Put(p, "duration_seconds", meta.duration_seconds());
  Put(p, "format", providers.render_format);
  ListValue& scene_ids = PutList(p, "scene_ids");
  for (const armature::v1::Scene& scene : manifest.scenes())
    scene_ids.add_values()->set_string_value(scene.id());
  ListValue& asset_list = PutList(p, "assets");
  for (const std::string& asset : assets) asset_list.add_values()->set_string_value(asset);
  for (const Job& job : jobs) render.add_depends_on(job.id());
  jobs.push_back(std::move(render));
  return jobs;
}

}  // namespace armature::manifest
