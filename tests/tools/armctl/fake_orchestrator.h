#pragma once

#include <chrono>
#include <condition_variable>
#include <functional>
#include <map>
#include <mutex>
#include <string>
#include <vector>

#include "armature/v1/orchestrator.grpc.pb.h"

namespace armature::armctl {

// FakeOrchestrator serves armature.v1.Orchestrator from a script and records every request:
//  - SubmitTask creates tasks "t-1", "t-2", ... as PENDING (the same idempotency key returns the
//    first task, deduplicated); with wait, the wait outcome finishes the task first.
//  - GetTask, CancelTask and GetManifest answer from the tasks added or submitted (NOT_FOUND
//    otherwise; FAILED_PRECONDITION when cancelling a finished task).
//  - ListTasks pages the tasks in the order added; a page token is the offset as a number.
//  - WatchTask streams the events set for the id, then ends the stream OK; it may hold after the
//    first event until Release().
class FakeOrchestrator final : public armature::v1::Orchestrator::Service {
 public:
  using Outcome = std::function<void(armature::v1::Task*)>;

  void AddTask(const armature::v1::Task& task) {
    std::lock_guard<std::mutex> lock(mu_);
    order_.push_back(task.id());
    tasks_[task.id()] = task;
  }
  void SetEvents(const std::string& id, std::vector<armature::v1::TaskEvent> events) {
    std::lock_guard<std::mutex> lock(mu_);
    events_[id] = std::move(events);
  }
  // How a submission with wait ends (default: unchanged, i.e. PENDING).
  void SetWaitOutcome(Outcome outcome) {
    std::lock_guard<std::mutex> lock(mu_);
    wait_outcome_ = std::move(outcome);
  }
  // WatchTask holds after its first event until Release() or `limit` passes.
  void HoldAfterFirstEvent(std::chrono::milliseconds limit) {
    std::lock_guard<std::mutex> lock(mu_);
    hold_limit_ = limit;
  }
  void Release() {
    std::lock_guard<std::mutex> lock(mu_);
    released_ = true;
    cv_.notify_all();
  }
  // Whether a WatchTask is holding right now (it has sent its first event).
  bool holding() {
    std::lock_guard<std::mutex> lock(mu_);
    return holding_;
  }

  std::vector<armature::v1::SubmitTaskRequest> submits() { return Copy(submits_); }
  std::vector<armature::v1::GetTaskRequest> gets() { return Copy(gets_); }
  std::vector<armature::v1::WatchTaskRequest> watches() { return Copy(watches_); }
  std::vector<armature::v1::ListTasksRequest> lists() { return Copy(lists_); }
  std::vector<armature::v1::CancelTaskRequest> cancels() { return Copy(cancels_); }
  std::vector<armature::v1::GetManifestRequest> manifest_gets() { return Copy(manifest_gets_); }
  // Calls of every method together.
  size_t calls() {
    std::lock_guard<std::mutex> lock(mu_);
    return submits_.size() + gets_.size() + watches_.size() + lists_.size() + cancels_.size() +
           manifest_gets_.size();
  }

  grpc::Status SubmitTask(grpc::ServerContext*, const armature::v1::SubmitTaskRequest* request,
                          armature::v1::SubmitTaskResponse* response) override {
    std::lock_guard<std::mutex> lock(mu_);
    submits_.push_back(*request);
    if (!request->idempotency_key().empty()) {
      if (auto it = by_key_.find(request->idempotency_key()); it != by_key_.end()) {
        *response->mutable_task() = tasks_.at(it->second);
        response->set_deduplicated(true);
        return grpc::Status::OK;
      }
    }
    armature::v1::Task task;
    task.set_id("t-" + std::to_string(++next_id_));
    task.set_kind(request->kind());
    task.set_status(armature::v1::PENDING);
    task.set_text(request->text());
    *task.mutable_constraints() = request->constraints();
    *task.mutable_context() = request->context();
    task.set_idempotency_key(request->idempotency_key());
    task.mutable_created_at()->set_seconds(1714564803);
    if (request->wait() && wait_outcome_) wait_outcome_(&task);
    if (!task.idempotency_key().empty()) by_key_[task.idempotency_key()] = task.id();
    order_.push_back(task.id());
    tasks_[task.id()] = task;
    *response->mutable_task() = task;
    return grpc::Status::OK;
  }

  grpc::Status GetTask(grpc::ServerContext*, const armature::v1::GetTaskRequest* request,
                       armature::v1::GetTaskResponse* response) override {
    std::lock_guard<std::mutex> lock(mu_);
    gets_.push_back(*request);
    auto it = tasks_.find(request->id());
    if (it == tasks_.end()) return NotFound(request->id());
    *response->mutable_task() = it->second;
    return grpc::Status::OK;
  }

