#include "services/planner_arm/planner_core.h"

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "libs/llm/backend_info.h"
#include "libs/planner/plan_json.h"
#include "libs/planner/request_validation.h"

namespace armature::planner_arm {
namespace {

std::string FormatConstraints(const v1::PlanRequest& request) {
  if (request.constraints().empty()) return "(none)";
  std::string out;
  for (const auto& c : request.constraints()) absl::StrAppend(&out, "- ", c, "\n");
  return out;
}

std::string FormatContext(const v1::PlanRequest& request) {
  if (request.context().empty()) return "(none)";
  std::map<std::string, std::string> sorted(request.context().begin(), request.context().end());
  std::string out;
  for (const auto& [k, v] : sorted) absl::StrAppend(&out, "- ", k, ": ", v, "\n");
  return out;
}

}  // namespace

PlannerCore::PlannerCore(planner::ArmRegistry registry, std::optional<LlmBackend> llm,
                         PlannerCoreOptions options, Clock& clock)
    : registry_(std::move(registry)),
      llm_(std::move(llm)),
      options_(options),
      clock_(clock),
      builtin_(registry_),
      cache_(options_.cache, clock_),
      arms_text_(planner::DescribeArmsForPrompt(registry_)) {}

llm::LlmRequest PlannerCore::MakeLlmRequest(const llm::RenderedPrompt& prompt) const {
  llm::LlmRequest request;
  request.system = prompt.system;
  request.user = prompt.user;
  request.json_mode = true;
  request.max_tokens = options_.llm_max_tokens;
  request.temperature = options_.llm_temperature;
  request.deadline = clock_.Now() + absl::Milliseconds(options_.llm_deadline_ms);
  return request;
}

void PlannerCore::RecordBuiltin(bool ok, absl::Duration latency) {
  std::lock_guard<std::mutex> lock(mu_);
  ++builtin_calls_;
  if (ok) ++builtin_ok_;
  builtin_seconds_ += absl::ToDoubleSeconds(latency);
}

absl::StatusOr<PlanOutcome> PlannerCore::Plan(const v1::PlanRequest& request) {
  PlanOutcome outcome;
  absl::StatusOr<PlanInfo> info = Plan(request, &outcome.plan);
  if (!info.ok()) return info.status();
  outcome.cached = info->cached;
  outcome.repairs = std::move(info->repairs);
  return outcome;
}

absl::StatusOr<PlanInfo> PlannerCore::Plan(const v1::PlanRequest& request, v1::Plan* plan) {
  if (absl::Status status = planner::ValidatePlanRequest(request); !status.ok()) return status;
  // With the cache off no key is ever stored or compared, so none is built (Lookup still counts
  // the miss).
  const std::string key =
      cache_.enabled()
          ? planner::PlanCacheKey(request, llm_ ? absl::string_view(llm_->fingerprint) : "builtin")
          : std::string();
  if (std::optional<v1::Plan> hit = cache_.Lookup(key)) {
    *plan = *std::move(hit);
    return PlanInfo{.cached = true};
  }

  std::vector<std::string> llm_warnings;
  if (llm_) {
    absl::StatusOr<PlanOutcome> outcome = PlanWithLlm(request);
    if (outcome.ok()) {
      cache_.Insert(key, outcome->plan);
      *plan = std::move(outcome->plan);
      return PlanInfo{.repairs = std::move(outcome->repairs)};
    }
    if (!options_.builtin_fallback) {
      return absl::UnavailableError(
          absl::StrCat("no planning backend produced a plan: ", outcome.status().message()));
    }
    llm_warnings.push_back(absl::StrCat("LLM providers failed, plan made by the built-in engine: ",
                                        outcome.status().message()));
  }
  const absl::Time start = clock_.Now();
  // The request passed ValidatePlanRequest above with the default limits, which are the
  // built-in engine's (builtin_ is built with default options), so it is not validated again.
  builtin_.PlanValidRequest(request, plan);
  RecordBuiltin(/*ok=*/true, clock_.Now() - start);
  for (auto& w : llm_warnings) plan->add_warnings(std::move(w));
  cache_.Insert(key, *plan);
  return PlanInfo{};
}

absl::StatusOr<PlanOutcome> PlannerCore::PlanWithLlm(const v1::PlanRequest& request) {
  absl::StatusOr<llm::RenderedPrompt> prompt =
      llm_->plan_prompt.Render({{"goal", request.goal()},
                                {"constraints", FormatConstraints(request)},
                                {"context", FormatContext(request)},
                                {"arms", arms_text_}});
  if (!prompt.ok()) return prompt.status();
  // Only the accepted reply's repairs are reported; a reply rejected after repair leaves none.
  auto outcome = llm_->chain->RunParsed<PlanOutcome>(
      MakeLlmRequest(*prompt), [&](const llm::LlmReply& reply) -> absl::StatusOr<PlanOutcome> {
        absl::StatusOr<v1::Plan> plan = planner::ParsePlanJson(reply.text);
        if (!plan.ok()) return plan.status();
        absl::StatusOr<std::vector<planner::PlanRepair>> repairs =
            planner::RepairPlan(&*plan, registry_, request);
        if (!repairs.ok()) return repairs.status();
        std::vector<std::string> problems =
            planner::ValidatePlanForRequest(*plan, request, registry_);
        if (!problems.empty()) {
          return absl::InvalidArgumentError(
              absl::StrCat("plan still invalid after repair: ", absl::StrJoin(problems, "; ")));
        }
        PlanOutcome out{.plan = *std::move(plan)};
        for (const planner::PlanRepair& r : *repairs) out.repairs.push_back(r.kind);
        return out;
      });
  if (!outcome.ok()) return outcome.status();
  PlanOutcome out = std::move(outcome->value);
  out.plan.set_backend(outcome->result.provider);
  for (const auto& failure : outcome->result.failures) {
    out.plan.add_warnings(absl::StrCat("provider skipped: ", failure));
  }
  return out;
}

absl::StatusOr<v1::ScenePlan> PlannerCore::PlanScene(absl::string_view prompt) {
  if (absl::Status status = planner::ValidateScenePrompt(prompt); !status.ok()) return status;
  std::vector<std::string> llm_warnings;
  if (llm_) {
    absl::StatusOr<v1::ScenePlan> scene = SceneWithLlm(prompt);
    if (scene.ok()) return scene;
    if (!options_.builtin_fallback) {
      return absl::UnavailableError(
          absl::StrCat("no planning backend produced a scene plan: ", scene.status().message()));
    }
    llm_warnings.push_back(absl::StrCat(
        "LLM providers failed, scene planned by the built-in engine: ", scene.status().message()));
  }
  const absl::Time start = clock_.Now();
  absl::StatusOr<v1::ScenePlan> scene = builtin_scene_.PlanScene(prompt);
  RecordBuiltin(scene.ok(), clock_.Now() - start);
  if (!scene.ok()) return scene.status();
  for (auto& w : llm_warnings) scene->add_warnings(std::move(w));
  return scene;
}

absl::StatusOr<v1::ScenePlan> PlannerCore::SceneWithLlm(absl::string_view prompt_text) {
  absl::StatusOr<llm::RenderedPrompt> prompt =
      llm_->scene_prompt.Render({{"prompt", std::string(prompt_text)}});
  if (!prompt.ok()) return prompt.status();
  auto outcome = llm_->chain->RunParsed<v1::ScenePlan>(
      MakeLlmRequest(*prompt), [&](const llm::LlmReply& reply) -> absl::StatusOr<v1::ScenePlan> {
        absl::StatusOr<v1::ScenePlan> scene = planner::ParseScenePlanJson(reply.text);
        if (!scene.ok()) return scene.status();
        planner::RepairScenePlan(&*scene);  // appends its repairs to scene->warnings
        return scene;
      });
  if (!outcome.ok()) return outcome.status();
  v1::ScenePlan scene = std::move(outcome->value);
  scene.set_backend(outcome->result.provider);
  for (const auto& failure : outcome->result.failures) {
    scene.add_warnings(absl::StrCat("provider skipped: ", failure));
  }
  return scene;
}

std::vector<v1::Backend> PlannerCore::Backends() const {
  std::vector<v1::Backend> out;
  if (llm_) out = llm::ChainBackends(*llm_->chain);
  v1::Backend builtin;
  builtin.set_name("builtin");
  builtin.set_kind("builtin");
  const bool enabled = !llm_ || options_.builtin_fallback;
  builtin.set_state(enabled ? v1::BACKEND_STATE_AVAILABLE : v1::BACKEND_STATE_UNAVAILABLE);
  {
    std::lock_guard<std::mutex> lock(mu_);
    builtin.set_calls_total(builtin_calls_);
    builtin.set_success_rate(builtin_calls_ == 0 ? 1.0
                                                 : static_cast<double>(builtin_ok_) /
                                                       static_cast<double>(builtin_calls_));
    builtin.set_observed_latency_ms(builtin_calls_ == 0 ? 0.0
                                                        : builtin_seconds_ * 1000.0 /
                                                              static_cast<double>(builtin_calls_));
  }
  builtin.set_detail(enabled ? "deterministic offline engine"
                             : "configured off (builtin_fallback: false)");
  out.push_back(std::move(builtin));
  return out;
}

bool PlannerCore::HasUsableBackend(std::string* detail) const {
  if (!llm_ || options_.builtin_fallback) {
    *detail = "built-in engine available";
    return true;
  }
  for (const llm::ProviderStats& s : llm_->chain->Stats()) {
    if (s.state != llm::ProviderState::kUnavailable) {
      *detail = absl::StrCat("provider ", s.name, " usable");
      return true;
    }
  }
  *detail = "no LLM provider is usable and the built-in engine is configured off";
  return false;
}

}  // namespace armature::planner_arm
