#pragma once

// The pipeline configuration: which stages each task kind runs through (as data, from YAML),
// and how the orchestrator calls each arm (breaker, retries, retry budget).

#include <map>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "armature/v1/orchestrator.pb.h"
#include "libs/resilience/circuit_breaker.h"
#include "libs/resilience/retry_budget.h"
#include "libs/resilience/retry_policy.h"

namespace armature::orchestrator {

// The operations a stage can perform; the pipeline file puts them in order per kind.
enum class StageOp {
  kPlan,           // PlannerArm.Plan: the task's text (or a production summary) -> Plan
  kPlanScene,      // PlannerArm.PlanScene: the task's text -> ScenePlan
  kBuildManifest,  // ManifestService.BuildManifest: the treatment -> manifest and jobs
};

// "plan", "plan_scene", "build_manifest" (also the stage names recorded on tasks).
absl::string_view StageOpName(StageOp op);
// The arm that serves `op`: "planner" or "manifest".
absl::string_view StageOpArm(StageOp op);
// The capability the serving arm must report in GetCapabilities.
absl::string_view StageOpCapability(StageOp op);
// The status a task has while the stage runs (PLANNING, BUILDING_MANIFEST).
v1::TaskStatus StageRunningStatus(StageOp op);
// The status a task has once the stage finished, when more stages follow (PLANNED, or
// TASK_STATUS_UNSPECIFIED to keep the running status until the next stage starts).
v1::TaskStatus StageDoneStatus(StageOp op);

// One stage of a pipeline.
struct StageSpec {
  StageOp op = StageOp::kPlan;
  // Arm serving the stage.
  std::string arm;
  // Deadline of one call to the arm (bounded by the task's deadline).
  absl::Duration timeout = absl::Seconds(30);
  // Tries per call on retryable codes; 0 = the arm's retry.max_attempts.
  int attempts = 0;
  bool enabled = true;
  // Line in the file, for messages (0 = built in).
  int line = 0;

  std::string name() const { return std::string(StageOpName(op)); }
};

// How the orchestrator calls one arm.
struct ArmSettings {
  resilience::CircuitBreakerOptions breaker;
  resilience::RetryPolicy retry;
  resilience::RetryBudgetOptions retry_budget;
};

// Task-wide settings.
struct TaskSettings {
  absl::Duration default_deadline = absl::Seconds(300);
  absl::Duration max_deadline = absl::Hours(24);
  // Backoff while a stage's arm is unavailable.
  absl::Duration wait_initial = absl::Milliseconds(500);
  absl::Duration wait_max = absl::Seconds(10);
};

// The arms the orchestrator knows: "planner" and "manifest".
inline constexpr absl::string_view kPlannerArmName = "planner";
inline constexpr absl::string_view kManifestArmName = "manifest";

struct PipelineConfig {
  // Where it came from ("built-in" or the file path), for logs.
  std::string source;
  TaskSettings tasks;
  // Keyed by arm name; always holds planner and manifest (defaults when absent from the file).
  std::map<std::string, ArmSettings> arms;
  // Every kind's stages in order, disabled ones included.
  std::map<v1::TaskKind, std::vector<StageSpec>> pipelines;

  // The enabled stages of `kind`, in order (empty for an unknown kind).
  std::vector<StageSpec> EnabledStages(v1::TaskKind kind) const;
};

// Parses and validates a pipeline file's text. INVALID_ARGUMENT "<source>:<line>: <field>:
// <problem>" for a syntax error, an unknown key (typos are errors, not silently ignored), a
// value of the wrong type or out of range, an unknown task kind, stage or arm, a stage served by
// the wrong arm, a stage listed twice for one kind, or a kind without an enabled stage.
absl::StatusOr<PipelineConfig> ParsePipelineConfig(const std::string& yaml,
                                                   absl::string_view source);

// Reads and parses a file (NOT_FOUND / FAILED_PRECONDITION naming the path when unreadable).
absl::StatusOr<PipelineConfig> LoadPipelineConfig(const std::string& path);

// The built-in configuration: config/pipelines/default.yaml compiled in.
const PipelineConfig& DefaultPipelineConfig();

}  // namespace armature::orchestrator
