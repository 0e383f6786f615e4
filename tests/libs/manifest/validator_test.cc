#include "libs/manifest/validator.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "libs/manifest/builder.h"
#include "libs/manifest/jobs.h"
#include "libs/manifest/parser.h"
#include "tests/libs/manifest/test_printers.h"

namespace armature::manifest {
namespace {

using ::testing::AllOf;
using ::testing::Contains;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::Property;

MATCHER_P2(IsViolation, path, rule, "") { return arg.path() == path && arg.rule() == rule; }

class ValidatorTest : public ::testing::Test {
 protected:
  void SetUp() override {
    NormalizedHints hints;
    hints.duration_seconds = 30;
    manifest_ = BuildManifest(ParseTreatment(R"(## Scene 1 (10s)
Narration: Hello.
Visual: a lighthouse
## Scene 2
Chart: Q1: 1, Q2: 2
SFX: click
## Scene 3
Narration: Bye.
)"),
                              hints, BuildOptions());
    jobs_ = DecomposeJobs(manifest_, JobProviders());
    ASSERT_THAT(ValidateManifest(manifest_, jobs_), IsEmpty());
  }

  std::vector<armature::v1::Violation> Check() const { return ValidateManifest(manifest_, jobs_); }

  armature::v1::Job& JobById(const std::string& id) {
    for (auto& j : jobs_) {
      if (j.id() == id) return j;
    }
    ADD_FAILURE() << "no job " << id;
    return jobs_.front();
  }

