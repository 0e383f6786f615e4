#pragma once

namespace armature::manifest_service {

// A short three-scene treatment (timed, untimed and chart scenes, on-screen text, music) for the
// manifest service's tests.
inline constexpr char kTreatment[] = R"(# Launch video

## Scene 1 — Hook (4s)
Narration: Meet the fastest notebook we ever built.
Visual: close-up of a glowing laptop lid opening

## Scene 2 — Proof
VO: Battery life grew every quarter.
Chart: Q1: 10, Q2: 14, Q3: 19

## Scene 3 — Call to action
Narration: Order yours today.
On-screen text: Order now
Music: upbeat synth
)";

}  // namespace armature::manifest_service
