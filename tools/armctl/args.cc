#include "tools/armctl/args.h"

#include <algorithm>
#include <optional>

#include "absl/flags/commandlineflag.h"
#include "absl/flags/reflection.h"
#include "absl/status/status.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"

namespace armature::armctl {
namespace {

absl::CommandLineFlag* Lookup(const std::string& name, const std::string& flag_files) {
  absl::CommandLineFlag* flag = absl::FindCommandLineFlag(name);
  if (flag == nullptr || !absl::StrContains(flag->Filename(), flag_files)) return nullptr;
  return flag;
}

}  // namespace

absl::StatusOr<ParsedArgs> ParseArgs(int argc, char** argv, const std::set<std::string>& repeatable,
                                     const std::string& flag_files) {
  ParsedArgs parsed;
  bool flags_ended = false;
  for (int i = 1; i < argc; ++i) {
    const std::string_view arg = argv[i];
    if (flags_ended || arg.size() < 2 || arg[0] != '-') {
      parsed.positional.emplace_back(arg);
      continue;
    }
    if (arg == "--") {
      flags_ended = true;
      continue;
    }
    std::string_view body = arg.substr(arg[1] == '-' ? 2 : 1);
    std::optional<std::string> value;
    if (const size_t eq = body.find('='); eq != std::string_view::npos) {
      value = std::string(body.substr(eq + 1));
      body = body.substr(0, eq);
    }
    const std::string name(body);
    if (name == "help" || name == "helpfull" || name == "helpshort" || name == "h") {
      parsed.help = true;
      continue;
    }
    absl::CommandLineFlag* flag = Lookup(name, flag_files);
    if (flag == nullptr && absl::StartsWith(name, "no") && !value) {
      flag = Lookup(name.substr(2), flag_files);
      if (flag != nullptr && !flag->IsOfType<bool>()) flag = nullptr;
      if (flag != nullptr) value = "false";
    }
    if (flag == nullptr) return absl::InvalidArgumentError(absl::StrCat("unknown flag --", name));
    const std::string flag_name(flag->Name());
    if (!value) {
      if (flag->IsOfType<bool>()) {
        value = "true";
      } else if (i + 1 < argc && (argv[i + 1][0] != '-' || argv[i + 1][1] == '\0')) {
        value = argv[++i];
      } else {
        // A following "-x" is taken for a flag, not a value: --name=-x passes one.
        return absl::InvalidArgumentError(absl::StrCat(
            "--", flag_name, " needs a value (--", flag_name, "=VALUE for one starting with -)"));
      }
    }
    parsed.given.insert(flag_name);
    if (repeatable.count(flag_name) > 0) {
      parsed.repeated[flag_name].push_back(*std::move(value));
      continue;
    }
    std::string error;
    if (!flag->ParseFrom(*value, &error)) {
      return absl::InvalidArgumentError(absl::StrCat("--", flag_name, ": ", error));
    }
  }
  return parsed;
}

std::string FlagsHelp(const std::string& flag_files) {
  std::vector<absl::CommandLineFlag*> flags;
  for (const auto& [name, flag] : absl::GetAllFlags()) {
    if (absl::StrContains(flag->Filename(), flag_files)) flags.push_back(flag);
  }
  std::sort(flags.begin(), flags.end(),
            [](const auto* a, const auto* b) { return a->Name() < b->Name(); });
  std::string out;
  for (const auto* flag : flags) {
    const std::string def = flag->DefaultValue();
    absl::StrAppend(&out, absl::StrFormat("  --%s (default: %s)\n      %s\n", flag->Name(),
                                          def.empty() ? "\"\"" : def, flag->Help()));
  }
  return out;
}

}  // namespace armature::armctl
