#include "tools/armctl/cli.h"

#include <iostream>

#include "libs/runtime/status.h"

namespace armature::armctl {

int CallFailed(const Context& c, std::string_view method, const grpc::Status& status,
               int exit_code) {
  std::cerr << "armctl: " << method << " on " << c.target
            << " failed: " << armature::runtime::StatusCodeName(status.error_code()) << ": "
            << status.error_message() << "\n";
  return exit_code;
}

int UsageError(std::string_view message) {
  std::cerr << "armctl: " << message << "\n";
  return kUsage;
}

}  // namespace armature::armctl
