// armature-orchestrator: accepts tasks and drives them through the arms.
#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <csignal>
#include <cstring>
#include <filesystem>
#include <iostream>

#include "absl/flags/flag.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "libs/runtime/logging.h"
#include "libs/runtime/server.h"
#include "libs/runtime/server_flags.h"
#include "libs/store/open_task_store.h"
#include "libs/store/sqlite_migrations.h"
#include "libs/store/store_url.h"
#include "services/orchestrator/orchestrator_app.h"

ABSL_FLAG(std::string, planner_target, "127.0.0.1:50052",
          "gRPC target of the planner arm: HOST:PORT, dns:///name:port or ipv4:host:port,host:port "
          "(calls are balanced round-robin over every address).");
ABSL_FLAG(std::string, manifest_target, "127.0.0.1:50053",
          "gRPC target of the manifest service (same forms as --planner_target).");
ABSL_FLAG(std::string, store, "sqlite://armature-data/armature.db",
          "Where tasks are kept: sqlite:///ABSOLUTE/PATH.db, sqlite://RELATIVE/PATH.db (the "
          "directory is created) or sqlite://:memory: (nothing survives a restart). One "
          "orchestrator per database: a second one on the same file refuses to start.");
ABSL_FLAG(std::string, pipeline_config, "",
          "YAML pipelines and arm client settings (see config/pipelines/default.yaml); empty = "
          "the built-in default, which equals that file.");
ABSL_FLAG(int, workers, 16, "Tasks run at once (each blocks a worker while it calls an arm).");
ABSL_FLAG(int, max_active_tasks, 10000,
          "Tasks queued or running at once; SubmitTask answers RESOURCE_EXHAUSTED beyond it.");
ABSL_FLAG(bool, migrate_only, false,
          "Open the store, bring its schema up to date, and exit 0 without serving: for "
          "upgrading a large database ahead of a rollout, before a start-up probe is waiting.");
ABSL_FLAG(std::string, resilience, "on",
          "on: circuit breakers, retries and call deadlines; off: none of them (only for "
          "measuring their cost).");