  grpc::Status WatchTask(grpc::ServerContext* context,
                         const armature::v1::WatchTaskRequest* request,
                         grpc::ServerWriter<armature::v1::WatchTaskResponse>* writer) override {
    std::vector<armature::v1::TaskEvent> events;
    std::chrono::milliseconds hold_limit{0};
    {
      std::lock_guard<std::mutex> lock(mu_);
      watches_.push_back(*request);
      auto it = events_.find(request->id());
      if (it == events_.end()) return NotFound(request->id());
      events = it->second;
      hold_limit = hold_limit_;
    }
    for (size_t i = 0; i < events.size(); ++i) {
      if (i == 0 && hold_limit.count() > 0) {
        std::lock_guard<std::mutex> lock(mu_);
        holding_ = true;  // before the event leaves, so a client that sees it sees the hold
      }
      armature::v1::WatchTaskResponse response;
      *response.mutable_event() = events[i];
      if (!writer->Write(response)) return grpc::Status(grpc::StatusCode::CANCELLED, "gone");
      if (i == 0 && hold_limit.count() > 0) {
        std::unique_lock<std::mutex> lock(mu_);
        cv_.wait_for(lock, hold_limit, [&] { return released_ || context->IsCancelled(); });
        holding_ = false;
      }
    }
    return grpc::Status::OK;
  }

  grpc::Status ListTasks(grpc::ServerContext*, const armature::v1::ListTasksRequest* request,
                         armature::v1::ListTasksResponse* response) override {
    std::lock_guard<std::mutex> lock(mu_);
    lists_.push_back(*request);
    std::vector<const armature::v1::Task*> matching;
    for (const auto& id : order_) {
      const auto& t = tasks_.at(id);
      if (request->status() != armature::v1::TASK_STATUS_UNSPECIFIED &&
          t.status() != request->status()) {
        continue;
      }
      if (request->kind() != armature::v1::TASK_KIND_UNSPECIFIED && t.kind() != request->kind()) {
        continue;
      }
      matching.push_back(&t);
    }
    const size_t offset = request->page_token().empty() ? 0 : std::stoul(request->page_token());
    const size_t size = request->page_size() == 0 ? 50 : request->page_size();
    for (size_t i = offset; i < matching.size() && i < offset + size; ++i) {
      *response->add_tasks() = *matching[i];
    }
    if (offset + size < matching.size()) {
      response->set_next_page_token(std::to_string(offset + size));
    }
    return grpc::Status::OK;
  }

  grpc::Status CancelTask(grpc::ServerContext*, const armature::v1::CancelTaskRequest* request,
                          armature::v1::CancelTaskResponse* response) override {
    std::lock_guard<std::mutex> lock(mu_);
    cancels_.push_back(*request);
    auto it = tasks_.find(request->id());
    if (it == tasks_.end()) return NotFound(request->id());
    const auto status = it->second.status();
    if (status == armature::v1::SUCCEEDED || status == armature::v1::FAILED ||
        status == armature::v1::CANCELLED) {
      return grpc::Status(
          grpc::StatusCode::FAILED_PRECONDITION,
          "task \"" + request->id() + "\" already ended " + armature::v1::TaskStatus_Name(status));
    }
    it->second.set_status(armature::v1::CANCELLED);
    *response->mutable_task() = it->second;
    return grpc::Status::OK;
  }

  grpc::Status GetManifest(grpc::ServerContext*, const armature::v1::GetManifestRequest* request,
                           armature::v1::GetManifestResponse* response) override {
    std::lock_guard<std::mutex> lock(mu_);
    manifest_gets_.push_back(*request);
    auto it = tasks_.find(request->task_id());
    if (it == tasks_.end() || !it->second.has_manifest()) return NotFound(request->task_id());
    *response->mutable_manifest() = it->second.manifest();
    *response->mutable_jobs() = it->second.jobs();
    return grpc::Status::OK;
  }

 private:
  static grpc::Status NotFound(const std::string& id) {
    return grpc::Status(grpc::StatusCode::NOT_FOUND, "task \"" + id + "\" not found");
  }
  template <typename T>
  std::vector<T> Copy(const std::vector<T>& v) {
    std::lock_guard<std::mutex> lock(mu_);
    return v;
  }

  std::mutex mu_;
  std::condition_variable cv_;
  std::map<std::string, armature::v1::Task> tasks_;
  std::vector<std::string> order_;
  std::map<std::string, std::string> by_key_;
  std::map<std::string, std::vector<armature::v1::TaskEvent>> events_;
  Outcome wait_outcome_;
  std::chrono::milliseconds hold_limit_{0};
  bool released_ = false;
  bool holding_ = false;
  int next_id_ = 0;
  std::vector<armature::v1::SubmitTaskRequest> submits_;
  std::vector<armature::v1::GetTaskRequest> gets_;
  std::vector<armature::v1::WatchTaskRequest> watches_;
  std::vector<armature::v1::ListTasksRequest> lists_;
  std::vector<armature::v1::CancelTaskRequest> cancels_;
  std::vector<armature::v1::GetManifestRequest> manifest_gets_;
};

}  // namespace armature::armctl
