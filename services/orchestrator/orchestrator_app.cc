#include "services/orchestrator/orchestrator_app.h"

#include <set>

#include "absl/strings/str_cat.h"

namespace armature::orchestrator {

namespace {

downstream::DownstreamOptions MakeDownstreamOptions(const std::string& name,
                                                    const std::string& target,
                                                    const ArmSettings& settings, bool resilience) {
  downstream::DownstreamOptions options;
  options.name = name;
  options.target = target;
  options.breaker = settings.breaker;
  options.breaker.name = absl::StrCat(name, " arm");
  options.retry = settings.retry;
  options.budget = settings.retry_budget;
  options.breaker_enabled = resilience;
  options.retries_enabled = resilience;
  return options;
}

std::vector<std::string> RequiredCapabilities(const PipelineConfig& config, absl::string_view arm) {
  std::set<std::string> required;
  for (const auto& [kind, stages] : config.pipelines) {
    for (const StageSpec& s : stages) {
      if (s.enabled && s.arm == arm) required.insert(std::string(StageOpCapability(s.op)));
    }
  }
  return {required.begin(), required.end()};
}

}  // namespace

OrchestratorApp::OrchestratorApp(OrchestratorOptions options, store::TaskStore& store)
    : options_(std::move(options)), store_(store) {}

OrchestratorApp::~OrchestratorApp() {
  ReleaseFollowers();
  Stop();
}

absl::StatusOr<std::unique_ptr<OrchestratorApp>> OrchestratorApp::Create(
    OrchestratorOptions options, store::TaskStore& store, prometheus::Registry& registry,
    Clock& clock, TaskEngine::Sleep engine_sleep, downstream::Downstream::Sleep call_sleep) {
  if (!options.resilience) options.engine.call_deadlines = false;
  std::unique_ptr<OrchestratorApp> app(new OrchestratorApp(std::move(options), store));
  const OrchestratorOptions& o = app->options_;
  app->downstream_metrics_ = std::make_unique<downstream::DownstreamMetrics>(registry);
  auto planner = downstream::Downstream::Create(
      MakeDownstreamOptions(std::string(kPlannerArmName), o.planner_target,
                            o.pipeline.arms.at(std::string(kPlannerArmName)), o.resilience),
      *app->downstream_metrics_, clock, call_sleep);
  if (!planner.ok()) {
    return absl::InvalidArgumentError(
        absl::StrCat("planner arm client: ", planner.status().message()));
  }
  auto manifest = downstream::Downstream::Create(
      MakeDownstreamOptions(std::string(kManifestArmName), o.manifest_target,
                            o.pipeline.arms.at(std::string(kManifestArmName)), o.resilience),
      *app->downstream_metrics_, clock, call_sleep);
  if (!manifest.ok()) {
    return absl::InvalidArgumentError(
        absl::StrCat("manifest client: ", manifest.status().message()));
  }
  app->planner_ = *std::move(planner);
  app->manifest_ = *std::move(manifest);
  app->runner_ = std::make_unique<ArmStageRunner>(app->planner_.get(), app->manifest_.get());
  app->engine_ = std::make_unique<TaskEngine>(store, o.pipeline, *app->runner_, app->hub_, registry,
                                              o.engine, clock, std::move(engine_sleep));
  app->service_ =
      std::make_unique<OrchestratorService>(*app->engine_, store, app->hub_, o.pipeline, clock);
  app->planner_probe_ = std::make_unique<ArmProbe>(
      std::string(kPlannerArmName), o.planner_target, app->planner_->channel(),
      RequiredCapabilities(o.pipeline, kPlannerArmName), app->planner_->breaker());
  app->manifest_probe_ = std::make_unique<ArmProbe>(
      std::string(kManifestArmName), o.manifest_target, app->manifest_->channel(),
      RequiredCapabilities(o.pipeline, kManifestArmName), app->manifest_->breaker());
  return app;
}

absl::Status OrchestratorApp::Start() { return engine_->Start(); }

void OrchestratorApp::ReleaseFollowers() { hub_.Close(); }

void OrchestratorApp::Stop() {
  if (engine_) engine_->Shutdown();
}

void OrchestratorApp::Describe(v1::GetCapabilitiesResponse* out) const {
  out->set_arm_id("orchestrator");
  for (const char* c :
       {"task_submission", "task_tracking", "pipeline_execution", "durable_state"}) {
    out->add_capabilities(c);
  }
  out->set_cost_tier(1);
}

std::vector<v1::ReadinessCheck> OrchestratorApp::ReadinessChecks() const {
  std::vector<v1::ReadinessCheck> checks;
  v1::ReadinessCheck store;
  store.set_name("store");
  store.set_critical(true);
  absl::StatusOr<store::TaskPage> page = store_.ListTasks({}, 1, "");
  store.set_ok(page.ok());
  store.set_detail(page.ok() ? absl::StrCat("store answers; ", engine_->queue_depth(),
                                            " tasks queued, ", engine_->running(), " running")
                             : absl::StrCat("store error: ", page.status().message()));
  checks.push_back(std::move(store));
  checks.push_back(planner_probe_->Check());
  checks.push_back(manifest_probe_->Check());
  return checks;
}

}  // namespace armature::orchestrator
