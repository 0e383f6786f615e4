// The orchestrator with the real arms: the full flow through armctl, buf curl and Python grpcio;
// round-robin over three planner replicas with one killed mid-run; an arm outage (tasks wait, the
// breaker opens and closes, a deadline passes); kill -9 during a few hundred tasks and a restart
// on the same database; refusals at start-up; SIGTERM with a watcher open; cancellation.
#include <signal.h>

#include <atomic>
#include <filesystem>
#include <future>
#include <map>
#include <mutex>
#include <regex>
#include <set>
#include <sstream>
#include <thread>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "armature/v1/arm_info.grpc.pb.h"
#include "armature/v1/orchestrator.grpc.pb.h"
#include "gmock/gmock.h"
#include "grpc/health/v1/health.grpc.pb.h"
#include "grpcpp/create_channel.h"
#include "gtest/gtest.h"
#include "nlohmann/json.hpp"
#include "tests/e2e/e2e_env.h"

namespace armature::e2e {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;
using testing::BinaryProcess;
using ::testing::HasSubstr;
using ::testing::Not;
using v1::Task;
using v1::TaskEvent;

constexpr char kPlanHandledOk[] = R"(code="OK",method="armature.v1.PlannerArm/Plan")";

// Pipelines with short waits, a breaker that opens after ten failed calls (so that each of a
// handful of tasks makes a real attempt before it opens; refusals are not attempts) and rests
// one second, and quick retries, so that an outage and a recovery take seconds.
constexpr char kFastPipeline[] = R"(tasks:
  default_deadline_seconds: 120
  max_deadline_seconds: 3600
  wait_initial_ms: 50
  wait_max_ms: 400
arms:
  planner:
    breaker:
      failure_rate_threshold: 0.5
      window_seconds: 10
      minimum_calls: 10
      open_wait_seconds: 1
      half_open_max_calls: 2
      successes_to_close: 1
    retry:
      max_attempts: 2
      initial_backoff_ms: 20
      max_backoff_ms: 100
  manifest:
    retry:
      initial_backoff_ms: 20
      max_backoff_ms: 100
pipelines:
  GOAL:
    - stage: plan
      arm: planner
      timeout_seconds: 5
  SCENE:
    - stage: plan_scene
      arm: planner
      timeout_seconds: 5
  PRODUCTION:
    - stage: plan
      arm: planner
      timeout_seconds: 5
    - stage: build_manifest
      arm: manifest
      timeout_seconds: 10
)";

bool IsTerminal(v1::TaskStatus s) {
  return s == v1::SUCCEEDED || s == v1::FAILED || s == v1::CANCELLED;
}

testing::CommandResult Armctl(std::vector<std::string> args) {
  args.insert(args.begin(), BinaryPath("armctl"));
  return testing::RunCommand(args, "", seconds(60));
}

// Value of one sample on a process's /metrics, or nullopt (also when /metrics cannot be read).
std::optional<double> Metric(const BinaryProcess& process, const std::string& name,
                             const std::string& labels) {
  absl::StatusOr<std::string> text = testing::HttpGet(process.metrics_address(), "/metrics");
  if (!text.ok()) return std::nullopt;
  return testing::MetricValue(*text, name, labels);
}

std::string BreakerLabels(const std::string& state) {
  return absl::StrCat(R"(state=")", state, R"(",target="planner")");
}

v1::SubmitTaskRequest Request(v1::TaskKind kind, const std::string& text,
                              const std::string& idempotency_key = "", int deadline_seconds = 0) {
  v1::SubmitTaskRequest request;
  request.set_kind(kind);
  request.set_text(text);
  request.set_idempotency_key(idempotency_key);
  request.set_deadline_seconds(deadline_seconds);
  return request;
}

// Parses the concatenated JSON objects buf curl prints for a server stream.
std::vector<nlohmann::json> ParseJsonStream(const std::string& text) {
  std::vector<nlohmann::json> values;
  std::istringstream in(text);
  while (in >> std::ws && in.peek() != EOF) {
    nlohmann::json value;
    try {
      in >> value;
    } catch (const nlohmann::json::exception& e) {
      ADD_FAILURE() << "not a JSON stream (" << e.what() << "):\n" << text;
      break;
    }
    values.push_back(std::move(value));
  }
  return values;
}

// The tasks and events of a stopped orchestrator's database (see inspect_task_store.py).
nlohmann::json InspectStore(const std::string& db) {
  auto r = testing::RunCommand({PythonPath(), SourcePath("tests/e2e/inspect_task_store.py"), db},
                               "", seconds(60));
  EXPECT_EQ(r.exit_code, 0) << r.output;
  auto j = nlohmann::json::parse(r.output, nullptr, false);
  EXPECT_FALSE(j.is_discarded()) << r.output;
  if (j.is_discarded() || !j.contains("tasks")) return {{"tasks", nlohmann::json::object()}};
  return j;
}

// A synchronous client of armature.v1.Orchestrator for the checks.
class OrchestratorClient {
 public:
  explicit OrchestratorClient(const std::string& address)
      : channel_(grpc::CreateChannel(address, grpc::InsecureChannelCredentials())),
        stub_(v1::Orchestrator::NewStub(channel_)) {}

  grpc::Status Submit(const v1::SubmitTaskRequest& request, v1::SubmitTaskResponse* response,
                      seconds timeout = seconds(10)) {
    grpc::ClientContext context;
    context.set_deadline(std::chrono::system_clock::now() + timeout);
    return stub_->SubmitTask(&context, request, response);
  }

  // Submits and returns the task id (a test failure and "" when the call fails).
  std::string SubmitId(const v1::SubmitTaskRequest& request) {
    v1::SubmitTaskResponse response;
    const grpc::Status status = Submit(request, &response);
    EXPECT_TRUE(status.ok()) << status.error_code() << ": " << status.error_message();
    return response.task().id();
  }

  grpc::Status Get(const std::string& id, Task* task) {
    grpc::ClientContext context;
    context.set_deadline(std::chrono::system_clock::now() + seconds(10));
    v1::GetTaskRequest request;
    request.set_id(id);
    v1::GetTaskResponse response;
    const grpc::Status status = stub_->GetTask(&context, request, &response);
    *task = response.task();
    return status;
  }

