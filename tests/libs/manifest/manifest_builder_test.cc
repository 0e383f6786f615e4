#include "libs/manifest/manifest_builder.h"

#include "gmock/gmock.h"
#include "google/protobuf/io/coded_stream.h"
#include "google/protobuf/io/zero_copy_stream_impl_lite.h"
#include "gtest/gtest.h"
#include "libs/manifest/validator.h"
#include "tests/libs/manifest/test_printers.h"

namespace armature::manifest {
namespace {

using ::testing::Contains;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::SizeIs;

armature::v1::BuildManifestRequest Request(const std::string& treatment, double seconds = 0) {
  armature::v1::BuildManifestRequest r;
  r.set_treatment(treatment);
  if (seconds > 0) r.mutable_hints()->set_duration_seconds(seconds);
  return r;
}

std::vector<std::string> JobIds(const BuildResult& r) {
  std::vector<std::string> out;
  for (const auto& j : r.jobs) out.push_back(j.id());
  return out;
}

// Deterministic wire encoding (map entries of Struct payloads sorted) of a message.
std::string Bytes(const google::protobuf::Message& message) {
  std::string out;
  google::protobuf::io::StringOutputStream stream(&out);
  google::protobuf::io::CodedOutputStream coded(&stream);
  coded.SetSerializationDeterministic(true);
  EXPECT_TRUE(message.SerializeToCodedStream(&coded));
  coded.Trim();
  return out;
}

// The manifest, jobs and warnings of a result as one byte string.
std::string Canonical(const BuildResult& r) {
  std::string out = Bytes(r.manifest);
  for (const auto& j : r.jobs) out += Bytes(j);
  for (const auto& w : r.warnings) out += w + "\n";
  return out;
}

TEST(ManifestBuilderTest, TreatmentToManifestAndJobs) {
  const ManifestBuilder builder;
  absl::StatusOr<BuildResult> r = builder.Build(Request(R"(# Build a Vid
## Scene 1 — Hook (5s)
Narration: Step one: pick footage.
Visual: a laptop on a desk
## Scene 2 — Edit
Narration: Step two: let the app cut it.
Chart: Minutes saved — Manual: 60, Armature: 5
## Scene 3 — CTA
Narration: Sign up today.
)",
                                                        45));
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_THAT(ValidateManifest(r->manifest, r->jobs), IsEmpty());
  EXPECT_FALSE(r->used_repair);
  EXPECT_FALSE(r->used_llm);
  EXPECT_FALSE(r->fell_back);
  EXPECT_THAT(r->repairs_by_kind, IsEmpty());
  const auto& m = r->manifest;
  EXPECT_EQ(m.metadata().title(), "Build a Vid");
  EXPECT_EQ(m.metadata().duration_seconds(), 45);
  ASSERT_THAT(m.scenes(), SizeIs(3));
  EXPECT_EQ(m.scenes(0).narration(), "Step one: pick footage.");
  EXPECT_EQ(m.scenes(0).duration_seconds(), 5);
  EXPECT_EQ(m.scenes(2).purpose(), "call_to_action");
  EXPECT_THAT(JobIds(*r),
              ElementsAre("job_tts_s1", "job_image_s1_img1", "job_tts_s2", "job_chart_s2_chart",
                          "job_tts_s3", "job_image_s3_img1", "job_music_music_01", "job_render"));
}

TEST(ManifestBuilderTest, IsDeterministic) {
  const ManifestBuilder builder;
  const armature::v1::BuildManifestRequest request = Request(
      "INT. LAB - NIGHT\nDr. Reyes stares at the screen.\nREYES\nIt worked.\n\nEXT. ROOF - "
      "DAWN\nReyes laughs.\n");
  absl::StatusOr<BuildResult> a = builder.Build(request);
  absl::StatusOr<BuildResult> b = ManifestBuilder().Build(request);
  ASSERT_TRUE(a.ok() && b.ok());
  EXPECT_EQ(Canonical(*a), Canonical(*b));
  EXPECT_GT(Canonical(*a).size(), 200u);
  EXPECT_EQ(a->manifest.id(), b->manifest.id());
}

TEST(ManifestBuilderTest, UsesTheTreatmentsTotalWhenTheRequestGivesNone) {
  absl::StatusOr<BuildResult> r =
      ManifestBuilder().Build(Request("Duration: 20s\n\nHello.\n\nBye, subscribe!"));
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->manifest.metadata().duration_seconds(), 20);
  EXPECT_THAT(r->warnings, Contains(HasSubstr("total duration of 20 s")));
  // The request's duration wins over the treatment's.
  r = ManifestBuilder().Build(Request("Duration: 20s\n\nHello.", 30));
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->manifest.metadata().duration_seconds(), 30);
}

