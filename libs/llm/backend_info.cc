#include "libs/llm/backend_info.h"

namespace armature::llm {
namespace {

v1::BackendState ToBackendState(ProviderState state) {
  switch (state) {
    case ProviderState::kAvailable:
      return v1::BACKEND_STATE_AVAILABLE;
    case ProviderState::kDegraded:
      return v1::BACKEND_STATE_DEGRADED;
    case ProviderState::kUnavailable:
      return v1::BACKEND_STATE_UNAVAILABLE;
    case ProviderState::kUnknown:
      return v1::BACKEND_STATE_UNSPECIFIED;
  }
  return v1::BACKEND_STATE_UNSPECIFIED;
}

}  // namespace

std::vector<v1::Backend> ChainBackends(const ProviderChain& chain) {
  std::vector<v1::Backend> out;
  for (const ProviderStats& s : chain.Stats()) {
    v1::Backend b;
    b.set_name(s.name);
    b.set_kind(s.kind);
    b.set_state(ToBackendState(s.state));
    b.set_calls_total(s.calls);
    b.set_success_rate(s.success_rate());
    b.set_observed_latency_ms(s.mean_latency_ms);
    b.set_detail(s.detail);
    out.push_back(std::move(b));
  }
  return out;
}

}  // namespace armature::llm
