// armature-planner-arm: turns goals into plans and scene prompts into scene plans.
#include <iostream>

#include "absl/flags/flag.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "libs/llm/llm_config.h"
#include "libs/llm/llm_metrics.h"
#include "libs/llm/redact.h"
#include "libs/planner/arm_registry.h"
#include "libs/runtime/logging.h"
#include "libs/runtime/server.h"
#include "libs/runtime/server_flags.h"
#include "services/planner_arm/planner_core.h"
#include "services/planner_arm/planner_service.h"

ABSL_FLAG(std::string, arms_config, "",
          "YAML arm registry (see config/arms.yaml); empty = the built-in registry, which "
          "equals config/arms.yaml.");
ABSL_FLAG(std::string, llm_config, "",
          "YAML LLM provider chain (see config/llm.example.yaml); empty = built-in engines only "
          "(offline, deterministic).");
ABSL_FLAG(std::string, prompts_dir, "config/prompts",
          "Directory with planner.yaml and scene.yaml prompt templates (used with --llm_config).");
ABSL_FLAG(int, plan_cache_size, 1024, "Plans kept in the in-process LRU cache; 0 disables it.");
ABSL_FLAG(int, plan_cache_ttl_seconds, 600, "How long a cached plan stays valid, in seconds.");
ABSL_FLAG(int, llm_workers, 8,
          "Threads that run requests which may call an LLM (only with --llm_config).");

namespace {

using namespace armature;

[[noreturn]] void Fail(const std::string& message) {
  runtime::Log(runtime::LogLevel::kError, "config_error", {{"error", message}});
  std::cerr << "armature-planner-arm: " << message << "\n";
  std::exit(2);
}

}  // namespace

int main(int argc, char** argv) {
  using namespace armature::runtime;
  BlockShutdownSignals();
  const BinaryDefaults defaults{
      .name = "armature-planner-arm",
      .description = "the planner arm: goals into validated plans, scene prompts into scene plans.",
      .listen = "127.0.0.1:50052",
      .metrics_listen = "127.0.0.1:9092"};
  ParseCommandLine(argc, argv, defaults);

  absl::StatusOr<planner::ArmRegistry> registry =
      absl::GetFlag(FLAGS_arms_config).empty()
          ? absl::StatusOr<planner::ArmRegistry>(planner::DefaultArmRegistry())
          : planner::LoadArmRegistry(absl::GetFlag(FLAGS_arms_config));
  if (!registry.ok()) Fail(std::string(registry.status().message()));

  planner_arm::PlannerCoreOptions options;
  options.cache.capacity = static_cast<size_t>(std::max(0, absl::GetFlag(FLAGS_plan_cache_size)));
  options.cache.ttl_ms = int64_t{absl::GetFlag(FLAGS_plan_cache_ttl_seconds)} * 1000;

  auto registry_metrics = std::make_shared<prometheus::Registry>();
  std::unique_ptr<llm::LlmMetrics> llm_metrics;
  std::optional<planner_arm::LlmBackend> llm_backend;
  if (const std::string path = absl::GetFlag(FLAGS_llm_config); !path.empty()) {
    absl::StatusOr<llm::LlmConfig> config = llm::LoadLlmConfig(path);
    if (!config.ok()) Fail(std::string(config.status().message()));
    const std::string dir = absl::GetFlag(FLAGS_prompts_dir);
    auto plan_prompt =
        llm::LoadPromptTemplate(dir + "/planner.yaml", {"goal", "constraints", "context", "arms"});
    if (!plan_prompt.ok()) Fail(std::string(plan_prompt.status().message()));
    auto scene_prompt = llm::LoadPromptTemplate(dir + "/scene.yaml", {"prompt"});
    if (!scene_prompt.ok()) Fail(std::string(scene_prompt.status().message()));
    options.builtin_fallback = config->builtin_fallback;
    llm_metrics = std::make_unique<llm::LlmMetrics>(*registry_metrics);
    std::vector<std::string> names;
    for (const auto& p : config->providers) names.push_back(p.name);
    llm::ChainDeps deps;
    // Failed calls and retries are logged (a plan then silently comes from the next backend);
    // their errors are redacted by the providers and the chain, and again here with every key.
    deps.on_call = [m = llm_metrics.get(), secrets = config->Secrets()](const llm::CallRecord& r) {
      m->Record(r);
      if (r.outcome == llm::CallRecord::Outcome::kSuccess) return;
      Log(LogLevel::kWarn, "llm_call_failed",
          {{"provider", r.provider},
           {"outcome", std::string(llm::CallOutcomeName(r.outcome))},
           {"code", absl::StatusCodeToString(r.status.code())},
           {"error", llm::Redact(r.status.message(), secrets)}});
    };
    deps.on_retry = [secrets = config->Secrets()](const llm::RetryEvent& e) {
      Log(LogLevel::kWarn, "llm_retry",
          {{"provider", e.provider},
           {"failed_attempt", absl::StrCat(e.failed_attempt)},
           {"delay_ms", absl::StrCat(absl::ToInt64Milliseconds(e.delay))},
           {"retry_after", e.from_retry_after ? "true" : "false"},
           {"error", llm::Redact(e.error.message(), secrets)}});
    };
    llm_backend = planner_arm::LlmBackend{
        .chain = llm::BuildProviderChain(*config, std::move(deps)),
        .plan_prompt = *std::move(plan_prompt),
        .scene_prompt = *std::move(scene_prompt),
        .fingerprint =
            absl::StrCat(absl::StrJoin(names, "|"), config->builtin_fallback ? "|builtin" : "")};
    Log(LogLevel::kInfo, "llm_chain",
        {{"config", path},
         {"providers", absl::StrJoin(names, ",")},
         {"builtin_fallback", config->builtin_fallback ? "true" : "false"}});
  }

  planner_arm::PlannerCore core(*std::move(registry), std::move(llm_backend), options);
  std::unique_ptr<WorkerPool> pool;
  if (core.uses_llm()) {
    pool = std::make_unique<WorkerPool>(
        WorkerPool::Options{.threads = std::max(1, absl::GetFlag(FLAGS_llm_workers))});
  }
  planner_arm::PlannerArmInfo info(&core);
  ArmServer server(ServerOptionsFromFlags(defaults), &info);
  planner_arm::PlannerArmService service(&core, pool.get(), server.registry());
  server.AddService(&service, "armature.v1.PlannerArm");
  if (llm_metrics) {
    // LLM call metrics were registered before the server existed; expose them too.
    server.AddCollectable(registry_metrics);
  }
  return ServeUntilSignal(server);
}
