#include "libs/manifest/hints.h"

#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace armature::manifest {
namespace {

using ::testing::HasSubstr;

armature::v1::BuildManifestRequest Request(std::string treatment = "Scene 1: Hello") {
  armature::v1::BuildManifestRequest r;
  r.set_treatment(std::move(treatment));
  return r;
}

TEST(NormalizeHintsTest, AppliesDefaults) {
  absl::StatusOr<NormalizedHints> h = NormalizeHints(Request());
  ASSERT_TRUE(h.ok()) << h.status();
  EXPECT_EQ(h->duration_seconds, 60.0);
  EXPECT_TRUE(h->duration_is_default);
  EXPECT_EQ(h->aspect_ratio, "auto");
  EXPECT_EQ(h->platform, "social");
  EXPECT_EQ(h->language, "en");
  EXPECT_EQ(h->tone, "neutral");
  EXPECT_EQ(h->profile, "educational_explainer");
  EXPECT_EQ(h->style, "");
}

TEST(NormalizeHintsTest, KeepsAndNormalisesGivenHints) {
  armature::v1::BuildManifestRequest r = Request();
  r.mutable_hints()->set_duration_seconds(45.0004);
  r.mutable_hints()->set_aspect_ratio(" 9x16 ");
  r.mutable_hints()->set_platform("tiktok");
  r.mutable_hints()->set_language("pt_BR");
  r.mutable_hints()->set_tone("playful");
  r.mutable_hints()->set_profile("product_demo");
  absl::StatusOr<NormalizedHints> h = NormalizeHints(r);
  ASSERT_TRUE(h.ok()) << h.status();
  EXPECT_EQ(h->duration_seconds, 45.0);
  EXPECT_FALSE(h->duration_is_default);
  EXPECT_EQ(h->aspect_ratio, "9:16");
  EXPECT_EQ(h->platform, "tiktok");
  EXPECT_EQ(h->language, "pt-BR");
  EXPECT_EQ(h->tone, "playful");
  EXPECT_EQ(h->profile, "product_demo");
}

TEST(NormalizeHintsTest, NamedAspectRatios) {
  for (const auto& [in, out] :
       std::vector<std::pair<std::string, std::string>>{{"Smart Auto", "auto"},
                                                        {"portrait", "9:16"},
                                                        {"Landscape", "16:9"},
                                                        {"square", "1:1"},
                                                        {"4:5", "4:5"}}) {
    armature::v1::BuildManifestRequest r = Request();
    r.mutable_hints()->set_aspect_ratio(in);
    absl::StatusOr<NormalizedHints> h = NormalizeHints(r);
    ASSERT_TRUE(h.ok()) << in << ": " << h.status();
    EXPECT_EQ(h->aspect_ratio, out) << in;
  }
}

TEST(NormalizeHintsTest, RejectsDurationsOutOfRange) {
  for (double d : {-1.0, 0.5, 3600.5, 1e9}) {
    armature::v1::BuildManifestRequest r = Request();
    r.mutable_hints()->set_duration_seconds(d);
    absl::StatusOr<NormalizedHints> h = NormalizeHints(r);
    ASSERT_FALSE(h.ok()) << d;
    EXPECT_EQ(h.status().code(), absl::StatusCode::kInvalidArgument);
    EXPECT_THAT(h.status().message(),
                HasSubstr("hints.duration_seconds: must be between 1 and 3600 seconds"));
  }
  armature::v1::BuildManifestRequest r = Request();
  r.mutable_hints()->set_duration_seconds(std::nan(""));
  EXPECT_THAT(NormalizeHints(r).status().message(), HasSubstr("got NaN"));
}

TEST(NormalizeHintsTest, RejectsEmptyAndOversizedTreatments) {
  absl::StatusOr<NormalizedHints> empty = NormalizeHints(Request(" \n\t "));
  EXPECT_EQ(empty.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(empty.status().message(), HasSubstr("treatment: is empty"));
  absl::StatusOr<NormalizedHints> big =
      NormalizeHints(Request(std::string(kMaxTreatmentBytes + 1, 'x')));
  EXPECT_EQ(big.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(big.status().message(),
              HasSubstr("treatment: is 100001 bytes; the limit is 100000 bytes"));
  EXPECT_TRUE(NormalizeHints(Request(std::string(kMaxTreatmentBytes, 'x'))).ok());
}

TEST(NormalizeHintsTest, RejectsBadSettings) {
  armature::v1::BuildManifestRequest r = Request();
  r.mutable_hints()->set_aspect_ratio("wide-ish");
  EXPECT_THAT(NormalizeHints(r).status().message(),
              HasSubstr("hints.aspect_ratio: expected \"auto\""));
  r = Request();
  r.mutable_hints()->set_language("english language");
  EXPECT_THAT(NormalizeHints(r).status().message(), HasSubstr("hints.language: expected a BCP-47"));
  r = Request();
  r.mutable_hints()->set_tone(std::string(65, 't'));
  EXPECT_THAT(NormalizeHints(r).status().message(), HasSubstr("hints.tone: is 65 bytes long"));
  r = Request();
  r.mutable_hints()->set_platform("web\nsite");
  EXPECT_THAT(NormalizeHints(r).status().message(),
              HasSubstr("hints.platform: must be a single line"));
  r = Request();
  r.mutable_hints()->set_profile("\xFF");
  EXPECT_THAT(NormalizeHints(r).status().message(), HasSubstr("hints.profile: is not valid UTF-8"));
}

TEST(NormalizeHintsTest, JsonDocumentsFillGapsInPrecedenceOrder) {
  armature::v1::BuildManifestRequest r = Request();
  r.mutable_hints()->set_tone("warm");
  r.set_analyzer_json(R"({"duration": 30, "language": "de", "tone": "serious", "platform": "web",
                          "style": "analyzer style"})");
  r.set_refiner_json(
      R"({"durationSeconds": "40", "aspectRatio": "1:1", "visual_style": "refined style"})");
  r.set_script_json(R"({"metadata": {"title": "From the script", "profile": "ad"}})");
  absl::StatusOr<NormalizedHints> h = NormalizeHints(r);
  ASSERT_TRUE(h.ok()) << h.status();
  EXPECT_EQ(h->tone, "warm");            // hints win
  EXPECT_EQ(h->duration_seconds, 40.0);  // refiner over analyzer
  EXPECT_FALSE(h->duration_is_default);
  EXPECT_EQ(h->aspect_ratio, "1:1");
  EXPECT_EQ(h->language, "de");
  EXPECT_EQ(h->platform, "web");
  EXPECT_EQ(h->style, "refined style");
  EXPECT_EQ(h->title, "From the script");
  EXPECT_EQ(h->profile, "ad");
}

TEST(NormalizeHintsTest, RejectsBadJsonNamingTheField) {
  armature::v1::BuildManifestRequest r = Request();
  r.set_analyzer_json("{not json");
  absl::Status s = NormalizeHints(r).status();
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(s.message(), HasSubstr("analyzer_json: not valid JSON"));
  r = Request();
  r.set_refiner_json("[1, 2]");
  EXPECT_THAT(NormalizeHints(r).status().message(),
              HasSubstr("refiner_json: expected a JSON object"));
  r = Request();
  r.set_script_json(R"({"duration_seconds": "soon"})");
  EXPECT_THAT(NormalizeHints(r).status().message(),
              HasSubstr("script_json.duration_seconds: expected a number of seconds"));
  r = Request();
  r.set_analyzer_json(R"({"duration_seconds": 7200})");
  EXPECT_THAT(NormalizeHints(r).status().message(),
              HasSubstr("analyzer_json.duration_seconds: must be between 1 and 3600 seconds"));
  r = Request();
  r.set_analyzer_json(R"({"tone": 5})");
  EXPECT_THAT(NormalizeHints(r).status().message(),
              HasSubstr("analyzer_json.tone: expected a string"));
  r = Request();
  r.set_refiner_json(R"({"aspect_ratio": "round"})");
  EXPECT_THAT(NormalizeHints(r).status().message(),
              HasSubstr("refiner_json.aspect_ratio: expected \"auto\""));
}

}  // namespace
}  // namespace armature::manifest
