// armctl: command-line client for Armature services.
//
//   armctl [--target=HOST:PORT] [--json] [--timeout_seconds=N] COMMAND [ARGS]
//
// Commands: health [SERVICE], ready, capabilities, plan GOAL, scene PROMPT, manifest FILE.
#include <cstdio>
#include <fstream>
#include <iostream>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/flags/usage.h"
#include "absl/flags/usage_config.h"
#include "absl/strings/match.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "armature/v1/arm_info.grpc.pb.h"
#include "armature/v1/manifest.grpc.pb.h"
#include "armature/v1/planner.grpc.pb.h"
#include "google/protobuf/util/json_util.h"
#include "grpc/health/v1/health.grpc.pb.h"
#include "grpcpp/grpcpp.h"
#include "libs/runtime/status.h"

ABSL_FLAG(std::string, target, "",
          "gRPC target of the service to talk to. Default: the planner arm (127.0.0.1:50052) for "
          "plan and scene, the manifest service (127.0.0.1:50053) for manifest, the orchestrator "
          "(127.0.0.1:50051) otherwise.");
ABSL_FLAG(double, duration, 0, "manifest: total duration in seconds (default 60).");
ABSL_FLAG(std::string, aspect_ratio, "", "manifest: aspect ratio, e.g. 16:9 (default auto).");
ABSL_FLAG(std::string, platform, "", "manifest: target platform (default social).");
ABSL_FLAG(std::string, language, "", "manifest: language code (default en).");
ABSL_FLAG(std::string, tone, "", "manifest: tone (default neutral).");
ABSL_FLAG(bool, json, false, "Print the response as JSON (for scripts) instead of text.");
ABSL_FLAG(int, timeout_seconds, 10, "Deadline of each call, in seconds.");

namespace {

constexpr char kUsage[] = R"(armctl: talk to Armature services.

Usage: armctl [--target=HOST:PORT] [--json] [--timeout_seconds=N] COMMAND [ARGS]

Commands:
  health [SERVICE]   grpc.health.v1.Health/Check (SERVICE "" = liveness, "readiness", or a
                     full service name); exit 0 when SERVING, 1 otherwise
  ready              armature.v1.ArmInfo/GetReadiness with every named check; exit 0 when ready
  capabilities       armature.v1.ArmInfo/GetCapabilities
  plan GOAL [--constraint=TEXT ...]
                     armature.v1.PlannerArm/Plan: a readable plan (--constraint may repeat)
  scene PROMPT       armature.v1.PlannerArm/PlanScene: a readable scene plan
  manifest FILE [--duration=SECONDS] [--aspect_ratio=16:9] [--platform=P] [--language=L] [--tone=T]
                     armature.v1.ManifestService/BuildManifest on a treatment file ("-" = stdin):
                     scenes, narration and the job DAG

Exit codes: 0 success, 1 not serving / not ready, 2 usage or call error.)";

// Exit codes.
constexpr int kOk = 0;
constexpr int kNegative = 1;
constexpr int kError = 2;

struct Context {
  std::shared_ptr<grpc::Channel> channel;
  std::string target;
  bool json = false;
  int timeout_seconds = 10;

  void Prepare(grpc::ClientContext* ctx) const {
    ctx->set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(timeout_seconds));
  }
};

int CallFailed(const Context& c, std::string_view what, const grpc::Status& status) {
  std::cerr << "armctl: " << what << " on " << c.target
            << " failed: " << armature::runtime::StatusCodeName(status.error_code()) << ": "
            << status.error_message() << "\n";
  return kError;
}

void PrintJson(const google::protobuf::Message& message) {
  std::string out;
  google::protobuf::util::JsonPrintOptions options;
  options.add_whitespace = true;
  options.always_print_primitive_fields = true;
  options.preserve_proto_field_names = true;
  (void)google::protobuf::util::MessageToJsonString(message, &out, options);
  std::cout << out;
  if (!out.empty() && out.back() != '\n') std::cout << "\n";
}

