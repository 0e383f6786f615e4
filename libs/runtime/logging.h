#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"

namespace armature::runtime {

enum class LogFormat { kText, kJson };
enum class LogLevel { kDebug, kInfo, kWarn, kError };

// ParseLogFormat accepts "text" or "json".
absl::StatusOr<LogFormat> ParseLogFormat(std::string_view name);

// One key/value pair of a log event.
using LogField = std::pair<std::string_view, std::string>;

// InitLogging sets the process-wide format and the `service` field stamped on every
// line. Lines go to stderr, one per event; stdout is kept for machine-readable output
// (the listening line).
void InitLogging(LogFormat format, std::string_view service);

// Log writes one event line: text `TIME LEVEL event key=value ...` or a JSON object
// {"ts","level","service","event",fields...}.
void Log(LogLevel level, std::string_view event, const std::vector<LogField>& fields = {});

// LogEnabled is false for lines Log would drop at `level`, so callers can skip building them.
bool LogEnabled(LogLevel level);

// FormatLogLine renders a line without writing it (used by Log and by tests).
std::string FormatLogLine(LogFormat format, LogLevel level, std::string_view service,
                          std::string_view timestamp, std::string_view event,
                          const std::vector<LogField>& fields);

}  // namespace armature::runtime
