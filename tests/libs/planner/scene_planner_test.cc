#include "libs/planner/scene_planner.h"

#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace armature::planner {
namespace {

using ::testing::Contains;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::Not;

v1::ScenePlan Plan(const std::string& prompt) {
  BuiltinScenePlanner planner;
  absl::StatusOr<v1::ScenePlan> scene = planner.PlanScene(prompt);
  EXPECT_TRUE(scene.ok()) << scene.status();
  return scene.value_or(v1::ScenePlan());
}

const v1::SceneObject* FindObject(const v1::ScenePlan& scene, const std::string& type) {
  for (const v1::SceneObject& o : scene.objects()) {
    if (o.type() == type) return &o;
  }
  return nullptr;
}

// Every scene plan the engine returns is within bounds and complete.
void ExpectWellFormed(const v1::ScenePlan& scene) {
  EXPECT_EQ(scene.backend(), "builtin");
  EXPECT_FALSE(scene.environment().theme().empty());
  EXPECT_FALSE(scene.environment().weather().empty());
  EXPECT_THAT(kTimesOfDay, Contains(scene.environment().time_of_day()));
  EXPECT_THAT(kCameraPaths, Contains(scene.camera().path()));
  EXPECT_GE(scene.camera().duration_seconds(), 1);
  EXPECT_LE(scene.camera().duration_seconds(), 120);
  EXPECT_FALSE(scene.audio().music().empty());
  EXPECT_LE(scene.objects_size(), 50);
  EXPECT_LE(scene.characters_size(), 20);
  for (const v1::SceneObject& o : scene.objects()) {
    EXPECT_FALSE(o.type().empty());
    EXPECT_GE(o.count(), 1);
    EXPECT_LE(o.count(), 100);
  }
  for (const v1::SceneCharacter& c : scene.characters()) {
    EXPECT_FALSE(c.rig().empty());
    EXPECT_FALSE(c.motion().empty());
  }
  // Repairing an engine plan changes nothing.
  v1::ScenePlan copy = scene;
  EXPECT_THAT(RepairScenePlan(&copy), IsEmpty());
}

TEST(ScenePlannerTest, CyberpunkAlleyFromTheBrief) {
  const v1::ScenePlan scene = Plan("misty cyberpunk alley at night; light rain; orbit camera");
  ExpectWellFormed(scene);
  EXPECT_EQ(scene.environment().theme(), "cyberpunk alley");
  EXPECT_EQ(scene.environment().weather(), "light rain and mist");
  EXPECT_EQ(scene.environment().time_of_day(), "night");
  EXPECT_EQ(scene.camera().path(), "orbit");
  EXPECT_EQ(scene.audio().music(), "synthwave");
  EXPECT_THAT(scene.audio().sfx(), Contains("rain"));
  EXPECT_THAT(scene.warnings(), Contains(HasSubstr("camera.duration_seconds")));
}

TEST(ScenePlannerTest, CountsWithWordsAndDigits) {
  const v1::ScenePlan scene = Plan("three cars and 2 lamps on a quiet street at dusk");
  ExpectWellFormed(scene);
  ASSERT_NE(FindObject(scene, "car"), nullptr);
  EXPECT_EQ(FindObject(scene, "car")->count(), 3);
  ASSERT_NE(FindObject(scene, "lamp"), nullptr);
  EXPECT_EQ(FindObject(scene, "lamp")->count(), 2);
  EXPECT_EQ(scene.environment().theme(), "street");
  EXPECT_EQ(scene.environment().time_of_day(), "dusk");
  EXPECT_THAT(scene.audio().sfx(), Contains("engines"));
}

TEST(ScenePlannerTest, CharacterWithMotionAndTimedCameraMove) {
  const v1::ScenePlan scene =
      Plan("a robot walking through a foggy forest at dawn, 10 second dolly shot");
  ExpectWellFormed(scene);
  ASSERT_EQ(scene.characters_size(), 1);
  EXPECT_EQ(scene.characters(0).rig(), "robot");
  EXPECT_EQ(scene.characters(0).motion(), "walk");
  EXPECT_EQ(scene.environment().weather(), "fog");
  EXPECT_EQ(scene.environment().time_of_day(), "dawn");
  EXPECT_EQ(scene.camera().path(), "dolly");
  EXPECT_DOUBLE_EQ(scene.camera().duration_seconds(), 10);
  EXPECT_THAT(scene.audio().sfx(), Contains("birdsong"));
  EXPECT_THAT(scene.audio().sfx(), Contains("servo whir"));
}

TEST(ScenePlannerTest, SeveralCharactersShareTheirMotion) {
  const v1::ScenePlan scene = Plan("two dancers dancing in a jazz club");
  ExpectWellFormed(scene);
  ASSERT_EQ(scene.characters_size(), 2);
  for (const v1::SceneCharacter& c : scene.characters()) {
    EXPECT_EQ(c.rig(), "humanoid");
    EXPECT_EQ(c.motion(), "dance");
  }
  EXPECT_EQ(scene.audio().music(), "jazz");
}

TEST(ScenePlannerTest, AdjectivesBecomeTags) {
  const v1::ScenePlan scene = Plan("a flickering neon sign and rusty old cars in the rain");
  ExpectWellFormed(scene);
  const v1::SceneObject* sign = FindObject(scene, "neon sign");
  ASSERT_NE(sign, nullptr);
  EXPECT_EQ(sign->count(), 1);
  EXPECT_THAT(sign->tags(), ElementsAre("flickering"));
  const v1::SceneObject* cars = FindObject(scene, "car");
  ASSERT_NE(cars, nullptr);
  EXPECT_EQ(cars->count(), 3);  // a plural without a number
  EXPECT_THAT(cars->tags(), ElementsAre("rusty", "old"));
  EXPECT_THAT(scene.audio().sfx(), Contains("neon buzz"));
  // No setting was named: the default theme is filled and reported.
  EXPECT_EQ(scene.environment().theme(), "studio");
  EXPECT_THAT(scene.warnings(), Contains(HasSubstr("environment.theme")));
}

TEST(ScenePlannerTest, MedievalCourtyard) {
  const v1::ScenePlan scene = Plan(
      "medieval castle courtyard with five torches and a knight standing guard, crane shot, 30 "
      "seconds");
  ExpectWellFormed(scene);
  EXPECT_EQ(scene.environment().theme(), "medieval castle");
  ASSERT_NE(FindObject(scene, "torch"), nullptr);
  EXPECT_EQ(FindObject(scene, "torch")->count(), 5);
  ASSERT_EQ(scene.characters_size(), 1);  // "guard" is what the knight does, not a second person
  EXPECT_EQ(scene.characters(0).motion(), "idle");
  EXPECT_EQ(scene.camera().path(), "crane");
  EXPECT_DOUBLE_EQ(scene.camera().duration_seconds(), 30);
  EXPECT_EQ(scene.audio().music(), "orchestral");
  EXPECT_THAT(scene.audio().sfx(), Contains("crackling fire"));
}

TEST(ScenePlannerTest, UnderwaterCreatures) {
  const v1::ScenePlan scene = Plan("underwater coral reef with sharks swimming, handheld camera");
  ExpectWellFormed(scene);
  EXPECT_EQ(scene.environment().theme(), "underwater coral reef");
  ASSERT_EQ(scene.characters_size(), 3);
  EXPECT_EQ(scene.characters(0).rig(), "fish");
  EXPECT_EQ(scene.characters(0).motion(), "swim");
  EXPECT_EQ(scene.camera().path(), "handheld");
  EXPECT_THAT(scene.audio().sfx(), Contains("bubbles"));
}

TEST(ScenePlannerTest, DurationIsBounded) {
  const v1::ScenePlan scene = Plan("empty desert at noon, static camera, 3 minute shot");
  ExpectWellFormed(scene);
  EXPECT_EQ(scene.camera().path(), "static");
  EXPECT_DOUBLE_EQ(scene.camera().duration_seconds(), 120);
  EXPECT_THAT(scene.warnings(), Contains("camera.duration_seconds: 180 s clamped to 120 s"));
  EXPECT_EQ(scene.environment().time_of_day(), "day");
}

TEST(ScenePlannerTest, CountsAreBounded) {
  const v1::ScenePlan scene = Plan("snowy mountain village at sunset with 200 lanterns");
  ExpectWellFormed(scene);
  ASSERT_NE(FindObject(scene, "lantern"), nullptr);
  EXPECT_EQ(FindObject(scene, "lantern")->count(), 100);
  EXPECT_THAT(scene.warnings(), Contains("objects[0] (lantern): count 200 clamped to 100"));
  EXPECT_EQ(scene.environment().weather(), "snow");
  EXPECT_EQ(scene.environment().time_of_day(), "dusk");
}

TEST(ScenePlannerTest, ExplicitMusicAndFlythrough) {
  const v1::ScenePlan scene = Plan("space station interior, flythrough, synthwave music");
  ExpectWellFormed(scene);
  EXPECT_EQ(scene.environment().theme(), "space station");
  EXPECT_EQ(scene.camera().path(), "flythrough");
  EXPECT_EQ(scene.audio().music(), "synthwave");
  EXPECT_THAT(scene.warnings(), Not(Contains(HasSubstr("audio.music"))));
}

TEST(ScenePlannerTest, CrowdIsOneGroup) {
  const v1::ScenePlan scene = Plan("a crowd of people walking in a busy market");
  ExpectWellFormed(scene);
  EXPECT_EQ(scene.characters_size(), 5);
  for (const v1::SceneCharacter& c : scene.characters()) EXPECT_EQ(c.motion(), "walk");
  EXPECT_THAT(scene.audio().sfx(), Contains("crowd chatter"));
  EXPECT_THAT(scene.audio().sfx(), Contains("footsteps"));
}

TEST(ScenePlannerTest, MinimalPromptGetsDefaults) {
  const v1::ScenePlan scene = Plan("a cat");
  ExpectWellFormed(scene);
  ASSERT_EQ(scene.characters_size(), 1);
  EXPECT_EQ(scene.characters(0).rig(), "quadruped");
  EXPECT_EQ(scene.environment().theme(), "studio");
  EXPECT_EQ(scene.environment().weather(), "clear");
  EXPECT_EQ(scene.environment().time_of_day(), "day");
  EXPECT_EQ(scene.camera().path(), "static");
  EXPECT_DOUBLE_EQ(scene.camera().duration_seconds(), 10);
  EXPECT_GE(scene.warnings_size(), 5);
}

TEST(ScenePlannerTest, UnknownPropsAfterANumber) {
  const v1::ScenePlan scene = Plan("three glowing zeppelins over a city at night");
  ExpectWellFormed(scene);
  const v1::SceneObject* z = FindObject(scene, "zeppelin");
  ASSERT_NE(z, nullptr);
  EXPECT_EQ(z->count(), 3);
  EXPECT_THAT(z->tags(), ElementsAre("glowing"));
}

TEST(ScenePlannerTest, StormImpliesThunder) {
  const v1::ScenePlan scene = Plan("a lighthouse on a rocky coast during a thunderstorm at dusk");
  ExpectWellFormed(scene);
  EXPECT_EQ(scene.environment().weather(), "thunderstorm");
  EXPECT_THAT(scene.audio().sfx(), Contains("thunder"));
  EXPECT_THAT(scene.audio().sfx(), Contains("waves"));
}

TEST(ScenePlannerTest, SameScenePromptSamePlan) {
  BuiltinScenePlanner a;
  BuiltinScenePlanner b;
  const std::string prompt = "two robots patrolling a neon-lit rooftop at midnight, pan, 12s";
  absl::StatusOr<v1::ScenePlan> first = a.PlanScene(prompt);
  absl::StatusOr<v1::ScenePlan> second = b.PlanScene(prompt);
  ASSERT_TRUE(first.ok() && second.ok());
  EXPECT_EQ(first->SerializeAsString(), second->SerializeAsString());
  EXPECT_EQ(first->characters_size(), 2);
  EXPECT_EQ(first->characters(0).motion(), "patrol");
  EXPECT_DOUBLE_EQ(first->camera().duration_seconds(), 12);
  EXPECT_EQ(first->camera().path(), "pan");
}

TEST(ValidateScenePromptTest, EmptyAndOversizedPromptsAreRejected) {
  BuiltinScenePlanner planner;
  for (const std::string& prompt : {std::string(""), std::string("  \n ")}) {
    absl::StatusOr<v1::ScenePlan> scene = planner.PlanScene(prompt);
    ASSERT_FALSE(scene.ok());
    EXPECT_EQ(scene.status().code(), absl::StatusCode::kInvalidArgument);
    EXPECT_EQ(scene.status().message(), "prompt: must not be empty");
  }
  absl::StatusOr<v1::ScenePlan> scene = planner.PlanScene(std::string(4001, 'a'));
  ASSERT_FALSE(scene.ok());
  EXPECT_EQ(scene.status().message(),
            "prompt: must be at most 4000 characters after trimming (got 4001)");
  EXPECT_TRUE(ValidateScenePrompt(std::string(4000, 'a')).ok());
}

TEST(RepairScenePlanTest, EnforcesBoundsAndFillsDefaults) {
  v1::ScenePlan scene;
  scene.mutable_environment()->set_time_of_day("Evening");
  for (int i = 0; i < 60; ++i) {
    v1::SceneObject* o = scene.add_objects();
    o->set_type(i == 0 ? "" : "crate");
    o->set_count(i == 1 ? 0 : (i == 2 ? 500 : 1));
  }
  scene.mutable_objects(3)->add_tags("wet");
  scene.mutable_objects(3)->add_tags("wet");
  for (int i = 0; i < 12; ++i) scene.mutable_objects(4)->add_tags(absl::StrCat("tag", i));
  for (int i = 0; i < 25; ++i) scene.add_characters();
  scene.mutable_characters(1)->set_rig("bird");
  scene.mutable_camera()->set_path("zoomy swoosh");
  scene.mutable_camera()->set_duration_seconds(-3);
  for (int i = 0; i < 12; ++i) scene.mutable_audio()->add_sfx(absl::StrCat("sfx", i));
  const std::vector<std::string> warnings = RepairScenePlan(&scene);
  EXPECT_THAT(warnings, Contains("environment.time_of_day: \"Evening\" mapped to \"dusk\""));
  EXPECT_THAT(warnings, Contains("environment.theme: none given; defaulted to \"studio\""));
  EXPECT_THAT(warnings, Contains("objects[0]: dropped an object without a type"));
  EXPECT_THAT(warnings, Contains("objects[0] (crate): count 0 clamped to 1"));
  EXPECT_THAT(warnings, Contains("objects[1] (crate): count 500 clamped to 100"));
  EXPECT_THAT(warnings, Contains("objects[2] (crate): dropped 1 empty or duplicate tags"));
  EXPECT_THAT(warnings, Contains("objects[3] (crate): kept the first 10 of 12 tags"));
  EXPECT_THAT(warnings, Contains("objects: kept the first 50 of 59"));
  EXPECT_THAT(warnings, Contains("characters: kept the first 20 of 25"));
  EXPECT_THAT(warnings, Contains("characters[0]: no rig; defaulted to \"humanoid\""));
  EXPECT_THAT(warnings, Contains("characters[1] (bird): no motion; defaulted to \"fly\""));
  EXPECT_THAT(warnings, Contains("camera.path: \"zoomy swoosh\" is not a known path; defaulted "
                                 "to \"static\""));
  EXPECT_THAT(warnings, Contains("camera.duration_seconds: none given; defaulted to 10 s"));
  EXPECT_THAT(warnings, Contains("audio.sfx: kept the first 10 of 12 sound effects"));
  EXPECT_EQ(scene.objects_size(), 50);
  EXPECT_THAT(scene.objects(2).tags(), ElementsAre("wet"));
  EXPECT_EQ(scene.characters_size(), 20);
  EXPECT_EQ(scene.environment().time_of_day(), "dusk");
  EXPECT_EQ(scene.camera().path(), "static");
  EXPECT_EQ(scene.audio().sfx_size(), 10);
  EXPECT_EQ(scene.warnings_size(), static_cast<int>(warnings.size()));
  // A second pass finds nothing left to repair.
  EXPECT_THAT(RepairScenePlan(&scene), IsEmpty());
}

TEST(RepairScenePlanTest, MapsCameraSynonymsAndClampsLongShots) {
  v1::ScenePlan scene;
  scene.mutable_camera()->set_path("Orbiting");
  scene.mutable_camera()->set_duration_seconds(400);
  const std::vector<std::string> warnings = RepairScenePlan(&scene);
  EXPECT_THAT(warnings, Contains("camera.path: \"Orbiting\" mapped to \"orbit\""));
  EXPECT_THAT(warnings, Contains("camera.duration_seconds: 400 s clamped to 120 s"));
}

TEST(ParseScenePlanJsonTest, ParsesFencedRepliesWithAliases) {
  absl::StatusOr<v1::ScenePlan> scene = ParseScenePlanJson(R"(Here you go:
```json
{"scene_plan": {
  "environment": {"theme": "cyberpunk", "weather": "light rain", "time": "night"},
  "objects": [{"name": "neon sign", "count": "4", "tags": "flickering, pink"}, "car"],
  "characters": [{"rig": "humanoid", "action": "walk"}],
  "camera": {"path": "orbit", "duration": "12"},
  "audio": {"music": "synthwave", "sfx": ["rain", "footsteps"]}
}}
```)");
  ASSERT_TRUE(scene.ok()) << scene.status();
  EXPECT_EQ(scene->environment().theme(), "cyberpunk");
  EXPECT_EQ(scene->environment().time_of_day(), "night");
  ASSERT_EQ(scene->objects_size(), 2);
  EXPECT_EQ(scene->objects(0).type(), "neon sign");
  EXPECT_EQ(scene->objects(0).count(), 4);
  EXPECT_THAT(scene->objects(0).tags(), ElementsAre("flickering", "pink"));
  EXPECT_EQ(scene->objects(1).type(), "car");
  EXPECT_EQ(scene->characters(0).motion(), "walk");
  EXPECT_EQ(scene->camera().path(), "orbit");
  EXPECT_DOUBLE_EQ(scene->camera().duration_seconds(), 12);
  EXPECT_THAT(scene->audio().sfx(), ElementsAre("rain", "footsteps"));
  EXPECT_THAT(RepairScenePlan(&*scene), IsEmpty());
}

TEST(ParseScenePlanJsonTest, CameraAsAStringAndMissingSectionsAreRepaired) {
  absl::StatusOr<v1::ScenePlan> scene =
      ParseScenePlanJson(R"({"camera": "slow dolly push", "objects": []})");
  ASSERT_TRUE(scene.ok()) << scene.status();
  RepairScenePlan(&*scene);
  EXPECT_EQ(scene->camera().path(), "dolly");
  EXPECT_EQ(scene->environment().theme(), "studio");
}

TEST(ParseScenePlanJsonTest, ExplainsWhatIsWrong) {
  EXPECT_THAT(ParseScenePlanJson("no json here").status().message(),
              HasSubstr("contains no JSON object"));
  EXPECT_THAT(ParseScenePlanJson(R"({"foo": 1})").status().message(),
              HasSubstr("none of environment, objects, characters, camera or audio"));
  EXPECT_THAT(ParseScenePlanJson(R"({"objects": {"car": 2}})").status().message(),
              HasSubstr("objects: expected a list"));
  EXPECT_THAT(ParseScenePlanJson(R"({"environment": {"theme": ["a"]}})").status().message(),
              HasSubstr("environment.theme: expected a string"));
  EXPECT_THAT(ParseScenePlanJson(R"({"characters": [3]})").status().message(),
              HasSubstr("characters[0]: expected an object"));
  EXPECT_EQ(ParseScenePlanJson("[1, 2]").status().code(), absl::StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace armature::planner
