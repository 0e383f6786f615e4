// Golden regression test of the deterministic manifest pipeline: every output (parsed
// treatment, manifest, jobs, warnings, repairs, violations) for a corpus of inputs must stay
// byte-for-byte what the reference implementation produced. Performance work must not change a
// single byte; a deliberate output change regenerates the digests (see below).
//
// testdata/golden_corpus.txt holds the inputs, one per line, tab-separated (treatments and
// requests C-escaped, the R and V protos base64):
//   P <parse options> <treatment>               ParseTreatment, then ManifestBuilder::Build with
//                                               several hint sets, then ValidateManifest and
//                                               RepairManifest of damaged copies of one result
//   B <parse options> <BuildManifestRequest>    ManifestBuilder::Build of a captured request
//   R <BuildManifestResponse> <request>         RepairManifest of a (broken) manifest and jobs
//   V <BuildManifestResponse>                   ValidateManifest, DecomposeJobs, RepairManifest
// (<request>: a BuildManifestRequest carrying only the repair context's hints; <parse options>:
// max_scenes,max_visuals_per_scene,max_auto_scenes,words_per_auto_scene, max_line_warnings).
// testdata/golden_digests.txt holds one line per case: name, FNV-1a 64 of the case's dump, dump
// size.
//
// Environment:
//   ARMATURE_GOLDEN_CORPUS=path    another corpus (e.g. a larger one kept outside the repo)
//   ARMATURE_GOLDEN_DIGESTS=path   another digest file
//   ARMATURE_GOLDEN_DUMP_DIR=dir   write every case's full dump to dir/<case>.txt (to diff)
//   ARMATURE_GOLDEN_UPDATE=1       rewrite the digest file instead of comparing

#include <cinttypes>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_split.h"
#include "armature/v1/manifest.pb.h"
#include "google/protobuf/io/coded_stream.h"
#include "google/protobuf/io/zero_copy_stream_impl_lite.h"
#include "google/protobuf/text_format.h"
#include "gtest/gtest.h"
#include "libs/manifest/config.h"
#include "libs/manifest/jobs.h"
#include "libs/manifest/manifest_builder.h"
#include "libs/manifest/parser.h"
#include "libs/manifest/repair.h"
#include "libs/manifest/text.h"
#include "libs/manifest/validator.h"
#include "tests/libs/manifest/damaged_copies.h"

