// Human-readable and JSON printers shared by the armctl commands.
#pragma once

#include <cstdint>
#include <ostream>
#include <string>
#include <string_view>

#include "armature/v1/manifest.pb.h"
#include "armature/v1/orchestrator.pb.h"
#include "armature/v1/planner.pb.h"
#include "google/protobuf/message.h"
#include "google/protobuf/repeated_ptr_field.h"
#include "google/protobuf/timestamp.pb.h"

namespace armature::armctl {

// The message as JSON with proto field names and every field; pretty (multi-line) or one line.
void PrintJson(std::ostream& out, const google::protobuf::Message& message);
void PrintJsonLine(std::ostream& out, const google::protobuf::Message& message);

// 42 -> "42s", 125 -> "2m05s", 7300 -> "2h01m".
std::string Minutes(int64_t seconds);

// RFC 3339 at second resolution in UTC, e.g. "2024-05-01T12:00:03Z"; "-" when unset.
std::string FormatTimestamp(const google::protobuf::Timestamp& ts);

// `text` on one line (runs of whitespace become one space), cut to `max_chars` code points
// with "..." when longer.
std::string Abbreviate(std::string_view text, size_t max_chars);

// A plan: summary line, steps with arm, action, dependencies, cost, duration and acceptance
// criteria, rationale and warnings. `cached` marks a plan the planner served from its cache.
void PrintPlan(std::ostream& out, const armature::v1::Plan& plan, bool cached = false);

// A scene plan: environment, objects, characters, camera, audio, backend and warnings.
void PrintScenePlan(std::ostream& out, const armature::v1::ScenePlan& scene);

// A manifest: header (with `header_notes` appended, e.g. ", repaired"), timed scenes with
// narration, visuals, on-screen text and charts, audio cues, and the job DAG.
void PrintManifest(std::ostream& out, const armature::v1::ProductionManifest& manifest,
                   const google::protobuf::RepeatedPtrField<armature::v1::Job>& jobs,
                   std::string_view header_notes = "");

// How much of a task PrintTask shows.
enum class TaskDetail {
  // Header, stage, attempts, last error and error: after submit --wait and watch.
  kSummary,
  // Also text, constraints, context, idempotency key and timestamps: get.
  kFull,
};

// A task, then its result: the plan (GOAL), the scene plan (SCENE), or the manifest and jobs
// (PRODUCTION; its plan while the manifest is not built).
void PrintTask(std::ostream& out, const armature::v1::Task& task, TaskDetail detail);

// One WatchTask event on one line: "#3 PLANNING stage=plan  planner call failed: ...".
std::string FormatEvent(const armature::v1::TaskEvent& event);

// Whether a task status is final.
bool IsTerminal(armature::v1::TaskStatus status);

}  // namespace armature::armctl
