// Commands on the orchestrator's tasks: submit, get, watch, list, cancel, manifest-of.
#include <algorithm>
#include <fstream>
#include <iostream>
#include <optional>
#include <sstream>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_replace.h"
#include "armature/v1/orchestrator.grpc.pb.h"
#include "tools/armctl/cli.h"
#include "tools/armctl/print.h"

namespace armature::armctl {
namespace {

using armature::v1::Orchestrator;
using armature::v1::Task;
using armature::v1::TaskKind;
using armature::v1::TaskStatus;

// Largest page a ListTasks call may ask for.
constexpr int kMaxPageSize = 1000;

// "goal", "Scene", "PRODUCTION" -> the kind; nullopt for anything else.
std::optional<TaskKind> ParseKind(const std::string& name) {
  TaskKind kind;
  if (!armature::v1::TaskKind_Parse(absl::AsciiStrToUpper(name), &kind) ||
      kind == armature::v1::TASK_KIND_UNSPECIFIED) {
    return std::nullopt;
  }
  return kind;
}

// "succeeded", "building-manifest", "BUILDING_MANIFEST" -> the status; nullopt otherwise.
std::optional<TaskStatus> ParseStatus(const std::string& name) {
  TaskStatus status;
  const std::string upper = absl::StrReplaceAll(absl::AsciiStrToUpper(name), {{"-", "_"}});
  if (!armature::v1::TaskStatus_Parse(upper, &status) ||
      status == armature::v1::TASK_STATUS_UNSPECIFIED) {
    return std::nullopt;
  }
  return status;
}

// Contents of `path` ("-" = stdin), or nullopt when it cannot be read.
std::optional<std::string> ReadText(const std::string& path) {
  std::stringstream text;
  if (path == "-") {
    text << std::cin.rdbuf();
    return text.str();
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) return std::nullopt;
  text << in.rdbuf();
  if (in.bad()) return std::nullopt;
  return text.str();
}

// Exit code for a task whose result the caller waited for.
int ExitFor(TaskStatus status) { return status == armature::v1::SUCCEEDED ? kOk : kFailed; }

// The one ID argument of get, watch, cancel and manifest-of.
std::optional<std::string> TaskId(const std::string& command, const std::vector<std::string>& args,
                                  int* exit_code) {
  if (args.size() != 1 || args[0].empty()) {
    *exit_code = UsageError(absl::StrCat(command, " takes exactly one argument, the task id"));
    return std::nullopt;
  }
  return args[0];
}

std::string StatusName(TaskStatus status) { return armature::v1::TaskStatus_Name(status); }

void PrintTable(const std::vector<const Task*>& tasks) {
  if (tasks.empty()) {
    std::cout << "(no tasks)\n";
    return;
  }
  std::vector<std::vector<std::string>> rows = {
      {"ID", "KIND", "STATUS", "STAGE", "CREATED", "TEXT"}};
  for (const Task* t : tasks) {
    rows.push_back({t->id(), armature::v1::TaskKind_Name(t->kind()), StatusName(t->status()),
                    t->stage().empty() ? "-" : t->stage(), FormatTimestamp(t->created_at()),
                    Abbreviate(t->text(), 40)});
  }
  std::vector<size_t> width(rows[0].size(), 0);
  for (const auto& row : rows) {
    for (size_t i = 0; i < row.size(); ++i) width[i] = std::max(width[i], row[i].size());
  }
  for (const auto& row : rows) {
    std::string line;
    for (size_t i = 0; i + 1 < row.size(); ++i) {
      absl::StrAppend(&line, row[i], std::string(width[i] - row[i].size() + 2, ' '));
    }
    absl::StrAppend(&line, row.back());
    std::cout << line << "\n";
  }
}

}  // namespace

int SubmitCommand(const Context& c, const std::vector<std::string>& args) {
  const CommandOptions& o = c.options;
  const std::optional<TaskKind> kind = ParseKind(o.kind.empty() ? "goal" : o.kind);
  if (!kind) {
    return UsageError(
        absl::StrFormat("submit: unknown --kind \"%s\" (want goal, scene or production)", o.kind));
  }
  std::string text;
  if (!o.file.empty()) {
    if (!args.empty()) return UsageError("submit: give the text or --file, not both");
    std::optional<std::string> read = ReadText(o.file);
    if (!read) return UsageError("submit: cannot read --file \"" + o.file + "\"");
    text = *std::move(read);
  } else {
    if (args.empty()) {
      return UsageError("submit: missing TEXT (the goal, scene prompt or treatment; quote it)");
    }
    if (args.size() > 1) {
      return UsageError(absl::StrFormat(
          "submit takes one TEXT argument (quote it), got %d arguments", args.size()));
    }
    text = args[0];
    if (*kind == armature::v1::PRODUCTION && text.size() > 1 && text[0] == '@') {
      std::optional<std::string> read = ReadText(text.substr(1));
      if (!read) return UsageError("submit: cannot read treatment file \"" + text.substr(1) + "\"");
      text = *std::move(read);
    }
  }
  if (absl::StripAsciiWhitespace(text).empty()) return UsageError("submit: the text is empty");
  if (o.deadline_seconds < 0) return UsageError("--deadline_seconds: must be >= 0");

  armature::v1::SubmitTaskRequest req;
  req.set_kind(*kind);
  req.set_text(text);
  for (const auto& k : o.constraints) req.add_constraints(k);
  for (const auto& [key, value] : o.context) (*req.mutable_context())[key] = value;
  req.set_idempotency_key(o.idempotency_key);
  req.set_wait(o.wait);
  req.set_deadline_seconds(o.deadline_seconds);

  auto stub = Orchestrator::NewStub(c.channel);
  grpc::ClientContext ctx;
  if (o.wait) {
    c.PrepareLong(&ctx,
                  o.deadline_seconds > 0 ? std::optional<int>(o.deadline_seconds) : std::nullopt);
  } else {
    c.Prepare(&ctx);
  }
  armature::v1::SubmitTaskResponse resp;
  const grpc::Status status = stub->SubmitTask(&ctx, req, &resp);
  if (!status.ok()) return CallFailed(c, "Orchestrator/SubmitTask", status, kFailed);
  const Task& task = resp.task();
  if (c.json) {
    PrintJson(std::cout, resp);
  } else if (!o.wait) {
    std::cout << absl::StrFormat("task %s %s%s\n", task.id(), StatusName(task.status()),
                                 resp.deduplicated() ? " (deduplicated)" : "");
  } else {
    if (resp.deduplicated()) std::cout << "(deduplicated: the idempotency key named this task)\n";
    PrintTask(std::cout, task, TaskDetail::kSummary);
  }
  if (!o.wait) return kOk;
  if (!IsTerminal(task.status())) {
    std::cerr << absl::StrFormat("armctl: task %s is still %s; the wait ended at its deadline\n",
                                 task.id(), StatusName(task.status()));
    return kFailed;
  }
  return ExitFor(task.status());
}

int GetCommand(const Context& c, const std::vector<std::string>& args) {
  int exit_code = kOk;
  const std::optional<std::string> id = TaskId("get", args, &exit_code);
  if (!id) return exit_code;
  auto stub = Orchestrator::NewStub(c.channel);
  grpc::ClientContext ctx;
  c.Prepare(&ctx);
  armature::v1::GetTaskRequest req;
  req.set_id(*id);
  armature::v1::GetTaskResponse resp;
  const grpc::Status status = stub->GetTask(&ctx, req, &resp);
  if (!status.ok()) return CallFailed(c, "Orchestrator/GetTask", status, kFailed);
  if (c.json) {
    PrintJson(std::cout, resp);
  } else {
    PrintTask(std::cout, resp.task(), TaskDetail::kFull);
  }
  return kOk;
}

int WatchCommand(const Context& c, const std::vector<std::string>& args) {
  int exit_code = kOk;
  const std::optional<std::string> id = TaskId("watch", args, &exit_code);
  if (!id) return exit_code;
  auto stub = Orchestrator::NewStub(c.channel);
  grpc::ClientContext ctx;
  c.PrepareLong(&ctx, std::nullopt);
  armature::v1::WatchTaskRequest req;
  req.set_id(*id);
  std::unique_ptr<grpc::ClientReader<armature::v1::WatchTaskResponse>> stream =
      stub->WatchTask(&ctx, req);
  armature::v1::WatchTaskResponse resp;
  std::optional<armature::v1::TaskEvent> last;
  while (stream->Read(&resp)) {
    // Flushed per event: the point of watch is to see each change as it happens.
    if (c.json) {
      PrintJsonLine(std::cout, resp);
    } else {
      std::cout << FormatEvent(resp.event()) << "\n";
    }
    std::cout.flush();
    last = resp.event();
    if (IsTerminal(last->status())) break;
  }
  if (last && IsTerminal(last->status())) {
    // The server ends the stream after a terminal event; do not wait for it to do so.
    ctx.TryCancel();
    (void)stream->Finish();
    if (!c.json && last->has_task()) {
      std::cout << "\n";
      PrintTask(std::cout, last->task(), TaskDetail::kSummary);
    }
    return ExitFor(last->status());
  }
  const grpc::Status status = stream->Finish();
  if (!status.ok()) return CallFailed(c, "Orchestrator/WatchTask", status, kFailed);
  std::cerr << absl::StrFormat("armctl: the watch of task %s ended before the task did%s\n", *id,
                               last ? " (last status " + StatusName(last->status()) + ")" : "");
  return kFailed;
}

int ListCommand(const Context& c, const std::vector<std::string>& args) {
  const CommandOptions& o = c.options;
  if (!args.empty()) return UsageError("list takes no arguments (filter with --status, --kind)");
  armature::v1::ListTasksRequest req;
  if (!o.status.empty()) {
    const std::optional<TaskStatus> status = ParseStatus(o.status);
    if (!status) {
      return UsageError(absl::StrFormat(
          "list: unknown --status \"%s\" (want pending, planning, planned, building_manifest, "
          "succeeded, failed or cancelled)",
          o.status));
    }
    req.set_status(*status);
  }
  if (!o.kind.empty()) {
    const std::optional<TaskKind> kind = ParseKind(o.kind);
    if (!kind) {
      return UsageError(
          absl::StrFormat("list: unknown --kind \"%s\" (want goal, scene or production)", o.kind));
    }
    req.set_kind(*kind);
  }
  if (o.page_size < 0 || o.page_size > kMaxPageSize) {
    return UsageError(
        absl::StrFormat("--page_size: must be 1-%d (0 = the server's default)", kMaxPageSize));
  }
  req.set_page_size(o.page_size);
  req.set_page_token(o.page_token);

  auto stub = Orchestrator::NewStub(c.channel);
  armature::v1::ListTasksResponse all;
  while (true) {
    grpc::ClientContext ctx;
    c.Prepare(&ctx);
    armature::v1::ListTasksResponse page;
    const grpc::Status status = stub->ListTasks(&ctx, req, &page);
    if (!status.ok()) return CallFailed(c, "Orchestrator/ListTasks", status, kFailed);
    for (auto& t : *page.mutable_tasks()) *all.add_tasks() = std::move(t);
    all.set_next_page_token(page.next_page_token());
    if (!o.all || page.next_page_token().empty()) break;
    if (page.next_page_token() == req.page_token()) {
      std::cerr << "armctl: ListTasks returned the same page token twice; stopping\n";
      return kFailed;
    }
    req.set_page_token(page.next_page_token());
  }
  if (c.json) {
    PrintJson(std::cout, all);
    return kOk;
  }
  std::vector<const Task*> tasks;
  for (const auto& t : all.tasks()) tasks.push_back(&t);
  PrintTable(tasks);
  if (!all.next_page_token().empty()) {
    std::cout << "next page token: " << all.next_page_token() << "\n";
  }
  return kOk;
}

int CancelCommand(const Context& c, const std::vector<std::string>& args) {
  int exit_code = kOk;
  const std::optional<std::string> id = TaskId("cancel", args, &exit_code);
  if (!id) return exit_code;
  auto stub = Orchestrator::NewStub(c.channel);
  grpc::ClientContext ctx;
  c.Prepare(&ctx);
  armature::v1::CancelTaskRequest req;
  req.set_id(*id);
  req.set_reason(c.options.reason);
  armature::v1::CancelTaskResponse resp;
  const grpc::Status status = stub->CancelTask(&ctx, req, &resp);
  if (!status.ok()) return CallFailed(c, "Orchestrator/CancelTask", status, kFailed);
  if (c.json) {
    PrintJson(std::cout, resp);
  } else {
    PrintTask(std::cout, resp.task(), TaskDetail::kSummary);
  }
  return kOk;
}

int GetManifestCommand(const Context& c, const std::vector<std::string>& args) {
  int exit_code = kOk;
  const std::optional<std::string> id = TaskId("manifest-of", args, &exit_code);
  if (!id) return exit_code;
  auto stub = Orchestrator::NewStub(c.channel);
  grpc::ClientContext ctx;
  c.Prepare(&ctx);
  armature::v1::GetManifestRequest req;
  req.set_task_id(*id);
  armature::v1::GetManifestResponse resp;
  const grpc::Status status = stub->GetManifest(&ctx, req, &resp);
  if (!status.ok()) return CallFailed(c, "Orchestrator/GetManifest", status, kFailed);
  if (c.json) {
    PrintJson(std::cout, resp);
  } else {
    PrintManifest(std::cout, resp.manifest(), resp.jobs());
  }
  return kOk;
}

}  // namespace armature::armctl