  // GetTask; a failed call is a test failure (and an empty task).
  Task Get(const std::string& id) {
    Task task;
    const grpc::Status status = Get(id, &task);
    EXPECT_TRUE(status.ok()) << id << ": " << status.error_code() << ": " << status.error_message();
    return task;
  }

  grpc::Status Cancel(const std::string& id, Task* task) {
    grpc::ClientContext context;
    context.set_deadline(std::chrono::system_clock::now() + seconds(10));
    v1::CancelTaskRequest request;
    request.set_id(id);
    v1::CancelTaskResponse response;
    const grpc::Status status = stub_->CancelTask(&context, request, &response);
    *task = response.task();
    return status;
  }

  // WatchTask until the stream ends; its events and final status.
  std::vector<TaskEvent> Watch(const std::string& id, grpc::Status* status,
                               seconds timeout = seconds(60)) {
    grpc::ClientContext context;
    context.set_deadline(std::chrono::system_clock::now() + timeout);
    v1::WatchTaskRequest request;
    request.set_id(id);
    auto reader = stub_->WatchTask(&context, request);
    std::vector<TaskEvent> events;
    v1::WatchTaskResponse response;
    while (reader->Read(&response)) events.push_back(response.event());
    *status = reader->Finish();
    return events;
  }

  // Every task, walking ListTasks page by page (empty on an error, which is a test failure).
  std::map<std::string, Task> ListAll() {
    std::map<std::string, Task> tasks;
    std::string token;
    do {
      grpc::ClientContext context;
      context.set_deadline(std::chrono::system_clock::now() + seconds(20));
      v1::ListTasksRequest request;
      request.set_page_size(200);
      request.set_page_token(token);
      v1::ListTasksResponse response;
      const grpc::Status status = stub_->ListTasks(&context, request, &response);
      if (!status.ok()) {
        ADD_FAILURE() << "ListTasks: " << status.error_code() << ": " << status.error_message();
        return {};
      }
      for (const Task& t : response.tasks()) tasks[t.id()] = t;
      token = response.next_page_token();
    } while (!token.empty());
    return tasks;
  }

  // Polls until every task of `ids` has ended (true) or `timeout` passes (false). `last` gets
  // the tasks as last seen.
  bool WaitAllEnded(const std::vector<std::string>& ids, milliseconds timeout,
                    std::map<std::string, Task>* last) {
    return WaitUntil(
        [&] {
          *last = ListAll();
          for (const std::string& id : ids) {
            auto it = last->find(id);
            if (it == last->end() || !IsTerminal(it->second.status())) return false;
          }
          return true;
        },
        timeout, milliseconds(200));
  }

  v1::GetReadinessResponse Readiness() {
    grpc::ClientContext context;
    context.set_deadline(std::chrono::system_clock::now() + seconds(10));
    v1::GetReadinessResponse response;
    const grpc::Status status =
        v1::ArmInfo::NewStub(channel_)->GetReadiness(&context, {}, &response);
    EXPECT_TRUE(status.ok()) << status.error_message();
    return response;
  }

  // Drops the channel. The server's graceful shutdown waits (seconds) for open client
  // connections, even idle ones, so tests close theirs before stopping it.
  void Close() {
    stub_.reset();
    channel_.reset();
  }

  grpc::health::v1::HealthCheckResponse::ServingStatus Health(const std::string& service) {
    grpc::ClientContext context;
    context.set_deadline(std::chrono::system_clock::now() + seconds(10));
    grpc::health::v1::HealthCheckRequest request;
    request.set_service(service);
    grpc::health::v1::HealthCheckResponse response;
    const grpc::Status status =
        grpc::health::v1::Health::NewStub(channel_)->Check(&context, request, &response);
    EXPECT_TRUE(status.ok()) << status.error_message();
    return response.status();
  }

 private:
  std::shared_ptr<grpc::Channel> channel_;
  std::unique_ptr<v1::Orchestrator::Stub> stub_;
};

// A watch stream's events: sequences strictly increasing, ending at `end` (and only there
// terminal).
void ExpectOrderedEndingAt(const std::vector<TaskEvent>& events, v1::TaskStatus end,
                           const std::string& what) {
  ASSERT_FALSE(events.empty()) << what;
  for (size_t i = 1; i < events.size(); ++i) {
    EXPECT_GT(events[i].sequence(), events[i - 1].sequence()) << what << " event " << i;
    EXPECT_FALSE(IsTerminal(events[i - 1].status())) << what << " event " << i - 1;
  }
  EXPECT_EQ(events.back().status(), end) << what;
}

class OrchestratorE2eTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = MakeTempDir("orchestrator-e2e");
    db_ = dir_ + "/armature.db";
    pipeline_ = dir_ + "/pipeline.yaml";
    WriteFile(pipeline_, kFastPipeline);
  }
  // The database and files stay behind for a look when the test failed.
  void TearDown() override {
    if (HasFailure()) {
      std::cout << "test files kept in " << dir_ << "\n";
      return;
    }
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
  }

  std::vector<std::string> OrchestratorArgs(const std::string& planner_target,
                                            const std::string& manifest_target) const {
    return {"--planner_target=" + planner_target, "--manifest_target=" + manifest_target,
            "--store=sqlite://" + db_, "--pipeline_config=" + pipeline_};
  }

  std::unique_ptr<BinaryProcess> StartOrchestrator(const std::string& planner_target,
                                                   const std::string& manifest_target,
                                                   const std::vector<std::string>& extra = {}) {
    std::vector<std::string> args = OrchestratorArgs(planner_target, manifest_target);
    args.insert(args.end(), extra.begin(), extra.end());
    return StartBinary("armature-orchestrator", args);
  }

  // SIGTERM; the process must exit 0 within the grace period.
  static void Stop(BinaryProcess& process) {
    process.Signal(SIGTERM);
    EXPECT_EQ(process.WaitExit(seconds(20)), 0) << process.Stderr();
  }

  // An address where nothing listens (yet).
  static std::string DownAddress() { return absl::StrCat("127.0.0.1:", FreePort()); }

  std::string dir_;
  std::string db_;
  std::string pipeline_;
};

