#include "libs/manifest/jobs.h"

#include <string>
#include <string_view>
#include <type_traits>
#include <utility>

#include "absl/container/flat_hash_set.h"
#include "absl/strings/str_cat.h"
#include "google/protobuf/struct.pb.h"
#include "libs/manifest/text.h"

namespace armature::manifest {
namespace {

using armature::v1::Job;
using google::protobuf::ListValue;
using google::protobuf::Value;

using Fields = google::protobuf::Map<std::string, Value>;

// The payload keys, made once (a key longer than 15 bytes would otherwise be allocated for
// every lookup).
struct PayloadKeys {
  const std::string assets = "assets";
  const std::string aspect_ratio = "aspect_ratio";
  const std::string cue_id = "cue_id";
  const std::string data = "data";
  const std::string duration_seconds = "duration_seconds";
  const std::string format = "format";
  const std::string kind = "kind";
  const std::string label = "label";
  const std::string language = "language";
  const std::string manifest_id = "manifest_id";
  const std::string model = "model";
  const std::string mood = "mood";
  const std::string prompt = "prompt";
  const std::string result_asset_id = "result_asset_id";
  const std::string scene_id = "scene_id";
  const std::string scene_ids = "scene_ids";
  const std::string start_at_seconds = "start_at_seconds";
  const std::string text = "text";
  const std::string title = "title";
  const std::string value = "value";
  const std::string voice_id = "voice_id";
  const std::string voice_style = "voice_style";
};

const PayloadKeys& Keys() {
  static const auto* const kKeys = new PayloadKeys;
  return *kKeys;
}

// Payload fields are inserted in a fixed order, one map insertion each.
void Put(Fields& fields, const std::string& key, const std::string& value) {
  fields[key].set_string_value(value);
}

void Put(Fields& fields, const std::string& key, std::string&& value) {
  fields[key].set_string_value(std::move(value));
}

void Put(Fields& fields, const std::string& key, double value) {
  fields[key].set_number_value(value);
}

ListValue& PutList(Fields& fields, const std::string& key) {
  return *fields[key].mutable_list_value();
}

int ClampPriority(int p) { return p < 1 ? 1 : p > 10 ? 10 : p; }

// Where the jobs go: a vector (DecomposeJobs) or, in place, a repeated field (DecomposeJobsInto).
using JobField = google::protobuf::RepeatedPtrField<Job>;

Job& Append(std::vector<Job>& jobs) { return jobs.emplace_back(); }
Job& Append(JobField& jobs) { return *jobs.Add(); }

void Reserve(std::vector<Job>& jobs, size_t n) { jobs.reserve(n); }
void Reserve(JobField& jobs, size_t n) { jobs.Reserve(static_cast<int>(n)); }

// The jobs being derived into `Jobs` (a std::vector<Job> or a JobField): the first job with an
// id wins, later ones with the same id are not added (an asset or scene id that repeats yields
// one job).
template <typename Jobs>
class JobList {
 public:
  JobList(Jobs& jobs, size_t capacity) : jobs_(jobs) {
    Reserve(jobs_, capacity);
    assets_.reserve(capacity);
    ids_.reserve(capacity);
  }

  // A new job with `id` and the settings, or nullptr when a job with `id` exists. `asset` is
  // what the job produces, listed in the render's payload.
  Job* Add(std::string id, armature::v1::JobType type, const JobSettings& settings,
           std::string asset) {
    // The id is looked up before anything is built, and kept in the job (the set refers to it).
    if (ids_.contains(id)) return nullptr;
    if constexpr (std::is_same_v<Jobs, std::vector<Job>>) {
      if (jobs_.size() == jobs_.capacity()) Grow();
    }
    Job& job = Append(jobs_);
    job.set_id(std::move(id));
    ids_.insert(job.id());
    job.set_type(type);
    job.set_priority(ClampPriority(settings.priority));
    job.set_provider(settings.provider);
    assets_.push_back(std::move(asset));
    return &job;
  }

  Jobs& jobs() { return jobs_; }
  const std::vector<std::string>& assets() const { return assets_; }

 private:
  // Only for a vector, and only when the capacity given was too small: the ids are views of the
  // jobs, looked up again. (The elements of a repeated field never move.)
  void Grow() {
    jobs_.reserve(2 * jobs_.size() + 1);
    ids_.clear();
    for (const Job& job : jobs_) ids_.insert(job.id());
  }

