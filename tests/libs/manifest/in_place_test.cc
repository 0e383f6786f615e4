// The in-place pipeline (BuildManifestInto, DecomposeJobsInto, RepairManifestInPlace,
// ManifestBuilder::Build into a response) on an arena gives exactly what the heap API gives,
// whose output golden_test.cc pins: for hand-picked cases and for every input of the golden
// corpus. Everything it builds stays on the arena.

#include <cstdlib>
#include <fstream>
#include <map>
#include <string>
#include <vector>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "gmock/gmock.h"
#include "google/protobuf/arena.h"
#include "google/protobuf/io/coded_stream.h"
#include "google/protobuf/io/zero_copy_stream_impl_lite.h"
#include "gtest/gtest.h"
#include "libs/manifest/builder.h"
#include "libs/manifest/jobs.h"
#include "libs/manifest/manifest_builder.h"
#include "libs/manifest/parser.h"
#include "libs/manifest/repair.h"
#include "libs/manifest/validator.h"
#include "tests/libs/manifest/damaged_copies.h"
#include "tests/libs/manifest/test_printers.h"
#include "tests/testing/proto_bytes.h"

namespace armature::manifest {
namespace {

using armature::v1::BuildManifestRequest;
using armature::v1::BuildManifestResponse;
using armature::v1::Job;
using armature::v1::ProductionManifest;
using google::protobuf::Arena;
using JobField = google::protobuf::RepeatedPtrField<Job>;
using ::testing::IsEmpty;

constexpr char kTreatment[] = R"(# Launch video
Style: warm film look
Music: calm piano

## Scene 1 — Hook (4s)
Narration: Meet Maya, who ships videos faster than anyone.
Visual: close-up of a glowing laptop lid opening
SFX: whoosh

## Scene 2 — Proof
VO: Battery life grew every quarter. Maya checks the laptop again.
Chart: Q1: 10, Q2: 14, Q3: 19
Transition: quick zoom in

## Scene 3 — Call to action
Narration: Order yours today, Maya says.
B-roll: a busy office with the laptop
On-screen text: Order now
Music: upbeat synth
)";

std::string Bytes(const google::protobuf::MessageLite& message) {
  return armature::testing::DeterministicBytes(message);
}

template <typename Jobs>
std::string JobBytes(const Jobs& jobs) {
  std::string out;
  for (const Job& job : jobs) absl::StrAppend(&out, Bytes(job), "|");
  return out;
}

std::string Lines(const std::vector<std::string>& lines) { return absl::StrJoin(lines, "\n"); }

std::string Repairs(const std::map<std::string, int>& repairs) {
  std::string out;
  for (const auto& [kind, count] : repairs) absl::StrAppend(&out, kind, "=", count, " ");
  return out;
}

// Every message of the manifest is on `arena`.
void ExpectOnArena(const ProductionManifest& manifest, Arena* arena) {
  EXPECT_EQ(manifest.GetArena(), arena);
  for (const auto& scene : manifest.scenes()) {
    EXPECT_EQ(scene.GetArena(), arena);
    for (const auto& visual : scene.visuals()) EXPECT_EQ(visual.GetArena(), arena);
  }
  for (const auto& cue : manifest.audio_cues()) EXPECT_EQ(cue.GetArena(), arena);
}

// Every job and its payload is on `arena`.
void ExpectOnArena(const JobField& jobs, Arena* arena) {
  for (const Job& job : jobs) {
    EXPECT_EQ(job.GetArena(), arena);
    EXPECT_EQ(job.payload().GetArena(), arena);
  }
}

void ExpectOnArena(const ProductionManifest& manifest, const JobField& jobs, Arena* arena) {
  ExpectOnArena(manifest, arena);
  ExpectOnArena(jobs, arena);
}

NormalizedHints Hints(double seconds) {
  NormalizedHints hints;
  hints.duration_seconds = seconds;
  hints.duration_is_default = false;
  return hints;
}

TEST(InPlaceTest, BuildManifestIntoAnArenaEqualsBuildManifest) {
  for (const char* text : {kTreatment, "", "Just one line of narration.", "## A\n## B\n## C\n"}) {
    const ParsedTreatment parsed = ParseTreatment(text);
    for (double seconds : {1.0, 30.0, 600.0}) {
      std::vector<std::string> heap_warnings;
      const ProductionManifest heap =
          BuildManifest(parsed, Hints(seconds), BuildOptions(), &heap_warnings);
      Arena arena;
      auto* manifest = Arena::CreateMessage<ProductionManifest>(&arena);
      std::vector<std::string> warnings;
      BuildManifestInto(parsed, Hints(seconds), BuildOptions(), manifest, &warnings);
      EXPECT_EQ(Bytes(*manifest), Bytes(heap)) << text << " " << seconds;
      EXPECT_EQ(warnings, heap_warnings);
      ExpectOnArena(*manifest, &arena);
    }
  }
}

TEST(InPlaceTest, BuildManifestIntoReplacesWhatTheManifestHeld) {
  const ParsedTreatment parsed = ParseTreatment(kTreatment);
  const ProductionManifest heap = BuildManifest(parsed, Hints(30), BuildOptions());
  ProductionManifest manifest = BuildManifest(ParseTreatment("## X\n## Y\n"), Hints(5), {});
  manifest.mutable_consistency()->add_palette("teal");
  BuildManifestInto(parsed, Hints(30), BuildOptions(), &manifest);
  EXPECT_EQ(Bytes(manifest), Bytes(heap));
}

TEST(InPlaceTest, DecomposeJobsIntoAnArenaEqualsDecomposeJobsAndReplacesTheJobs) {
  const ProductionManifest manifest = BuildManifest(ParseTreatment(kTreatment), Hints(30), {});
  const std::vector<Job> heap = DecomposeJobs(manifest, JobProviders());
  Arena arena;
  auto* response = Arena::CreateMessage<BuildManifestResponse>(&arena);
  JobField& jobs = *response->mutable_jobs();
  jobs.Add()->set_id("job_stale");  // replaced, not kept
  DecomposeJobsInto(manifest, JobProviders(), &jobs);
  EXPECT_EQ(JobBytes(jobs), JobBytes(heap));
  ExpectOnArena(jobs, &arena);
  EXPECT_THAT(ValidateManifest(manifest, jobs), IsEmpty());
}

TEST(InPlaceTest, TakeJobsMovesThemOut) {
  const ProductionManifest manifest = BuildManifest(ParseTreatment(kTreatment), Hints(30), {});
  const std::vector<Job> expected = DecomposeJobs(manifest, JobProviders());
  JobField field;
  DecomposeJobsInto(manifest, JobProviders(), &field);
  const std::vector<Job> jobs = TakeJobs(&field);
  EXPECT_TRUE(field.empty());
  EXPECT_EQ(JobBytes(jobs), JobBytes(expected));
}

// Repairs `manifest` and `jobs` both ways: RepairManifest on the heap, RepairManifestInPlace on
// an arena; the outcomes must match.
void ExpectSameRepair(const ProductionManifest& manifest, const std::vector<Job>& jobs,
                      const RepairContext& context, const std::string& what) {
  SCOPED_TRACE(what);
  const RepairOutcome heap = RepairManifest(manifest, jobs, context);
  Arena arena;
  auto* response = Arena::CreateMessage<BuildManifestResponse>(&arena);
  ProductionManifest& in_place = *response->mutable_manifest();
  in_place = manifest;
  JobField& in_place_jobs = *response->mutable_jobs();
  for (const Job& job : jobs) *in_place_jobs.Add() = job;
  const RepairReport report = RepairManifestInPlace(&in_place, &in_place_jobs, context);
  EXPECT_EQ(Bytes(in_place), Bytes(heap.manifest));
  EXPECT_EQ(JobBytes(in_place_jobs), JobBytes(heap.jobs));
  EXPECT_EQ(Repairs(report.repairs), Repairs(heap.repairs));
  EXPECT_EQ(Lines(report.warnings), Lines(heap.warnings));
  EXPECT_EQ(report.used_llm, heap.used_llm);
  EXPECT_EQ(report.fell_back, heap.fell_back);
  ExpectOnArena(in_place, in_place_jobs, &arena);
}

// Damaged copies of a valid manifest and its jobs, as golden_test.cc makes them.
void ExpectSameRepairsOfDamagedCopies(const ProductionManifest& manifest,
                                      const std::vector<Job>& jobs, const RepairContext& context) {
  ExpectSameRepair(manifest, jobs, context, "valid");
  for (const DamagedCopy& copy : DamagedCopies(manifest, jobs)) {
    ExpectSameRepair(copy.manifest, copy.jobs, context, copy.what);
  }
  ProductionManifest too_short = manifest;
  too_short.mutable_metadata()->set_duration_seconds(0.0005);
  ExpectSameRepair(too_short, jobs, context, "total out of range");
}

TEST(InPlaceTest, RepairManifestInPlaceOnAnArenaEqualsRepairManifest) {
  RepairContext context;
  context.hints = Hints(30);
  const ProductionManifest manifest = BuildManifest(ParseTreatment(kTreatment), context.hints, {});
  ExpectSameRepairsOfDamagedCopies(manifest, DecomposeJobs(manifest, context.jobs), context);
}

// 1,100 scenes cannot be timed within one second (each needs at least 1 ms): the deterministic
// repairs fail, which is where the LLM step and the fallback come in.
ProductionManifest Untimeable(RepairContext& context) {
  std::string treatment;
  for (int i = 1; i <= 1100; ++i) absl::StrAppend(&treatment, "## Scene ", i, "\nNarration: x\n");
  ParseOptions options;
  options.max_scenes = 1500;
  context.hints = Hints(1);
  return BuildManifest(ParseTreatment(treatment, options), context.hints, {});
}

TEST(InPlaceTest, TheFallbackIsBuiltInPlace) {
  RepairContext context;
  const ProductionManifest manifest = Untimeable(context);
  const std::vector<Job> jobs = DecomposeJobs(manifest, context.jobs);
  ASSERT_TRUE(RepairManifest(manifest, jobs, context).fell_back);
  ExpectSameRepair(manifest, jobs, context, "fallback");
}

TEST(InPlaceTest, TheLlmCandidateIsCopiedOntoTheArena) {
  RepairContext context;
  const ProductionManifest manifest = Untimeable(context);
  const std::vector<Job> jobs = DecomposeJobs(manifest, context.jobs);
  RepairCandidate fixed;
  fixed.manifest = BuildManifest(ParseTreatment("## A\nNarration: a\n## B\nNarration: b\n"),
                                 context.hints, context.build);
  fixed.jobs = DecomposeJobs(fixed.manifest, context.jobs);
  fixed.source = "fake:model";
  fixed.warnings = {"a note"};
  size_t hook_jobs = 0;
  context.llm_repair =
      [&](const ProductionManifest&, const std::vector<Job>& given,
          const std::vector<armature::v1::Violation>&) -> absl::StatusOr<RepairCandidate> {
    hook_jobs = given.size();
    return fixed;
  };
  const RepairOutcome heap = RepairManifest(manifest, jobs, context);
  ASSERT_TRUE(heap.used_llm);
  EXPECT_EQ(hook_jobs, jobs.size()) << "the hook gets the jobs";
  ExpectSameRepair(manifest, jobs, context, "llm");
  EXPECT_EQ(hook_jobs, jobs.size());

  context.llm_repair =
      [](const ProductionManifest&, const std::vector<Job>&,
         const std::vector<armature::v1::Violation>&) -> absl::StatusOr<RepairCandidate> {
    return absl::UnavailableError("down");
  };
  ExpectSameRepair(manifest, jobs, context, "llm failed");
}

TEST(InPlaceTest, BuildFailsWithoutTouchingTheResponse) {
  Arena arena;
  auto* response = Arena::CreateMessage<BuildManifestResponse>(&arena);
  response->mutable_manifest()->set_id("kept");
  BuildManifestRequest request;
  request.set_treatment("   ");
  const absl::StatusOr<BuildInfo> info = ManifestBuilder().Build(request, response);
  EXPECT_EQ(info.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(response->manifest().id(), "kept");
  EXPECT_TRUE(response->jobs().empty());
}

// ----- The golden corpus ----------------------------------------------------------------------

std::string SourcePath(const std::string& relative) {
  return std::string(ARMATURE_SOURCE_DIR) + "/tests/libs/manifest/testdata/" + relative;
}

ParseOptions ReadParseOptions(const std::string& text) {
  ParseOptions o;
  const std::vector<std::string> parts = absl::StrSplit(text, ',');
  if (parts.size() != 5) {
    ADD_FAILURE() << "bad parse options " << text;
    return o;
  }
  o.max_scenes = std::atoi(parts[0].c_str());
  o.max_visuals_per_scene = std::atoi(parts[1].c_str());
  o.max_auto_scenes = std::atoi(parts[2].c_str());
  o.words_per_auto_scene = std::atoi(parts[3].c_str());
  o.max_line_warnings = std::atoi(parts[4].c_str());
  return o;
}

// Builds `request` both ways: ManifestBuilder::Build on the heap and into a response on an arena.
// Returns whether the build needed a repair.
bool ExpectSameBuild(const ManifestBuilder& builder, const BuildManifestRequest& request,
                     const std::string& what) {
  SCOPED_TRACE(what);
  const absl::StatusOr<BuildResult> heap = builder.Build(request);
  Arena arena;
  auto* response = Arena::CreateMessage<BuildManifestResponse>(&arena);
  const absl::StatusOr<BuildInfo> info = builder.Build(request, response);
  EXPECT_EQ(info.status(), heap.status());
  if (!heap.ok() || !info.ok()) return false;
  EXPECT_EQ(Bytes(response->manifest()), Bytes(heap->manifest));
  EXPECT_EQ(JobBytes(response->jobs()), JobBytes(heap->jobs));
  EXPECT_EQ(Lines(info->warnings), Lines(heap->warnings));
  EXPECT_EQ(Repairs(info->repairs_by_kind), Repairs(heap->repairs_by_kind));
  EXPECT_EQ(info->used_repair, heap->used_repair);
  EXPECT_EQ(info->used_llm, heap->used_llm);
  EXPECT_EQ(info->fell_back, heap->fell_back);
  ExpectOnArena(response->manifest(), response->jobs(), &arena);
  return heap->used_repair;
}

TEST(InPlaceTest, EveryGoldenInputBuildsAndRepairsTheSameOnAnArena) {
  std::ifstream in(SourcePath("golden_corpus.txt"), std::ios::binary);
  ASSERT_TRUE(in.good());
  std::vector<armature::v1::ManifestHints> hint_sets(3);
  hint_sets[1].set_duration_seconds(180);
  hint_sets[2].set_duration_seconds(1);
  hint_sets[2].set_aspect_ratio("9:16");
  int builds = 0;
  int repairs = 0;
  std::string line;
  while (std::getline(in, line)) {
    if (line.empty() || line[0] == '#') continue;
    const std::vector<std::string> fields = absl::StrSplit(line, '\t');
    ASSERT_GE(fields.size(), 3u);
    const std::string& tag = fields[0];
    std::string a;
    if (tag == "P" || tag == "B") {
      ASSERT_TRUE(absl::CUnescape(fields[2], &a));
      ManifestConfig config = DefaultManifestConfig();
      config.parser = ReadParseOptions(fields[1]);
      const ManifestBuilder builder(config);
      if (tag == "B") {
        BuildManifestRequest request;
        ASSERT_TRUE(request.ParseFromString(a));
        ExpectSameBuild(builder, request, line.substr(0, 60));
        ++builds;
        continue;
      }
      for (const auto& hints : hint_sets) {
        BuildManifestRequest request;
        request.set_treatment(a);
        *request.mutable_hints() = hints;
        ExpectSameBuild(builder, request, line.substr(0, 60));
        ++builds;
      }
    } else if (tag == "R" || tag == "V") {
      ASSERT_TRUE(absl::Base64Unescape(fields[2], &a));
      BuildManifestResponse response;
      ASSERT_TRUE(response.ParseFromString(a));
      const std::vector<Job> jobs(response.jobs().begin(), response.jobs().end());
      RepairContext context;
      if (tag == "R" && fields.size() > 3) {
        std::string b;
        ASSERT_TRUE(absl::Base64Unescape(fields[3], &b));
        BuildManifestRequest hints_holder;
        ASSERT_TRUE(hints_holder.ParseFromString(b));
        context.hints.duration_seconds = hints_holder.hints().duration_seconds();
        context.hints.aspect_ratio = hints_holder.hints().aspect_ratio();
        context.hints.platform = hints_holder.hints().platform();
      }
      ExpectSameRepair(response.manifest(), jobs, context, line.substr(0, 60));
      ++repairs;
      // The job DAG derived on an arena, too.
      Arena arena;
      auto* derived = Arena::CreateMessage<BuildManifestResponse>(&arena);
      DecomposeJobsInto(response.manifest(), JobProviders(), derived->mutable_jobs());
      EXPECT_EQ(JobBytes(derived->jobs()),
                JobBytes(DecomposeJobs(response.manifest(), JobProviders())));
    }
  }
  EXPECT_GT(builds, 200);
  EXPECT_GT(repairs, 50);
}

TEST(InPlaceTest, ABuildThatFallsBackIsTheSameOnAnArena) {
  std::string treatment;
  for (int i = 1; i <= 1100; ++i) absl::StrAppend(&treatment, "## Scene ", i, "\nNarration: x\n");
  BuildManifestRequest request;
  request.set_treatment(treatment);
  request.mutable_hints()->set_duration_seconds(1);
  ManifestConfig config = DefaultManifestConfig();
  config.parser.max_scenes = 1500;
  const ManifestBuilder builder(config);
  EXPECT_TRUE(ExpectSameBuild(builder, request, "fallback"));
  EXPECT_TRUE(builder.Build(request)->fell_back);
}

}  // namespace
}  // namespace armature::manifest
