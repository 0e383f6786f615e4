#include "libs/llm/openai_provider.h"

#include <utility>

#include "absl/strings/str_cat.h"
#include "libs/llm/provider_http.h"
#include "libs/llm/redact.h"
#include "nlohmann/json.hpp"

namespace armature::llm {
namespace {

using nlohmann::json;

std::string DefaultName(const OpenAiCompatibleOptions& options) {
  return options.name.empty() ? absl::StrCat("openai:", options.model) : options.name;
}

absl::Status Malformed(absl::string_view what) {
  return absl::InternalError(absl::StrCat("malformed chat-completions reply: ", what));
}

int64_t IntOr(const json& object, const char* key) {
  if (!object.is_object()) return 0;
  auto it = object.find(key);
  return it != object.end() && it->is_number_integer() ? it->get<int64_t>() : 0;
}

}  // namespace

std::string BuildOpenAiRequestBody(const OpenAiCompatibleOptions& options,
                                   const LlmRequest& request) {
  json messages = json::array();
  if (!request.system.empty()) {
    messages.push_back({{"role", "system"}, {"content", request.system}});
  }
  messages.push_back({{"role", "user"}, {"content", request.user}});
  json body = {
      {"model", options.model},
      {"messages", std::move(messages)},
      {"temperature", request.temperature},
      {"stream", false},
  };
  body[options.max_tokens_field.empty() ? "max_tokens" : options.max_tokens_field] =
      request.max_tokens;
  if (request.json_mode) body["response_format"] = {{"type", "json_object"}};
  return body.dump(-1, ' ', false, json::error_handler_t::replace);
}

absl::StatusOr<LlmReply> ParseOpenAiReply(absl::string_view body,
                                          absl::string_view fallback_model) {
  const json parsed = json::parse(body, nullptr, /*allow_exceptions=*/false);
  if (parsed.is_discarded()) return Malformed("the body is not JSON");
  if (!parsed.is_object()) return Malformed("the body is not a JSON object");
  if (auto error = parsed.find("error"); error != parsed.end() && !error->is_null()) {
    std::string detail =
        error->is_object() && error->contains("message") && (*error)["message"].is_string()
            ? (*error)["message"].get<std::string>()
            : error->dump();
    return absl::InternalError(
        absl::StrCat("chat-completions reply carries an error: ", Truncate(detail, 300)));
  }
  auto choices = parsed.find("choices");
  if (choices == parsed.end() || !choices->is_array() || choices->empty()) {
    return Malformed("no choices");
  }
  const json& choice = (*choices)[0];
  if (!choice.is_object() || !choice.contains("message") || !choice["message"].is_object()) {
    return Malformed("choices[0].message is missing");
  }
  const json& message = choice["message"];
  LlmReply reply;
  auto content = message.find("content");
  if (content != message.end() && content->is_string()) {
    reply.text = content->get<std::string>();
  } else if (content != message.end() && content->is_array()) {
    // Some servers return content parts: [{"type":"text","text":"..."}].
    for (const json& part : *content) {
      if (part.is_object() && part.contains("text") && part["text"].is_string()) {
        reply.text += part["text"].get<std::string>();
      }
    }
  }
  if (reply.text.empty()) {
    if (auto refusal = message.find("refusal"); refusal != message.end() && refusal->is_string()) {
      return absl::InternalError(
          absl::StrCat("the model refused: ", Truncate(refusal->get<std::string>(), 300)));
    }
    return Malformed("choices[0].message.content is empty");
  }
  if (auto model = parsed.find("model"); model != parsed.end() && model->is_string()) {
    reply.model = model->get<std::string>();
  } else {
    reply.model = std::string(fallback_model);
  }
  if (auto finish = choice.find("finish_reason"); finish != choice.end() && finish->is_string()) {
    reply.stop_reason = finish->get<std::string>();
  }
  if (auto usage = parsed.find("usage"); usage != parsed.end() && usage->is_object()) {
    reply.usage = TokenUsage{IntOr(*usage, "prompt_tokens"), IntOr(*usage, "completion_tokens")};
  }
  return reply;
}

OpenAiCompatibleProvider::OpenAiCompatibleProvider(OpenAiCompatibleOptions options, Clock& clock)
    : options_(std::move(options)),
      name_(DefaultName(options_)),
      url_(JoinUrl(options_.base_url, "/chat/completions")),
      clock_(clock) {
  if (!options_.api_key.empty()) secrets_.push_back(options_.api_key);
}

absl::StatusOr<LlmReply> OpenAiCompatibleProvider::Complete(const LlmRequest& request) {
  if (absl::Status valid = ValidateLlmRequest(request); !valid.ok()) {
    return ProviderError(name_, valid, secrets_);
  }
  absl::StatusOr<int64_t> timeout_ms = EffectiveTimeoutMs(request, options_.timeout_ms, clock_);
  if (!timeout_ms.ok()) return ProviderError(name_, timeout_ms.status(), secrets_);

  HttpRequest http;
  http.url = url_;
  http.timeout_ms = *timeout_ms;
  http.connect_timeout_ms = options_.connect_timeout_ms;
  http.headers = {{"Content-Type", "application/json"}, {"Accept", "application/json"}};
  if (!options_.api_key.empty()) {
    http.headers.emplace_back("Authorization", absl::StrCat("Bearer ", options_.api_key));
  }
  http.body = BuildOpenAiRequestBody(options_, request);

  absl::StatusOr<HttpResponse> response = PostForProvider(name_, http, secrets_, clock_);
  if (!response.ok()) return response.status();
  absl::StatusOr<LlmReply> reply = ParseOpenAiReply(response->body, options_.model);
  if (!reply.ok()) return ProviderError(name_, reply.status(), secrets_);
  reply->latency = response->elapsed;
  return reply;
}

}  // namespace armature::llm