namespace armature::manifest {
namespace {

std::string Env(const char* name) {
  const char* v = std::getenv(name);
  return v == nullptr ? std::string() : std::string(v);
}

std::string SourcePath(const std::string& relative) {
  return std::string(ARMATURE_SOURCE_DIR) + "/tests/libs/manifest/testdata/" + relative;
}

uint64_t Fnv(const std::string& s) {
  uint64_t h = 1469598103934665603ull;
  for (const char c : s) {
    h ^= static_cast<unsigned char>(c);
    h *= 1099511628211ull;
  }
  return h;
}

std::string Quote(const std::string& s) { return absl::StrCat("\"", absl::CEscape(s), "\""); }

std::string Number(double v) { return absl::StrFormat("%.17g", v); }

std::string Optional(const std::optional<double>& v) { return v ? Number(*v) : "none"; }

std::string List(const std::vector<std::string>& list) {
  std::string out = "[";
  for (const std::string& s : list) absl::StrAppend(&out, Quote(s), ",");
  return out + "]";
}

// Text form (sorted map keys) and the deterministic wire encoding of a message.
std::string DumpMessage(const google::protobuf::Message& message) {
  std::string text;
  google::protobuf::TextFormat::Printer printer;
  printer.SetUseUtf8StringEscaping(false);
  printer.PrintToString(message, &text);
  std::string bytes;
  {
    google::protobuf::io::StringOutputStream stream(&bytes);
    google::protobuf::io::CodedOutputStream coded(&stream);
    coded.SetSerializationDeterministic(true);
    message.SerializeToCodedStream(&coded);
  }
  return absl::StrCat(text, "wire: ", absl::BytesToHexString(bytes), "\n");
}

std::string DumpParsed(const ParsedTreatment& t) {
  std::string out;
  absl::StrAppend(&out, "title: ", Quote(t.title), "\nstyle: ", Quote(t.style),
                  "\npalette: ", List(t.palette), "\ntotal: ", Optional(t.total_duration_seconds),
                  "\nmusic: ", List(t.music), "\ncharacters: ", List(t.characters),
                  "\nprops: ", List(t.props), "\nnotes: ", List(t.notes),
                  "\nwarnings: ", List(t.warnings), "\n");
  for (const ParsedScene& s : t.scenes) {
    absl::StrAppend(
        &out, "scene title: ", Quote(s.title), "\n  duration: ", Optional(s.duration_seconds),
        " start: ", Optional(s.start_seconds), "\n  narration: ", Quote(s.narration), "\n");
    for (const ParsedVisual& v : s.visuals) {
      absl::StrAppend(&out, "  visual: ", Quote(v.description), v.stock ? " stock" : "", "\n");
    }
    absl::StrAppend(&out, "  on_screen_text: ", List(s.on_screen_text),
                    "\n  music: ", List(s.music), "\n  sfx: ", List(s.sfx),
                    "\n  effects: ", List(s.effects), "\n  notes: ", List(s.notes),
                    "\n  characters: ", List(s.characters), "\n");
    if (s.chart) {
      absl::StrAppend(&out, "  chart: ", Quote(s.chart->kind), " ", Quote(s.chart->title), "\n");
      for (const ParsedChartPoint& p : s.chart->points) {
        absl::StrAppend(&out, "    ", Quote(p.label), " = ", Number(p.value), "\n");
      }
    }
  }
  return out;
}

std::string DumpJobs(const std::vector<armature::v1::Job>& jobs) {
  std::string out;
  for (const armature::v1::Job& j : jobs) absl::StrAppend(&out, "job {\n", DumpMessage(j), "}\n");
  return out;
}

std::string DumpViolations(const std::vector<armature::v1::Violation>& violations) {
  std::string out;
  for (const armature::v1::Violation& v : violations) {
    absl::StrAppend(&out, "violation {\n", DumpMessage(v), "}\n");
  }
  return out;
}

std::string DumpRepairs(const std::map<std::string, int>& repairs) {
  std::string out = "repairs:";
  for (const auto& [kind, count] : repairs) absl::StrAppend(&out, " ", kind, "=", count);
  return out + "\n";
}

std::string DumpResult(const absl::StatusOr<BuildResult>& r) {
  if (!r.ok()) return absl::StrCat("status: ", r.status().ToString(), "\n");
  std::string out =
      absl::StrCat("manifest {\n", DumpMessage(r->manifest), "}\n", DumpJobs(r->jobs),
                   "warnings: ", List(r->warnings), "\n", DumpRepairs(r->repairs_by_kind));
  absl::StrAppend(&out, "used_repair: ", r->used_repair, " used_llm: ", r->used_llm,
                  " llm_extracted: ", r->llm_extracted, " fell_back: ", r->fell_back, "\n");
  return out;
}

std::string DumpOutcome(const RepairOutcome& o) {
  return absl::StrCat("manifest {\n", DumpMessage(o.manifest), "}\n", DumpJobs(o.jobs),
                      "warnings: ", List(o.warnings), "\n", DumpRepairs(o.repairs),
                      "used_llm: ", o.used_llm, " fell_back: ", o.fell_back, "\n");
}

// Validation and repair of damaged copies of a built manifest and its jobs.
std::string DumpBroken(const armature::v1::ProductionManifest& manifest,
                       const std::vector<armature::v1::Job>& jobs) {
  std::string out;
  const auto check = [&](const char* what, const armature::v1::ProductionManifest& m,
                         const std::vector<armature::v1::Job>& j) {
    absl::StrAppend(&out, "== ", what, "\n", DumpViolations(ValidateManifest(m, j)),
                    DumpOutcome(RepairManifest(m, j, RepairContext())));
  };
  for (const DamagedCopy& copy : DamagedCopies(manifest, jobs)) {
    check(copy.what.c_str(), copy.manifest, copy.jobs);
  }
  return out;
}

ParseOptions ReadParseOptions(const std::string& text) {
  ParseOptions o;
  const std::vector<std::string> parts = absl::StrSplit(text, ',');
  EXPECT_EQ(parts.size(), 5u) << text;
  if (parts.size() != 5) return o;
  o.max_scenes = std::atoi(parts[0].c_str());
  o.max_visuals_per_scene = std::atoi(parts[1].c_str());
  o.max_auto_scenes = std::atoi(parts[2].c_str());
  o.words_per_auto_scene = std::atoi(parts[3].c_str());
  o.max_line_warnings = std::atoi(parts[4].c_str());
  return o;
}

// The hint sets every P treatment is built with.
std::vector<armature::v1::ManifestHints> HintSets() {
  std::vector<armature::v1::ManifestHints> out(5);
  out[1].set_duration_seconds(180);
  out[2].set_duration_seconds(30);
  out[2].set_aspect_ratio("9:16");
  out[2].set_platform("tiktok");
  out[2].set_language("de");
  out[2].set_tone("playful");
  out[2].set_profile("product_demo");
  out[3].set_duration_seconds(3600);
  out[3].set_tone("dramatic");
  out[4].set_duration_seconds(1);
  out[4].set_aspect_ratio("16:9");
  return out;
}

struct Case {
  std::string name;
  std::string dump;
};

std::vector<Case> RunCorpus(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  EXPECT_TRUE(in.good()) << "cannot read " << path;
  std::vector<Case> cases;
  std::string line;
  int index = 0;
  const std::vector<armature::v1::ManifestHints> hint_sets = HintSets();
  while (std::getline(in, line)) {
    if (line.empty() || line[0] == '#') continue;
    const std::vector<std::string> fields = absl::StrSplit(line, '\t');
    EXPECT_GE(fields.size(), 3u) << line.substr(0, 80);
    if (fields.size() < 3) continue;
    std::string a;
    std::string b;
    const std::string& tag = fields[0];
    // Treatments are C-escaped text; protos are base64.
    const auto decode = [&](const std::string& in, std::string* out) {
      return tag == "P" || tag == "B" ? absl::CUnescape(in, out) : absl::Base64Unescape(in, out);
    };
    EXPECT_TRUE(decode(fields[2], &a)) << line.substr(0, 80);
    if (fields.size() > 3) {
      EXPECT_TRUE(decode(fields[3], &b));
    }
    const std::string name = absl::StrCat(tag, absl::StrFormat("%03d", index++));
    if (tag == "P") {
      const ParseOptions options = ReadParseOptions(fields[1]);
      cases.push_back({name + "_parse", DumpParsed(ParseTreatment(a, options))});
      ManifestConfig config = DefaultManifestConfig();
      config.parser = options;
      const ManifestBuilder builder(config);
      for (size_t h = 0; h < hint_sets.size(); ++h) {
        armature::v1::BuildManifestRequest request;
        request.set_treatment(a);
        *request.mutable_hints() = hint_sets[h];
        absl::StatusOr<BuildResult> result = builder.Build(request);
        cases.push_back({absl::StrCat(name, "_build", h), DumpResult(result)});
        if (h == 1 && result.ok()) {
          cases.push_back({name + "_broken", DumpBroken(result->manifest, result->jobs)});
        }
      }
    } else if (tag == "B") {
      armature::v1::BuildManifestRequest request;
      EXPECT_TRUE(request.ParseFromString(a)) << name;
      ManifestConfig config = DefaultManifestConfig();
      config.parser = ReadParseOptions(fields[1]);
      cases.push_back({name + "_build", DumpResult(ManifestBuilder(config).Build(request))});
    } else if (tag == "R" || tag == "V") {
      armature::v1::BuildManifestResponse response;
      EXPECT_TRUE(response.ParseFromString(a)) << name;
      const std::vector<armature::v1::Job> jobs(response.jobs().begin(), response.jobs().end());
      RepairContext context;
      if (tag == "R") {
        armature::v1::BuildManifestRequest hints_holder;
        EXPECT_TRUE(hints_holder.ParseFromString(b)) << name;
        const armature::v1::ManifestHints& hints = hints_holder.hints();
        context.hints.duration_seconds = hints.duration_seconds();
        context.hints.aspect_ratio = hints.aspect_ratio();
        context.hints.platform = hints.platform();
        context.hints.language = hints.language();
        context.hints.tone = hints.tone();
        context.hints.profile = hints.profile();
      } else {
        cases.push_back(
            {name + "_validate",
             absl::StrCat(DumpViolations(ValidateManifest(response.manifest(), jobs)), "alone:\n",
                          DumpViolations(ValidateManifest(response.manifest())), "repeated:\n",
                          DumpViolations(ValidateManifest(response.manifest(), response.jobs())))});
        cases.push_back(
            {name + "_jobs", DumpJobs(DecomposeJobs(response.manifest(), JobProviders()))});
      }
      cases.push_back(
          {name + "_repair", DumpOutcome(RepairManifest(response.manifest(), jobs, context))});
    } else {
      ADD_FAILURE() << "unknown corpus tag " << tag;
    }
  }
  return cases;
}

TEST(GoldenTest, OutputsMatchTheReference) {
  const std::string corpus = Env("ARMATURE_GOLDEN_CORPUS").empty() ? SourcePath("golden_corpus.txt")
                                                                   : Env("ARMATURE_GOLDEN_CORPUS");
  const std::string digests = Env("ARMATURE_GOLDEN_DIGESTS").empty()
                                  ? SourcePath("golden_digests.txt")
                                  : Env("ARMATURE_GOLDEN_DIGESTS");
  const std::vector<Case> cases = RunCorpus(corpus);
  ASSERT_FALSE(cases.empty());
  if (const std::string dir = Env("ARMATURE_GOLDEN_DUMP_DIR"); !dir.empty()) {
    for (const Case& c : cases) {
      std::ofstream(dir + "/" + c.name + ".txt", std::ios::binary) << c.dump;
    }
  }
  if (!Env("ARMATURE_GOLDEN_UPDATE").empty()) {
    std::ofstream out(digests, std::ios::binary);
    for (const Case& c : cases) {
      out << c.name << " " << absl::StrFormat("%016x", Fnv(c.dump)) << " " << c.dump.size() << "\n";
    }
    GTEST_SKIP() << "rewrote " << digests;
  }
  std::ifstream in(digests);
  ASSERT_TRUE(in.good()) << "cannot read " << digests;
  std::map<std::string, std::string> expected;
  std::string name;
  std::string digest;
  size_t size = 0;
  while (in >> name >> digest >> size) expected[name] = absl::StrCat(digest, " ", size);
  EXPECT_EQ(expected.size(), cases.size());
  int mismatches = 0;
  for (const Case& c : cases) {
    const std::string actual =
        absl::StrCat(absl::StrFormat("%016x", Fnv(c.dump)), " ", c.dump.size());
    auto it = expected.find(c.name);
    if (it == expected.end() || it->second != actual) {
      ++mismatches;
      ADD_FAILURE() << c.name << ": output changed (digest " << actual << ", expected "
                    << (it == expected.end() ? "none" : it->second)
                    << "); set ARMATURE_GOLDEN_DUMP_DIR to write the dumps and diff them";
    }
  }
  EXPECT_EQ(mismatches, 0);
}

}  // namespace
}  // namespace armature::manifest
