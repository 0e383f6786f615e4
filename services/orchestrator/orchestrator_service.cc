#include "services/orchestrator/orchestrator_service.h"

#include <chrono>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "libs/planner/request_validation.h"
#include "libs/runtime/status.h"

namespace armature::orchestrator {

namespace {

using runtime::ToGrpcStatus;

constexpr absl::Duration kPollInterval = absl::Milliseconds(200);
// A waiting SubmitTask answers this long before the caller's deadline, with the task as it is.
constexpr absl::Duration kAnswerMargin = absl::Milliseconds(100);

size_t Utf8Chars(absl::string_view s) {
  size_t n = 0;
  for (char c : s) n += (static_cast<unsigned char>(c) & 0xC0) != 0x80;
  return n;
}

grpc::Status Invalid(const std::string& message) {
  return grpc::Status(grpc::StatusCode::INVALID_ARGUMENT, message);
}

absl::Status CheckTaskId(const std::string& id, absl::string_view field) {
  if (id.empty()) return absl::InvalidArgumentError(absl::StrCat(field, ": required"));
  if (id.size() > kMaxTaskIdChars) {
    return absl::InvalidArgumentError(
        absl::StrCat(field, ": must be at most ", kMaxTaskIdChars, " characters"));
  }
  return absl::OkStatus();
}

absl::Time CallerDeadline(const grpc::ServerContext& context) {
  const auto d = context.deadline();
  if (d == std::chrono::system_clock::time_point::max()) return absl::InfiniteFuture();
  return absl::FromChrono(d);
}

}  // namespace

absl::StatusOr<v1::Task> TaskFromRequest(const v1::SubmitTaskRequest& request,
                                         const TaskSettings& settings, absl::Time now) {
  if (request.kind() != v1::GOAL && request.kind() != v1::SCENE &&
      request.kind() != v1::PRODUCTION) {
    return absl::InvalidArgumentError(absl::StrCat("kind: must be GOAL, SCENE or PRODUCTION (got ",
                                                   request.kind() == v1::TASK_KIND_UNSPECIFIED
                                                       ? std::string("TASK_KIND_UNSPECIFIED")
                                                       : std::to_string(request.kind()),
                                                   ")"));
  }
  const absl::string_view text = absl::StripAsciiWhitespace(request.text());
  if (text.empty()) return absl::InvalidArgumentError("text: must not be empty");
  switch (request.kind()) {
    case v1::GOAL:
      if (Utf8Chars(text) > kMaxGoalChars) {
        return absl::InvalidArgumentError(absl::StrCat("text: a GOAL must be at most ",
                                                       kMaxGoalChars, " characters (got ",
                                                       Utf8Chars(text), ")"));
      }
      break;
    case v1::SCENE:
      if (Utf8Chars(text) > kMaxScenePromptChars) {
        return absl::InvalidArgumentError(absl::StrCat("text: a SCENE prompt must be at most ",
                                                       kMaxScenePromptChars, " characters (got ",
                                                       Utf8Chars(text), ")"));
      }
      break;
    default:
      if (request.text().size() > kMaxTreatmentBytes) {
        return absl::InvalidArgumentError(
            absl::StrCat("text: a PRODUCTION treatment must be at most ", kMaxTreatmentBytes,
                         " bytes (got ", request.text().size(), ")"));
      }
      break;
  }
  // Constraints and context go to the planner: check them with its own rules, up front.
  v1::PlanRequest plan;
  plan.set_goal("x");
  *plan.mutable_constraints() = request.constraints();
  *plan.mutable_context() = request.context();
  if (absl::Status s = planner::ValidatePlanRequest(plan); !s.ok()) return s;
  if (request.kind() == v1::PRODUCTION) {
    if (auto it = request.context().find("duration_seconds"); it != request.context().end()) {
      double d = 0;
      if (!absl::SimpleAtod(it->second, &d) || !(d > 0 && d <= 3600)) {
        return absl::InvalidArgumentError(absl::StrCat(
            "context[\"duration_seconds\"]: must be a number of seconds in (0, 3600], got \"",
            it->second, "\""));
      }
    }
  }
  if (request.idempotency_key().size() > kMaxIdempotencyKeyChars) {
    return absl::InvalidArgumentError(
        absl::StrCat("idempotency_key: must be at most ", kMaxIdempotencyKeyChars, " characters"));
  }
  if (request.deadline_seconds() < 0 ||
      request.deadline_seconds() > absl::ToInt64Seconds(settings.max_deadline)) {
    return absl::InvalidArgumentError(absl::StrCat(
        "deadline_seconds: must be 0 (the default, ",
        absl::ToInt64Seconds(settings.default_deadline), "s) to ",
        absl::ToInt64Seconds(settings.max_deadline), ", got ", request.deadline_seconds()));
  }
  v1::Task task;
  task.set_kind(request.kind());
  task.set_status(v1::PENDING);
  task.set_text(request.text());
  *task.mutable_constraints() = request.constraints();
  *task.mutable_context() = request.context();
  task.set_idempotency_key(request.idempotency_key());
  const absl::Duration budget = request.deadline_seconds() > 0
                                    ? absl::Seconds(request.deadline_seconds())
                                    : settings.default_deadline;
  const absl::Time deadline = now + budget;
  task.mutable_deadline()->set_seconds(absl::ToUnixSeconds(deadline));
  task.mutable_deadline()->set_nanos(static_cast<int32_t>(
      (deadline - absl::FromUnixSeconds(absl::ToUnixSeconds(deadline))) / absl::Nanoseconds(1)));
  return task;
}

OrchestratorService::OrchestratorService(TaskEngine& engine, store::TaskStore& store, TaskHub& hub,
                                         const PipelineConfig& config, Clock& clock)
    : engine_(engine), store_(store), hub_(hub), config_(config), clock_(clock) {}

absl::Status OrchestratorService::Follow(
    grpc::ServerContext* context, const std::string& id, absl::Time until, v1::TaskEvent& last,
    const std::function<bool(const v1::TaskEvent&)>& on_event) {
  std::unique_ptr<TaskHub::Subscription> sub = hub_.Subscribe(id);
  // Whatever happened between the caller's read and the subscription.
  auto catch_up = [&]() -> absl::Status {
    absl::StatusOr<std::vector<v1::TaskEvent>> missed = store_.ListEvents(id, last.sequence());
    if (!missed.ok()) return missed.status();
    for (v1::TaskEvent& e : *missed) {
      last = std::move(e);
      if (!on_event(last)) return absl::CancelledError("the caller went away");
    }
    return absl::OkStatus();
  };
  if (absl::Status s = catch_up(); !s.ok()) return s;
  while (!store::IsTerminal(last.status())) {
    if (context->IsCancelled()) return absl::CancelledError("the caller went away");
    const absl::Time now = clock_.Now();
    if (now >= until) return absl::OkStatus();
    v1::TaskEvent event;
    switch (sub->Next(std::min(kPollInterval, until - now), &event)) {
      case TaskHub::Subscription::Result::kTimeout:
        continue;
      case TaskHub::Subscription::Result::kClosed:
        return absl::UnavailableError(
            "the orchestrator is shutting down; ask again (the task is kept and resumed)");
      case TaskHub::Subscription::Result::kEvent:
        break;
    }
    if (event.sequence() <= last.sequence()) continue;
    if (event.sequence() == last.sequence() + 1) {
      last = std::move(event);
      if (!on_event(last)) return absl::CancelledError("the caller went away");
    } else if (absl::Status s = catch_up(); !s.ok()) {
      return s;
    }
  }
  return absl::OkStatus();
}

grpc::Status OrchestratorService::SubmitTask(grpc::ServerContext* context,
                                             const v1::SubmitTaskRequest* request,
                                             v1::SubmitTaskResponse* response) {
  absl::StatusOr<v1::Task> task = TaskFromRequest(*request, config_.tasks, clock_.Now());
  if (!task.ok()) return ToGrpcStatus(task.status());
  absl::StatusOr<store::CreateResult> created = engine_.Submit(*task);
  if (!created.ok()) return ToGrpcStatus(created.status());
  response->set_deduplicated(created->deduplicated);
  if (!request->wait() || store::IsTerminal(created->task.status())) {
    *response->mutable_task() = std::move(created->task);
    return grpc::Status::OK;
  }
  *response->mutable_task() = created->task;

  const std::string id = created->task.id();
  v1::TaskEvent last;
  last.set_status(created->task.status());
  const absl::Time until = std::min(TaskDeadline(created->task) + absl::Seconds(1),
                                    CallerDeadline(*context) - kAnswerMargin);
  absl::Status followed =
      Follow(context, id, until, last, [](const v1::TaskEvent&) { return true; });
  if (followed.code() == absl::StatusCode::kUnavailable) {
    // Shutting down: the task is safe in the store and resumes at the next start.
    return grpc::Status(grpc::StatusCode::UNAVAILABLE,
                        absl::StrCat("the orchestrator is shutting down; task ", id,
                                     " is kept and resumes when it restarts (GetTask or WatchTask "
                                     "it then)"));
  }
  if (!followed.ok() && followed.code() != absl::StatusCode::kCancelled) {
    return ToGrpcStatus(followed);
  }
  if (last.has_task()) {
    *response->mutable_task() = std::move(*last.mutable_task());
  }
  return grpc::Status::OK;
}

grpc::Status OrchestratorService::GetTask(grpc::ServerContext*, const v1::GetTaskRequest* request,
                                          v1::GetTaskResponse* response) {
  if (absl::Status s = CheckTaskId(request->id(), "id"); !s.ok()) return ToGrpcStatus(s);
  absl::StatusOr<v1::Task> task = store_.GetTask(request->id());
  if (!task.ok()) return ToGrpcStatus(task.status());
  *response->mutable_task() = *std::move(task);
  return grpc::Status::OK;
}

grpc::Status OrchestratorService::WatchTask(grpc::ServerContext* context,
                                            const v1::WatchTaskRequest* request,
                                            grpc::ServerWriter<v1::WatchTaskResponse>* writer) {
  if (absl::Status s = CheckTaskId(request->id(), "id"); !s.ok()) return ToGrpcStatus(s);
  absl::StatusOr<std::vector<v1::TaskEvent>> history = store_.ListEvents(request->id(), 0);
  if (!history.ok()) return ToGrpcStatus(history.status());
  if (history->empty()) {
    return grpc::Status(grpc::StatusCode::INTERNAL,
                        absl::StrCat("task ", request->id(), " has no events"));
  }
  auto send = [writer](const v1::TaskEvent& event) {
    v1::WatchTaskResponse message;
    *message.mutable_event() = event;
    return writer->Write(message);
  };
  // The current state first.
  v1::TaskEvent last = std::move(history->back());
  if (!send(last)) return grpc::Status::OK;
  absl::Status followed = Follow(context, request->id(), absl::InfiniteFuture(), last, send);
  if (followed.code() == absl::StatusCode::kCancelled) return grpc::Status::OK;
  return ToGrpcStatus(followed);
}

grpc::Status OrchestratorService::ListTasks(grpc::ServerContext*,
                                            const v1::ListTasksRequest* request,
                                            v1::ListTasksResponse* response) {
  if (!v1::TaskStatus_IsValid(request->status())) {
    return Invalid(absl::StrCat("status: unknown value ", request->status()));
  }
  if (!v1::TaskKind_IsValid(request->kind())) {
    return Invalid(absl::StrCat("kind: unknown value ", request->kind()));
  }
  if (request->page_size() < 0 || request->page_size() > store::kMaxPageSize) {
    return Invalid(absl::StrCat("page_size: must be 0 (default ", store::kDefaultPageSize, ") to ",
                                store::kMaxPageSize, ", got ", request->page_size()));
  }
  absl::StatusOr<store::TaskPage> page =
      store_.ListTasks({.status = request->status(), .kind = request->kind()}, request->page_size(),
                       request->page_token());
  if (!page.ok()) return ToGrpcStatus(page.status());
  for (v1::Task& t : page->tasks) *response->add_tasks() = std::move(t);
  response->set_next_page_token(page->next_page_token);
  return grpc::Status::OK;
}

grpc::Status OrchestratorService::CancelTask(grpc::ServerContext*,
                                             const v1::CancelTaskRequest* request,
                                             v1::CancelTaskResponse* response) {
  if (absl::Status s = CheckTaskId(request->id(), "id"); !s.ok()) return ToGrpcStatus(s);
  if (request->reason().size() > kMaxCancelReasonChars) {
    return Invalid(absl::StrCat("reason: must be at most ", kMaxCancelReasonChars, " bytes"));
  }
  absl::StatusOr<v1::Task> task = engine_.Cancel(request->id(), request->reason());
  if (!task.ok()) return ToGrpcStatus(task.status());
  *response->mutable_task() = *std::move(task);
  return grpc::Status::OK;
}

grpc::Status OrchestratorService::GetManifest(grpc::ServerContext*,
                                              const v1::GetManifestRequest* request,
                                              v1::GetManifestResponse* response) {
  if (absl::Status s = CheckTaskId(request->task_id(), "task_id"); !s.ok()) {
    return ToGrpcStatus(s);
  }
  absl::StatusOr<v1::Task> task = store_.GetTask(request->task_id());
  if (!task.ok()) return ToGrpcStatus(task.status());
  if (task->kind() != v1::PRODUCTION) {
    return grpc::Status(grpc::StatusCode::FAILED_PRECONDITION,
                        absl::StrCat("task ", task->id(), " is a ", v1::TaskKind_Name(task->kind()),
                                     " task; only PRODUCTION tasks have a manifest"));
  }
  if (!task->has_manifest()) {
    return grpc::Status(grpc::StatusCode::NOT_FOUND,
                        absl::StrCat("task ", task->id(), " has no manifest yet (status ",
                                     v1::TaskStatus_Name(task->status()), ")"));
  }
  *response->mutable_manifest() = std::move(*task->mutable_manifest());
  response->mutable_jobs()->Swap(task->mutable_jobs());
  return grpc::Status::OK;
}

}  // namespace armature::orchestrator
