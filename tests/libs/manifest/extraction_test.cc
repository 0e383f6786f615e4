#include "libs/manifest/extraction.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace armature::manifest {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::Optional;
using ::testing::SizeIs;

TEST(ParseExtractionJsonTest, ReadsTheDocumentedShape) {
  absl::StatusOr<ParsedTreatment> t = ParseExtractionJson(R"(```json
{
  "title": "Build a Vid",
  "style": "cinematic",
  "palette": ["teal", "orange"],
  "duration_seconds": 45,
  "music": ["lo-fi throughout"],
  "characters": ["Maya"],
  "props": "laptop",
  "scenes": [
    {"title": "Hook", "duration_seconds": "5s", "narration": "Did you know?",
     "visuals": ["Maya at her desk", {"description": "city skyline", "stock": true}, {"prompt": "a clock", "type": "stock"}],
     "on_screen_text": ["5 hours"], "sfx": ["whoosh"], "effects": ["fade in"]},
    {"narration": "The chart.", "chart": {"kind": "line", "title": "Hours", "points": [{"label": "Q1", "value": 10}, {"label": "Q2", "value": 14.5}]}},
    {"narration": "Chart as text.", "chart": "Q1: 1, Q2: 2", "duration_seconds": 0}
  ],
  "ignored": {"nested": [1, 2, 3]}
}
```)");
  ASSERT_TRUE(t.ok()) << t.status();
  EXPECT_EQ(t->title, "Build a Vid");
  EXPECT_EQ(t->style, "cinematic");
  EXPECT_THAT(t->palette, ElementsAre("teal", "orange"));
  EXPECT_THAT(t->total_duration_seconds, Optional(45.0));
  EXPECT_THAT(t->music, ElementsAre("lo-fi throughout"));
  EXPECT_THAT(t->characters, ElementsAre("Maya"));
  EXPECT_THAT(t->props, ElementsAre("laptop"));
  ASSERT_THAT(t->scenes, SizeIs(3));
  const ParsedScene& s0 = t->scenes[0];
  EXPECT_EQ(s0.title, "Hook");
  EXPECT_THAT(s0.duration_seconds, Optional(5.0));
  EXPECT_EQ(s0.narration, "Did you know?");
  ASSERT_THAT(s0.visuals, SizeIs(3));
  EXPECT_FALSE(s0.visuals[0].stock);
  EXPECT_TRUE(s0.visuals[1].stock);
  EXPECT_EQ(s0.visuals[2].description, "a clock");
  EXPECT_TRUE(s0.visuals[2].stock);
  EXPECT_THAT(s0.on_screen_text, ElementsAre("5 hours"));
  EXPECT_THAT(s0.sfx, ElementsAre("whoosh"));
  EXPECT_THAT(s0.effects, ElementsAre("fade in"));
  ASSERT_TRUE(t->scenes[1].chart.has_value());
  EXPECT_EQ(t->scenes[1].chart->kind, "line");
  EXPECT_EQ(t->scenes[1].chart->points, (std::vector<ParsedChartPoint>{{"Q1", 10}, {"Q2", 14.5}}));
  ASSERT_TRUE(t->scenes[2].chart.has_value());
  EXPECT_THAT(t->scenes[2].chart->points, SizeIs(2));
  EXPECT_FALSE(t->scenes[2].duration_seconds.has_value());
}

TEST(ParseExtractionJsonTest, ErrorsNameTheField) {
  const auto error = [](const std::string& json) {
    absl::StatusOr<ParsedTreatment> t = ParseExtractionJson(json);
    EXPECT_FALSE(t.ok()) << json;
    EXPECT_EQ(t.status().code(), absl::StatusCode::kInvalidArgument) << json;
    return std::string(t.status().message());
  };
  EXPECT_THAT(error("{oops"), HasSubstr("extraction JSON: not valid JSON"));
  EXPECT_THAT(error("[]"), HasSubstr("expected a JSON object"));
  EXPECT_THAT(error("{}"), HasSubstr("scenes: expected a non-empty list"));
  EXPECT_THAT(error(R"({"scenes": [{"duration_seconds": -3}]})"),
              HasSubstr("scenes[0].duration_seconds"));
  EXPECT_THAT(error(R"({"scenes": [{}, {"narration": ["a"]}]})"),
              HasSubstr("scenes[1].narration: expected a string"));
  EXPECT_THAT(error(R"({"scenes": [{"visuals": [true]}]})"), HasSubstr("scenes[0].visuals[0]"));
  EXPECT_THAT(error(R"({"scenes": [{"chart": {"points": [{"label": "a", "value": "x"}]}}]})"),
              HasSubstr("scenes[0].chart.points[0].value: expected a finite number"));
  EXPECT_THAT(error(R"({"scenes": [{}], "palette": 3})"),
              HasSubstr("palette: expected a list of strings"));
  std::string many = R"({"scenes": [)";
  for (int i = 0; i < 201; ++i) many += std::string(i ? "," : "") + "{}";
  many += "]}";
  EXPECT_THAT(error(many), HasSubstr("the limit is 200"));
}

}  // namespace
}  // namespace armature::manifest