// --migrate_only brings the store's schema up to date and exits 0 without serving (an upgrade
// step for a large database); it refuses a database another orchestrator is using.
TEST_F(OrchestratorE2eTest, MigrateOnlyUpdatesTheStoreAndExitsWithoutServing) {
  const std::vector<std::string> migrate = {BinaryPath("armature-orchestrator"),
                                            "--listen=127.0.0.1:0", "--metrics_listen=off",
                                            "--store=sqlite://" + db_, "--migrate_only"};
  auto r = testing::RunCommand(migrate, "", seconds(30));
  EXPECT_EQ(r.exit_code, 0) << r.output;
  EXPECT_THAT(r.output, HasSubstr("store_migrated"));
  EXPECT_THAT(r.output, HasSubstr("schema_version=2"));
  EXPECT_THAT(r.output, Not(HasSubstr("\"event\":\"listening\"")));
  EXPECT_EQ(InspectStore(db_)["schema_version"], 2);

  auto serving = StartOrchestrator(DownAddress(), DownAddress());
  ASSERT_FALSE(serving->grpc_address().empty());
  auto locked = testing::RunCommand(migrate, "", seconds(30));
  EXPECT_EQ(locked.exit_code, 2) << locked.output;
  EXPECT_THAT(locked.output, HasSubstr("another orchestrator is using " + db_));
  Stop(*serving);
}

// 1. GOAL, SCENE and PRODUCTION through armctl --wait; the RPCs through buf curl and
// reflection; a Python grpcio client waiting on one task and watching another.
TEST_F(OrchestratorE2eTest, FullFlowThroughArmctlBufCurlAndPython) {
  auto planner = StartBinary("armature-planner-arm");
  auto manifest = StartBinary("armature-manifest");
  auto orchestrator = StartOrchestrator(planner->grpc_address(), manifest->grpc_address());
  ASSERT_FALSE(orchestrator->grpc_address().empty());
  const std::string target = "--target=" + orchestrator->grpc_address();

  // armctl submit --wait, one task per kind, prints the finished result.
  auto goal = Armctl({"submit", "--wait", "Build and deploy a REST API with tests", "--constraint",
                      "Python only", target});
  ASSERT_EQ(goal.exit_code, 0) << goal.output;
  EXPECT_THAT(goal.output, HasSubstr("(GOAL): SUCCEEDED"));
  EXPECT_THAT(goal.output, HasSubstr("Plan:"));
  EXPECT_THAT(goal.output, HasSubstr("[judge]"));
  EXPECT_THAT(goal.output, HasSubstr("Rationale:"));

  auto scene = Armctl({"submit", "--wait", "--kind=scene",
                       "misty cyberpunk alley at night; light rain; orbit camera", target});
  ASSERT_EQ(scene.exit_code, 0) << scene.output;
  EXPECT_THAT(scene.output, HasSubstr("(SCENE): SUCCEEDED"));
  EXPECT_THAT(scene.output, HasSubstr("environment:"));
  EXPECT_THAT(scene.output, HasSubstr("camera:      orbit"));

  const std::string treatment = dir_ + "/treatment.md";
  WriteFile(treatment,
            "## Scene 1 - Hook (3s)\nNarration: Step one: pick footage.\nVisual: analyst opening "
            "a laptop\n\n## Scene 2 - Numbers\nVO: Sales grew.\nChart: Q1: 10, Q2: 14\n");
  auto production = Armctl({"submit", "--wait", "--kind=production", "--file=" + treatment,
                            "--context=duration_seconds=12", target});
  ASSERT_EQ(production.exit_code, 0) << production.output;
  EXPECT_THAT(production.output, HasSubstr("(PRODUCTION): SUCCEEDED"));
  EXPECT_THAT(production.output, HasSubstr("narration: Step one: pick footage."));
  EXPECT_THAT(production.output, HasSubstr("Jobs (DAG):"));
  EXPECT_THAT(production.output, HasSubstr("RENDER"));
  std::smatch match;
  ASSERT_TRUE(std::regex_search(production.output, match,
                                std::regex(R"(Task (\S+) \(PRODUCTION\): SUCCEEDED)")))
      << production.output;
  const std::string production_id = match[1];

  auto manifest_of = Armctl({"manifest-of", production_id, target});
  ASSERT_EQ(manifest_of.exit_code, 0) << manifest_of.output;
  EXPECT_THAT(manifest_of.output, HasSubstr("narration: Step one: pick footage."));
  EXPECT_THAT(manifest_of.output, HasSubstr("GENERATE_CHART"));
  auto get = Armctl({"get", production_id, target, "--json"});
  ASSERT_EQ(get.exit_code, 0) << get.output;
  const auto got = nlohmann::json::parse(get.output);
  EXPECT_EQ(got["task"]["status"], "SUCCEEDED");
  EXPECT_FALSE(got["task"]["plan"]["subtasks"].empty());
  EXPECT_EQ(got["task"]["manifest"]["scenes"].size(), 2u);
  auto watch = Armctl({"watch", production_id, target});
  EXPECT_EQ(watch.exit_code, 0) << watch.output;
  EXPECT_THAT(watch.output, HasSubstr("SUCCEEDED stage=build_manifest"));
  auto list = Armctl({"list", "--kind=production", target});
  ASSERT_EQ(list.exit_code, 0) << list.output;
  EXPECT_THAT(list.output, HasSubstr(production_id));

  // buf curl through reflection.
  const std::string address = orchestrator->grpc_address();
  const std::string url = "http://" + address + "/armature.v1.Orchestrator/";
  auto services = BufCurl(address, {"--list-services", "@ADDR"});
  ASSERT_EQ(services.exit_code, 0) << services.output;
  EXPECT_THAT(services.output, HasSubstr("armature.v1.Orchestrator"));

  auto submitted = BufCurl(
      address,
      {"-d", R"({"kind":"GOAL","text":"Write a CLI that converts CSV to JSON","wait":true})",
       url + "SubmitTask"});
  ASSERT_EQ(submitted.exit_code, 0) << submitted.output;
  const auto submit_json = nlohmann::json::parse(submitted.output);
  EXPECT_EQ(submit_json["task"]["status"], "SUCCEEDED") << submitted.output;
  EXPECT_GE(submit_json["task"]["plan"]["subtasks"].size(), 3u);
  const std::string goal_id = submit_json["task"]["id"];

  auto got_curl = BufCurl(address, {"-d", nlohmann::json{{"id", goal_id}}.dump(), url + "GetTask"});
  ASSERT_EQ(got_curl.exit_code, 0) << got_curl.output;
  const auto get_json = nlohmann::json::parse(got_curl.output);
  EXPECT_EQ(get_json["task"]["id"], goal_id);
  EXPECT_EQ(get_json["task"]["status"], "SUCCEEDED");
  EXPECT_EQ(get_json["task"]["kind"], "GOAL");

  auto listed = BufCurl(address, {"-d", R"({"kind":"GOAL","pageSize":1})", url + "ListTasks"});
  ASSERT_EQ(listed.exit_code, 0) << listed.output;
  const auto list_json = nlohmann::json::parse(listed.output);
  ASSERT_EQ(list_json["tasks"].size(), 1u);
  EXPECT_EQ(list_json["tasks"][0]["id"], goal_id);  // newest first
  EXPECT_FALSE(list_json.value("nextPageToken", "").empty());

  auto watched =
      BufCurl(address, {"-d", nlohmann::json{{"id", goal_id}}.dump(), url + "WatchTask"});
  ASSERT_EQ(watched.exit_code, 0) << watched.output;
  const auto events = ParseJsonStream(watched.output);
  ASSERT_EQ(events.size(), 1u) << watched.output;  // a finished task: its current state only
  EXPECT_EQ(events[0]["event"]["status"], "SUCCEEDED");
  EXPECT_EQ(events[0]["event"]["task"]["id"], goal_id);

  auto invalid = BufCurl(address, {"-d", R"({"text":"no kind"})", url + "SubmitTask"});
  EXPECT_NE(invalid.exit_code, 0);
  EXPECT_THAT(invalid.output, HasSubstr("invalid_argument"));
  EXPECT_THAT(invalid.output, HasSubstr("kind"));
  auto missing = BufCurl(address, {"-d", R"({"id":"no-such-task"})", url + "GetTask"});
  EXPECT_NE(missing.exit_code, 0);
  EXPECT_THAT(missing.output, HasSubstr("not_found"));

  // Python grpcio.
  auto python = testing::RunCommand(
      {PythonPath(), SourcePath("tests/e2e/orchestrator_client.py"), DescriptorSetPath(), address},
      "", seconds(120));
  ASSERT_EQ(python.exit_code, 0) << python.output;
  const auto py = nlohmann::json::parse(python.output);
  EXPECT_EQ(py["waited"]["status"], "SUCCEEDED");
  EXPECT_GE(py["waited"]["steps"].get<int>(), 3);
  EXPECT_EQ(py["waited"]["deduplicated"], false);
  // A finished task's watch: its current state, then the end of the stream.
  ASSERT_EQ(py["watch_finished"].size(), 1u) << python.output;
  EXPECT_EQ(py["watch_finished"][0]["status"], "SUCCEEDED");
  {
    OrchestratorClient client(address);
    grpc::Status status;
    const std::vector<TaskEvent> current = client.Watch(py["waited"]["id"], &status);
    ASSERT_EQ(current.size(), 1u);
    EXPECT_EQ(py["watch_finished"][0]["sequence"].get<int64_t>(), current[0].sequence());
    EXPECT_EQ(client.Get(py["waited"]["id"]).status(), v1::SUCCEEDED);
  }
  // A live watch: every change in order (strictly increasing, here consecutive, sequences),
  // ending at SUCCEEDED.
  const auto& live = py["watch_live"];
  ASSERT_FALSE(live.empty()) << python.output;
  for (size_t i = 1; i < live.size(); ++i) {
    EXPECT_EQ(live[i]["sequence"].get<int>(), live[i - 1]["sequence"].get<int>() + 1)
        << python.output;
  }
  const Task scene_task = OrchestratorClient(address).Get(py["scene_id"]);
  EXPECT_EQ(live.back()["status"], "SUCCEEDED") << python.output;
  EXPECT_EQ(scene_task.status(), v1::SUCCEEDED);
  EXPECT_TRUE(scene_task.has_scene_plan());

  Stop(*orchestrator);
  Stop(*planner);
  Stop(*manifest);
}

