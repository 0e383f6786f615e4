#include "libs/manifest/builder.h"

#include <numeric>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "libs/manifest/parser.h"
#include "libs/manifest/validator.h"
#include "tests/libs/manifest/test_printers.h"

namespace armature::manifest {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::SizeIs;

NormalizedHints Hints(double seconds = 60) {
  NormalizedHints h;
  h.duration_seconds = seconds;
  h.duration_is_default = false;
  return h;
}

double Sum(const std::vector<double>& v) { return std::accumulate(v.begin(), v.end(), 0.0); }

std::vector<double> Durations(const armature::v1::ProductionManifest& m) {
  std::vector<double> out;
  for (const auto& s : m.scenes()) out.push_back(s.duration_seconds());
  return out;
}

std::vector<std::string> Purposes(const armature::v1::ProductionManifest& m) {
  std::vector<std::string> out;
  for (const auto& s : m.scenes()) out.push_back(s.purpose());
  return out;
}

TEST(AssignDurationsTest, HonoursDeclaredAndSpreadsTheRestByNarration) {
  std::vector<std::string> warnings;
  const std::vector<double> d =
      AssignDurations({5.0, std::nullopt, std::nullopt}, {8, 30, 10}, 45, 1.0, &warnings);
  // 40 s left: 1 s minimum each, then 38 s split 30:10.
  EXPECT_THAT(d, ElementsAre(5.0, 29.5, 10.5));
  EXPECT_DOUBLE_EQ(Sum(d), 45.0);
  EXPECT_THAT(warnings, IsEmpty());
}

TEST(AssignDurationsTest, ScalesDeclaredTimeBeyondTheTotalDownAndWarns) {
  std::vector<std::string> warnings;
  const std::vector<double> d =
      AssignDurations({20.0, 30.0, std::nullopt}, {8, 8, 8}, 30, 1.0, &warnings);
  // The undeclared scene keeps 1 s; the declared 50 s shrink to 29 s in proportion 2:3.
  EXPECT_DOUBLE_EQ(d[2], 1.0);
  EXPECT_NEAR(d[0], 11.6, 0.001);
  EXPECT_NEAR(d[1], 17.4, 0.001);
  EXPECT_DOUBLE_EQ(Sum(d), 30.0);
  ASSERT_THAT(warnings, SizeIs(1));
  EXPECT_THAT(warnings[0], HasSubstr("scaled them down"));
}

TEST(AssignDurationsTest, AllDeclaredAreScaledToTheTotal) {
  std::vector<std::string> warnings;
  std::vector<double> d = AssignDurations({10.0, 10.0}, {1, 1}, 60, 1.0, &warnings);
  EXPECT_THAT(d, ElementsAre(30.0, 30.0));
  ASSERT_THAT(warnings, SizeIs(1));
  EXPECT_THAT(warnings[0], HasSubstr("scaled them up"));
  warnings.clear();
  d = AssignDurations({20.0, 40.0}, {1, 1}, 60, 1.0, &warnings);
  EXPECT_THAT(d, ElementsAre(20.0, 40.0));
  EXPECT_THAT(warnings, IsEmpty());
}

TEST(AssignDurationsTest, SumIsExactInMillisecondsAndAllPositive) {
  const std::vector<std::optional<double>> declared(7);
  const std::vector<double> weights = {1, 2, 3, 4, 5, 6, 7};
  const std::vector<double> d = AssignDurations(declared, weights, 10.001, 1.0);
  int64_t total_ms = 0;
  for (double x : d) {
    EXPECT_GT(x, 0);
    total_ms += std::llround(x * 1000);
  }
  EXPECT_EQ(total_ms, 10001);
  // Two hundred scenes in one second still get positive durations.
  const std::vector<double> tiny =
      AssignDurations(std::vector<std::optional<double>>(200), std::vector<double>(200, 1), 1, 1.0);
  for (double x : tiny) EXPECT_GT(x, 0);
  EXPECT_NEAR(Sum(tiny), 1.0, 1e-9);
}

TEST(BuildManifestTest, TimingIdsAndStartTimes) {
  const ParsedTreatment parsed = ParseTreatment(
      "## Scene 1 (5s)\nVO: one two three.\n## Scene 2\nVO: four five six seven eight nine ten "
      "eleven.\n"
      "## Scene 3 (0:10)\nVO: twelve.\n");
  std::vector<std::string> warnings;
  const armature::v1::ProductionManifest m =
      BuildManifest(parsed, Hints(30), BuildOptions(), &warnings);
  ASSERT_THAT(m.scenes(), SizeIs(3));
  EXPECT_EQ(m.scenes(0).id(), "s1");
  EXPECT_EQ(m.scenes(2).id(), "s3");
  EXPECT_THAT(Durations(m), ElementsAre(5.0, 15.0, 10.0));
  EXPECT_EQ(m.scenes(0).start_at_seconds(), 0);
  EXPECT_EQ(m.scenes(1).start_at_seconds(), 5);
  EXPECT_EQ(m.scenes(2).start_at_seconds(), 20);
  EXPECT_TRUE(m.scenes(0).explicit_duration());
  EXPECT_FALSE(m.scenes(1).explicit_duration());
  EXPECT_EQ(m.metadata().duration_seconds(), 30);
  EXPECT_THAT(warnings, IsEmpty());
  EXPECT_THAT(ValidateManifest(m), IsEmpty());
}

TEST(BuildManifestTest, MoreDeclaredTimeThanTheTotal) {
  const ParsedTreatment parsed = ParseTreatment(
      "Scene 1 (30s): Narration: a\nScene 2 (40s): Narration: b\nScene 3: Narration: c\n");
  std::vector<std::string> warnings;
  const armature::v1::ProductionManifest m =
      BuildManifest(parsed, Hints(20), BuildOptions(), &warnings);
  const std::vector<double> d = Durations(m);
  EXPECT_NEAR(Sum(d), 20.0, 1e-9);
  EXPECT_EQ(d[2], 1.0);
  EXPECT_NEAR(d[0] / d[1], 30.0 / 40.0, 0.001);
  EXPECT_THAT(warnings, ElementsAre(HasSubstr("leave too little")));
  EXPECT_THAT(ValidateManifest(m), IsEmpty());
}

TEST(BuildManifestTest, Purposes) {
  EXPECT_THAT(Purposes(BuildManifest(ParseTreatment("Just one line."), Hints(), BuildOptions())),
              ElementsAre("hook"));
  EXPECT_THAT(Purposes(BuildManifest(ParseTreatment("First idea.\n\nSecond idea."), Hints(),
                                     BuildOptions())),
              ElementsAre("hook", "body"));
  EXPECT_THAT(Purposes(BuildManifest(ParseTreatment("First idea.\n\nSubscribe for more!"), Hints(),
                                     BuildOptions())),
              ElementsAre("hook", "call_to_action"));
  EXPECT_THAT(Purposes(BuildManifest(ParseTreatment("One.\n\nTwo.\n\nThree.\n\nFour."), Hints(),
                                     BuildOptions())),
              ElementsAre("hook", "body", "body", "call_to_action"));
}

TEST(BuildManifestTest, VisualsOfEachKind) {
  const ParsedTreatment parsed = ParseTreatment(
      "Style: watercolor\n## Scene 1\nVisual: a red kite\nB-roll: city traffic\n"
      "## Scene 2\nChart: Sales — Q1: 10, Q2: 14\n## Scene 3\nNarration: The end of the story.\n");
  const armature::v1::ProductionManifest m = BuildManifest(parsed, Hints(), BuildOptions());
  ASSERT_THAT(m.scenes(0).visuals(), SizeIs(2));
  EXPECT_EQ(m.scenes(0).visuals(0).type(), "generated");
  EXPECT_EQ(m.scenes(0).visuals(0).asset_id(), "s1_img1");
  EXPECT_EQ(m.scenes(0).visuals(0).prompt(), "a red kite, watercolor");
  EXPECT_EQ(m.scenes(0).visuals(1).type(), "stock");
  EXPECT_EQ(m.scenes(0).visuals(1).asset_id(), "s1_stock1");
  EXPECT_EQ(m.scenes(0).visuals(1).prompt(), "city traffic");
  ASSERT_TRUE(m.scenes(1).has_chart());
  EXPECT_EQ(m.scenes(1).chart().asset_id(), "s2_chart");
  EXPECT_EQ(m.scenes(1).chart().title(), "Sales");
  ASSERT_THAT(m.scenes(1).chart().points(), SizeIs(2));
  EXPECT_EQ(m.scenes(1).chart().points(1).label(), "Q2");
  EXPECT_EQ(m.scenes(1).chart().points(1).value(), 14);
  ASSERT_THAT(m.scenes(1).visuals(), SizeIs(1));
  EXPECT_EQ(m.scenes(1).visuals(0).type(), "chart");
  EXPECT_EQ(m.scenes(1).visuals(0).asset_id(), "s2_chart");
  // A scene without visuals gets one illustrating its narration.
  ASSERT_THAT(m.scenes(2).visuals(), SizeIs(1));
  EXPECT_EQ(m.scenes(2).visuals(0).type(), "generated");
  EXPECT_EQ(m.scenes(2).visuals(0).prompt(), "Illustration of: The end of the story., watercolor");
  EXPECT_EQ(m.consistency().style(), "watercolor");
}

TEST(BuildManifestTest, StyleFallsBackToHintsThenDefault) {
  NormalizedHints hints = Hints();
  hints.style = "from the refiner";
  EXPECT_EQ(BuildManifest(ParseTreatment("Hello."), hints, BuildOptions()).consistency().style(),
            "from the refiner");
  EXPECT_EQ(BuildManifest(ParseTreatment("Hello."), Hints(), BuildOptions()).consistency().style(),
            BuildOptions().default_style);
}

TEST(BuildManifestTest, AudioCuesAndVoice) {
  const ParsedTreatment parsed = ParseTreatment(
      "Music: lo-fi throughout\n## Scene 1 (10s)\nVO: Hi.\nMusic: drums build\nSFX: whoosh\n## "
      "Scene 2\nVO: Bye.\n");
  NormalizedHints hints = Hints(30);
  hints.tone = "playful";
  hints.language = "fr";
  const armature::v1::ProductionManifest m = BuildManifest(parsed, hints, BuildOptions());
  ASSERT_THAT(m.audio_cues(), SizeIs(3));
  EXPECT_EQ(m.audio_cues(0).id(), "music_01");
  EXPECT_EQ(m.audio_cues(0).description(), "lo-fi throughout");
  EXPECT_EQ(m.audio_cues(0).scene_id(), "");
  EXPECT_EQ(m.audio_cues(0).duration_seconds(), 30);
  EXPECT_EQ(m.audio_cues(1).id(), "music_02");
  EXPECT_EQ(m.audio_cues(1).scene_id(), "s1");
  EXPECT_EQ(m.audio_cues(1).duration_seconds(), 10);
  EXPECT_EQ(m.audio_cues(2).id(), "sfx_01");
  EXPECT_EQ(m.audio_cues(2).type(), "sfx");
  EXPECT_EQ(m.audio_cues(2).duration_seconds(), 2);
  EXPECT_EQ(m.voice().voice_id(), "eva");
  EXPECT_EQ(m.voice().style(), "energetic");
  EXPECT_EQ(m.voice().language(), "fr");
}

TEST(BuildManifestTest, DefaultMusicBedOnlyWhenNoneIsNamed) {
  const armature::v1::ProductionManifest m =
      BuildManifest(ParseTreatment("Hello."), Hints(), BuildOptions());
  ASSERT_THAT(m.audio_cues(), SizeIs(1));
  EXPECT_EQ(m.audio_cues(0).description(), "neutral background music");
  BuildOptions options;
  options.default_music = false;
  EXPECT_THAT(BuildManifest(ParseTreatment("Hello."), Hints(), options).audio_cues(), IsEmpty());
}

TEST(BuildManifestTest, RecurringCharactersAndProps) {
  const ParsedTreatment parsed = ParseTreatment(R"(## Scene 1
Narration: Maya starts her day early.
Visual: Maya pours coffee into a chipped mug next to the laptop.
## Scene 2
Narration: By noon, Maya and Dr. Okafor review the plan.
Visual: the laptop open on a cluttered desk
## Scene 3
Narration: Every team needs a plan.
Visual: a chipped mug on the windowsill
)");
  const armature::v1::ProductionManifest m = BuildManifest(parsed, Hints(), BuildOptions());
  EXPECT_THAT(m.consistency().recurring_characters(), ElementsAre("Maya"));
  EXPECT_THAT(m.consistency().recurring_props(), ElementsAre("mug", "laptop"));
}

TEST(BuildManifestTest, EffectsNotesPaletteAndMetadata) {
  const ParsedTreatment parsed = ParseTreatment(
      "# My Title\nA logline before the scenes.\n\nPalette: navy, coral\n## Scene 1\nTransition: "
      "quick zoom in then fade out\n"
      "Note: check the logo\n");
  NormalizedHints hints = Hints();
  hints.platform = "youtube";
  const armature::v1::ProductionManifest m = BuildManifest(parsed, hints, BuildOptions());
  EXPECT_THAT(m.scenes(0).effects(), ElementsAre("zoom_in", "fade_out"));
  EXPECT_THAT(m.scenes(0).notes(), ElementsAre("A logline before the scenes.", "check the logo"));
  EXPECT_THAT(m.consistency().palette(), ElementsAre("navy", "coral"));
  EXPECT_EQ(m.metadata().title(), "My Title");
  EXPECT_EQ(m.metadata().intent(), "video");
  EXPECT_EQ(m.metadata().platform(), "youtube");
}

TEST(BuildManifestTest, IdIsDeterministicAndDependsOnInputs) {
  const ParsedTreatment parsed = ParseTreatment("## Scene 1\nVO: Hello there.\n");
  const armature::v1::ProductionManifest a = BuildManifest(parsed, Hints(), BuildOptions());
  const armature::v1::ProductionManifest b = BuildManifest(parsed, Hints(), BuildOptions());
  EXPECT_EQ(a.SerializeAsString(), b.SerializeAsString());
  EXPECT_THAT(a.id(), ::testing::MatchesRegex("mf_[0-9a-f]{16}"));
  EXPECT_NE(BuildManifest(parsed, Hints(30), BuildOptions()).id(), a.id());
  EXPECT_NE(
      BuildManifest(ParseTreatment("## Scene 1\nVO: Hello there!\n"), Hints(), BuildOptions()).id(),
      a.id());
}

TEST(BuildManifestTest, EmptyParsedTreatmentStillBuildsOneScene) {
  const armature::v1::ProductionManifest m =
      BuildManifest(ParsedTreatment(), Hints(), BuildOptions());
  ASSERT_THAT(m.scenes(), SizeIs(1));
  EXPECT_THAT(ValidateManifest(m), IsEmpty());
}

TEST(NormalizeEffectTest, ReadsKnownEffectsAndSlugsTheRest) {
  EXPECT_THAT(NormalizeEffect("FADE IN:"), ElementsAre("fade_in"));
  EXPECT_THAT(NormalizeEffect("CUT TO:"), ElementsAre("cut"));
  EXPECT_THAT(NormalizeEffect("Slow-mo whip pan, then a crossfade"),
              ElementsAre("slow_motion", "whip_pan", "crossfade"));
  EXPECT_THAT(NormalizeEffect("Zooms everywhere"), ElementsAre("zoom"));
  EXPECT_THAT(NormalizeEffect("Confetti burst!"), ElementsAre("confetti_burst"));
}

TEST(ReadsLikeCallToActionTest, RecognisesCallsToAction) {
  EXPECT_TRUE(ReadsLikeCallToAction("Subscribe for more tips"));
  EXPECT_TRUE(ReadsLikeCallToAction("Visit armature.dev to sign up"));
  EXPECT_TRUE(ReadsLikeCallToAction("CTA"));
  EXPECT_FALSE(ReadsLikeCallToAction("The river flows to the sea"));
}

}  // namespace
}  // namespace armature::manifest
