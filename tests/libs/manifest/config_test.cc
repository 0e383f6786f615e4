#include "libs/manifest/config.h"

#include <filesystem>
#include <fstream>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace armature::manifest {
namespace {

using ::testing::HasSubstr;

TEST(ManifestConfigTest, ShippedFileEqualsTheBuiltInDefaults) {
  const std::string path = std::string(ARMATURE_SOURCE_DIR) + "/config/manifest.yaml";
  absl::StatusOr<ManifestConfig> config = LoadManifestConfig(path);
  ASSERT_TRUE(config.ok()) << config.status();
  EXPECT_TRUE(*config == DefaultManifestConfig());
}

TEST(ManifestConfigTest, EmptyDocumentGivesDefaults) {
  absl::StatusOr<ManifestConfig> config = ParseManifestConfig("", "empty.yaml");
  ASSERT_TRUE(config.ok()) << config.status();
  EXPECT_TRUE(*config == DefaultManifestConfig());
}

TEST(ManifestConfigTest, OverridesAreRead) {
  absl::StatusOr<ManifestConfig> config = ParseManifestConfig(R"(
parser:
  max_scenes: 50
build:
  min_scene_seconds: 2.5
  default_music: false
  voice_id: rachel
jobs:
  tts: {provider: azure_tts, priority: 9, format: wav}
  image: {model: sdxl}
  render: {provider: ffmpeg}
)",
                                                              "custom.yaml");
  ASSERT_TRUE(config.ok()) << config.status();
  EXPECT_EQ(config->parser.max_scenes, 50);
  EXPECT_EQ(config->build.min_scene_seconds, 2.5);
  EXPECT_FALSE(config->build.default_music);
  EXPECT_EQ(config->build.voice_id, "rachel");
  EXPECT_EQ(config->jobs.tts.provider, "azure_tts");
  EXPECT_EQ(config->jobs.tts.priority, 9);
  EXPECT_EQ(config->jobs.tts_format, "wav");
  EXPECT_EQ(config->jobs.image_model, "sdxl");
  EXPECT_EQ(config->jobs.image.provider, "falai");  // untouched default
  EXPECT_EQ(config->jobs.render.provider, "ffmpeg");
  EXPECT_EQ(config->jobs.render.priority, 10);
}

TEST(ManifestConfigTest, ErrorsNameTheFileAndTheKey) {
  const auto error = [](const std::string& yaml) {
    absl::StatusOr<ManifestConfig> c = ParseManifestConfig(yaml, "conf/m.yaml");
    EXPECT_FALSE(c.ok()) << yaml;
    EXPECT_EQ(c.status().code(), absl::StatusCode::kInvalidArgument) << yaml;
    return std::string(c.status().message());
  };
  EXPECT_THAT(error("jobs:\n  tts:\n    priority: 12\n"),
              HasSubstr("conf/m.yaml: jobs.tts.priority: must be between 1 and 10, got 12"));
  EXPECT_THAT(error("jobs:\n  tts:\n    priorty: 3\n"),
              HasSubstr("conf/m.yaml: jobs.tts.priorty: unknown key"));
  EXPECT_THAT(error("jobs:\n  video: {provider: x}\n"), HasSubstr("jobs.video: unknown key"));
  EXPECT_THAT(error("jobs:\n  image:\n    provider: \"\"\n"),
              HasSubstr("jobs.image.provider: must not be empty"));
  EXPECT_THAT(error("build:\n  default_music: sometimes\n"),
              HasSubstr("build.default_music: expected true or false"));
  EXPECT_THAT(error("parser:\n  max_scenes: many\n"),
              HasSubstr("parser.max_scenes: expected an integer"));
  EXPECT_THAT(error("build:\n  min_scene_seconds: 0\n"),
              HasSubstr("build.min_scene_seconds: must be between"));
  EXPECT_THAT(error("- a\n- b\n"), HasSubstr("conf/m.yaml: (root): expected a mapping"));
  EXPECT_THAT(error("jobs: [\n"), HasSubstr("conf/m.yaml:"));
  EXPECT_THAT(error("jobs: [\n"), HasSubstr("YAML syntax error"));
}

TEST(ManifestConfigTest, MissingFileIsNotFound) {
  absl::StatusOr<ManifestConfig> c = LoadManifestConfig("/nonexistent/armature/manifest.yaml");
  EXPECT_EQ(c.status().code(), absl::StatusCode::kNotFound);
  EXPECT_THAT(c.status().message(), HasSubstr("/nonexistent/armature/manifest.yaml: cannot open"));
}

TEST(ManifestConfigTest, LoadsAFile) {
  const std::filesystem::path dir = std::filesystem::path(::testing::TempDir());
  const std::filesystem::path path = dir / "manifest_config_test.yaml";
  {
    std::ofstream out(path);
    out << "jobs:\n  music:\n    priority: 3\n";
  }
  absl::StatusOr<ManifestConfig> c = LoadManifestConfig(path.string());
  ASSERT_TRUE(c.ok()) << c.status();
  EXPECT_EQ(c->jobs.music.priority, 3);
  std::filesystem::remove(path);
}

}  // namespace
}  // namespace armature::manifest