// 2. Calls are balanced round-robin over three planner replicas; killing one mid-run fails
// no task.
TEST_F(OrchestratorE2eTest, RoundRobinOverThreeReplicasSurvivesOneKilled) {
  std::vector<std::unique_ptr<BinaryProcess>> replicas;
  std::vector<std::string> addresses;
  for (int i = 0; i < 3; ++i) {
    replicas.push_back(StartBinary("armature-planner-arm"));
    addresses.push_back(replicas.back()->grpc_address());
  }
  auto orchestrator =
      StartOrchestrator("ipv4:" + absl::StrJoin(addresses, ","), DownAddress(), {"--workers=8"});
  OrchestratorClient client(orchestrator->grpc_address());

  std::vector<std::string> ids;
  for (int i = 0; i < 60; ++i) {
    ids.push_back(client.SubmitId(
        Request(v1::GOAL, absl::StrCat("Round robin goal ", i, ": build a small web service"))));
  }
  std::map<std::string, Task> tasks;
  ASSERT_TRUE(client.WaitAllEnded(ids, seconds(90), &tasks));
  std::vector<double> served;
  for (const auto& replica : replicas) {
    served.push_back(
        Metric(*replica, "armature_grpc_server_handled_total", kPlanHandledOk).value_or(0));
  }
  std::cout << "[round robin] Plan calls served per replica: " << absl::StrJoin(served, ", ")
            << "\n";
  for (size_t i = 0; i < served.size(); ++i) {
    EXPECT_GE(served[i], 5) << "replica " << i << " at " << addresses[i] << " served too few";
  }
  EXPECT_GE(served[0] + served[1] + served[2], 60);

  // More tasks while one replica is killed with SIGKILL.
  std::mutex mu;
  std::atomic<int> accepted{0};
  std::thread submitter([&] {
    OrchestratorClient own(orchestrator->grpc_address());
    for (int i = 60; i < 150; ++i) {
      const std::string id =
          own.SubmitId(Request(v1::GOAL, absl::StrCat("Round robin goal ", i, ": build a CLI")));
      std::lock_guard<std::mutex> lock(mu);
      ids.push_back(id);
      ++accepted;
    }
  });
  EXPECT_TRUE(WaitUntil([&] { return accepted.load() >= 20; }, seconds(60)));
  replicas[1]->Signal(SIGKILL);
  EXPECT_EQ(replicas[1]->WaitExit(seconds(10)), 128 + SIGKILL);
  const double survivors_at_kill =
      Metric(*replicas[0], "armature_grpc_server_handled_total", kPlanHandledOk).value_or(0) +
      Metric(*replicas[2], "armature_grpc_server_handled_total", kPlanHandledOk).value_or(0);
  submitter.join();
  ASSERT_EQ(ids.size(), 150u);
  ASSERT_TRUE(client.WaitAllEnded(ids, seconds(120), &tasks));
  int succeeded = 0;
  for (const std::string& id : ids) {
    const Task& t = tasks.at(id);
    EXPECT_EQ(t.status(), v1::SUCCEEDED)
        << id << ": " << t.error().stage() << " " << t.error().code() << " " << t.error().reason();
    succeeded += t.status() == v1::SUCCEEDED;
  }
  EXPECT_EQ(succeeded, 150);
  const double survivors_after =
      Metric(*replicas[0], "armature_grpc_server_handled_total", kPlanHandledOk).value_or(0) +
      Metric(*replicas[2], "armature_grpc_server_handled_total", kPlanHandledOk).value_or(0);
  EXPECT_GT(survivors_after, survivors_at_kill);
  std::cout << "[round robin] after the kill the two survivors served "
            << survivors_after - survivors_at_kill << " more Plan calls; the orchestrator retried "
            << Metric(*orchestrator, "armature_downstream_retries_total",
                      R"(method="Plan",target="planner")")
                   .value_or(0)
            << " Plan calls\n";

  client.Close();
  Stop(*orchestrator);
  Stop(*replicas[0]);
  Stop(*replicas[2]);
}

