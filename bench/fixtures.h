#pragma once

#include <string>

namespace armature::bench {

// A video treatment in the common Markdown style: a title, style and music lines, then 20
// scenes of about 100 words (narration, visuals, some B-roll, charts, SFX and transitions)
// and a call to action; about 2,000 words. The same text in every benchmark (manifest_bench
// and the BuildManifest scenario of run_bench.py), so their numbers compare.
const std::string& Treatment2000Words();

}  // namespace armature::bench
