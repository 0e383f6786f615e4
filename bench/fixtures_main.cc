// bench_fixtures: writes the benchmark inputs that come from C++ into a directory, so that
// run_bench.py (standard-library Python) sends exactly what the micro-benchmarks use:
//   treatment_2000w.md   bench::Treatment2000Words()
// and prints {"treatment_2000w":{"path":...,"words":N,"bytes":N}} on stdout.
#include <fstream>
#include <iostream>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/flags/usage.h"
#include "bench/fixtures.h"
#include "libs/manifest/text.h"

ABSL_FLAG(std::string, out_dir, ".", "Directory to write the fixtures into (must exist).");

int main(int argc, char** argv) {
  absl::SetProgramUsageMessage(
      "bench_fixtures: writes benchmark inputs.\n\nUsage: bench_fixtures --out_dir=DIR");
  absl::ParseCommandLine(argc, argv);
  const std::string& text = armature::bench::Treatment2000Words();
  const std::string path = absl::GetFlag(FLAGS_out_dir) + "/treatment_2000w.md";
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << text;
  if (!out.flush()) {
    std::cerr << "bench_fixtures: cannot write " << path << "\n";
    return 1;
  }
  std::cout << R"({"treatment_2000w":{"path":")" << path << R"(","words":)"
            << armature::manifest::CountWords(text) << R"(,"bytes":)" << text.size() << "}}"
            << std::endl;
  return 0;
}