// 3. The planner is down: tasks wait at their stage with attempts and the last error, the
// breaker opens, readiness stays ready, a short deadline fails its task; the planner comes up:
// every waiting task succeeds and the breaker closes.
TEST_F(OrchestratorE2eTest, ArmOutageTasksWaitBreakerOpensThenEverythingFinishes) {
  const std::string planner_address = DownAddress();
  auto orchestrator = StartOrchestrator(planner_address, DownAddress());
  OrchestratorClient client(orchestrator->grpc_address());

  std::vector<std::string> ids;
  for (int i = 0; i < 5; ++i) {
    ids.push_back(client.SubmitId(
        Request(v1::GOAL, absl::StrCat("Outage goal ", i, ": build a REST API"), "", 120)));
  }
  const std::string short_id =
      client.SubmitId(Request(v1::GOAL, "A goal with a three second deadline", "", 3));

  // Each waits at stage plan, with attempts and the last downstream error recorded.
  EXPECT_TRUE(WaitUntil(
      [&] {
        for (const std::string& id : ids) {
          const Task t = client.Get(id);
          if (t.status() != v1::PLANNING || t.attempts() == 0 || t.last_error().empty()) {
            return false;
          }
        }
        return true;
      },
      seconds(30)));
  const Task waiting = client.Get(ids[0]);
  EXPECT_EQ(waiting.status(), v1::PLANNING);
  EXPECT_EQ(waiting.stage(), "plan");
  EXPECT_GT(waiting.attempts(), 0);
  EXPECT_THAT(waiting.last_error(), HasSubstr("UNAVAILABLE"));

  // The breaker opens.
  EXPECT_TRUE(WaitUntil(
      [&] {
        return Metric(*orchestrator, "armature_downstream_breaker_state", BreakerLabels("OPEN")) ==
               1.0;
      },
      seconds(30), milliseconds(20)));
  // Calls refused by the open breaker never reach the network.
  EXPECT_TRUE(WaitUntil(
      [&] {
        return Metric(*orchestrator, "armature_downstream_breaker_refusals_total",
                      R"(reason="open",target="planner")")
                   .value_or(0) > 0;
      },
      seconds(30)));
  std::cout << "[outage] breaker OPEN seen; task " << ids[0] << " attempts "
            << client.Get(ids[0]).attempts() << ", last error: " << client.Get(ids[0]).last_error()
            << "\n";

  // Readiness: ready, with the planner check failing but informational.
  const v1::GetReadinessResponse readiness = client.Readiness();
  EXPECT_TRUE(readiness.ready());
  bool saw_planner_check = false;
  for (const auto& check : readiness.checks()) {
    if (check.name() != "arm:planner") continue;
    saw_planner_check = true;
    EXPECT_FALSE(check.ok()) << check.detail();
    EXPECT_FALSE(check.critical());
    EXPECT_THAT(check.detail(), HasSubstr(planner_address));
  }
  EXPECT_TRUE(saw_planner_check);
  EXPECT_EQ(client.Health("readiness"), grpc::health::v1::HealthCheckResponse::SERVING);

  // The task whose deadline passes while the arm is down fails at stage plan.
  EXPECT_TRUE(WaitUntil([&] { return IsTerminal(client.Get(short_id).status()); }, seconds(30)));
  const Task expired = client.Get(short_id);
  EXPECT_EQ(expired.status(), v1::FAILED);
  EXPECT_EQ(expired.error().stage(), "plan");
  EXPECT_EQ(expired.error().code(), "DEADLINE_EXCEEDED");
  EXPECT_THAT(expired.error().reason(), HasSubstr("deadline"));
  for (const std::string& id : ids) EXPECT_EQ(client.Get(id).status(), v1::PLANNING) << id;

  // The planner comes up on the address the orchestrator was given.
  auto planner = StartBinary("armature-planner-arm", {"--listen=" + planner_address});
  ASSERT_EQ(planner->grpc_address(), planner_address);
  const auto up = std::chrono::steady_clock::now();
  std::map<std::string, Task> tasks;
  ASSERT_TRUE(client.WaitAllEnded(ids, seconds(90), &tasks));
  std::cout
      << "[outage] all waiting tasks ended "
      << std::chrono::duration_cast<milliseconds>(std::chrono::steady_clock::now() - up).count()
      << " ms after the planner came up\n";
  for (const std::string& id : ids) {
    const Task& t = tasks.at(id);
    EXPECT_EQ(t.status(), v1::SUCCEEDED) << id << ": " << t.error().reason();
    EXPECT_TRUE(t.has_plan());
    EXPECT_TRUE(t.last_error().empty()) << t.last_error();
  }
  EXPECT_EQ(client.Get(short_id).status(), v1::FAILED);  // a terminal task never changes

  // The breaker closes again.
  EXPECT_TRUE(WaitUntil(
      [&] {
        return Metric(*orchestrator, "armature_downstream_breaker_state",
                      BreakerLabels("CLOSED")) == 1.0 &&
               Metric(*orchestrator, "armature_downstream_breaker_state", BreakerLabels("OPEN")) ==
                   0.0;
      },
      seconds(30)));
  EXPECT_GE(Metric(*orchestrator, "armature_downstream_breaker_transitions_total",
                   R"(from="CLOSED",target="planner",to="OPEN")")
                .value_or(0),
            1);
  EXPECT_GE(Metric(*orchestrator, "armature_downstream_breaker_transitions_total",
                   R"(from="HALF_OPEN",target="planner",to="CLOSED")")
                .value_or(0),
            1);
  EXPECT_TRUE(WaitUntil(
      [&] {
        const v1::GetReadinessResponse now = client.Readiness();
        for (const auto& check : now.checks()) {
          if (check.name() == "arm:planner") return check.ok();
        }
        return false;
      },
      seconds(30), milliseconds(200)));

  client.Close();
  Stop(*orchestrator);
  Stop(*planner);
}

