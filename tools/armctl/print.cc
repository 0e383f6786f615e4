#include "tools/armctl/print.h"

#include <algorithm>
#include <map>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/time/time.h"
#include "google/protobuf/util/json_util.h"

namespace armature::armctl {
namespace {

using armature::v1::Task;

std::string ToJson(const google::protobuf::Message& message, bool pretty) {
  std::string out;
  google::protobuf::util::JsonPrintOptions options;
  options.add_whitespace = pretty;
  options.always_print_primitive_fields = true;
  options.preserve_proto_field_names = true;
  (void)google::protobuf::util::MessageToJsonString(message, &out, options);
  while (!out.empty() && out.back() == '\n') out.pop_back();
  return out;
}

void PrintError(std::ostream& out, const armature::v1::TaskError& error) {
  out << absl::StrFormat("error:       stage %s, %s: %s\n",
                         error.stage().empty() ? "-" : error.stage(),
                         error.code().empty() ? "-" : error.code(), error.reason());
}

void PrintResult(std::ostream& out, const Task& task) {
  switch (task.kind()) {
    case armature::v1::GOAL:
      if (task.has_plan()) {
        out << "\nPlan:\n";
        PrintPlan(out, task.plan());
      }
      break;
    case armature::v1::SCENE:
      if (task.has_scene_plan()) {
        out << "\nScene plan:\n";
        PrintScenePlan(out, task.scene_plan());
      }
      break;
    case armature::v1::PRODUCTION:
      if (task.has_manifest()) {
        out << "\n";
        PrintManifest(out, task.manifest(), task.jobs());
      } else if (task.has_plan()) {
        out << "\nPlan (manifest not built):\n";
        PrintPlan(out, task.plan());
      }
      break;
    default:
      break;
  }
}

}  // namespace

void PrintJson(std::ostream& out, const google::protobuf::Message& message) {
  out << ToJson(message, /*pretty=*/true) << "\n";
}

void PrintJsonLine(std::ostream& out, const google::protobuf::Message& message) {
  out << ToJson(message, /*pretty=*/false) << "\n";
}

std::string Minutes(int64_t seconds) {
  if (seconds < 60) return absl::StrFormat("%ds", seconds);
  if (seconds < 3600) return absl::StrFormat("%dm%02ds", seconds / 60, seconds % 60);
  return absl::StrFormat("%dh%02dm", seconds / 3600, (seconds % 3600) / 60);
}

std::string FormatTimestamp(const google::protobuf::Timestamp& ts) {
  if (ts.seconds() == 0 && ts.nanos() == 0) return "-";
  return absl::FormatTime("%Y-%m-%dT%H:%M:%SZ", absl::FromUnixSeconds(ts.seconds()),
                          absl::UTCTimeZone());
}

std::string Abbreviate(std::string_view text, size_t max_chars) {
  std::string out;
  size_t chars = 0;
  bool space = false;
  for (size_t i = 0; i < text.size();) {
    const unsigned char c = static_cast<unsigned char>(text[i]);
    if (absl::ascii_isspace(c)) {
      space = !out.empty();
      ++i;
      continue;
    }
    // Length of this UTF-8 sequence (a stray continuation byte counts as one).
    size_t len = 1;
    if (c >= 0xF0) {
      len = 4;
    } else if (c >= 0xE0) {
      len = 3;
    } else if (c >= 0xC0) {
      len = 2;
    }
    len = std::min(len, text.size() - i);
    if (chars + (space ? 1 : 0) + 1 > max_chars) return out + "...";
    if (space) {
      out += ' ';
      ++chars;
      space = false;
    }
    out.append(text.substr(i, len));
    ++chars;
    i += len;
  }
  return out;
}

void PrintPlan(std::ostream& out, const armature::v1::Plan& p, bool cached) {
  out << absl::StrFormat(
      "backend %s%s, %d steps, critical path %s, confidence %.2f, complexity %.2f\n\n", p.backend(),
      cached ? " (cached)" : "", p.subtasks_size(), Minutes(p.total_estimated_duration_seconds()),
      p.confidence(), p.complexity_score());
  for (const auto& s : p.subtasks()) {
    std::vector<std::string> deps;
    for (int d : s.depends_on()) deps.push_back(std::to_string(d));
    out << absl::StrFormat("%2d. [%s] %s\n", s.step(), s.required_arm(), s.action());
    out << absl::StrFormat("      after: %s   cost tier %d   ~%s\n",
                           deps.empty() ? "(start)" : absl::StrJoin(deps, ", "),
                           s.estimated_cost_tier(), Minutes(s.estimated_duration_seconds()));
    for (const auto& a : s.acceptance_criteria()) out << "      - " << a << "\n";
  }
  out << "\nRationale: " << p.rationale() << "\n";
  for (const auto& w : p.warnings()) out << "warning: " << w << "\n";
}

void PrintScenePlan(std::ostream& out, const armature::v1::ScenePlan& s) {
  out << absl::StrFormat("environment: %s, %s, %s\n", s.environment().theme(),
                         s.environment().weather(), s.environment().time_of_day());
  for (const auto& o : s.objects()) {
    out << absl::StrFormat("object:      %d x %s%s\n", o.count(), o.type(),
                           o.tags().empty() ? "" : " (" + absl::StrJoin(o.tags(), ", ") + ")");
  }
  for (const auto& ch : s.characters()) {
    out << absl::StrFormat("character:   %s, %s\n", ch.rig(), ch.motion());
  }
  out << absl::StrFormat("camera:      %s for %.1fs\n", s.camera().path(),
                         s.camera().duration_seconds());
  out << absl::StrFormat("audio:       music %s; sfx %s\n", s.audio().music(),
                         s.audio().sfx().empty() ? "(none)" : absl::StrJoin(s.audio().sfx(), ", "));
  out << "backend:     " << s.backend() << "\n";
  for (const auto& w : s.warnings()) out << "warning: " << w << "\n";
}

void PrintManifest(std::ostream& out, const armature::v1::ProductionManifest& m,
                   const google::protobuf::RepeatedPtrField<armature::v1::Job>& jobs,
                   std::string_view header_notes) {
  const auto& md = m.metadata();
  out << absl::StrFormat("Manifest %s%s: %.1fs, %s, %s, %s, %s%s\n", m.id(),
                         md.title().empty() ? "" : " \"" + md.title() + "\"", md.duration_seconds(),
                         md.aspect_ratio(), md.platform(), md.language(), md.profile(),
                         header_notes);
  out << "\nScenes:\n";
  for (const auto& s : m.scenes()) {
    out << absl::StrFormat("  %-4s %6.1fs-%6.1fs  %-15s %s\n", s.id(), s.start_at_seconds(),
                           s.start_at_seconds() + s.duration_seconds(), s.purpose(), s.title());
    if (!s.narration().empty()) out << "       narration: " << s.narration() << "\n";
    for (const auto& v : s.visuals()) {
      out << absl::StrFormat("       visual: %s %s: %s\n", v.type(), v.asset_id(), v.prompt());
    }
    for (const auto& t : s.on_screen_text()) out << "       on screen: " << t << "\n";
    if (s.has_chart()) {
      std::vector<std::string> points;
      for (const auto& p : s.chart().points()) {
        points.push_back(absl::StrFormat("%s=%g", p.label(), p.value()));
      }
      out << "       chart: " << s.chart().kind() << " " << absl::StrJoin(points, ", ") << "\n";
    }
    for (const auto& n : s.notes()) out << "       note: " << n << "\n";
  }
  if (!m.audio_cues().empty()) {
    out << "\nAudio:\n";
    for (const auto& a : m.audio_cues()) {
      out << absl::StrFormat("  %-10s %6.1fs-%6.1fs  %-8s %s\n", a.id(), a.start_at_seconds(),
                             a.start_at_seconds() + a.duration_seconds(), a.type(),
                             a.description());
    }
  }
  out << "\nJobs (DAG):\n";
  for (const auto& j : jobs) {
    out << absl::StrFormat(
        "  %-28s %-15s priority %-2d %-18s after: %s\n", j.id(),
        armature::v1::JobType_Name(j.type()), j.priority(), j.provider(),
        j.depends_on().empty() ? "(start)" : absl::StrJoin(j.depends_on(), ", "));
  }
}

void PrintTask(std::ostream& out, const Task& task, TaskDetail detail) {
  out << absl::StrFormat("Task %s (%s): %s\n", task.id(), armature::v1::TaskKind_Name(task.kind()),
                         armature::v1::TaskStatus_Name(task.status()));
  if (detail == TaskDetail::kFull) {
    out << "text:        " << Abbreviate(task.text(), 72);
    if (task.text().size() > 72) out << absl::StrFormat(" (%d bytes)", task.text().size());
    out << "\n";
    if (!task.constraints().empty()) {
      out << "constraints: " << absl::StrJoin(task.constraints(), "; ") << "\n";
    }
    if (!task.context().empty()) {
      // Sorted: a proto map has no stable order.
      std::map<std::string, std::string> context(task.context().begin(), task.context().end());
      out << "context:     " << absl::StrJoin(context, ", ", absl::PairFormatter("=")) << "\n";
    }
    if (!task.idempotency_key().empty()) {
      out << "idempotency: " << task.idempotency_key() << "\n";
    }
  }
  out << "stage:       " << (task.stage().empty() ? "-" : task.stage()) << "\n";
  out << "attempts:    " << task.attempts() << "\n";
  if (!task.last_error().empty()) out << "last error:  " << task.last_error() << "\n";
  if (task.has_error()) PrintError(out, task.error());
  if (detail == TaskDetail::kFull) {
    out << "created:     " << FormatTimestamp(task.created_at()) << "\n";
    out << "updated:     " << FormatTimestamp(task.updated_at()) << "\n";
    out << "deadline:    " << FormatTimestamp(task.deadline()) << "\n";
  }
  PrintResult(out, task);
}

std::string FormatEvent(const armature::v1::TaskEvent& event) {
  std::string line = absl::StrFormat("#%d %s stage=%s", event.sequence(),
                                     armature::v1::TaskStatus_Name(event.status()),
                                     event.stage().empty() ? "-" : event.stage());
  if (!event.message().empty()) absl::StrAppend(&line, "  ", event.message());
  return line;
}

bool IsTerminal(armature::v1::TaskStatus status) {
  return status == armature::v1::SUCCEEDED || status == armature::v1::FAILED ||
         status == armature::v1::CANCELLED;
}

}  // namespace armature::armctl
