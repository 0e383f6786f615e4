#pragma once

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

// Starts a binary on 127.0.0.1:0 for gRPC and metrics and waits for its listening line.
std::unique_ptr<testing::BinaryProcess> StartBinary(const std::string& name,
                                                    std::vector<std::string> extra_args = {});

// `buf curl` through reflection against `address` (plain HTTP/2, gRPC protocol).
testing::CommandResult BufCurl(const std::string& address, const std::vector<std::string>& args);

}  // namespace armature::e2e
