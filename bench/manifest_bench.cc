// Benchmarks of the manifest pipeline on a generated ~2,000-word treatment: parse, build,
// validate, job decomposition, and the whole ManifestBuilder::Build (which adds hint
// normalisation and the repair check). The target is under 1 ms for the whole build.

#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "armature/v1/manifest.pb.h"
#include "benchmark/benchmark.h"
#include "libs/manifest/builder.h"
#include "libs/manifest/jobs.h"
#include "libs/manifest/manifest_builder.h"
#include "libs/manifest/parser.h"
#include "libs/manifest/text.h"
#include "libs/manifest/validator.h"

namespace armature::manifest {
namespace {

// A treatment in the common Markdown style: 20 scenes of ~100 words each, about 2,000 words.
const std::string& Treatment() {
  static const std::string* const kText = [] {
    static constexpr const char* kSentences[] = {
        "Most teams spend hours every week cutting the same kind of clip by hand.",
        "Maya opens her laptop and sighs at the timeline full of raw footage.",
        "What if the tedious parts simply took care of themselves while you focused on the story?",
        "The assistant finds the best moments, trims the pauses and suggests captions "
        "automatically.",
        "Leo, her editor, reviews the draft on his phone during the train ride home.",
        "Every change is tracked, so nobody loses the version that the client actually approved.",
        "By Friday the campaign is live on three platforms with the right format for each one.",
    };
    std::string text =
        "# Ship videos faster\n\nStyle: clean, bright, modern office\nMusic: upbeat lo-fi "
        "throughout\n\n";
    for (int i = 0; i < 20; ++i) {
      absl::StrAppend(&text, "## Scene ", i + 1, " \xE2\x80\x94 Part ", i + 1,
                      i % 3 == 0 ? " (6s)" : "", "\n");
      std::string narration;
      for (int k = 0; k < 5; ++k) AppendWithSpace(narration, kSentences[(i + k) % 7]);
      absl::StrAppend(&text, "**Narration:** ", narration, "\n");
      absl::StrAppend(&text, "Visual: Maya at her desk with a coffee mug, scene ", i + 1,
                      ", soft morning light\n");
      if (i % 4 == 1) absl::StrAppend(&text, "B-roll: commuters on a busy train platform\n");
      if (i % 5 == 2)
        absl::StrAppend(&text, "Chart: Hours saved \xE2\x80\x94 Q1: 10, Q2: 14, Q3: 21, Q4: 30\n");
      if (i % 6 == 3) absl::StrAppend(&text, "SFX: whoosh\nTransition: quick zoom in\n");
      absl::StrAppend(&text, "On-screen text: \"Step ", i + 1, "\"\n\n");
    }
    absl::StrAppend(
        &text,
        "## Scene 21 \xE2\x80\x94 Call to action\nNarration: Try it today and sign up for free.\n");
    return new std::string(std::move(text));
  }();
  return *kText;
}

NormalizedHints Hints() {
  NormalizedHints hints;
  hints.duration_seconds = 180;
  hints.duration_is_default = false;
  return hints;
}

void SetWords(benchmark::State& state) {
  state.counters["words"] = CountWords(Treatment());
  state.counters["bytes"] = static_cast<double>(Treatment().size());
}

void BM_Parse(benchmark::State& state) {
  for (auto _ : state) benchmark::DoNotOptimize(ParseTreatment(Treatment()));
  SetWords(state);
}
BENCHMARK(BM_Parse);

void BM_BuildManifest(benchmark::State& state) {
  const ParsedTreatment parsed = ParseTreatment(Treatment());
  for (auto _ : state) benchmark::DoNotOptimize(BuildManifest(parsed, Hints(), BuildOptions()));
}
BENCHMARK(BM_BuildManifest);

void BM_DecomposeJobs(benchmark::State& state) {
  const armature::v1::ProductionManifest m =
      BuildManifest(ParseTreatment(Treatment()), Hints(), BuildOptions());
  for (auto _ : state) benchmark::DoNotOptimize(DecomposeJobs(m, JobProviders()));
}
BENCHMARK(BM_DecomposeJobs);

void BM_Validate(benchmark::State& state) {
  const armature::v1::ProductionManifest m =
      BuildManifest(ParseTreatment(Treatment()), Hints(), BuildOptions());
  const std::vector<armature::v1::Job> jobs = DecomposeJobs(m, JobProviders());
  for (auto _ : state) benchmark::DoNotOptimize(ValidateManifest(m, jobs));
}
BENCHMARK(BM_Validate);

// Parse + build + validate + jobs, as the pipeline runs them.
void BM_ParseBuildValidateJobs(benchmark::State& state) {
  for (auto _ : state) {
    const ParsedTreatment parsed = ParseTreatment(Treatment());
    armature::v1::ProductionManifest m = BuildManifest(parsed, Hints(), BuildOptions());
    std::vector<armature::v1::Job> jobs = DecomposeJobs(m, JobProviders());
    benchmark::DoNotOptimize(ValidateManifest(m, jobs));
  }
  SetWords(state);
}
BENCHMARK(BM_ParseBuildValidateJobs);

// The whole ManifestBuilder::Build from a request.
void BM_ManifestBuilderBuild(benchmark::State& state) {
  const ManifestBuilder builder;
  armature::v1::BuildManifestRequest request;
  request.set_treatment(Treatment());
  request.mutable_hints()->set_duration_seconds(180);
  for (auto _ : state) {
    absl::StatusOr<BuildResult> result = builder.Build(request);
    if (!result.ok() || result->used_repair)
      state.SkipWithError("the benchmark treatment should build cleanly");
    benchmark::DoNotOptimize(result);
  }
  SetWords(state);
}
BENCHMARK(BM_ManifestBuilderBuild);

}  // namespace
}  // namespace armature::manifest

BENCHMARK_MAIN();