int Health(const Context& c, const std::vector<std::string>& args) {
  if (args.size() > 1) {
    std::cerr << "armctl: health takes at most one argument (the service name)\n";
    return kError;
  }
  auto stub = grpc::health::v1::Health::NewStub(c.channel);
  grpc::ClientContext ctx;
  c.Prepare(&ctx);
  grpc::health::v1::HealthCheckRequest req;
  req.set_service(args.empty() ? "" : args[0]);
  grpc::health::v1::HealthCheckResponse resp;
  const grpc::Status status = stub->Check(&ctx, req, &resp);
  if (!status.ok()) return CallFailed(c, "Health/Check", status);
  const bool serving = resp.status() == grpc::health::v1::HealthCheckResponse::SERVING;
  if (c.json) {
    PrintJson(resp);
  } else {
    std::cout << absl::StrFormat(
        "%s: %s (service \"%s\")\n", c.target,
        grpc::health::v1::HealthCheckResponse::ServingStatus_Name(resp.status()), req.service());
  }
  return serving ? kOk : kNegative;
}

int Ready(const Context& c, const std::vector<std::string>& args) {
  if (!args.empty()) {
    std::cerr << "armctl: ready takes no arguments\n";
    return kError;
  }
  auto stub = armature::v1::ArmInfo::NewStub(c.channel);
  grpc::ClientContext ctx;
  c.Prepare(&ctx);
  armature::v1::GetReadinessResponse resp;
  const grpc::Status status = stub->GetReadiness(&ctx, {}, &resp);
  if (!status.ok()) return CallFailed(c, "ArmInfo/GetReadiness", status);
  if (c.json) {
    PrintJson(resp);
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
  return resp.ready() ? kOk : kNegative;
}

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

int Capabilities(const Context& c, const std::vector<std::string>& args) {
  if (!args.empty()) {
    std::cerr << "armctl: capabilities takes no arguments\n";
    return kError;
  }
  auto stub = armature::v1::ArmInfo::NewStub(c.channel);
  grpc::ClientContext ctx;
  c.Prepare(&ctx);
  armature::v1::GetCapabilitiesResponse resp;
  const grpc::Status status = stub->GetCapabilities(&ctx, {}, &resp);
  if (!status.ok()) return CallFailed(c, "ArmInfo/GetCapabilities", status);
  if (c.json) {
    PrintJson(resp);
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

std::string Minutes(int64_t seconds) {
  if (seconds < 60) return absl::StrFormat("%ds", seconds);
  if (seconds < 3600) return absl::StrFormat("%dm%02ds", seconds / 60, seconds % 60);
  return absl::StrFormat("%dh%02dm", seconds / 3600, (seconds % 3600) / 60);
}

// Constraints given as --constraint=TEXT or --constraint TEXT (repeatable); taken out of argv
// before flag parsing because Abseil flags do not repeat.
std::vector<std::string> TakeConstraints(int* argc, char** argv) {
  std::vector<std::string> out;
  int w = 1;
  for (int r = 1; r < *argc; ++r) {
    std::string_view a = argv[r];
    if (a.rfind("--constraint=", 0) == 0) {
      out.emplace_back(a.substr(13));
    } else if (a == "--constraint" && r + 1 < *argc) {
      out.emplace_back(argv[++r]);
    } else {
      argv[w++] = argv[r];
    }
  }
  *argc = w;
  return out;
}

std::vector<std::string>& Constraints() {
  static std::vector<std::string> constraints;
  return constraints;
}

int PlanCommand(const Context& c, const std::vector<std::string>& args) {
  if (args.size() != 1) {
    std::cerr << "armctl: plan takes exactly one argument, the goal (quote it)\n";
    return kError;
  }
  auto stub = armature::v1::PlannerArm::NewStub(c.channel);
  grpc::ClientContext ctx;
  c.Prepare(&ctx);
  armature::v1::PlanRequest req;
  req.set_goal(args[0]);
  for (const auto& k : Constraints()) req.add_constraints(k);
  armature::v1::PlanResponse resp;
  const grpc::Status status = stub->Plan(&ctx, req, &resp);
  if (!status.ok()) return CallFailed(c, "PlannerArm/Plan", status);
  if (c.json) {
    PrintJson(resp);
    return kOk;
  }
  const auto& p = resp.plan();
  std::cout << "Plan for: " << req.goal() << "\n";
  std::cout << absl::StrFormat(
      "backend %s%s, %d steps, critical path %s, confidence %.2f, complexity %.2f\n\n", p.backend(),
      resp.cached() ? " (cached)" : "", p.subtasks_size(),
      Minutes(p.total_estimated_duration_seconds()), p.confidence(), p.complexity_score());
  for (const auto& s : p.subtasks()) {
    std::vector<std::string> deps;
    for (int d : s.depends_on()) deps.push_back(std::to_string(d));
    std::cout << absl::StrFormat("%2d. [%s] %s\n", s.step(), s.required_arm(), s.action());
    std::cout << absl::StrFormat("      after: %s   cost tier %d   ~%s\n",
                                 deps.empty() ? "(start)" : absl::StrJoin(deps, ", "),
                                 s.estimated_cost_tier(), Minutes(s.estimated_duration_seconds()));
    for (const auto& a : s.acceptance_criteria()) std::cout << "      - " << a << "\n";
  }
  std::cout << "\nRationale: " << p.rationale() << "\n";
  for (const auto& w : p.warnings()) std::cout << "warning: " << w << "\n";
  return kOk;
}

int SceneCommand(const Context& c, const std::vector<std::string>& args) {
  if (args.size() != 1) {
    std::cerr << "armctl: scene takes exactly one argument, the prompt (quote it)\n";
    return kError;
  }
  auto stub = armature::v1::PlannerArm::NewStub(c.channel);
  grpc::ClientContext ctx;
  c.Prepare(&ctx);
  armature::v1::PlanSceneRequest req;
  req.set_prompt(args[0]);
  armature::v1::PlanSceneResponse resp;
  const grpc::Status status = stub->PlanScene(&ctx, req, &resp);
  if (!status.ok()) return CallFailed(c, "PlannerArm/PlanScene", status);
  if (c.json) {
    PrintJson(resp);
    return kOk;
  }
  const auto& s = resp.scene();
  std::cout << absl::StrFormat("environment: %s, %s, %s\n", s.environment().theme(),
                               s.environment().weather(), s.environment().time_of_day());
  for (const auto& o : s.objects()) {
    std::cout << absl::StrFormat(
        "object:      %d x %s%s\n", o.count(), o.type(),
        o.tags().empty() ? "" : " (" + absl::StrJoin(o.tags(), ", ") + ")");
  }
  for (const auto& ch : s.characters()) {
    std::cout << absl::StrFormat("character:   %s, %s\n", ch.rig(), ch.motion());
  }
  std::cout << absl::StrFormat("camera:      %s for %.1fs\n", s.camera().path(),
                               s.camera().duration_seconds());
  std::cout << absl::StrFormat(
      "audio:       music %s; sfx %s\n", s.audio().music(),
      s.audio().sfx().empty() ? "(none)" : absl::StrJoin(s.audio().sfx(), ", "));
  std::cout << "backend:     " << s.backend() << "\n";
  for (const auto& w : s.warnings()) std::cout << "warning: " << w << "\n";
  return kOk;
}

int ManifestCommand(const Context& c, const std::vector<std::string>& args) {
  if (args.size() != 1) {
    std::cerr << "armctl: manifest takes exactly one argument, the treatment file (- for stdin)\n";
    return kError;
  }
  std::stringstream text;
  if (args[0] == "-") {
    text << std::cin.rdbuf();
  } else {
    std::ifstream in(args[0]);
    if (!in) {
      std::cerr << "armctl: cannot read treatment file \"" << args[0] << "\"\n";
      return kError;
    }
    text << in.rdbuf();
  }
  armature::v1::BuildManifestRequest req;
  req.set_treatment(text.str());
  auto* hints = req.mutable_hints();
  hints->set_duration_seconds(absl::GetFlag(FLAGS_duration));
  hints->set_aspect_ratio(absl::GetFlag(FLAGS_aspect_ratio));
  hints->set_platform(absl::GetFlag(FLAGS_platform));
  hints->set_language(absl::GetFlag(FLAGS_language));
  hints->set_tone(absl::GetFlag(FLAGS_tone));
  auto stub = armature::v1::ManifestService::NewStub(c.channel);
  grpc::ClientContext ctx;
  c.Prepare(&ctx);
  armature::v1::BuildManifestResponse resp;
  const grpc::Status status = stub->BuildManifest(&ctx, req, &resp);
  if (!status.ok()) return CallFailed(c, "ManifestService/BuildManifest", status);
  if (c.json) {
    PrintJson(resp);
    return kOk;
  }
  const auto& m = resp.manifest();
  const auto& md = m.metadata();
  std::cout << absl::StrFormat(
      "Manifest %s%s: %.1fs, %s, %s, %s, %s%s%s\n", m.id(),
      md.title().empty() ? "" : " \"" + md.title() + "\"", md.duration_seconds(), md.aspect_ratio(),
      md.platform(), md.language(), md.profile(), resp.used_llm() ? ", LLM-extracted" : "",
      resp.used_repair() ? ", repaired" : "");
  std::cout << "\nScenes:\n";
  for (const auto& s : m.scenes()) {
    std::cout << absl::StrFormat("  %-4s %6.1fs-%6.1fs  %-15s %s\n", s.id(), s.start_at_seconds(),
                                 s.start_at_seconds() + s.duration_seconds(), s.purpose(),
                                 s.title());
    if (!s.narration().empty()) std::cout << "       narration: " << s.narration() << "\n";
    for (const auto& v : s.visuals()) {
      std::cout << absl::StrFormat("       visual: %s %s: %s\n", v.type(), v.asset_id(),
                                   v.prompt());
    }
    for (const auto& t : s.on_screen_text()) std::cout << "       on screen: " << t << "\n";
    if (s.has_chart()) {
      std::vector<std::string> points;
      for (const auto& p : s.chart().points()) {
        points.push_back(absl::StrFormat("%s=%g", p.label(), p.value()));
      }
      std::cout << "       chart: " << s.chart().kind() << " " << absl::StrJoin(points, ", ")
                << "\n";
    }
    for (const auto& n : s.notes()) std::cout << "       note: " << n << "\n";
  }
  std::cout << "\nJobs (DAG):\n";
  for (const auto& j : resp.jobs()) {
    std::cout << absl::StrFormat(
        "  %-28s %-15s priority %-2d %-18s after: %s\n", j.id(),
        armature::v1::JobType_Name(j.type()), j.priority(), j.provider(),
        j.depends_on().empty() ? "(start)" : absl::StrJoin(j.depends_on(), ", "));
  }
  for (const auto& w : resp.warnings()) std::cout << "warning: " << w << "\n";
  std::cout << absl::StrFormat("\n(processed in %.2f ms)\n", resp.processing_time_ms());
  return kOk;
}

}  // namespace

int main(int argc, char** argv) {
  absl::FlagsUsageConfig config;
  config.contains_help_flags = [](absl::string_view f) { return !absl::StrContains(f, "absl/"); };
  config.contains_helpshort_flags = config.contains_help_flags;
  absl::SetFlagsUsageConfig(config);
  absl::SetProgramUsageMessage(kUsage);
  Constraints() = TakeConstraints(&argc, argv);
  std::vector<char*> positional = absl::ParseCommandLine(argc, argv);
  if (positional.size() < 2) {
    std::cerr << kUsage << "\n";
    return kError;
  }
  const std::string command = positional[1];
  const std::vector<std::string> args(positional.begin() + 2, positional.end());

  using Handler = int (*)(const Context&, const std::vector<std::string>&);
  const std::map<std::string, Handler> commands = {
      {"health", Health},    {"ready", Ready},        {"capabilities", Capabilities},
      {"plan", PlanCommand}, {"scene", SceneCommand}, {"manifest", ManifestCommand}};
  auto it = commands.find(command);
  if (it == commands.end()) {
    std::cerr << "armctl: unknown command \"" << command << "\"\n\n" << kUsage << "\n";
    return kError;
  }
  Context c;
  c.target = absl::GetFlag(FLAGS_target);
  if (c.target.empty()) {
    c.target = command == "plan" || command == "scene" ? "127.0.0.1:50052"
               : command == "manifest"                 ? "127.0.0.1:50053"
                                                       : "127.0.0.1:50051";
  }
  c.json = absl::GetFlag(FLAGS_json);
  c.timeout_seconds = absl::GetFlag(FLAGS_timeout_seconds);
  if (c.timeout_seconds < 1) {
    std::cerr << "armctl: timeout_seconds: must be >= 1\n";
    return kError;
  }
  c.channel = grpc::CreateChannel(c.target, grpc::InsecureChannelCredentials());
  return it->second(c, args);
}