// 4. kill -9 of the orchestrator during a run of a few hundred tasks, then a restart on the
// same database: every accepted task ends SUCCEEDED exactly once, with one plan.
TEST_F(OrchestratorE2eTest, KillNineDuringAFewHundredTasksLosesAndDuplicatesNothing) {
  constexpr int kTasks = 300;
  constexpr int kKillAfter = 150;
  constexpr int kSubmitters = 6;
  auto planner = StartBinary("armature-planner-arm");
  const std::string manifest_address = DownAddress();
  auto orchestrator = StartOrchestrator(planner->grpc_address(), manifest_address, {"--workers=2"});
  const auto key_of = [](int i) {
    return i % 3 == 0 ? absl::StrCat("kill9-key-", i) : std::string();
  };
  const auto request_of = [&](int i) {
    return Request(v1::GOAL, absl::StrCat("Kill nine goal ", i, ": build a data pipeline"),
                   key_of(i), 600);
  };

  // Submitted from several threads, faster than two workers run them; the orchestrator is
  // killed while they do.
  std::mutex mu;
  std::map<int, std::string> accepted;  // submission index -> task id
  std::atomic<int> accepted_count{0};
  std::vector<std::thread> submitters;
  for (int t = 0; t < kSubmitters; ++t) {
    submitters.emplace_back([&, t] {
      OrchestratorClient own(orchestrator->grpc_address());
      for (int i = t; i < kTasks; i += kSubmitters) {
        v1::SubmitTaskResponse response;
        if (own.Submit(request_of(i), &response, seconds(5)).ok()) {
          std::lock_guard<std::mutex> lock(mu);
          accepted[i] = response.task().id();
          ++accepted_count;
        }
      }
    });
  }
  {
    OrchestratorClient client(orchestrator->grpc_address());
    EXPECT_TRUE(WaitUntil(
        [&] {
          if (accepted_count.load() < kKillAfter) return false;
          std::lock_guard<std::mutex> lock(mu);
          Task first;
          return client.Get(accepted.begin()->second, &first).ok() &&
                 first.status() == v1::SUCCEEDED;
        },
        seconds(60), milliseconds(5)));
  }
  orchestrator->Signal(SIGKILL);
  // EXPECT, not ASSERT: the submitters must be joined first.
  EXPECT_EQ(orchestrator->WaitExit(seconds(10)), 128 + SIGKILL);
  for (std::thread& t : submitters) t.join();
  const size_t accepted_before_kill = accepted.size();
  ASSERT_GE(accepted_before_kill, static_cast<size_t>(kKillAfter));

  // What the killed process left in the database: every accepted task, many not yet ended.
  auto at_kill = InspectStore(db_);
  std::map<int, int> by_status;
  for (const auto& [id, t] : at_kill["tasks"].items()) ++by_status[t["status"].get<int>()];
  for (const auto& [i, id] : accepted) {
    EXPECT_TRUE(at_kill["tasks"].contains(id)) << "task " << id << " was answered, not persisted";
  }
  std::cout << "[kill -9] accepted before the kill: " << accepted_before_kill
            << "; in the database at the kill:";
  for (const auto& [status, n] : by_status) {
    std::cout << " " << v1::TaskStatus_Name(static_cast<v1::TaskStatus>(status)) << "=" << n;
  }
  std::cout << "\n";
  EXPECT_GT(at_kill["tasks"].size(), static_cast<size_t>(by_status[v1::SUCCEEDED]))
      << "the kill came after every task had ended: nothing was resumed";

  // Restart on the same database; what was not accepted is submitted again.
  auto restarted = StartOrchestrator(planner->grpc_address(), manifest_address, {"--workers=8"});
  ASSERT_FALSE(restarted->grpc_address().empty());
  OrchestratorClient client(restarted->grpc_address());
  for (const auto& [i, id] : accepted) {
    Task t;
    ASSERT_TRUE(client.Get(id, &t).ok()) << "task " << id << " accepted before the kill is lost";
  }
  for (int i = 0; i < kTasks; ++i) {
    if (accepted.count(i) != 0) continue;
    v1::SubmitTaskResponse response;
    const grpc::Status status = client.Submit(request_of(i), &response);
    ASSERT_TRUE(status.ok()) << status.error_message();
    accepted[i] = response.task().id();
  }
  // Resubmitting with an idempotency key after the restart returns the same task.
  int deduplicated = 0;
  for (const auto& [i, id] : accepted) {
    if (key_of(i).empty() || deduplicated >= 20) continue;
    v1::SubmitTaskResponse response;
    ASSERT_TRUE(client.Submit(request_of(i), &response).ok());
    EXPECT_TRUE(response.deduplicated()) << i;
    EXPECT_EQ(response.task().id(), id) << i;
    ++deduplicated;
  }
  EXPECT_EQ(deduplicated, 20);

  std::vector<std::string> ids;
  for (const auto& [i, id] : accepted) ids.push_back(id);
  ASSERT_EQ(std::set<std::string>(ids.begin(), ids.end()).size(), static_cast<size_t>(kTasks));
  std::map<std::string, Task> tasks;
  ASSERT_TRUE(client.WaitAllEnded(ids, seconds(120), &tasks));
  for (const std::string& id : ids) {
    const Task& t = tasks.at(id);
    EXPECT_EQ(t.status(), v1::SUCCEEDED) << id << ": " << t.error().reason();
    EXPECT_TRUE(t.has_plan()) << id;
  }
  // Every task in the store ended SUCCEEDED (also one whose answer the kill swallowed).
  for (const auto& [id, t] : tasks) EXPECT_EQ(t.status(), v1::SUCCEEDED) << id;
  // A finished task's watch: exactly its current state, SUCCEEDED, then the end of the stream.
  for (const std::string& id : ids) {
    grpc::Status status;
    const std::vector<TaskEvent> events = client.Watch(id, &status, seconds(10));
    EXPECT_TRUE(status.ok()) << status.error_message();
    ASSERT_EQ(events.size(), 1u) << id;
    EXPECT_EQ(events[0].status(), v1::SUCCEEDED) << id;
    EXPECT_EQ(events[0].task().id(), id);
  }
  client.Close();
  Stop(*restarted);

  // The full history, read from the database after the stop: per task, contiguous sequences,
  // one PLANNED (one plan) and exactly one SUCCEEDED, as the last event.
  const auto store = InspectStore(db_);
  EXPECT_EQ(store["schema_version"], 2);
  EXPECT_EQ(store["tasks"].size(), tasks.size());
  size_t events_total = 0;
  for (const std::string& id : ids) {
    ASSERT_TRUE(store["tasks"].contains(id)) << id;
    const auto& t = store["tasks"][id];
    EXPECT_EQ(t["status"], v1::SUCCEEDED) << id;
    EXPECT_TRUE(t["has_plan"].get<bool>()) << id;
    const auto& events = t["events"];
    ASSERT_FALSE(events.empty()) << id;
    int succeeded = 0, planned = 0, pending = 0;
    for (size_t k = 0; k < events.size(); ++k) {
      EXPECT_EQ(events[k][0], static_cast<int>(k) + 1) << id << ": sequences not contiguous";
      const int status = events[k][1];
      succeeded += status == v1::SUCCEEDED;
      planned += status == v1::PLANNED;
      pending += status == v1::PENDING;
      EXPECT_NE(status, v1::FAILED) << id;
      EXPECT_NE(status, v1::CANCELLED) << id;
    }
    EXPECT_EQ(succeeded, 1) << id << ": " << events.dump();
    EXPECT_EQ(planned, 1) << id << ": " << events.dump();
    EXPECT_EQ(pending, 1) << id << ": " << events.dump();
    EXPECT_EQ(events.back()[1], v1::SUCCEEDED) << id;
    EXPECT_EQ(t["last_event_sequence"], events.size()) << id;
    events_total += events.size();
  }
  std::cout << "[kill -9] " << ids.size() << " tasks, " << events_total
            << " events; every task SUCCEEDED exactly once\n";
  Stop(*planner);
}

