#include "libs/runtime/logging.h"

#include <memory>
#include <mutex>

#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "nlohmann/json.hpp"
#include "spdlog/sinks/stdout_sinks.h"
#include "spdlog/spdlog.h"

namespace armature::runtime {
namespace {

struct LogState {
  LogFormat format = LogFormat::kText;
  std::string service = "armature";
  std::shared_ptr<spdlog::logger> logger;
};

LogState& State() {
  static LogState* state = [] {
    auto* s = new LogState();
    s->logger = spdlog::stderr_logger_mt("armature");
    s->logger->set_pattern("%v");
    s->logger->flush_on(spdlog::level::info);
    return s;
  }();
  return *state;
}

std::string_view LevelName(LogLevel level) {
  switch (level) {
    case LogLevel::kDebug:
      return "DEBUG";
    case LogLevel::kInfo:
      return "INFO";
    case LogLevel::kWarn:
      return "WARN";
    case LogLevel::kError:
      return "ERROR";
  }
  return "INFO";
}

// Quotes a text-format value when it has spaces, quotes or is empty.
std::string TextValue(std::string_view v) {
  if (!v.empty() && v.find_first_of(" \"=\t\n") == std::string_view::npos) return std::string(v);
  return nlohmann::json(std::string(v))
      .dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

}  // namespace

absl::StatusOr<LogFormat> ParseLogFormat(std::string_view name) {
  if (name == "text") return LogFormat::kText;
  if (name == "json") return LogFormat::kJson;
  return absl::InvalidArgumentError("log_format: must be \"text\" or \"json\", got \"" +
                                    std::string(name) + "\"");
}

void InitLogging(LogFormat format, std::string_view service) {
  LogState& s = State();
  s.format = format;
  s.service = std::string(service);
}

std::string FormatLogLine(LogFormat format, LogLevel level, std::string_view service,
                          std::string_view timestamp, std::string_view event,
                          const std::vector<LogField>& fields) {
  if (format == LogFormat::kJson) {
    nlohmann::ordered_json j;
    j["ts"] = timestamp;
    j["level"] = LevelName(level);
    j["service"] = service;
    j["event"] = event;
    for (const auto& [key, value] : fields) j[std::string(key)] = value;
    return j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  }
  std::string line;
  for (std::string_view part : {timestamp, std::string_view(" "), LevelName(level),
                                std::string_view(" "), service, std::string_view(" "), event}) {
    line.append(part);
  }
  for (const auto& [key, value] : fields) {
    line.append(" ").append(key).append("=").append(TextValue(value));
  }
  return line;
}

bool LogEnabled(LogLevel level) {
  static constexpr spdlog::level::level_enum kLevels[] = {spdlog::level::debug, spdlog::level::info,
                                                          spdlog::level::warn, spdlog::level::err};
  return State().logger->should_log(kLevels[static_cast<int>(level)]);
}

void Log(LogLevel level, std::string_view event, const std::vector<LogField>& fields) {
  LogState& s = State();
  // A line the logger would drop is not formatted at all (DEBUG lines of every health or ArmInfo
  // call, in the default configuration).
  if (!LogEnabled(level)) return;
  const std::string ts = absl::FormatTime("%Y-%m-%dT%H:%M:%E3SZ", absl::Now(), absl::UTCTimeZone());
  const std::string line = FormatLogLine(s.format, level, s.service, ts, event, fields);
  switch (level) {
    case LogLevel::kDebug:
      s.logger->debug("{}", line);
      break;
    case LogLevel::kInfo:
      s.logger->info("{}", line);
      break;
    case LogLevel::kWarn:
      s.logger->warn("{}", line);
      break;
    case LogLevel::kError:
      s.logger->error("{}", line);
      break;
  }
}

}  // namespace armature::runtime
