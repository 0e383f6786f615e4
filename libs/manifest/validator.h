#pragma once

#include <string_view>
#include <vector>

#include "armature/v1/manifest.pb.h"
#include "google/protobuf/repeated_ptr_field.h"

namespace armature::manifest {

// Rule names of Violation.rule, one per semantic rule.
inline constexpr std::string_view kRuleRequired = "required";  // a required field is empty
inline constexpr std::string_view kRuleDurationRange =
    "duration_range";  // total outside [1, 3600] s
inline constexpr std::string_view kRuleScenesPresent = "scenes_present";  // no scene
inline constexpr std::string_view kRuleUniqueId = "unique_id";  // scene, cue or job id repeats
inline constexpr std::string_view kRulePositiveDuration = "positive_duration";
inline constexpr std::string_view kRuleDurationSum =
    "duration_sum";                                               // scenes do not sum to the total
inline constexpr std::string_view kRuleStartTime = "start_time";  // start != previous end
inline constexpr std::string_view kRulePurpose = "purpose";       // not hook/body/call_to_action
inline constexpr std::string_view kRuleVisualType = "visual_type";  // not generated/stock/chart
inline constexpr std::string_view kRuleChartData = "chart_data";    // chart without (finite) points
inline constexpr std::string_view kRuleCueType = "cue_type";        // not music/sfx
inline constexpr std::string_view kRuleCueTiming = "cue_timing";    // cue outside the production
inline constexpr std::string_view kRuleUnknownReference =
    "unknown_reference";                                      // id that names nothing
inline constexpr std::string_view kRuleJobType = "job_type";  // unset or unknown job type
inline constexpr std::string_view kRulePriorityRange = "priority_range";  // priority outside 1-10
inline constexpr std::string_view kRuleAcyclic = "acyclic";               // dependency cycle
inline constexpr std::string_view kRuleSingleRender = "single_render";    // not exactly one RENDER
inline constexpr std::string_view kRuleRenderDependencies = "render_dependencies";
inline constexpr std::string_view kRuleAssetProduced =
    "asset_produced";  // nothing produces an asset

// Durations and start times may differ by this much (1 ms).
inline constexpr double kTimeToleranceSeconds = 0.001;

// ValidateManifest reports every violation of `manifest` and its `jobs`, each with a path such
// as "scenes[2].duration_seconds" and a message a person can act on. Manifest rules: required
// metadata (id, intent, aspect ratio, platform, language, profile, tone, voice id and language),
// total duration in [1, 3600] s, at least one scene, unique non-empty scene ids, purposes,
// positive durations summing to the total within 1 ms, start times that follow each other,
// visual types and their asset ids and prompts, chart data, cue ids/types/timing and scene
// references. With jobs (an empty list checks the manifest alone): unique non-empty job ids,
// types set, priorities 1-10, providers, dependencies naming existing jobs, no cycle, exactly one
// RENDER depending on every asset job, and every referenced asset produced by a job (generated
// images and charts by GENERATE_IMAGE/GENERATE_CHART result_asset_id, narration by a TTS job for
// the scene, music cues by a GENERATE_MUSIC job for the cue).
std::vector<armature::v1::Violation> ValidateManifest(
    const armature::v1::ProductionManifest& manifest, const std::vector<armature::v1::Job>& jobs);
// The manifest alone, without jobs.
std::vector<armature::v1::Violation> ValidateManifest(
    const armature::v1::ProductionManifest& manifest);
std::vector<armature::v1::Violation> ValidateManifest(
    const armature::v1::ProductionManifest& manifest,
    const google::protobuf::RepeatedPtrField<armature::v1::Job>& jobs);

}  // namespace armature::manifest
