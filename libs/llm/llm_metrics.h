#pragma once

#include "libs/llm/provider_chain.h"
#include "prometheus/counter.h"
#include "prometheus/family.h"
#include "prometheus/histogram.h"
#include "prometheus/registry.h"

namespace armature::llm {

// LlmMetrics records provider calls of a chain (wire Record into ChainDeps.on_call):
//   armature_llm_calls_total{provider,outcome}      success | error | rejected
//   armature_llm_call_seconds{provider}             histogram, retries and waits included
// Provider names never carry keys, so labels are safe.
class LlmMetrics {
 public:
  explicit LlmMetrics(prometheus::Registry& registry);
  void Record(const CallRecord& record);

 private:
  prometheus::Family<prometheus::Counter>& calls_;
  prometheus::Family<prometheus::Histogram>& seconds_;
};

}  // namespace armature::llm
