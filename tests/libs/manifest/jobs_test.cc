#include "libs/manifest/jobs.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "libs/manifest/builder.h"
#include "libs/manifest/parser.h"
#include "libs/manifest/validator.h"
#include "tests/libs/manifest/test_printers.h"

namespace armature::manifest {
namespace {

using ::testing::ElementsAre;
using ::testing::IsEmpty;
using ::testing::SizeIs;
using ::testing::UnorderedElementsAreArray;

armature::v1::ProductionManifest Build(const std::string& treatment) {
  NormalizedHints hints;
  hints.duration_seconds = 40;
  return BuildManifest(ParseTreatment(treatment), hints, BuildOptions());
}

const google::protobuf::Value& Field(const armature::v1::Job& job, const std::string& key) {
  return job.payload().fields().at(key);
}

std::vector<std::string> Ids(const std::vector<armature::v1::Job>& jobs) {
  std::vector<std::string> out;
  for (const auto& j : jobs) out.push_back(j.id());
  return out;
}

constexpr char kTreatment[] = R"(Music: calm piano throughout
## Scene 1 (5s)
Narration: Welcome.
Visual: sunrise over hills
B-roll: commuters on a train
## Scene 2
Chart: Users — 2023: 10, 2024: 25
## Scene 3
Narration: Join us.
Music: upbeat finale
)";

TEST(DecomposeJobsTest, OneJobPerAssetAndOneRender) {
  const armature::v1::ProductionManifest m = Build(kTreatment);
  const std::vector<armature::v1::Job> jobs = DecomposeJobs(m, JobProviders());
  // Scene 2 has no narration (no TTS); stock footage is fetched (no job); scene 3 gets an
  // illustration because it shows nothing.
  EXPECT_THAT(Ids(jobs), ElementsAre("job_tts_s1", "job_image_s1_img1", "job_chart_s2_chart",
                                     "job_tts_s3", "job_image_s3_img1", "job_music_music_01",
                                     "job_music_music_02", "job_render"));
  EXPECT_THAT(ValidateManifest(m, jobs), IsEmpty());
}

TEST(DecomposeJobsTest, RenderDependsOnEveryOtherJobAndNothingDependsOnRender) {
  const std::vector<armature::v1::Job> jobs = DecomposeJobs(Build(kTreatment), JobProviders());
  const armature::v1::Job& render = jobs.back();
  EXPECT_EQ(render.type(), armature::v1::RENDER);
  std::vector<std::string> others = Ids(jobs);
  others.pop_back();
  EXPECT_THAT(std::vector<std::string>(render.depends_on().begin(), render.depends_on().end()),
              UnorderedElementsAreArray(others));
  for (size_t i = 0; i + 1 < jobs.size(); ++i)
    EXPECT_THAT(jobs[i].depends_on(), IsEmpty()) << jobs[i].id();
}

TEST(DecomposeJobsTest, TypesPrioritiesAndProviders) {
  JobProviders providers;
  providers.tts = {"my_tts", 9};
  providers.music = {"my_music", 2};
  const std::vector<armature::v1::Job> jobs = DecomposeJobs(Build(kTreatment), providers);
  EXPECT_EQ(jobs[0].type(), armature::v1::TTS);
  EXPECT_EQ(jobs[0].priority(), 9);
  EXPECT_EQ(jobs[0].provider(), "my_tts");
  EXPECT_EQ(jobs[1].type(), armature::v1::GENERATE_IMAGE);
  EXPECT_EQ(jobs[1].priority(), 6);
  EXPECT_EQ(jobs[1].provider(), "falai");
  EXPECT_EQ(jobs[2].type(), armature::v1::GENERATE_CHART);
  EXPECT_EQ(jobs[2].provider(), "chart_renderer");
  EXPECT_EQ(jobs[5].type(), armature::v1::GENERATE_MUSIC);
  EXPECT_EQ(jobs[5].priority(), 2);
  EXPECT_EQ(jobs.back().priority(), 10);
  EXPECT_EQ(jobs.back().provider(), "shotstack");
}

TEST(DecomposeJobsTest, Payloads) {
  const armature::v1::ProductionManifest m = Build(kTreatment);
  const std::vector<armature::v1::Job> jobs = DecomposeJobs(m, JobProviders());
  const armature::v1::Job& tts = jobs[0];
  EXPECT_EQ(Field(tts, "scene_id").string_value(), "s1");
  EXPECT_EQ(Field(tts, "text").string_value(), "Welcome.");
  EXPECT_EQ(Field(tts, "voice_id").string_value(), "eva");
  EXPECT_EQ(Field(tts, "format").string_value(), "mp3");
  EXPECT_EQ(Field(tts, "duration_seconds").number_value(), 5);
  EXPECT_EQ(Field(tts, "result_asset_id").string_value(), "s1_vo");
  const armature::v1::Job& image = jobs[1];
  EXPECT_EQ(Field(image, "prompt").string_value(), m.scenes(0).visuals(0).prompt());
  EXPECT_EQ(Field(image, "result_asset_id").string_value(), "s1_img1");
  EXPECT_EQ(Field(image, "model").string_value(), "falai-image-v1");
  const armature::v1::Job& chart = jobs[2];
  EXPECT_EQ(Field(chart, "title").string_value(), "Users");
  const auto& data = Field(chart, "data").list_value();
  ASSERT_EQ(data.values_size(), 2);
  EXPECT_EQ(data.values(1).struct_value().fields().at("label").string_value(), "2024");
  EXPECT_EQ(data.values(1).struct_value().fields().at("value").number_value(), 25);
  const armature::v1::Job& music = jobs[5];
  EXPECT_EQ(Field(music, "cue_id").string_value(), "music_01");
  EXPECT_EQ(Field(music, "mood").string_value(), "calm piano throughout");
  EXPECT_EQ(Field(music, "duration_seconds").number_value(), 40);
  const armature::v1::Job& render = jobs.back();
  EXPECT_EQ(Field(render, "manifest_id").string_value(), m.id());
  EXPECT_EQ(Field(render, "assets").list_value().values_size(), 7);
  EXPECT_EQ(Field(render, "scene_ids").list_value().values_size(), 3);
}

TEST(DecomposeJobsTest, RepeatedAssetsYieldOneJob) {
  armature::v1::ProductionManifest m = Build("## Scene 1\nVisual: a\n## Scene 2\nVisual: b\n");
  m.mutable_scenes(1)->mutable_visuals(0)->set_asset_id("s1_img1");
  const std::vector<armature::v1::Job> jobs = DecomposeJobs(m, JobProviders());
  EXPECT_THAT(Ids(jobs), ElementsAre("job_image_s1_img1", "job_music_music_01", "job_render"));
}

TEST(DecomposeJobsTest, IsDeterministic) {
  const armature::v1::ProductionManifest m = Build(kTreatment);
  const std::vector<armature::v1::Job> a = DecomposeJobs(m, JobProviders());
  const std::vector<armature::v1::Job> b = DecomposeJobs(m, JobProviders());
  ASSERT_EQ(a.size(), b.size());
  // Struct payloads are maps; the text format prints map entries sorted, so it is canonical.
  for (size_t i = 0; i < a.size(); ++i) EXPECT_EQ(a[i].DebugString(), b[i].DebugString());
}

}  // namespace
}  // namespace armature::manifest
