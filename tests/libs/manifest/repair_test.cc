#include "libs/manifest/repair.h"

#include <algorithm>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "libs/manifest/parser.h"
#include "libs/manifest/validator.h"
#include "tests/libs/manifest/test_printers.h"

namespace armature::manifest {
namespace {

using ::testing::Contains;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::Pair;
using ::testing::SizeIs;

class RepairTest : public ::testing::Test {
 protected:
  void SetUp() override {
    context_.hints.duration_seconds = 30;
    context_.hints.platform = "youtube";
    manifest_ = BuildManifest(ParseTreatment(R"(## Scene 1 (10s)
Narration: Hello there.
Visual: a lighthouse
## Scene 2
Chart: Q1: 1, Q2: 2
SFX: click
## Scene 3
Narration: Goodbye.
)"),
                              context_.hints, context_.build);
    jobs_ = DecomposeJobs(manifest_, context_.jobs);
    ASSERT_THAT(ValidateManifest(manifest_, jobs_), IsEmpty());
  }

  RepairOutcome Repair() const { return RepairManifest(manifest_, jobs_, context_); }

  static void ExpectValid(const RepairOutcome& out) {
    EXPECT_THAT(ValidateManifest(out.manifest, out.jobs), IsEmpty());
  }

  // More scenes than the total has milliseconds: no deterministic repair can give them all a
  // positive duration summing to the total.
  void MakeUnrepairable() {
    manifest_.mutable_metadata()->set_duration_seconds(1);
    const armature::v1::Scene scene = manifest_.scenes(0);
    for (int i = 0; i < 1200; ++i) *manifest_.add_scenes() = scene;
  }

