#pragma once

#include "armature/v1/orchestrator.grpc.pb.h"
#include "libs/clock/clock.h"
#include "libs/store/task_store.h"
#include "services/orchestrator/pipeline_config.h"
#include "services/orchestrator/task_engine.h"
#include "services/orchestrator/task_hub.h"

namespace armature::orchestrator {

// Limits on what SubmitTask accepts (beyond the planner's own limits on constraints/context).
inline constexpr size_t kMaxGoalChars = 10000;         // GOAL: the planner's goal limit
inline constexpr size_t kMaxScenePromptChars = 4000;   // SCENE: the planner's prompt limit
inline constexpr size_t kMaxTreatmentBytes = 100'000;  // PRODUCTION: the manifest's limit
inline constexpr size_t kMaxIdempotencyKeyChars = 128;
inline constexpr size_t kMaxTaskIdChars = 128;
inline constexpr size_t kMaxCancelReasonChars = 1000;

// Builds the task a SubmitTask request asks for (id, status and timestamps are the store's),
// with its deadline = now + deadline_seconds (or the configured default). INVALID_ARGUMENT
// naming the field: kind, text, constraints[i], context["k"], idempotency_key, deadline_seconds.
absl::StatusOr<v1::Task> TaskFromRequest(const v1::SubmitTaskRequest& request,
                                         const TaskSettings& settings, absl::Time now);

// OrchestratorService serves armature.v1.Orchestrator over the engine, the store and the hub.
// Synchronous API: SubmitTask with wait and WatchTask block a server thread while they follow
// a task, waking on the hub's events and checking for caller cancellation between them.
class OrchestratorService final : public v1::Orchestrator::Service {
 public:
  OrchestratorService(TaskEngine& engine, store::TaskStore& store, TaskHub& hub,
                      const PipelineConfig& config, Clock& clock = RealClock());

  grpc::Status SubmitTask(grpc::ServerContext* context, const v1::SubmitTaskRequest* request,
                          v1::SubmitTaskResponse* response) override;
  grpc::Status GetTask(grpc::ServerContext* context, const v1::GetTaskRequest* request,
                       v1::GetTaskResponse* response) override;
  grpc::Status WatchTask(grpc::ServerContext* context, const v1::WatchTaskRequest* request,
                         grpc::ServerWriter<v1::WatchTaskResponse>* writer) override;
  grpc::Status ListTasks(grpc::ServerContext* context, const v1::ListTasksRequest* request,
                         v1::ListTasksResponse* response) override;
  grpc::Status CancelTask(grpc::ServerContext* context, const v1::CancelTaskRequest* request,
                          v1::CancelTaskResponse* response) override;
  grpc::Status GetManifest(grpc::ServerContext* context, const v1::GetManifestRequest* request,
                           v1::GetManifestResponse* response) override;

 private:
  // Follows `id` from after `last_sequence`, calling `on_event` for each event in order, until a
  // terminal event, `until`, caller cancellation or shutdown. Returns the last event seen (or
  // `last` unchanged) and an error only for store failures or shutdown.
  absl::Status Follow(grpc::ServerContext* context, const std::string& id, absl::Time until,
                      v1::TaskEvent& last,
                      const std::function<bool(const v1::TaskEvent&)>& on_event);

  TaskEngine& engine_;
  store::TaskStore& store_;
  TaskHub& hub_;
  const PipelineConfig& config_;
  Clock& clock_;
};

}  // namespace armature::orchestrator
