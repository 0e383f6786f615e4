#include "libs/llm/anthropic_provider.h"

#include <utility>

#include "absl/strings/str_cat.h"
#include "libs/llm/provider_http.h"
#include "libs/llm/redact.h"
#include "nlohmann/json.hpp"

namespace armature::llm {
namespace {

using nlohmann::json;

// Appended to the system prompt in json_mode.
constexpr absl::string_view kJsonInstruction =
    "Respond with a single JSON object only: no prose, no Markdown code fences.";

std::string DefaultName(const AnthropicOptions& options) {
  return options.name.empty() ? absl::StrCat("anthropic:", options.model) : options.name;
}

absl::Status Malformed(absl::string_view what) {
  return absl::InternalError(absl::StrCat("malformed Messages reply: ", what));
}

int64_t IntOr(const json& object, const char* key) {
  if (!object.is_object()) return 0;
  auto it = object.find(key);
  return it != object.end() && it->is_number_integer() ? it->get<int64_t>() : 0;
}

}  // namespace

std::string BuildAnthropicRequestBody(const AnthropicOptions& options, const LlmRequest& request) {
  std::string system = request.system;
  if (request.json_mode) {
    system = system.empty() ? std::string(kJsonInstruction)
                            : absl::StrCat(system, "\n\n", kJsonInstruction);
  }
  json body = {
      {"model", options.model},
      {"max_tokens", request.max_tokens},
      {"temperature", request.temperature},
      {"messages", json::array({{{"role", "user"}, {"content", request.user}}})},
  };
  if (!system.empty()) body["system"] = system;
  return body.dump(-1, ' ', false, json::error_handler_t::replace);
}

absl::StatusOr<LlmReply> ParseAnthropicReply(absl::string_view body,
                                             absl::string_view fallback_model) {
  const json parsed = json::parse(body, nullptr, /*allow_exceptions=*/false);
  if (parsed.is_discarded()) return Malformed("the body is not JSON");
  if (!parsed.is_object()) return Malformed("the body is not a JSON object");
  if (parsed.value("type", "") == "error") {
    std::string detail = "unknown error";
    if (auto error = parsed.find("error"); error != parsed.end() && error->is_object() &&
                                           error->contains("message") &&
                                           (*error)["message"].is_string()) {
      detail = (*error)["message"].get<std::string>();
    }
    return absl::InternalError(
        absl::StrCat("Messages reply carries an error: ", Truncate(detail, 300)));
  }
  auto content = parsed.find("content");
  if (content == parsed.end() || !content->is_array()) return Malformed("no content array");
  LlmReply reply;
  bool any_text = false;
  for (const json& block : *content) {
    if (!block.is_object() || block.value("type", "") != "text") continue;
    auto text = block.find("text");
    if (text == block.end() || !text->is_string()) return Malformed("a text block has no text");
    reply.text += text->get<std::string>();
    any_text = true;
  }
  if (!any_text || reply.text.empty()) return Malformed("no text content block");
  if (auto model = parsed.find("model"); model != parsed.end() && model->is_string()) {
    reply.model = model->get<std::string>();
  } else {
    reply.model = std::string(fallback_model);
  }
  if (auto stop = parsed.find("stop_reason"); stop != parsed.end() && stop->is_string()) {
    reply.stop_reason = stop->get<std::string>();
  }
  if (auto usage = parsed.find("usage"); usage != parsed.end() && usage->is_object()) {
    reply.usage = TokenUsage{IntOr(*usage, "input_tokens"), IntOr(*usage, "output_tokens")};
  }
  return reply;
}

AnthropicProvider::AnthropicProvider(AnthropicOptions options, Clock& clock)
    : options_(std::move(options)),
      name_(DefaultName(options_)),
      url_(JoinUrl(options_.base_url, "/v1/messages")),
      clock_(clock) {
  if (!options_.api_key.empty()) secrets_.push_back(options_.api_key);
}

absl::StatusOr<LlmReply> AnthropicProvider::Complete(const LlmRequest& request) {
  if (absl::Status valid = ValidateLlmRequest(request); !valid.ok()) {
    return ProviderError(name_, valid, secrets_);
  }
  absl::StatusOr<int64_t> timeout_ms = EffectiveTimeoutMs(request, options_.timeout_ms, clock_);
  if (!timeout_ms.ok()) return ProviderError(name_, timeout_ms.status(), secrets_);

  HttpRequest http;
  http.url = url_;
  http.timeout_ms = *timeout_ms;
  http.connect_timeout_ms = options_.connect_timeout_ms;
  http.headers = {{"Content-Type", "application/json"},
                  {"Accept", "application/json"},
                  {"anthropic-version", std::string(kAnthropicVersion)}};
  if (!options_.api_key.empty()) http.headers.emplace_back("x-api-key", options_.api_key);
  http.body = BuildAnthropicRequestBody(options_, request);

  absl::StatusOr<HttpResponse> response = PostForProvider(name_, http, secrets_, clock_);
  if (!response.ok()) return response.status();
  absl::StatusOr<LlmReply> reply = ParseAnthropicReply(response->body, options_.model);
  if (!reply.ok()) return ProviderError(name_, reply.status(), secrets_);
  reply->latency = response->elapsed;
  return reply;
}

}  // namespace armature::llm
