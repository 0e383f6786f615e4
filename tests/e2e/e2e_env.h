#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "tests/testing/process.h"

namespace armature::e2e {

// Paths baked in by CMake.
std::string BinaryPath(const std::string& name);  // e.g. "armature-planner-arm", "armctl"
std::string BufPath();
std::string PythonPath();
std::string DescriptorSetPath();
std::string SourcePath(const std::string& relative);

// Starts a binary on 127.0.0.1:0 for gRPC and metrics and waits for its listening line. The
// orchestrator gets --store=sqlite://:memory: unless `extra_args` names a --store, so that
// tests never share (and lock) a database file in the working directory.
std::unique_ptr<testing::BinaryProcess> StartBinary(const std::string& name,
                                                    std::vector<std::string> extra_args = {});

// `buf curl` through reflection against `address` (plain HTTP/2, gRPC protocol).
testing::CommandResult BufCurl(const std::string& address, const std::vector<std::string>& args);

// A new, empty directory under the test temp dir, unique per call (CTest may run tests in
// parallel, and they share the temp dir).
std::string MakeTempDir(const std::string& stem);

// Writes `text` to `path`, replacing it (a test failure when it cannot).
void WriteFile(const std::string& path, const std::string& text);

// A TCP port on 127.0.0.1 that was free a moment ago: bound to port 0, then released, for a
// server that a test starts later (e.g. an arm that is "down" until then).
int FreePort();

// Calls `condition` every `interval` until it returns true (then true) or `timeout` has passed
// (then false). For waiting on another process's progress without fixed sleeps.
bool WaitUntil(const std::function<bool()>& condition, std::chrono::milliseconds timeout,
               std::chrono::milliseconds interval = std::chrono::milliseconds(50));

}  // namespace armature::e2e
