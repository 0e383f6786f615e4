#pragma once

#include <string>
#include <vector>

#include "armature/v1/manifest.pb.h"
#include "google/protobuf/repeated_ptr_field.h"

namespace armature::manifest {

// JobSettings: who runs one kind of job, and how urgent it is.
struct JobSettings {
  // Provider name as the workers know it ("elevenlabs", "falai", ...).
  std::string provider;
  // Priority 1-10, higher runs first among ready jobs.
  int priority = 5;

  bool operator==(const JobSettings&) const = default;
};

// JobProviders: settings per job type (config/manifest.yaml, section "jobs"). Defaults:
// narration drives the timing of everything else, so TTS goes first (8); images and charts (6);
// music is the longest to generate but the least critical (4); render depends on everything
// and runs as soon as it can (10).
struct JobProviders {
  JobSettings tts{"elevenlabs", 8};
  JobSettings image{"falai", 6};
  JobSettings chart{"chart_renderer", 6};
  JobSettings music{"elevenlabs_music", 4};
  JobSettings render{"shotstack", 10};
  // Audio format TTS jobs produce.
  std::string tts_format = "mp3";
  // Image model of GENERATE_IMAGE jobs.
  std::string image_model = "falai-image-v1";
  // Container the render produces.
  std::string render_format = "mp4";

  bool operator==(const JobProviders&) const = default;
};

// DecomposeJobs derives the job DAG of a manifest, deterministically and in this order:
//   - per scene: TTS "job_tts_<scene>" when it has narration; GENERATE_IMAGE
//     "job_image_<asset>" per generated visual; GENERATE_CHART "job_chart_<asset>" per chart;
//   - GENERATE_MUSIC "job_music_<cue>" per music cue;
//   - one RENDER "job_render" depending on every other job.
// Payloads (google.protobuf.Struct): TTS {scene_id, text, voice_id, voice_style, language,
// format, duration_seconds, result_asset_id "<scene>_vo"}; image {scene_id, prompt, model,
// aspect_ratio, result_asset_id}; chart {scene_id, kind, title, data [{label, value}],
// result_asset_id}; music {cue_id, mood, start_at_seconds, duration_seconds, scene_id,
// result_asset_id = cue id}; render {manifest_id, aspect_ratio, duration_seconds, format,
// scene_ids [...], assets [...]}. An asset or scene id that repeats yields one job.
std::vector<armature::v1::Job> DecomposeJobs(const armature::v1::ProductionManifest& manifest,
                                             const JobProviders& providers);

// DecomposeJobsInto derives the same jobs into `out`, replacing what it held. They are created
// where they stay, on out's arena when it has one (e.g. a response's mutable_jobs()), so nothing
// is copied.
void DecomposeJobsInto(const armature::v1::ProductionManifest& manifest,
                       const JobProviders& providers,
                       google::protobuf::RepeatedPtrField<armature::v1::Job>* out);

// Moves the jobs out of `from` (left empty) into a vector: for `from` on the heap, without
// copying them.
std::vector<armature::v1::Job> TakeJobs(
    google::protobuf::RepeatedPtrField<armature::v1::Job>* from);

}  // namespace armature::manifest
