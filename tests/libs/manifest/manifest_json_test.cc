#include "libs/manifest/manifest_json.h"

#include <string>

#include "gmock/gmock.h"
#include "google/protobuf/util/message_differencer.h"
#include "gtest/gtest.h"
#include "libs/manifest/builder.h"
#include "libs/manifest/parser.h"
#include "libs/manifest/validator.h"
#include "tests/libs/manifest/test_printers.h"

namespace armature::manifest {
namespace {

using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::Not;
using ::testing::StartsWith;

armature::v1::ProductionManifest SampleManifest() {
  NormalizedHints hints;
  hints.duration_seconds = 20;
  return BuildManifest(ParseTreatment(R"(## Scene 1 (4s)
Narration: Meet the notebook.
Visual: a glowing laptop
## Scene 2
Chart: Q1: 10, Q2: 14.5
Music: upbeat synth
## Scene 3
Narration: Order yours today.
)"),
                       hints, BuildOptions());
}

TEST(ManifestJsonTest, PrintsProtoFieldNamesAndEmptyFields) {
  const armature::v1::ProductionManifest manifest = SampleManifest();
  absl::StatusOr<std::string> json = ManifestToJson(manifest);
  ASSERT_TRUE(json.ok()) << json.status();
  EXPECT_THAT(*json, StartsWith("{"));
  EXPECT_THAT(*json, HasSubstr("\"duration_seconds\":20"));
  EXPECT_THAT(*json, HasSubstr("\"start_at_seconds\":4"));
  EXPECT_THAT(*json, HasSubstr("\"narration\":\"Meet the notebook.\""));
  // Empty fields are shown too: scene 2 has no narration.
  EXPECT_THAT(*json, HasSubstr("\"narration\":\"\""));
  EXPECT_THAT(*json, Not(HasSubstr("durationSeconds")));
  EXPECT_EQ(ManifestToJson(manifest).value(), *json);  // deterministic
}

TEST(ManifestJsonTest, RoundTripsExactly) {
  const armature::v1::ProductionManifest manifest = SampleManifest();
  ASSERT_THAT(ValidateManifest(manifest), IsEmpty());
  absl::StatusOr<armature::v1::ProductionManifest> back =
      ParseManifestJson(ManifestToJson(manifest).value());
  ASSERT_TRUE(back.ok()) << back.status();
  EXPECT_TRUE(google::protobuf::util::MessageDifferencer::Equals(*back, manifest));
  EXPECT_EQ(back->scenes(1).chart().points(1).value(), 14.5);
}

TEST(ManifestJsonTest, AcceptsJsonNamesAndSurroundingWhitespace) {
  absl::StatusOr<armature::v1::ProductionManifest> m = ParseManifestJson(
      "\n  {\"metadata\": {\"durationSeconds\": 12.5}, \"audioCues\": [{\"id\": \"music_01\"}]}  ");
  ASSERT_TRUE(m.ok()) << m.status();
  EXPECT_EQ(m->metadata().duration_seconds(), 12.5);
  ASSERT_EQ(m->audio_cues_size(), 1);
  EXPECT_EQ(m->audio_cues(0).id(), "music_01");
}

TEST(ManifestJsonTest, RefusesUnknownShapesNamingTheProblem) {
  struct Case {
    std::string json;
    std::string expected;
  };
  const std::vector<Case> cases = {
      {"", "expected a JSON object"},
      {"[{\"id\": \"x\"}]", "expected a JSON object"},
      {"\"a manifest\"", "expected a JSON object"},
      {"I repaired it for you.", "expected a JSON object"},
      {"{\"id\": \"x\", \"jobs\": []}", "jobs"},
      {"{\"manifest\": {\"id\": \"x\"}}", "manifest"},
      {"{\"scenes\": [{\"id\": \"s1\", \"length\": 5}]}", "length"},
      {"{\"scenes\": \"three scenes\"}", "scenes"},
      {"{\"metadata\": {\"duration_seconds\": \"long\"}}", "duration_seconds"},
      {"{\"id\": \"x\"", ""},
  };
  for (const Case& c : cases) {
    absl::StatusOr<armature::v1::ProductionManifest> m = ParseManifestJson(c.json);
    ASSERT_FALSE(m.ok()) << c.json;
    EXPECT_EQ(m.status().code(), absl::StatusCode::kInvalidArgument) << c.json;
    EXPECT_THAT(std::string(m.status().message()), StartsWith("manifest JSON: ")) << c.json;
    EXPECT_THAT(m.status().message(), HasSubstr(c.expected)) << c.json;
  }
}

TEST(ManifestJsonTest, RefusesOversizedInput) {
  const std::string huge = "{\"id\": \"" + std::string(kMaxManifestJsonBytes, 'x') + "\"}";
  absl::StatusOr<armature::v1::ProductionManifest> m = ParseManifestJson(huge);
  ASSERT_FALSE(m.ok());
  EXPECT_THAT(m.status().message(), HasSubstr("the limit is 1000000"));
}

}  // namespace
}  // namespace armature::manifest
