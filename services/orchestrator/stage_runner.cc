#include "services/orchestrator/stage_runner.h"

#include <algorithm>

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"

namespace armature::orchestrator {

namespace {

// Cuts `text` to at most `max` bytes at a UTF-8 boundary, preferring a sentence or line end.
std::string Shorten(const std::string& text, size_t max) {
  if (text.size() <= max) return text;
  size_t cut = max;
  while (cut > 0 && (static_cast<unsigned char>(text[cut]) & 0xC0) == 0x80) --cut;
  const size_t sentence = text.find_last_of(".\n", cut);
  if (sentence != std::string::npos && sentence > max / 2) cut = sentence + 1;
  return std::string(absl::StripTrailingAsciiWhitespace(text.substr(0, cut)));
}

}  // namespace

v1::PlanRequest MakePlanRequest(const v1::Task& task) {
  v1::PlanRequest request;
  if (task.kind() == v1::PRODUCTION) {
    request.set_goal(absl::StrCat(
        "Produce the video described in this treatment: ",
        Shorten(std::string(absl::StripAsciiWhitespace(task.text())), kProductionGoalChars)));
  } else {
    request.set_goal(task.text());
  }
  request.mutable_constraints()->CopyFrom(task.constraints());
  request.mutable_context()->insert(task.context().begin(), task.context().end());
  return request;
}

v1::BuildManifestRequest MakeBuildManifestRequest(const v1::Task& task) {
  v1::BuildManifestRequest request;
  request.set_treatment(task.text());
  v1::ManifestHints& hints = *request.mutable_hints();
  for (const auto& [key, value] : task.context()) {
    if (key == "duration_seconds") {
      double d = 0;
      if (absl::SimpleAtod(value, &d)) hints.set_duration_seconds(d);
    } else if (key == "aspect_ratio") {
      hints.set_aspect_ratio(value);
    } else if (key == "platform") {
      hints.set_platform(value);
    } else if (key == "language") {
      hints.set_language(value);
    } else if (key == "tone") {
      hints.set_tone(value);
    } else if (key == "profile") {
      hints.set_profile(value);
    }
  }
  return request;
}

ArmStageRunner::ArmStageRunner(downstream::Downstream* planner, downstream::Downstream* manifest)
    : planner_(planner),
      manifest_(manifest),
      planner_stub_(v1::PlannerArm::NewStub(planner->channel())),
      manifest_stub_(v1::ManifestService::NewStub(manifest->channel())) {}

absl::Status ArmStageRunner::Run(const StageSpec& stage, v1::Task& task, const StageCall& call,
                                 downstream::CallReport* report) {
  downstream::Downstream* arm = stage.op == StageOp::kBuildManifest ? manifest_ : planner_;
  const int attempts = !arm->options().retries_enabled ? 1
                       : stage.attempts > 0            ? stage.attempts
                                                       : arm->options().retry.max_attempts;
  downstream::CallOptions options{
      .deadline = call.deadline,
      .request_id = call.request_id,
      .cancel = call.cancel,
      .max_attempts = stage.attempts,
      // Each attempt gets its share of the stage timeout, so that an attempt stuck on a silent
      // replica leaves time for a retry on another one (none when call deadlines are off).
      .attempt_timeout = call.deadline == absl::InfiniteFuture()
                             ? absl::ZeroDuration()
                             : stage.timeout / std::max(attempts, 1)};
  switch (stage.op) {
    case StageOp::kPlan: {
      v1::PlanRequest request = MakePlanRequest(task);
      request.set_request_id(call.request_id);
      v1::PlanResponse response;
      absl::Status status = planner_->Call(
          "Plan", options,
          [&](grpc::ClientContext& context) {
            return planner_stub_->Plan(&context, request, &response);
          },
          report);
      if (status.ok()) *task.mutable_plan() = std::move(*response.mutable_plan());
      return status;
    }
    case StageOp::kPlanScene: {
      v1::PlanSceneRequest request;
      request.set_prompt(task.text());
      request.set_request_id(call.request_id);
      v1::PlanSceneResponse response;
      absl::Status status = planner_->Call(
          "PlanScene", options,
          [&](grpc::ClientContext& context) {
            return planner_stub_->PlanScene(&context, request, &response);
          },
          report);
      if (status.ok()) *task.mutable_scene_plan() = std::move(*response.mutable_scene());
      return status;
    }
    case StageOp::kBuildManifest: {
      v1::BuildManifestRequest request = MakeBuildManifestRequest(task);
      request.set_request_id(call.request_id);
      v1::BuildManifestResponse response;
      absl::Status status = manifest_->Call(
          "BuildManifest", options,
          [&](grpc::ClientContext& context) {
            return manifest_stub_->BuildManifest(&context, request, &response);
          },
          report);
      if (status.ok()) {
        *task.mutable_manifest() = std::move(*response.mutable_manifest());
        task.mutable_jobs()->Swap(response.mutable_jobs());
      }
      return status;
    }
  }
  return absl::InternalError("unknown stage");
}

}  // namespace armature::orchestrator