// 5. A bad pipeline file stops start-up naming the file and the line; a second orchestrator
// on a database in use refuses to start naming the lock.
TEST_F(OrchestratorE2eTest, BadPipelineFileAndASecondOrchestratorOnTheDatabaseRefuseToStart) {
  struct Case {
    std::string yaml;
    int line;
    std::string names;
  };
  const std::vector<Case> cases = {
      {"tasks:\n  wait_initial_ms: 100\npipelines:\n  GOAL:\n    - stage: plan\n      arm: "
       "planner\n    - stage: deploy\n      arm: planner\n",
       7, "deploy"},
      {"tasks:\n  wait_initial_ms: 100\n  wait_maximum_ms: 200\n", 3, "wait_maximum_ms"},
      {"pipelines:\n  GOAL:\n    - stage: build_manifest\n      arm: planner\n", 4, "manifest"},
  };
  for (size_t i = 0; i < cases.size(); ++i) {
    const std::string file = absl::StrCat(dir_, "/bad-", i, ".yaml");
    WriteFile(file, cases[i].yaml);
    auto r = testing::RunCommand(
        {BinaryPath("armature-orchestrator"), "--listen=127.0.0.1:0", "--metrics_listen=off",
         "--store=sqlite://:memory:", "--pipeline_config=" + file},
        "", seconds(20));
    EXPECT_EQ(r.exit_code, 2) << r.output;
    EXPECT_THAT(r.output, HasSubstr(absl::StrCat(file, ":", cases[i].line, ":"))) << r.output;
    EXPECT_THAT(r.output, HasSubstr(cases[i].names)) << r.output;
    EXPECT_THAT(r.output, Not(HasSubstr("\"event\":\"listening\"")));
  }
  auto missing = testing::RunCommand(
      {BinaryPath("armature-orchestrator"), "--listen=127.0.0.1:0", "--metrics_listen=off",
       "--store=sqlite://:memory:", "--pipeline_config=" + dir_ + "/no-such.yaml"},
      "", seconds(20));
  EXPECT_EQ(missing.exit_code, 2) << missing.output;
  EXPECT_THAT(missing.output, HasSubstr(dir_ + "/no-such.yaml"));

  // One orchestrator per database.
  auto first = StartOrchestrator(DownAddress(), DownAddress());
  ASSERT_FALSE(first->grpc_address().empty());
  std::vector<std::string> argv = {BinaryPath("armature-orchestrator"), "--listen=127.0.0.1:0",
                                   "--metrics_listen=off"};
  for (const std::string& a : OrchestratorArgs(DownAddress(), DownAddress())) argv.push_back(a);
  auto second = testing::RunCommand(argv, "", seconds(20));
  EXPECT_EQ(second.exit_code, 2) << second.output;
  EXPECT_THAT(second.output, HasSubstr(db_ + ".lock"));
  EXPECT_THAT(second.output, HasSubstr("another orchestrator"));
  EXPECT_THAT(second.output, Not(HasSubstr("\"event\":\"listening\"")));
  // The first is unaffected.
  OrchestratorClient client(first->grpc_address());
  EXPECT_FALSE(client.SubmitId(Request(v1::GOAL, "still here")).empty());
  client.Close();
  Stop(*first);
  // Its lock went with it.
  auto third = StartOrchestrator(DownAddress(), DownAddress());
  EXPECT_FALSE(third->grpc_address().empty());
  Stop(*third);
}

