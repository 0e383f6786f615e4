#pragma once

#include <string>
#include <vector>

#include "armature/v1/manifest.pb.h"

namespace armature::manifest {

// A damaged copy of a valid manifest and its jobs, for validation and repair tests.
struct DamagedCopy {
  std::string what;
  v1::ProductionManifest manifest;
  std::vector<v1::Job> jobs;
};

// The damaged copies of `manifest` and `jobs`, always the same ones in the same order
// (golden_test.cc records their validation and repair under these names): jobs dropped,
// repeated and in a cycle (when there are jobs), then scenes, cues and metadata broken, with
// and without the jobs.
inline std::vector<DamagedCopy> DamagedCopies(const v1::ProductionManifest& manifest,
                                              const std::vector<v1::Job>& jobs) {
  std::vector<DamagedCopy> out;
  if (!jobs.empty()) {
    out.push_back({"first job dropped", manifest, {jobs.begin() + 1, jobs.end()}});
    std::vector<v1::Job> repeated = jobs;
    repeated.push_back(jobs.front());
    repeated.back().set_priority(42);
    repeated.front().clear_provider();
    out.push_back({"job repeated", manifest, std::move(repeated)});
    std::vector<v1::Job> cyclic = jobs;
    cyclic.front().add_depends_on(cyclic.back().id());
    cyclic.front().add_depends_on("job_nowhere");
    out.push_back({"dependency cycle", manifest, std::move(cyclic)});
  }
  v1::ProductionManifest damaged = manifest;
  if (damaged.scenes_size() > 0) {
    v1::Scene& scene = *damaged.mutable_scenes(0);
    scene.set_duration_seconds(-1);
    scene.set_purpose("intro");
    if (scene.visuals_size() > 0) scene.mutable_visuals(0)->set_type("bogus");
    if (damaged.scenes_size() > 1) damaged.mutable_scenes(1)->set_id(scene.id());
  }
  if (damaged.audio_cues_size() > 0) damaged.mutable_audio_cues(0)->set_scene_id("s999");
  damaged.mutable_metadata()->clear_aspect_ratio();
  out.push_back({"manifest damaged", damaged, jobs});
  out.push_back({"manifest damaged, no jobs", std::move(damaged), {}});
  return out;
}

}  // namespace armature::manifest
