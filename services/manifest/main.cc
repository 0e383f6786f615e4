// armature-manifest: turns video treatments into production manifests and job DAGs.
#include <iostream>

#include "absl/flags/flag.h"
#include "absl/strings/str_join.h"
#include "libs/llm/llm_config.h"
#include "libs/llm/llm_metrics.h"
#include "libs/manifest/config.h"
#include "libs/runtime/logging.h"
#include "libs/runtime/server.h"
#include "libs/runtime/server_flags.h"
#include "services/manifest/llm_repair.h"
#include "services/manifest/manifest_core.h"
#include "services/manifest/manifest_service.h"

ABSL_FLAG(std::string, manifest_config, "",
          "YAML parser/builder/job-provider settings (see config/manifest.yaml); empty = the "
          "built-in defaults, which equal config/manifest.yaml.");
ABSL_FLAG(std::string, llm_config, "",
          "YAML LLM provider chain for scene extraction and manifest repair (see "
          "config/llm.example.yaml); empty = the deterministic parser and repairs only.");
ABSL_FLAG(std::string, prompts_dir, "config/prompts",
          "Directory with manifest_extract.yaml and manifest_repair.yaml (used with "
          "--llm_config).");
ABSL_FLAG(int, llm_workers, 8,
          "Threads that run builds which may call an LLM (only with --llm_config).");

namespace {

[[noreturn]] void Fail(const std::string& message) {
  armature::runtime::Log(armature::runtime::LogLevel::kError, "config_error", {{"error", message}});
  std::cerr << "armature-manifest: " << message << "\n";
  std::exit(2);
}

}  // namespace

int main(int argc, char** argv) {
  using namespace armature;
  using namespace armature::runtime;
  BlockShutdownSignals();
  const BinaryDefaults defaults{
      .name = "armature-manifest",
      .description =
          "the manifest service: treatments into validated production manifests and job DAGs.",
      .listen = "127.0.0.1:50053",
      .metrics_listen = "127.0.0.1:9093"};
  ParseCommandLine(argc, argv, defaults);

  absl::StatusOr<manifest::ManifestConfig> config =
      absl::GetFlag(FLAGS_manifest_config).empty()
          ? absl::StatusOr<manifest::ManifestConfig>(manifest::DefaultManifestConfig())
          : manifest::LoadManifestConfig(absl::GetFlag(FLAGS_manifest_config));
  if (!config.ok()) Fail(std::string(config.status().message()));

  auto llm_registry = std::make_shared<prometheus::Registry>();
  std::unique_ptr<llm::LlmMetrics> llm_metrics;
  std::optional<manifest_service::LlmExtraction> extraction;
  if (const std::string path = absl::GetFlag(FLAGS_llm_config); !path.empty()) {
    absl::StatusOr<llm::LlmConfig> llm_config = llm::LoadLlmConfig(path);
    if (!llm_config.ok()) Fail(std::string(llm_config.status().message()));
    absl::StatusOr<manifest_service::ManifestPrompts> prompts =
        manifest_service::LoadManifestPrompts(absl::GetFlag(FLAGS_prompts_dir));
    if (!prompts.ok()) Fail(std::string(prompts.status().message()));
    llm_metrics = std::make_unique<llm::LlmMetrics>(*llm_registry);
    llm::ChainDeps deps;
    deps.on_call = [m = llm_metrics.get()](const llm::CallRecord& r) { m->Record(r); };
    std::vector<std::string> names;
    for (const auto& p : llm_config->providers) names.push_back(p.name);
    extraction = manifest_service::LlmExtraction{
        .chain = llm::BuildProviderChain(*llm_config, std::move(deps)),
        .prompt = std::move(prompts->extract),
        .repair_prompt = std::move(prompts->repair)};
    Log(LogLevel::kInfo, "llm_chain", {{"config", path}, {"providers", absl::StrJoin(names, ",")}});
  }

  manifest_service::ManifestCore core(*std::move(config), std::move(extraction));
  std::unique_ptr<WorkerPool> pool;
  if (core.uses_llm()) {
    pool = std::make_unique<WorkerPool>(
        WorkerPool::Options{.threads = std::max(1, absl::GetFlag(FLAGS_llm_workers))});
  }
  manifest_service::ManifestArmInfo info(&core);
  ArmServer server(ServerOptionsFromFlags(defaults), &info);
  manifest_service::ManifestGrpcService service(&core, pool.get(), server.registry());
  server.AddService(&service, "armature.v1.ManifestService");
  if (llm_metrics) server.AddCollectable(llm_registry);
  return ServeUntilSignal(server);
}
