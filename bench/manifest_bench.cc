// Benchmarks of the manifest pipeline on a generated ~2,000-word treatment (bench/fixtures.h):
// parse, build, validate, job decomposition, the whole ManifestBuilder::Build (which adds
// hint normalisation and the repair check), and the server's deterministic request path
// (ManifestCore::Build into a response on a pooled arena, its wire encoding and the reset that
// frees it; and the same on the heap). The target is under 1 ms for the whole build.

#include <string>
#include <vector>

#include "armature/v1/manifest.pb.h"
#include "bench/fixtures.h"
#include "benchmark/benchmark.h"
#include "google/protobuf/arena.h"
#include "libs/manifest/builder.h"
#include "libs/manifest/jobs.h"
#include "libs/manifest/manifest_builder.h"
#include "libs/manifest/parser.h"
#include "libs/manifest/text.h"
#include "libs/manifest/validator.h"
#include "libs/runtime/arena_allocator.h"
#include "services/manifest/manifest_core.h"
#include "services/manifest/manifest_service.h"

namespace armature::manifest {
namespace {

// The ~2,000-word treatment shared with the BuildManifest scenario of run_bench.py.
const std::string& Treatment() { return bench::Treatment2000Words(); }

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

armature::v1::BuildManifestRequest ServiceRequest() {
  armature::v1::BuildManifestRequest request;
  request.set_treatment(Treatment());
  request.mutable_hints()->set_duration_seconds(180);
  return request;
}

// ManifestCore::Build without an LLM chain into heap messages (the convenience overload).
void BM_ManifestCoreBuild(benchmark::State& state) {
  manifest_service::ManifestCore core(DefaultManifestConfig(), std::nullopt);
  const armature::v1::BuildManifestRequest request = ServiceRequest();
  for (auto _ : state) {
    absl::StatusOr<BuildResult> result = core.Build(request);
    if (!result.ok()) state.SkipWithError("the benchmark treatment should build");
    benchmark::DoNotOptimize(result);
  }
  SetWords(state);
}
BENCHMARK(BM_ManifestCoreBuild);

// Fills `response` as ManifestGrpcService::DoBuild does: the manifest and jobs in place.
bool FillResponse(manifest_service::ManifestCore& core,
                  const armature::v1::BuildManifestRequest& request,
                  armature::v1::BuildManifestResponse* response) {
  absl::StatusOr<BuildInfo> info = core.Build(request, response);
  if (!info.ok()) return false;
  for (auto& w : info->warnings) response->add_warnings(std::move(w));
  response->set_used_repair(info->used_repair);
  response->set_used_llm(info->used_llm);
  response->set_processing_time_ms(0.5);
  response->set_request_id("req-0123456789abcdef");
  return true;
}

// The wire encoding of the ~34 KB response (what gRPC does after the handler returns).
void BM_SerializeResponse(benchmark::State& state) {
  manifest_service::ManifestCore core(DefaultManifestConfig(), std::nullopt);
  armature::v1::BuildManifestResponse response;
  if (!FillResponse(core, ServiceRequest(), &response)) {
    state.SkipWithError("the benchmark treatment should build");
  }
  std::string bytes;
  for (auto _ : state) {
    bytes.clear();
    response.SerializeToString(&bytes);
    benchmark::DoNotOptimize(bytes);
  }
  state.counters["response_bytes"] = static_cast<double>(bytes.size());
}
BENCHMARK(BM_SerializeResponse);

// The server's whole deterministic request path as it runs: the response on a pooled arena
// (the service's ArenaMessageAllocator settings), built in place, its wire encoding, and the
// arena's reset that frees it. Counters: the arena bytes one call uses and holds.
void BM_ServiceResponse(benchmark::State& state) {
  manifest_service::ManifestCore core(DefaultManifestConfig(), std::nullopt);
  const armature::v1::BuildManifestRequest request = ServiceRequest();
  runtime::ArenaPool pool(manifest_service::kBuildManifestArenas);
  std::string bytes;
  double used = 0;
  double allocated = 0;
  for (auto _ : state) {
    runtime::ArenaPool::Slot* slot = pool.Acquire();
    google::protobuf::Arena* arena = runtime::ArenaPool::ArenaOf(slot);
    auto* response =
        google::protobuf::Arena::CreateMessage<armature::v1::BuildManifestResponse>(arena);
    if (!FillResponse(core, request, response)) {
      state.SkipWithError("the benchmark treatment should build");
    }
    bytes.clear();
    response->SerializeToString(&bytes);
    benchmark::DoNotOptimize(bytes);
    used = static_cast<double>(arena->SpaceUsed());
    allocated = static_cast<double>(arena->SpaceAllocated());
    pool.Release(slot);
  }
  state.counters["response_bytes"] = static_cast<double>(bytes.size());
  state.counters["arena_used_bytes"] = used;
  state.counters["arena_allocated_bytes"] = allocated;
}
BENCHMARK(BM_ServiceResponse);

// The same path with the response on the heap (no arena), as the service ran before it used
// ArenaMessageAllocator: building, encoding and freeing every message one by one.
void BM_ServiceResponseHeap(benchmark::State& state) {
  manifest_service::ManifestCore core(DefaultManifestConfig(), std::nullopt);
  const armature::v1::BuildManifestRequest request = ServiceRequest();
  std::string bytes;
  for (auto _ : state) {
    armature::v1::BuildManifestResponse response;
    if (!FillResponse(core, request, &response)) {
      state.SkipWithError("the benchmark treatment should build");
    }
    bytes.clear();
    response.SerializeToString(&bytes);
    benchmark::DoNotOptimize(bytes);
  }
  state.counters["response_bytes"] = static_cast<double>(bytes.size());
}
BENCHMARK(BM_ServiceResponseHeap);

}  // namespace
}  // namespace armature::manifest

BENCHMARK_MAIN();