  armature::v1::ProductionManifest manifest_;
  std::vector<armature::v1::Job> jobs_;
};

TEST_F(ValidatorTest, RequiredMetadata) {
  manifest_.mutable_metadata()->clear_language();
  manifest_.clear_id();
  manifest_.mutable_voice()->clear_voice_id();
  EXPECT_THAT(Check(), Contains(IsViolation("metadata.language", "required")));
  EXPECT_THAT(Check(), Contains(IsViolation("id", "required")));
  EXPECT_THAT(Check(), Contains(IsViolation("voice.voice_id", "required")));
}

TEST_F(ValidatorTest, TotalDurationRange) {
  manifest_.mutable_metadata()->set_duration_seconds(0);
  EXPECT_THAT(Check(), Contains(IsViolation("metadata.duration_seconds", "duration_range")));
}

TEST_F(ValidatorTest, ScenesPresent) {
  manifest_.clear_scenes();
  EXPECT_THAT(ValidateManifest(manifest_, std::vector<armature::v1::Job>()),
              Contains(IsViolation("scenes", "scenes_present")));
}

TEST_F(ValidatorTest, UniqueSceneIds) {
  manifest_.mutable_scenes(2)->set_id("s1");
  EXPECT_THAT(Check(),
              Contains(AllOf(IsViolation("scenes[2].id", "unique_id"),
                             Property(&armature::v1::Violation::message, HasSubstr("scenes[0]")))));
}

TEST_F(ValidatorTest, PositiveDurations) {
  manifest_.mutable_scenes(1)->set_duration_seconds(-2);
  EXPECT_THAT(Check(), Contains(IsViolation("scenes[1].duration_seconds", "positive_duration")));
  manifest_.mutable_scenes(1)->set_duration_seconds(std::nan(""));
  EXPECT_THAT(Check(), Contains(IsViolation("scenes[1].duration_seconds", "positive_duration")));
}

TEST_F(ValidatorTest, DurationsSumToTheTotalWithinAMillisecond) {
  manifest_.mutable_scenes(2)->set_duration_seconds(manifest_.scenes(2).duration_seconds() +
                                                    0.0009);
  EXPECT_THAT(Check(), IsEmpty());
  manifest_.mutable_scenes(2)->set_duration_seconds(manifest_.scenes(2).duration_seconds() + 0.5);
  EXPECT_THAT(Check(), Contains(IsViolation("scenes", "duration_sum")));
}

TEST_F(ValidatorTest, StartTimesFollowEachOther) {
  manifest_.mutable_scenes(1)->set_start_at_seconds(11);
  EXPECT_THAT(Check(), Contains(IsViolation("scenes[1].start_at_seconds", "start_time")));
}

TEST_F(ValidatorTest, Purpose) {
  manifest_.mutable_scenes(0)->set_purpose("intro");
  EXPECT_THAT(Check(), Contains(IsViolation("scenes[0].purpose", "purpose")));
}

TEST_F(ValidatorTest, VisualTypeAssetAndPrompt) {
  manifest_.mutable_scenes(0)->mutable_visuals(0)->set_type("video");
  EXPECT_THAT(Check(), Contains(IsViolation("scenes[0].visuals[0].type", "visual_type")));
  manifest_.mutable_scenes(0)->mutable_visuals(0)->set_type("generated");
  manifest_.mutable_scenes(0)->mutable_visuals(0)->clear_prompt();
  EXPECT_THAT(Check(), Contains(IsViolation("scenes[0].visuals[0].prompt", "required")));
  manifest_.mutable_scenes(0)->mutable_visuals(0)->clear_asset_id();
  EXPECT_THAT(Check(), Contains(IsViolation("scenes[0].visuals[0].asset_id", "required")));
}

TEST_F(ValidatorTest, ChartData) {
  manifest_.mutable_scenes(1)->mutable_chart()->clear_points();
  EXPECT_THAT(Check(), Contains(IsViolation("scenes[1].chart.points", "chart_data")));
}

TEST_F(ValidatorTest, ChartVisualMustShowTheScenesChart) {
  manifest_.mutable_scenes(1)->mutable_visuals(0)->set_asset_id("elsewhere");
  EXPECT_THAT(Check(), Contains(IsViolation("scenes[1].visuals[0].asset_id", "unknown_reference")));
}

TEST_F(ValidatorTest, CueTypeTimingAndSceneReference) {
  // Cues: music_01 (bed), sfx_01 (scene 2).
  ASSERT_EQ(manifest_.audio_cues(1).id(), "sfx_01");
  manifest_.mutable_audio_cues(1)->set_type("voice");
  manifest_.mutable_audio_cues(1)->set_scene_id("s9");
  manifest_.mutable_audio_cues(0)->set_start_at_seconds(29);
  EXPECT_THAT(Check(), Contains(IsViolation("audio_cues[1].type", "cue_type")));
  EXPECT_THAT(Check(), Contains(IsViolation("audio_cues[1].scene_id", "unknown_reference")));
  EXPECT_THAT(Check(), Contains(IsViolation("audio_cues[0].start_at_seconds", "cue_timing")));
}

TEST_F(ValidatorTest, UniqueCueIds) {
  manifest_.mutable_audio_cues(1)->set_id("music_01");
  EXPECT_THAT(Check(), Contains(IsViolation("audio_cues[1].id", "unique_id")));
}

TEST_F(ValidatorTest, UniqueJobIds) {
  jobs_[1].set_id(jobs_[0].id());
  EXPECT_THAT(Check(), Contains(IsViolation("jobs[1].id", "unique_id")));
}

TEST_F(ValidatorTest, JobTypeSet) {
  jobs_[0].set_type(armature::v1::JOB_TYPE_UNSPECIFIED);
  EXPECT_THAT(Check(), Contains(IsViolation("jobs[0].type", "job_type")));
}

TEST_F(ValidatorTest, PriorityRange) {
  jobs_[0].set_priority(11);
  EXPECT_THAT(Check(), Contains(IsViolation("jobs[0].priority", "priority_range")));
}

TEST_F(ValidatorTest, ProviderRequired) {
  jobs_[0].clear_provider();
  EXPECT_THAT(Check(), Contains(IsViolation("jobs[0].provider", "required")));
}

TEST_F(ValidatorTest, UnknownDependency) {
  jobs_.back().add_depends_on("job_ghost");
  EXPECT_THAT(Check(), Contains(IsViolation(absl::StrCat("jobs[", jobs_.size() - 1, "].depends_on[",
                                                         jobs_.back().depends_on_size() - 1, "]"),
                                            "unknown_reference")));
}

TEST_F(ValidatorTest, UnknownSceneInPayload) {
  (*jobs_[0].mutable_payload()->mutable_fields())["scene_id"].set_string_value("s42");
  EXPECT_THAT(Check(), Contains(IsViolation("jobs[0].payload.scene_id", "unknown_reference")));
}

TEST_F(ValidatorTest, Acyclic) {
  JobById("job_tts_s1").add_depends_on("job_render");
  const auto violations = Check();
  EXPECT_THAT(violations, Contains(IsViolation("jobs[0].depends_on", "acyclic")));
  EXPECT_THAT(violations, Contains(IsViolation(
                              absl::StrCat("jobs[", jobs_.size() - 1, "].depends_on"), "acyclic")));
}

TEST_F(ValidatorTest, ExactlyOneRender) {
  armature::v1::Job second = jobs_.back();
  second.set_id("job_render_2");
  jobs_.push_back(second);
  EXPECT_THAT(Check(), Contains(IsViolation("jobs", "single_render")));
  jobs_.pop_back();
  jobs_.back().set_type(armature::v1::TTS);
  EXPECT_THAT(Check(), Contains(IsViolation("jobs", "single_render")));
}

TEST_F(ValidatorTest, RenderDependsOnEveryAssetJob) {
  jobs_.back().mutable_depends_on()->RemoveLast();
  EXPECT_THAT(Check(), Contains(IsViolation(absl::StrCat("jobs[", jobs_.size() - 1, "].depends_on"),
                                            "render_dependencies")));
}

TEST_F(ValidatorTest, EveryReferencedAssetIsProduced) {
  // Drop the image job of scene 1 (and render's dependency on it).
  jobs_.erase(
      std::remove_if(jobs_.begin(), jobs_.end(),
                     [](const armature::v1::Job& j) { return j.id() == "job_image_s1_img1"; }),
      jobs_.end());
  auto* deps = jobs_.back().mutable_depends_on();
  deps->erase(std::remove(deps->begin(), deps->end(), "job_image_s1_img1"), deps->end());
  EXPECT_THAT(Check(), Contains(IsViolation("scenes[0].visuals[0].asset_id", "asset_produced")));
}

TEST_F(ValidatorTest, NarrationAndMusicNeedTheirJobs) {
  jobs_.erase(std::remove_if(jobs_.begin(), jobs_.end(),
                             [](const armature::v1::Job& j) {
                               return j.id() == "job_tts_s3" || j.id() == "job_music_music_01";
                             }),
              jobs_.end());
  jobs_.back().clear_depends_on();
  for (size_t i = 0; i + 1 < jobs_.size(); ++i) jobs_.back().add_depends_on(jobs_[i].id());
  EXPECT_THAT(Check(), Contains(IsViolation("scenes[2].narration", "asset_produced")));
  EXPECT_THAT(Check(), Contains(IsViolation("audio_cues[0].id", "asset_produced")));
}

TEST_F(ValidatorTest, WithoutJobsOnlyTheManifestIsChecked) {
  EXPECT_THAT(ValidateManifest(manifest_, std::vector<armature::v1::Job>()), IsEmpty());
}

TEST_F(ValidatorTest, RepeatedFieldOverloadAgrees) {
  jobs_[0].set_priority(0);
  google::protobuf::RepeatedPtrField<armature::v1::Job> repeated(jobs_.begin(), jobs_.end());
  EXPECT_EQ(ValidateManifest(manifest_, repeated).size(), Check().size());
  EXPECT_FALSE(Check().empty());
}

}  // namespace
}  // namespace armature::manifest
