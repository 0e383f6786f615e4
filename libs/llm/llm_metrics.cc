#include "libs/llm/llm_metrics.h"

namespace armature::llm {

LlmMetrics::LlmMetrics(prometheus::Registry& registry)
    : calls_(prometheus::BuildCounter()
                 .Name("armature_llm_calls_total")
                 .Help("LLM provider calls by provider and outcome (success, error, rejected).")
                 .Register(registry)),
      seconds_(prometheus::BuildHistogram()
                   .Name("armature_llm_call_seconds")
                   .Help("Duration of LLM provider calls in seconds, retries included.")
                   .Register(registry)) {}

void LlmMetrics::Record(const CallRecord& record) {
  calls_
      .Add({{"provider", record.provider},
            {"outcome", std::string(CallOutcomeName(record.outcome))}})
      .Increment();
  seconds_
      .Add({{"provider", record.provider}},
           prometheus::Histogram::BucketBoundaries{0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 30, 60, 120})
      .Observe(absl::ToDoubleSeconds(record.latency));
}

}  // namespace armature::llm
