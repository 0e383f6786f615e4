#pragma once

#include <sys/types.h>

#include <cstdint>
#include <optional>

namespace armature::bench {

// What /proc says about one process at one moment.
struct ProcSample {
  // utime + stime of every thread, in seconds (/proc/PID/stat fields 14 and 15).
  double cpu_seconds = 0;
  // Resident set now and its peak (VmRSS and VmHWM of /proc/PID/status), in KiB.
  int64_t rss_kib = 0;
  int64_t hwm_kib = 0;
};

// Reads /proc/PID/stat and /proc/PID/status; nullopt when the process is gone.
std::optional<ProcSample> ReadProc(pid_t pid);

}  // namespace armature::bench
