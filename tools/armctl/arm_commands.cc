// Commands that talk to one arm directly: health, ready, capabilities, plan, scene, manifest.
#include <algorithm>
#include <fstream>
#include <iostream>
#include <sstream>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "armature/v1/arm_info.grpc.pb.h"
#include "armature/v1/manifest.grpc.pb.h"
#include "armature/v1/planner.grpc.pb.h"
#include "grpc/health/v1/health.grpc.pb.h"
#include "tools/armctl/cli.h"
#include "tools/armctl/print.h"

namespace armature::armctl {
namespace {

std::string_view BackendStateName(armature::v1::BackendState state) {
  switch (state) {
    case armature::v1::BACKEND_STATE_AVAILABLE:
      return "available";
    case armature::v1::BACKEND_STATE_DEGRADED:
      return "degraded";
    case armature::v1::BACKEND_STATE_UNAVAILABLE:
      return "unavailable";
    default:
      return "unknown";
  }
}

}  // namespace

int HealthCommand(const Context& c, const std::vector<std::string>& args) {
  if (args.size() > 1) return UsageError("health takes at most one argument (the service name)");
  auto stub = grpc::health::v1::Health::NewStub(c.channel);
  grpc::ClientContext ctx;
  c.Prepare(&ctx);
  grpc::health::v1::HealthCheckRequest req;
  req.set_service(args.empty() ? "" : args[0]);
  grpc::health::v1::HealthCheckResponse resp;
  const grpc::Status status = stub->Check(&ctx, req, &resp);
  if (!status.ok()) return CallFailed(c, "Health/Check", status, kUsage);
  const bool serving = resp.status() == grpc::health::v1::HealthCheckResponse::SERVING;
  if (c.json) {
    PrintJson(std::cout, resp);
  } else {
    std::cout << absl::StrFormat(
        "%s: %s (service \"%s\")\n", c.target,
        grpc::health::v1::HealthCheckResponse::ServingStatus_Name(resp.status()), req.service());
  }
  return serving ? kOk : kFailed;
}

int ReadyCommand(const Context& c, const std::vector<std::string>& args) {
  if (!args.empty()) return UsageError("ready takes no arguments");
  auto stub = armature::v1::ArmInfo::NewStub(c.channel);
  grpc::ClientContext ctx;
  c.Prepare(&ctx);
  armature::v1::GetReadinessResponse resp;
  const grpc::Status status = stub->GetReadiness(&ctx, {}, &resp);
  if (!status.ok()) return CallFailed(c, "ArmInfo/GetReadiness", status, kUsage);
  if (c.json) {
    PrintJson(std::cout, resp);
  } else {
    std::cout << c.target << ": " << (resp.ready() ? "ready" : "NOT READY") << "\n";
    size_t width = 0;
    for (const auto& check : resp.checks()) width = std::max(width, check.name().size());
    for (const auto& check : resp.checks()) {
      std::cout << absl::StrFormat("  %-4s %-*s  %s%s\n", check.ok() ? "ok" : "FAIL",
                                   static_cast<int>(width), check.name(), check.detail(),
                                   check.critical() ? "" : " (informational)");
    }
  }
  return resp.ready() ? kOk : kFailed;
}

int CapabilitiesCommand(const Context& c, const std::vector<std::string>& args) {
  if (!args.empty()) return UsageError("capabilities takes no arguments");
  auto stub = armature::v1::ArmInfo::NewStub(c.channel);
  grpc::ClientContext ctx;
  c.Prepare(&ctx);
  armature::v1::GetCapabilitiesResponse resp;
  const grpc::Status status = stub->GetCapabilities(&ctx, {}, &resp);
  if (!status.ok()) return CallFailed(c, "ArmInfo/GetCapabilities", status, kUsage);
  if (c.json) {
    PrintJson(std::cout, resp);
    return kOk;
  }
  std::cout << absl::StrFormat("arm:           %s (version %s) at %s\n", resp.arm_id(),
                               resp.version(), c.target);
  std::cout << absl::StrFormat("cost tier:     %d\n", resp.cost_tier());
  std::cout << "capabilities:  "
            << (resp.capabilities().empty() ? "(none)" : absl::StrJoin(resp.capabilities(), ", "))
            << "\n";
  std::cout << "services:      " << absl::StrJoin(resp.services(), ", ") << "\n";
  std::cout << absl::StrFormat("observed:      %.1f%% success, %.2f ms mean latency\n",
                               resp.success_rate() * 100.0, resp.observed_latency_ms());
  if (!resp.backends().empty()) {
    std::cout << "backends:\n";
    for (const auto& b : resp.backends()) {
      std::cout << absl::StrFormat("  %-28s %-10s %-11s %6d calls %6.1f%% ok %8.2f ms  %s\n",
                                   b.name(), b.kind(), BackendStateName(b.state()), b.calls_total(),
                                   b.success_rate() * 100.0, b.observed_latency_ms(), b.detail());
    }
  }
  return kOk;
}

int PlanCommand(const Context& c, const std::vector<std::string>& args) {
  if (args.size() != 1) return UsageError("plan takes exactly one argument, the goal (quote it)");
  auto stub = armature::v1::PlannerArm::NewStub(c.channel);
  grpc::ClientContext ctx;
  c.Prepare(&ctx);
  armature::v1::PlanRequest req;
  req.set_goal(args[0]);
  for (const auto& k : c.options.constraints) req.add_constraints(k);
  armature::v1::PlanResponse resp;
  const grpc::Status status = stub->Plan(&ctx, req, &resp);
  if (!status.ok()) return CallFailed(c, "PlannerArm/Plan", status, kUsage);
  if (c.json) {
    PrintJson(std::cout, resp);
    return kOk;
  }
  std::cout << "Plan for: " << req.goal() << "\n";
  PrintPlan(std::cout, resp.plan(), resp.cached());
  return kOk;
}

int SceneCommand(const Context& c, const std::vector<std::string>& args) {
  if (args.size() != 1) {
    return UsageError("scene takes exactly one argument, the prompt (quote it)");
  }
  auto stub = armature::v1::PlannerArm::NewStub(c.channel);
  grpc::ClientContext ctx;
  c.Prepare(&ctx);
  armature::v1::PlanSceneRequest req;
  req.set_prompt(args[0]);
  armature::v1::PlanSceneResponse resp;
  const grpc::Status status = stub->PlanScene(&ctx, req, &resp);
  if (!status.ok()) return CallFailed(c, "PlannerArm/PlanScene", status, kUsage);
  if (c.json) {
    PrintJson(std::cout, resp);
    return kOk;
  }
  PrintScenePlan(std::cout, resp.scene());
  return kOk;
}

int ManifestCommand(const Context& c, const std::vector<std::string>& args) {
  if (args.size() != 1) {
    return UsageError("manifest takes exactly one argument, the treatment file (- for stdin)");
  }
  std::stringstream text;
  if (args[0] == "-") {
    text << std::cin.rdbuf();
  } else {
    std::ifstream in(args[0]);
    if (!in) return UsageError("cannot read treatment file \"" + args[0] + "\"");
    text << in.rdbuf();
  }
  armature::v1::BuildManifestRequest req;
  req.set_treatment(text.str());
  auto* hints = req.mutable_hints();
  hints->set_duration_seconds(c.options.duration_seconds);
  hints->set_aspect_ratio(c.options.aspect_ratio);
  hints->set_platform(c.options.platform);
  hints->set_language(c.options.language);
  hints->set_tone(c.options.tone);
  auto stub = armature::v1::ManifestService::NewStub(c.channel);
  grpc::ClientContext ctx;
  c.Prepare(&ctx);
  armature::v1::BuildManifestResponse resp;
  const grpc::Status status = stub->BuildManifest(&ctx, req, &resp);
  if (!status.ok()) return CallFailed(c, "ManifestService/BuildManifest", status, kUsage);
  if (c.json) {
    PrintJson(std::cout, resp);
    return kOk;
  }
  PrintManifest(std::cout, resp.manifest(), resp.jobs(),
                absl::StrCat(resp.used_llm() ? ", LLM-extracted" : "",
                             resp.used_repair() ? ", repaired" : ""));
  for (const auto& w : resp.warnings()) std::cout << "warning: " << w << "\n";
  std::cout << absl::StrFormat("\n(processed in %.2f ms)\n", resp.processing_time_ms());
  return kOk;
}

}  // namespace armature::armctl
