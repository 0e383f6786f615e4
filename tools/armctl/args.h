// armctl's command-line parser: Abseil flags set from anywhere on the line, repeatable flags,
// and errors returned (not exit(1)) so that every usage problem ends with exit code 2.
#pragma once

#include <map>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"

namespace armature::armctl {

// ParsedArgs is a command line split into positional arguments and the flags it gave.
struct ParsedArgs {
  // Positional arguments in order (the command first).
  std::vector<std::string> positional;
  // Names of the flags given.
  std::set<std::string> given;
  // Every value of each repeatable flag given, in order.
  std::map<std::string, std::vector<std::string>> repeated;
  // --help, --helpfull, --helpshort or -h was given.
  bool help = false;
};

// Parses argv[1..] against the Abseil flags declared in files whose path contains `flag_files`
// (other linked-in flags are unknown to the user), setting each flag given. Flags may come
// before, between or after positional arguments, as --name=value, --name value (a value starting
// with "-", other than "-" itself, needs the = form) or -name...; bool flags also as --name and
// --noname. "--" ends the flags; "-" is positional. Flags named in `repeatable` collect every
// value into ParsedArgs::repeated and are not set. Errors (unknown flag, missing or malformed
// value) name the flag.
absl::StatusOr<ParsedArgs> ParseArgs(int argc, char** argv, const std::set<std::string>& repeatable,
                                     const std::string& flag_files);

// "  --name (default: value)\n      help\n" for each flag ParseArgs knows, sorted by name.
std::string FlagsHelp(const std::string& flag_files);

}  // namespace armature::armctl