TEST(ManifestBuilderTest, WarningsCarryParserNotesAndTimingAdjustments) {
  absl::StatusOr<BuildResult> r = ManifestBuilder().Build(
      Request("Scene 1 (40s): Narration: a\nWardrobe: blue\nScene 2 (40s): Narration: b\n", 60));
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_THAT(r->warnings, Contains(HasSubstr("Wardrobe: blue")));
  EXPECT_THAT(r->warnings, Contains(HasSubstr("scaled them down")));
  EXPECT_THAT(ValidateManifest(r->manifest, r->jobs), IsEmpty());
}

TEST(ManifestBuilderTest, InvalidArgumentsAreReported) {
  EXPECT_EQ(ManifestBuilder().Build(Request("   ")).status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(ManifestBuilder().Build(Request("ok", 4000)).status().code(),
            absl::StatusCode::kInvalidArgument);
  armature::v1::BuildManifestRequest r = Request("ok");
  r.set_refiner_json("nope");
  EXPECT_THAT(ManifestBuilder().Build(r).status().message(), HasSubstr("refiner_json"));
}

TEST(ManifestBuilderTest, ConfigDrivesProvidersAndOptions) {
  ManifestConfig config;
  config.jobs.tts.provider = "polly";
  config.build.default_music = false;
  config.build.voice_id = "joanna";
  absl::StatusOr<BuildResult> r = ManifestBuilder(config).Build(Request("Hello world."));
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->jobs.front().provider(), "polly");
  EXPECT_EQ(r->manifest.voice().voice_id(), "joanna");
  EXPECT_THAT(r->manifest.audio_cues(), IsEmpty());
}

TEST(ManifestBuilderTest, BuildFromAnExtraction) {
  ParsedTreatment parsed;
  parsed.scenes.resize(2);
  parsed.scenes[0].narration = "From an LLM.";
  parsed.scenes[1].narration = "Second.";
  parsed.total_duration_seconds = 12;
  NormalizedHints hints;
  const BuildResult r = ManifestBuilder().BuildFrom(parsed, hints);
  EXPECT_EQ(r.manifest.metadata().duration_seconds(), 12);
  EXPECT_EQ(r.manifest.scenes(0).narration(), "From an LLM.");
  EXPECT_THAT(ValidateManifest(r.manifest, r.jobs), IsEmpty());
}

// Treatments in many styles: each yields a manifest that validates, with the narration it says.
TEST(ManifestBuilderTest, EveryStyleValidates) {
  const std::vector<std::pair<std::string, std::vector<std::string>>> cases = {
      {"## Scene 1\nVO: a.\n## Scene 2\nVO: b.", {"a.", "b."}},
      {"INT. ROOM - DAY\nA door opens.\nANNA\nHi.\n", {"Hi."}},
      {"1. Hook: one.\n2. Body: two.\n3. CTA: three, subscribe.",
       {"one.", "two.", "three, subscribe."}},
      {"[0:00-0:03] Intro\nVO: x.\n[0:03] Outro\nVO: y.", {"x.", "y."}},
      {"| Scene | Narration |\n|---|---|\n| 1 | p |\n| 2 | q |", {"p", "q"}},
      {"Plain paragraph one.\n\nPlain paragraph two.",
       {"Plain paragraph one.", "Plain paragraph two."}},
      {"HOOK: wow.\nCTA: follow.", {"wow.", "follow."}},
  };
  const ManifestBuilder builder;
  for (const auto& [text, narration] : cases) {
    absl::StatusOr<BuildResult> r = builder.Build(Request(text, 30));
    ASSERT_TRUE(r.ok()) << text << ": " << r.status();
    EXPECT_THAT(ValidateManifest(r->manifest, r->jobs), IsEmpty()) << text;
    std::vector<std::string> got;
    for (const auto& s : r->manifest.scenes()) got.push_back(s.narration());
    EXPECT_EQ(got, narration) << text;
    int tts = 0;
    for (const auto& j : r->jobs) tts += j.type() == armature::v1::TTS;
    EXPECT_EQ(tts, static_cast<int>(narration.size())) << text;
  }
}

}  // namespace
}  // namespace armature::manifest