  Jobs& jobs_;
  std::vector<std::string> assets_;
  // Views of the ids of jobs_.
  absl::flat_hash_set<std::string_view, ShortStringHash> ids_;
};

// Appends the jobs of `manifest` to `out`, which is empty.
template <typename Jobs>
void Decompose(const armature::v1::ProductionManifest& manifest, const JobProviders& providers,
               Jobs& out) {
  // At most one job per scene narration, visual, chart and cue, and the render.
  size_t capacity = 1 + static_cast<size_t>(manifest.audio_cues_size());
  for (const armature::v1::Scene& scene : manifest.scenes()) {
    capacity += 2 + static_cast<size_t>(scene.visuals_size());
  }
  JobList<Jobs> list(out, capacity);
  const PayloadKeys& keys = Keys();
  const auto& meta = manifest.metadata();
  for (const armature::v1::Scene& scene : manifest.scenes()) {
    if (!scene.narration().empty()) {
      std::string asset = absl::StrCat(scene.id(), "_vo");
      if (Job* job = list.Add(absl::StrCat("job_tts_", scene.id()), armature::v1::TTS,
                              providers.tts, asset)) {
        Fields& p = *job->mutable_payload()->mutable_fields();
        Put(p, keys.scene_id, scene.id());
        Put(p, keys.text, scene.narration());
        Put(p, keys.voice_id, manifest.voice().voice_id());
        Put(p, keys.voice_style, manifest.voice().style());
        Put(p, keys.language,
            manifest.voice().language().empty() ? meta.language() : manifest.voice().language());
        Put(p, keys.format, providers.tts_format);
        Put(p, keys.duration_seconds, scene.duration_seconds());
        Put(p, keys.result_asset_id, std::move(asset));
      }
    }
    for (const armature::v1::Visual& visual : scene.visuals()) {
      if (visual.type() != "generated" || visual.asset_id().empty()) continue;
      if (Job* job = list.Add(absl::StrCat("job_image_", visual.asset_id()),
                              armature::v1::GENERATE_IMAGE, providers.image, visual.asset_id())) {
        Fields& p = *job->mutable_payload()->mutable_fields();
        Put(p, keys.scene_id, scene.id());
        Put(p, keys.prompt, visual.prompt());
        Put(p, keys.model, providers.image_model);
        Put(p, keys.aspect_ratio, meta.aspect_ratio());
        Put(p, keys.result_asset_id, visual.asset_id());
      }
    }
    if (scene.has_chart() && !scene.chart().asset_id().empty()) {
      const armature::v1::ChartData& chart = scene.chart();
      if (Job* job = list.Add(absl::StrCat("job_chart_", chart.asset_id()),
                              armature::v1::GENERATE_CHART, providers.chart, chart.asset_id())) {
        Fields& p = *job->mutable_payload()->mutable_fields();
        Put(p, keys.scene_id, scene.id());
        Put(p, keys.kind, chart.kind());
        Put(p, keys.title, chart.title());
        ListValue& data = PutList(p, keys.data);
        for (const armature::v1::ChartPoint& point : chart.points()) {
          Fields& entry = *data.add_values()->mutable_struct_value()->mutable_fields();
          Put(entry, keys.label, point.label());
          Put(entry, keys.value, point.value());
        }
        Put(p, keys.result_asset_id, chart.asset_id());
      }
    }
  }
  for (const armature::v1::AudioCue& cue : manifest.audio_cues()) {
    if (cue.type() != "music" || cue.id().empty()) continue;
    if (Job* job = list.Add(absl::StrCat("job_music_", cue.id()), armature::v1::GENERATE_MUSIC,
                            providers.music, cue.id())) {
      Fields& p = *job->mutable_payload()->mutable_fields();
      Put(p, keys.cue_id, cue.id());
      Put(p, keys.mood, cue.description());
      Put(p, keys.start_at_seconds, cue.start_at_seconds());
      Put(p, keys.duration_seconds, cue.duration_seconds());
      Put(p, keys.scene_id, cue.scene_id());
      Put(p, keys.result_asset_id, cue.id());
    }
  }
  Jobs& jobs = list.jobs();
  const int count = static_cast<int>(jobs.size());
  Job& render = Append(jobs);
  render.set_id("job_render");
  render.set_type(armature::v1::RENDER);
  render.set_priority(ClampPriority(providers.render.priority));
  render.set_provider(providers.render.provider);
  Fields& p = *render.mutable_payload()->mutable_fields();
  Put(p, keys.manifest_id, manifest.id());
  Put(p, keys.aspect_ratio, meta.aspect_ratio());
  Put(p, keys.duration_seconds, meta.duration_seconds());
  Put(p, keys.format, providers.render_format);
  ListValue& scene_ids = PutList(p, keys.scene_ids);
  scene_ids.mutable_values()->Reserve(manifest.scenes_size());
  for (const armature::v1::Scene& scene : manifest.scenes())
    scene_ids.add_values()->set_string_value(scene.id());
  ListValue& asset_list = PutList(p, keys.assets);
  asset_list.mutable_values()->Reserve(static_cast<int>(list.assets().size()));
  for (const std::string& asset : list.assets()) asset_list.add_values()->set_string_value(asset);
  render.mutable_depends_on()->Reserve(count);
  for (int i = 0; i < count; ++i) render.add_depends_on(jobs[i].id());
}

}  // namespace

std::vector<Job> DecomposeJobs(const armature::v1::ProductionManifest& manifest,
                               const JobProviders& providers) {
  std::vector<Job> jobs;
  Decompose(manifest, providers, jobs);
  return jobs;
}

void DecomposeJobsInto(const armature::v1::ProductionManifest& manifest,
                       const JobProviders& providers, JobField* out) {
  // Fresh jobs, not cleared ones reused: the result is the same whatever `out` held.
  if (!out->empty()) out->DeleteSubrange(0, out->size());
  Decompose(manifest, providers, *out);
}

std::vector<Job> TakeJobs(JobField* from) {
  std::vector<Job> jobs;
  jobs.reserve(static_cast<size_t>(from->size()));
  // A move between messages on the same arena (or both on the heap) is a swap.
  for (Job& job : *from) jobs.push_back(std::move(job));
  from->Clear();
  return jobs;
}

}  // namespace armature::manifest
