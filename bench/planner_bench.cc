// Planner arm microbenchmarks: built-in planning and parsing an LLM reply into the proto.
#include <string>

#include "benchmark/benchmark.h"
#include "google/protobuf/arena.h"
#include "libs/planner/arm_registry.h"
#include "libs/planner/builtin_planner.h"
#include "libs/planner/plan_json.h"
#include "libs/planner/plan_rules.h"
#include "services/planner_arm/planner_core.h"

namespace {

using armature::planner::BuiltinPlanner;
using armature::planner::DefaultArmRegistry;

armature::v1::PlanRequest Request(const std::string& goal) {
  armature::v1::PlanRequest r;
  r.set_goal(goal);
  r.add_constraints("Python only");
  r.add_constraints("finish within 2 hours");
  return r;
}

void BM_BuiltinPlanShortGoal(benchmark::State& state) {
  BuiltinPlanner planner(DefaultArmRegistry());
  const auto request = Request("Build and deploy a REST API with tests");
  for (auto _ : state) benchmark::DoNotOptimize(planner.Plan(request));
}
BENCHMARK(BM_BuiltinPlanShortGoal);

// The engine alone on the service's request (validated once, as the service does), building
// into a message on a per-call arena as the planner arm does.
void BM_BuiltinPlanValidRequestArena(benchmark::State& state) {
  BuiltinPlanner planner(DefaultArmRegistry());
  const auto request = Request("Build and deploy a REST API with tests");
  alignas(8) static char block[16 * 1024];
  google::protobuf::ArenaOptions options;
  options.initial_block = block;
  options.initial_block_size = sizeof(block);
  for (auto _ : state) {
    google::protobuf::Arena arena(options);
    auto* plan = google::protobuf::Arena::CreateMessage<armature::v1::Plan>(&arena);
    planner.PlanValidRequest(request, plan);
    benchmark::DoNotOptimize(plan);
  }
}
BENCHMARK(BM_BuiltinPlanValidRequestArena);

void BM_BuiltinPlanMultiPartGoal(benchmark::State& state) {
  BuiltinPlanner planner(DefaultArmRegistry());
  const auto request = Request(
      "Research the top three open-source rate limiters, then benchmark them against our "
      "traffic logs and write a Go implementation of the best one. Make sure customer emails in "
      "the logs are redacted, deploy the limiter to staging, and report p99 latency before and "
      "after.");
  for (auto _ : state) benchmark::DoNotOptimize(planner.Plan(request));
}
BENCHMARK(BM_BuiltinPlanMultiPartGoal);

// The whole per-request work of the planner arm's Plan RPC behind the gRPC layer, with the
// request of the service benchmark (run_bench.py): validation, cache key, the built-in engine
// and its bookkeeping, with the plan cache off.
void BM_PlannerCorePlanServiceRequest(benchmark::State& state) {
  armature::planner_arm::PlannerCoreOptions options;
  options.cache.capacity = 0;
  armature::planner_arm::PlannerCore core(DefaultArmRegistry(), std::nullopt, options);
  const auto request = Request("Build and deploy a REST API with tests");
  for (auto _ : state) benchmark::DoNotOptimize(core.Plan(request));
}
BENCHMARK(BM_PlannerCorePlanServiceRequest);

// A ~2 KB reply as an LLM writes it: prose, a fenced block, seven steps.
std::string TwoKilobyteReply() {
  std::string steps;
  const char* arms[] = {"retriever", "coder", "coder", "executor", "executor", "coder", "judge"};
  for (int i = 1; i <= 7; ++i) {
    steps += std::string(i > 1 ? ",\n" : "") + "    {\"step\": " + std::to_string(i) +
             ", \"action\": \"Carry out part " + std::to_string(i) +
             " of the migration of the billing service to the new queue\", \"required_arm\": \"" +
             arms[i - 1] + "\", \"acceptance_criteria\": [\"Part " + std::to_string(i) +
             " is complete and reviewed\", \"No errors in the logs for 10 minutes\"], "
             "\"depends_on\": [" +
             (i > 1 ? std::to_string(i - 1) : std::string()) +
             "], \"estimated_cost_tier\": 2, \"estimated_duration_seconds\": 300}";
  }
  return "Here is the plan you asked for.\n```json\n{\n  \"subtasks\": [\n" + steps +
         "\n  ],\n  \"rationale\": \"Each part of the migration builds on the previous one and a "
         "final verification closes the plan.\",\n  \"confidence\": 0.8\n}\n```\nLet me know if "
         "you need changes.";
}

void BM_ParsePlanJson2KB(benchmark::State& state) {
  const std::string reply = TwoKilobyteReply();
  state.counters["reply_bytes"] = static_cast<double>(reply.size());
  for (auto _ : state) benchmark::DoNotOptimize(armature::planner::ParsePlanJson(reply));
}
BENCHMARK(BM_ParsePlanJson2KB);

void BM_ParseAndRepair2KB(benchmark::State& state) {
  const std::string reply = TwoKilobyteReply();
  const auto registry = DefaultArmRegistry();
  const auto request = Request("Migrate the billing service to the new queue");
  for (auto _ : state) {
    auto plan = armature::planner::ParsePlanJson(reply);
    benchmark::DoNotOptimize(armature::planner::RepairPlan(&*plan, registry, request));
  }
}
BENCHMARK(BM_ParseAndRepair2KB);

}  // namespace

BENCHMARK_MAIN();