  RepairContext context_;
  armature::v1::ProductionManifest manifest_;
  std::vector<armature::v1::Job> jobs_;
};

TEST_F(RepairTest, ValidInputIsReturnedUnchanged) {
  const RepairOutcome out = Repair();
  EXPECT_THAT(out.repairs, IsEmpty());
  EXPECT_THAT(out.warnings, IsEmpty());
  EXPECT_FALSE(out.fell_back);
  EXPECT_EQ(out.manifest.SerializeAsString(), manifest_.SerializeAsString());
  EXPECT_EQ(out.jobs.size(), jobs_.size());
}

TEST_F(RepairTest, Durations) {
  manifest_.mutable_scenes(1)->set_duration_seconds(0);
  manifest_.mutable_scenes(2)->set_duration_seconds(50);
  const RepairOutcome out = Repair();
  ExpectValid(out);
  EXPECT_THAT(out.repairs, Contains(Pair("durations", ::testing::Ge(1))));
  // The valid declared durations are kept in proportion; the broken one gets its share.
  double sum = 0;
  for (const auto& s : out.manifest.scenes()) {
    EXPECT_GT(s.duration_seconds(), 0);
    sum += s.duration_seconds();
  }
  EXPECT_NEAR(sum, 30, 0.001);
  EXPECT_FALSE(out.fell_back);
}

TEST_F(RepairTest, StartTimes) {
  manifest_.mutable_scenes(2)->set_start_at_seconds(3);
  const RepairOutcome out = Repair();
  ExpectValid(out);
  EXPECT_THAT(out.repairs, ElementsAre(Pair("durations", 1)));
  EXPECT_EQ(out.manifest.scenes(2).start_at_seconds(),
            out.manifest.scenes(0).duration_seconds() + out.manifest.scenes(1).duration_seconds());
}

TEST_F(RepairTest, MissingFields) {
  manifest_.mutable_metadata()->clear_platform();
  manifest_.mutable_voice()->clear_voice_id();
  manifest_.mutable_scenes(0)->mutable_visuals(0)->clear_prompt();
  const RepairOutcome out = Repair();
  ExpectValid(out);
  EXPECT_THAT(out.repairs, ElementsAre(Pair("missing_fields", 3)));
  EXPECT_EQ(out.manifest.metadata().platform(), "youtube");
  EXPECT_EQ(out.manifest.voice().voice_id(), "eva");
  EXPECT_THAT(out.manifest.scenes(0).visuals(0).prompt(), HasSubstr("Hello there."));
  EXPECT_THAT(out.warnings, Contains(HasSubstr("metadata.platform")));
}

TEST_F(RepairTest, UnknownReferences) {
  manifest_.mutable_audio_cues(1)->set_scene_id("s9");
  jobs_[0].add_depends_on("job_ghost");
  const RepairOutcome out = Repair();
  ExpectValid(out);
  EXPECT_THAT(out.repairs, ElementsAre(Pair("unknown_references", 2)));
  EXPECT_EQ(out.manifest.audio_cues(1).scene_id(), "");
  EXPECT_THAT(out.jobs[0].depends_on(), IsEmpty());
}

TEST_F(RepairTest, DuplicateIds) {
  manifest_.mutable_scenes(2)->set_id("s1");
  const RepairOutcome out = Repair();
  ExpectValid(out);
  EXPECT_THAT(out.repairs, Contains(Pair("duplicate_ids", 1)));
  EXPECT_EQ(out.manifest.scenes(2).id(), "s3");
}

TEST_F(RepairTest, DuplicateJobsAreDropped) {
  jobs_.insert(jobs_.begin() + 1, jobs_[0]);
  const RepairOutcome out = Repair();
  ExpectValid(out);
  EXPECT_THAT(out.repairs, ElementsAre(Pair("duplicate_ids", 1)));
  EXPECT_EQ(out.jobs.size(), jobs_.size() - 1);
}

TEST_F(RepairTest, InvalidValues) {
  manifest_.mutable_scenes(1)->set_purpose("middle");
  manifest_.mutable_audio_cues(0)->set_type("ambience");
  jobs_[0].set_priority(0);
  const RepairOutcome out = Repair();
  ExpectValid(out);
  EXPECT_THAT(out.repairs, ElementsAre(Pair("invalid_values", 3)));
  EXPECT_EQ(out.manifest.scenes(1).purpose(), "body");
  EXPECT_EQ(out.manifest.audio_cues(0).type(), "music");
  EXPECT_EQ(out.jobs[0].priority(), 1);
}

TEST_F(RepairTest, JobDagIsRederived) {
  jobs_.pop_back();  // no RENDER
  const RepairOutcome out = Repair();
  ExpectValid(out);
  EXPECT_THAT(out.repairs, ElementsAre(Pair("job_dag", 1)));
  EXPECT_EQ(out.jobs.back().id(), "job_render");
}

TEST_F(RepairTest, CycleIsRepairedByRederivingTheDag) {
  jobs_[0].add_depends_on("job_render");
  const RepairOutcome out = Repair();
  ExpectValid(out);
  EXPECT_THAT(out.repairs, ElementsAre(Pair("job_dag", 1)));
}

TEST_F(RepairTest, WithoutJobsOnlyTheManifestIsRepaired) {
  manifest_.mutable_scenes(0)->set_purpose("");
  const RepairOutcome out = RepairManifest(manifest_, {}, context_);
  EXPECT_THAT(out.jobs, IsEmpty());
  EXPECT_THAT(ValidateManifest(out.manifest, out.jobs), IsEmpty());
  EXPECT_EQ(out.manifest.scenes(0).purpose(), "hook");
}

TEST_F(RepairTest, FallsBackToAMinimalManifest) {
  MakeUnrepairable();
  const RepairOutcome out = Repair();
  ExpectValid(out);
  EXPECT_TRUE(out.fell_back);
  EXPECT_FALSE(out.used_llm);
  EXPECT_THAT(out.repairs, Contains(Pair("fallback", 1)));
  ASSERT_THAT(out.manifest.scenes(), SizeIs(1));
  EXPECT_EQ(out.manifest.scenes(0).duration_seconds(), 30);  // the hints' duration
  EXPECT_THAT(out.manifest.scenes(0).narration(),
              ::testing::StartsWith("Hello there. Goodbye. Hello there."));
  EXPECT_THAT(out.warnings, Contains(HasSubstr("minimal one-scene fallback")));
  // Minimal job set: TTS, the image, the music bed is absent, render.
  ASSERT_THAT(out.jobs, SizeIs(3));
  EXPECT_EQ(out.jobs.back().type(), armature::v1::RENDER);
}

TEST_F(RepairTest, LlmHookRunsOnlyWhenDeterministicRepairsFail) {
  int calls = 0;
  context_.llm_repair = [&](const armature::v1::ProductionManifest&,
                            const std::vector<armature::v1::Job>&,
                            const std::vector<armature::v1::Violation>& violations)
      -> absl::StatusOr<RepairCandidate> {
    ++calls;
    EXPECT_THAT(violations,
                Contains(::testing::Property(&armature::v1::Violation::rule, "duration_sum")));
    RepairCandidate c;
    c.manifest = manifest_;
    c.manifest.mutable_scenes()->DeleteSubrange(3, manifest_.scenes_size() - 3);
    c.manifest.mutable_metadata()->set_duration_seconds(30);
    c.jobs = jobs_;
    return c;
  };
  manifest_.mutable_scenes(0)->set_purpose("");  // deterministic repairs handle this one
  EXPECT_FALSE(Repair().used_llm);
  EXPECT_EQ(calls, 0);

  manifest_.mutable_scenes(0)->set_purpose("hook");
  MakeUnrepairable();
  const RepairOutcome out = Repair();
  EXPECT_EQ(calls, 1);
  ExpectValid(out);
  EXPECT_TRUE(out.used_llm);
  EXPECT_FALSE(out.fell_back);
  EXPECT_THAT(out.repairs, Contains(Pair("llm", 1)));
  EXPECT_EQ(out.manifest.scenes_size(), 3);
}

TEST_F(RepairTest, FailingOrInvalidLlmRepairFallsBack) {
  MakeUnrepairable();
  context_.llm_repair =
      [](const armature::v1::ProductionManifest&, const std::vector<armature::v1::Job>&,
         const std::vector<armature::v1::Violation>&) -> absl::StatusOr<RepairCandidate> {
    return absl::UnavailableError("provider down");
  };
  RepairOutcome out = Repair();
  ExpectValid(out);
  EXPECT_TRUE(out.fell_back);
  EXPECT_THAT(out.warnings, Contains(HasSubstr("provider down")));

  context_.llm_repair =
      [](const armature::v1::ProductionManifest& m, const std::vector<armature::v1::Job>& j,
         const std::vector<armature::v1::Violation>&) -> absl::StatusOr<RepairCandidate> {
    return RepairCandidate{m, j};  // still invalid
  };
  out = Repair();
  ExpectValid(out);
  EXPECT_TRUE(out.fell_back);
  EXPECT_FALSE(out.used_llm);
  EXPECT_THAT(out.warnings, Contains(HasSubstr("still invalid")));
}

TEST_F(RepairTest, UsedLlmCandidateNamesItsSourceAndKeepsItsNotes) {
  MakeUnrepairable();
  const armature::v1::ProductionManifest valid = manifest_;
  context_.llm_repair =
      [&](const armature::v1::ProductionManifest&, const std::vector<armature::v1::Job>&,
          const std::vector<armature::v1::Violation>&) -> absl::StatusOr<RepairCandidate> {
    RepairCandidate c;
    c.manifest = valid;
    c.manifest.mutable_scenes()->DeleteSubrange(3, valid.scenes_size() - 3);
    c.manifest.mutable_metadata()->set_duration_seconds(30);
    c.jobs = DecomposeJobs(c.manifest, context_.jobs);
    c.source = "openai:gpt-4o-mini";
    c.warnings = {"LLM repair: provider skipped: anthropic:claude: UNAVAILABLE"};
    return c;
  };
  const RepairOutcome out = Repair();
  ExpectValid(out);
  EXPECT_TRUE(out.used_llm);
  EXPECT_THAT(out.repairs, Contains(Pair("llm", 1)));
  EXPECT_FALSE(out.repairs.contains("fallback"));
  EXPECT_THAT(out.warnings,
              Contains("repaired the manifest with the LLM repair step (openai:gpt-4o-mini)"));
  EXPECT_THAT(out.warnings,
              Contains("LLM repair: provider skipped: anthropic:claude: UNAVAILABLE"));
}

TEST_F(RepairTest, LlmCandidateWithoutJobsIsRefused) {
  MakeUnrepairable();
  const armature::v1::ProductionManifest valid = manifest_;
  context_.llm_repair =
      [&](const armature::v1::ProductionManifest&, const std::vector<armature::v1::Job>&,
          const std::vector<armature::v1::Violation>&) -> absl::StatusOr<RepairCandidate> {
    RepairCandidate c;
    c.manifest = valid;
    c.manifest.mutable_scenes()->DeleteSubrange(3, valid.scenes_size() - 3);
    c.manifest.mutable_metadata()->set_duration_seconds(30);
    return c;  // valid alone, but the input had jobs
  };
  const RepairOutcome out = Repair();
  ExpectValid(out);
  EXPECT_FALSE(out.used_llm);
  EXPECT_TRUE(out.fell_back);
  EXPECT_THAT(out.warnings, Contains("the LLM repair step's manifest came without its jobs"));
}

TEST(MinimalFallbackManifestTest, ValidatesEvenWithBrokenHints) {
  NormalizedHints hints;
  hints.duration_seconds = -4;
  hints.language = "";
  hints.aspect_ratio = "\xFF";
  const armature::v1::ProductionManifest m =
      MinimalFallbackManifest(hints, std::string("caf\xC3\xA9 \xFF"), "", BuildOptions());
  EXPECT_THAT(ValidateManifest(m, DecomposeJobs(m, JobProviders())), IsEmpty());
  EXPECT_EQ(m.metadata().duration_seconds(), 60);
  EXPECT_EQ(m.metadata().language(), "en");
  EXPECT_EQ(m.scenes(0).narration(), "caf\xC3\xA9 \xEF\xBF\xBD");
}

}  // namespace
}  // namespace armature::manifest