namespace {

using namespace armature;
using runtime::Log;
using runtime::LogLevel;

// Exit code for a bad configuration (flags or files), as the other binaries use.
constexpr int kConfigError = 2;

int ConfigError(const std::string& message) {
  std::cerr << "armature-orchestrator: " << message << std::endl;
  return kConfigError;
}

// Holds an exclusive lock on `<db>.lock` for the life of the process, so that two orchestrators
// never drive the same tasks. The kernel drops it when the process dies, even with kill -9.
absl::Status LockDatabase(const std::string& db_path) {
  const std::string lock_path = db_path + ".lock";
  const int fd = ::open(lock_path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
  if (fd < 0) {
    return absl::FailedPreconditionError(
        absl::StrCat("cannot open ", lock_path, ": ", std::strerror(errno)));
  }
  if (::flock(fd, LOCK_EX | LOCK_NB) != 0) {
    ::close(fd);
    return absl::FailedPreconditionError(
        absl::StrCat("another orchestrator is using ", db_path, " (", lock_path, " is locked)"));
  }
  return absl::OkStatus();  // the descriptor stays open on purpose
}

}  // namespace

int main(int argc, char** argv) {
  using namespace armature::runtime;
  BlockShutdownSignals();
  const BinaryDefaults defaults{
      .name = "armature-orchestrator",
      .description = "the orchestrator: accepts tasks and drives them through the arms.",
      .listen = "127.0.0.1:50051",
      .metrics_listen = "127.0.0.1:9091"};
  ParseCommandLine(argc, argv, defaults);

  orchestrator::OrchestratorOptions options;
  options.planner_target = absl::GetFlag(FLAGS_planner_target);
  options.manifest_target = absl::GetFlag(FLAGS_manifest_target);
  const std::string resilience = absl::GetFlag(FLAGS_resilience);
  if (resilience != "on" && resilience != "off") {
    return ConfigError("--resilience: must be on or off, got \"" + resilience + "\"");
  }
  options.resilience = resilience == "on";
  options.engine.workers = absl::GetFlag(FLAGS_workers);
  options.engine.max_active_tasks = absl::GetFlag(FLAGS_max_active_tasks);
  if (options.engine.workers < 1 || options.engine.workers > 1024) {
    return ConfigError("--workers: must be 1-1024");
  }
  if (options.engine.max_active_tasks < 1) return ConfigError("--max_active_tasks: must be >= 1");

  const std::string pipeline_path = absl::GetFlag(FLAGS_pipeline_config);
  if (pipeline_path.empty()) {
    options.pipeline = orchestrator::DefaultPipelineConfig();
  } else {
    absl::StatusOr<orchestrator::PipelineConfig> pipeline =
        orchestrator::LoadPipelineConfig(pipeline_path);
    if (!pipeline.ok()) return ConfigError(std::string(pipeline.status().message()));
    options.pipeline = *std::move(pipeline);
  }

  const std::string store_url = absl::GetFlag(FLAGS_store);
  absl::StatusOr<store::StoreUrl> url = store::ParseStoreUrl(store_url);
  if (!url.ok()) return ConfigError("--store: " + std::string(url.status().message()));
  if (!url->in_memory) {
    const std::filesystem::path parent = std::filesystem::path(url->path).parent_path();
    std::error_code ec;
    if (!parent.empty()) std::filesystem::create_directories(parent, ec);
    if (ec) {
      return ConfigError(
          absl::StrCat("--store: cannot create ", parent.string(), ": ", ec.message()));
    }
    if (absl::Status locked = LockDatabase(url->path); !locked.ok()) {
      return ConfigError("--store: " + std::string(locked.message()));
    }
  }
  const absl::Time opening = absl::Now();
  absl::StatusOr<std::unique_ptr<store::TaskStore>> task_store = store::OpenTaskStore(store_url);
  if (!task_store.ok()) {
    return ConfigError("--store: " + std::string(task_store.status().message()));
  }
  if (absl::GetFlag(FLAGS_migrate_only)) {
    Log(LogLevel::kInfo, "store_migrated",
        {{"store", store_url},
         {"schema_version", std::to_string(store::LatestTaskStoreSchemaVersion())},
         {"seconds", absl::StrFormat("%.3f", absl::ToDoubleSeconds(absl::Now() - opening))}});
    return 0;
  }

  auto registry = std::make_shared<prometheus::Registry>();
  absl::StatusOr<std::unique_ptr<orchestrator::OrchestratorApp>> app =
      orchestrator::OrchestratorApp::Create(options, **task_store, *registry);
  if (!app.ok()) return ConfigError(std::string(app.status().message()));

  ArmServer server(ServerOptionsFromFlags(defaults), app->get());
  server.AddCollectable(registry);
  server.AddService(&(*app)->service(), armature::v1::Orchestrator::service_full_name());
  if (absl::Status started = (*app)->Start(); !started.ok()) {
    Log(LogLevel::kError, "start_failed", {{"error", std::string(started.message())}});
    return 1;
  }
  if (absl::Status started = server.Start(); !started.ok()) {
    Log(LogLevel::kError, "start_failed", {{"error", std::string(started.message())}});
    (*app)->Stop();
    return 1;
  }
  Log(LogLevel::kInfo, "orchestrator_started",
      {{"store", store_url},
       {"pipeline", options.pipeline.source},
       {"planner_target", options.planner_target},
       {"manifest_target", options.manifest_target},
       {"resilience", resilience}});
  std::cout << server.ListeningLine() << std::endl;
  const int sig = WaitForShutdownSignal();
  Log(LogLevel::kInfo, "signal", {{"signal", sig == SIGTERM ? "SIGTERM" : "SIGINT"}});
  (*app)->ReleaseFollowers();
  server.Shutdown();
  (*app)->Stop();
  return 0;
}
