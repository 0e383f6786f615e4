#pragma once

#include <vector>

#include "armature/v1/arm_info.pb.h"
#include "libs/llm/provider_chain.h"

namespace armature::llm {

// The chain's providers as ArmInfo backends (state, calls, success rate, latency, detail),
// in chain order.
std::vector<v1::Backend> ChainBackends(const ProviderChain& chain);

}  // namespace armature::llm