// 6. SIGTERM while a WatchTask stream is open on a task waiting for a down arm: the stream
// ends UNAVAILABLE at once, the process exits 0 within the grace period, and after a restart
// the task resumes and finishes once the arm is up.
TEST_F(OrchestratorE2eTest, SigtermEndsWatchersAndTheTaskResumesAfterRestart) {
  const std::string planner_address = DownAddress();
  const std::string manifest_address = DownAddress();
  auto orchestrator =
      StartOrchestrator(planner_address, manifest_address, {"--shutdown_grace_seconds=5"});
  std::string id;
  {
    // Closed before the SIGTERM: gRPC's graceful shutdown also waits (seconds) for idle client
    // connections, and this test is about the watcher's.
    OrchestratorClient client(orchestrator->grpc_address());
    id = client.SubmitId(Request(v1::GOAL, "A goal that outlives its orchestrator", "", 300));
    ASSERT_TRUE(
        WaitUntil([&] { return client.Get(id).attempts() > 0; }, seconds(30), milliseconds(20)));
  }

  std::atomic<int> events_seen{0};
  std::future<grpc::Status> watch = std::async(std::launch::async, [&] {
    grpc::ClientContext context;
    context.set_deadline(std::chrono::system_clock::now() + seconds(120));
    v1::WatchTaskRequest request;
    request.set_id(id);
    auto stub = v1::Orchestrator::NewStub(
        grpc::CreateChannel(orchestrator->grpc_address(), grpc::InsecureChannelCredentials()));
    auto reader = stub->WatchTask(&context, request);
    v1::WatchTaskResponse response;
    while (reader->Read(&response)) ++events_seen;
    return reader->Finish();
  });
  // The current state, then at least one live change (a retry of the down arm).
  ASSERT_TRUE(WaitUntil([&] { return events_seen.load() >= 2; }, seconds(30), milliseconds(10)));

  const auto signalled = std::chrono::steady_clock::now();
  orchestrator->Signal(SIGTERM);
  ASSERT_EQ(watch.wait_for(seconds(3)), std::future_status::ready)
      << "the watch stream did not end after SIGTERM";
  const auto stream_ended = std::chrono::steady_clock::now();
  const grpc::Status status = watch.get();
  EXPECT_EQ(status.error_code(), grpc::StatusCode::UNAVAILABLE) << status.error_message();
  EXPECT_THAT(status.error_message(), HasSubstr("shutting down"));
  EXPECT_EQ(orchestrator->WaitExit(seconds(5)), 0) << "no exit within the 5 s grace period\n"
                                                   << orchestrator->Stderr();
  const auto exited = std::chrono::steady_clock::now();
  std::cout << "[sigterm] watch ended after "
            << std::chrono::duration_cast<milliseconds>(stream_ended - signalled).count()
            << " ms, process exited after "
            << std::chrono::duration_cast<milliseconds>(exited - signalled).count() << " ms\n";

  // Restarted with the arm still down: the task is kept, still waiting at its stage.
  auto restarted = StartOrchestrator(planner_address, manifest_address);
  ASSERT_FALSE(restarted->grpc_address().empty());
  OrchestratorClient again(restarted->grpc_address());
  const int attempts_before = again.Get(id).attempts();
  ASSERT_TRUE(WaitUntil([&] { return again.Get(id).attempts() > attempts_before; }, seconds(30)));
  EXPECT_EQ(again.Get(id).status(), v1::PLANNING);

  // The arm comes up: a watcher sees the task through to SUCCEEDED.
  std::future<std::vector<TaskEvent>> live = std::async(std::launch::async, [&] {
    grpc::Status s;
    auto events = OrchestratorClient(restarted->grpc_address()).Watch(id, &s, seconds(90));
    EXPECT_TRUE(s.ok()) << s.error_message();
    return events;
  });
  auto planner = StartBinary("armature-planner-arm", {"--listen=" + planner_address});
  ASSERT_EQ(live.wait_for(seconds(90)), std::future_status::ready);
  const std::vector<TaskEvent> events = live.get();
  ExpectOrderedEndingAt(events, v1::SUCCEEDED, "watch after restart");
  const Task done = again.Get(id);
  EXPECT_EQ(done.status(), v1::SUCCEEDED);
  EXPECT_TRUE(done.has_plan());

  again.Close();
  Stop(*restarted);
  Stop(*planner);
}

// 7. armctl cancel of a task waiting for a down arm; a second cancel is refused.
TEST_F(OrchestratorE2eTest, CancelAWaitingTaskWithArmctl) {
  auto orchestrator = StartOrchestrator(DownAddress(), DownAddress());
  const std::string target = "--target=" + orchestrator->grpc_address();
  OrchestratorClient client(orchestrator->grpc_address());
  const std::string id = client.SubmitId(Request(v1::GOAL, "A goal nobody can plan", "", 300));
  ASSERT_TRUE(WaitUntil([&] { return client.Get(id).attempts() > 0; }, seconds(30)));

  auto cancelled = Armctl({"cancel", id, "--reason=changed my mind", target});
  ASSERT_EQ(cancelled.exit_code, 0) << cancelled.output;
  EXPECT_THAT(cancelled.output, HasSubstr("(GOAL): CANCELLED"));
  const Task t = client.Get(id);
  EXPECT_EQ(t.status(), v1::CANCELLED);
  EXPECT_EQ(t.error().stage(), "plan");
  EXPECT_EQ(t.error().code(), "CANCELLED");
  EXPECT_EQ(t.error().reason(), "changed my mind");

  auto again = Armctl({"cancel", id, target});
  EXPECT_EQ(again.exit_code, 1) << again.output;
  EXPECT_THAT(again.output, HasSubstr("FAILED_PRECONDITION"));
  EXPECT_THAT(again.output, HasSubstr("CANCELLED"));
  auto unknown = Armctl({"cancel", "no-such-task", target});
  EXPECT_EQ(unknown.exit_code, 1) << unknown.output;
  EXPECT_THAT(unknown.output, HasSubstr("NOT_FOUND"));

  // The worker let go of it, and it stays cancelled.
  EXPECT_TRUE(WaitUntil(
      [&] { return Metric(*orchestrator, "armature_orchestrator_tasks_running", "") == 0.0; },
      seconds(10)));
  grpc::Status status;
  const std::vector<TaskEvent> events = client.Watch(id, &status, seconds(10));
  EXPECT_TRUE(status.ok()) << status.error_message();
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].status(), v1::CANCELLED);
  EXPECT_EQ(client.Get(id).status(), v1::CANCELLED);

  client.Close();
  Stop(*orchestrator);
}

}  // namespace
}  // namespace armature::e2e
