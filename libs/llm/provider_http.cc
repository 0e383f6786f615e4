#include "libs/llm/provider_http.h"

#include <algorithm>
#include <cmath>

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "libs/llm/llm_provider.h"
#include "libs/llm/redact.h"
#include "nlohmann/json.hpp"

namespace armature::llm {
namespace {

// Largest Retry-After believed; larger values are clamped (callers cap much lower anyway).
constexpr absl::Duration kMaxRetryAfter = absl::Hours(24);

std::optional<absl::Time> ParseHttpDate(absl::string_view value) {
  absl::Time t;
  std::string err;
  // RFC 9110 IMF-fixdate, the only form servers are allowed to send.
  if (absl::ParseTime("%a, %d %b %Y %H:%M:%S GMT", std::string(value), &t, &err)) return t;
  return std::nullopt;
}

// The human part of an error body: error.message (OpenAI and Anthropic), else error as a
// string, else the raw body.
std::string ErrorDetail(const std::string& body) {
  const nlohmann::json parsed = nlohmann::json::parse(body, nullptr, /*allow_exceptions=*/false);
  if (parsed.is_object() && parsed.contains("error")) {
    const auto& error = parsed["error"];
    if (error.is_object() && error.contains("message") && error["message"].is_string()) {
      std::string detail = error["message"].get<std::string>();
      if (error.contains("type") && error["type"].is_string()) {
        detail = absl::StrCat(error["type"].get<std::string>(), ": ", detail);
      }
      return detail;
    }
    if (error.is_string()) return error.get<std::string>();
  }
  // One line, whatever the body looks like (HTML error pages span many).
  return absl::StrJoin(absl::StrSplit(body, absl::ByAnyChar(" \t\r\n"), absl::SkipEmpty()), " ");
}

absl::Status StatusForHttpCode(int code, std::string message) {
  if (code == 429) return absl::ResourceExhaustedError(message);
  if (code >= 500) return absl::UnavailableError(message);
  switch (code) {
    case 400:
    case 413:
    case 422:
      return absl::InvalidArgumentError(message);
    case 401:
      return absl::UnauthenticatedError(message);
    case 403:
      return absl::PermissionDeniedError(message);
    case 404:
      return absl::NotFoundError(message);
    case 408:
      return absl::DeadlineExceededError(message);
    default:
      return absl::FailedPreconditionError(message);
  }
}

absl::string_view Hint(int code) {
  switch (code) {
    case 401:
      return " (check the API key in the configured environment variable)";
    case 403:
      return " (the key is not allowed to use this model or endpoint)";
    case 404:
      return " (check base_url and model)";
    case 429:
      return " (rate limited)";
    default:
      if (code >= 300 && code < 400) return " (redirect: check base_url)";
      return "";
  }
}

}  // namespace

std::optional<absl::Duration> ParseRetryAfter(absl::string_view value, absl::Time now) {
  value = absl::StripAsciiWhitespace(value);
  if (value.empty()) return std::nullopt;
  double seconds = 0;
  if (absl::SimpleAtod(value, &seconds)) {
    if (!std::isfinite(seconds) || seconds < 0) return std::nullopt;
    return std::min(absl::Seconds(seconds), kMaxRetryAfter);
  }
  if (std::optional<absl::Time> at = ParseHttpDate(value)) {
    return std::clamp(*at - now, absl::ZeroDuration(), kMaxRetryAfter);
  }
  return std::nullopt;
}

std::optional<absl::Duration> RetryAfterOf(const HttpResponse& response, absl::Time now) {
  if (auto it = response.headers.find("retry-after-ms"); it != response.headers.end()) {
    double ms = 0;
    if (absl::SimpleAtod(absl::StripAsciiWhitespace(it->second), &ms) && std::isfinite(ms) &&
        ms >= 0) {
      return std::min(absl::Milliseconds(ms), kMaxRetryAfter);
    }
  }
  auto it = response.headers.find("retry-after");
  if (it == response.headers.end()) return std::nullopt;
  if (auto date = response.headers.find("date"); date != response.headers.end()) {
    if (std::optional<absl::Time> server_now = ParseHttpDate(date->second)) now = *server_now;
  }
  return ParseRetryAfter(it->second, now);
}

absl::Status HttpErrorStatus(absl::string_view provider, const HttpResponse& response,
                             absl::Span<const std::string> secrets, absl::Time now) {
  // Redact before truncating: a secret cut in half would no longer be recognised.
  std::string detail = Truncate(Redact(ErrorDetail(response.body), secrets), kMaxErrorDetailChars);
  std::string message =
      absl::StrCat(provider, ": HTTP ", response.status_code, Hint(response.status_code));
  if (!detail.empty()) absl::StrAppend(&message, ": ", detail);
  absl::Status status = StatusForHttpCode(response.status_code, Redact(message, secrets));
  if (IsRetryable(status)) {
    if (std::optional<absl::Duration> delay = RetryAfterOf(response, now)) {
      SetRetryAfter(status, *delay);
    }
  }
  return status;
}

absl::Status ProviderError(absl::string_view provider, const absl::Status& status,
                           absl::Span<const std::string> secrets) {
  absl::Status out(status.code(), absl::StrCat(provider, ": ", status.message()));
  status.ForEachPayload(
      [&out](absl::string_view url, const absl::Cord& payload) { out.SetPayload(url, payload); });
  return RedactStatus(out, secrets);
}

absl::Status ValidateLlmRequest(const LlmRequest& request) {
  if (absl::StripAsciiWhitespace(request.user).empty()) {
    return absl::InvalidArgumentError("LlmRequest.user: the user prompt is empty");
  }
  if (request.max_tokens < 1) {
    return absl::InvalidArgumentError(
        absl::StrCat("LlmRequest.max_tokens: must be at least 1, got ", request.max_tokens));
  }
  if (!(request.temperature >= 0.0 && request.temperature <= 2.0)) {
    return absl::InvalidArgumentError(
        absl::StrCat("LlmRequest.temperature: must be within 0-2, got ", request.temperature));
  }
  return absl::OkStatus();
}

std::string JoinUrl(absl::string_view base_url, absl::string_view path) {
  while (!base_url.empty() && base_url.back() == '/') base_url.remove_suffix(1);
  return absl::StrCat(base_url, path);
}

absl::StatusOr<int64_t> EffectiveTimeoutMs(const LlmRequest& request, int64_t default_timeout_ms,
                                           const Clock& clock) {
  int64_t timeout_ms = request.timeout_ms > 0 ? request.timeout_ms : default_timeout_ms;
  if (request.deadline != absl::InfiniteFuture()) {
    const absl::Duration left = request.deadline - clock.Now();
    if (left <= absl::ZeroDuration()) {
      return absl::DeadlineExceededError("deadline passed before the request was sent");
    }
    timeout_ms = std::min(timeout_ms, std::max<int64_t>(1, absl::ToInt64Milliseconds(left)));
  }
  return std::max<int64_t>(1, timeout_ms);
}

absl::StatusOr<HttpResponse> PostForProvider(absl::string_view provider, const HttpRequest& request,
                                             absl::Span<const std::string> secrets,
                                             const Clock& clock) {
  absl::StatusOr<HttpResponse> response = HttpPost(request);
  if (!response.ok()) return ProviderError(provider, response.status(), secrets);
  if (response->status_code < 200 || response->status_code >= 300) {
    return HttpErrorStatus(provider, *response, secrets, clock.Now());
  }
  return response;
}

}  // namespace armature::llm
