#include "libs/llm/http_client.h"

#include <curl/curl.h>

#include <algorithm>
#include <cctype>
#include <memory>
#include <mutex>

#include "absl/status/status.h"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "absl/strings/strip.h"

namespace armature::llm {
namespace {

void EnsureCurlInitialised() {
  static std::once_flag once;
  std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
}

struct EasyDeleter {
  void operator()(CURL* curl) const { curl_easy_cleanup(curl); }
};
struct SlistDeleter {
  void operator()(curl_slist* list) const { curl_slist_free_all(list); }
};

struct Sink {
  HttpResponse* response;
  int64_t max_bytes;
  bool overflow = false;
};

size_t WriteBody(char* data, size_t size, size_t count, void* user) {
  auto* sink = static_cast<Sink*>(user);
  const size_t n = size * count;
  if (static_cast<int64_t>(sink->response->body.size() + n) > sink->max_bytes) {
    sink->overflow = true;
    return 0;  // Makes libcurl fail with CURLE_WRITE_ERROR.
  }
  sink->response->body.append(data, n);
  return n;
}

size_t WriteHeader(char* data, size_t size, size_t count, void* user) {
  auto* sink = static_cast<Sink*>(user);
  const size_t n = size * count;
  absl::string_view line(data, n);
  line = absl::StripTrailingAsciiWhitespace(line);
  if (absl::StartsWith(line, "HTTP/")) {
    // A new response starts (after 100 Continue or a redirect): keep only the last one.
    sink->response->headers.clear();
    return n;
  }
  const size_t colon = line.find(':');
  if (colon == absl::string_view::npos) return n;
  std::string name = absl::AsciiStrToLower(absl::StripAsciiWhitespace(line.substr(0, colon)));
  sink->response->headers[name] = std::string(absl::StripAsciiWhitespace(line.substr(colon + 1)));
  return n;
}

absl::Status TransportError(CURLcode code, const char* detail, const HttpRequest& request,
                            bool overflow) {
  const std::string what = absl::StrCat(detail[0] != '\0' ? detail : curl_easy_strerror(code),
                                        " (POST ", request.url, ")");
  switch (code) {
    case CURLE_OPERATION_TIMEDOUT:
      return absl::DeadlineExceededError(
          absl::StrCat("no reply within ", request.timeout_ms, " ms: ", what));
    case CURLE_URL_MALFORMAT:
    case CURLE_UNSUPPORTED_PROTOCOL:
      return absl::InvalidArgumentError(absl::StrCat("bad URL: ", what));
    case CURLE_SSL_CONNECT_ERROR:
    case CURLE_PEER_FAILED_VERIFICATION:
    case CURLE_SSL_CERTPROBLEM:
    case CURLE_SSL_CIPHER:
    case CURLE_SSL_CACERT_BADFILE:
      return absl::FailedPreconditionError(absl::StrCat("TLS failure: ", what));
    case CURLE_WRITE_ERROR:
      if (overflow) {
        return absl::UnavailableError(
            absl::StrCat("response larger than ", request.max_response_bytes, " bytes: ", what));
      }
      return absl::UnavailableError(absl::StrCat("transport failure: ", what));
    default:
      return absl::UnavailableError(absl::StrCat("transport failure: ", what));
  }
}

}  // namespace

absl::StatusOr<HttpResponse> HttpPost(const HttpRequest& request) {
  EnsureCurlInitialised();
  std::unique_ptr<CURL, EasyDeleter> curl(curl_easy_init());
  if (!curl) return absl::InternalError("libcurl could not create a handle");

  std::unique_ptr<curl_slist, SlistDeleter> headers;
  for (const auto& [name, value] : request.headers) {
    const std::string line = absl::StrCat(name, ": ", value);
    curl_slist* appended = curl_slist_append(headers.get(), line.c_str());
    if (appended == nullptr) return absl::InternalError("libcurl could not build headers");
    headers.release();
    headers.reset(appended);
  }
  // No "Expect: 100-continue" round trip before large bodies.
  curl_slist* appended = curl_slist_append(headers.get(), "Expect:");
  if (appended == nullptr) return absl::InternalError("libcurl could not build headers");
  headers.release();
  headers.reset(appended);

  HttpResponse response;
  Sink sink{&response, request.max_response_bytes};
  char error[CURL_ERROR_SIZE] = {0};
  const int64_t timeout_ms = std::max<int64_t>(1, request.timeout_ms);
  const int64_t connect_ms = std::clamp<int64_t>(request.connect_timeout_ms, 1, timeout_ms);

  CURL* h = curl.get();
  curl_easy_setopt(h, CURLOPT_URL, request.url.c_str());
  curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https");
  curl_easy_setopt(h, CURLOPT_POST, 1L);
  curl_easy_setopt(h, CURLOPT_POSTFIELDS, request.body.data());
  curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(request.body.size()));
  curl_easy_setopt(h, CURLOPT_HTTPHEADER, headers.get());
  curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, static_cast<long>(timeout_ms));
  curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS, static_cast<long>(connect_ms));
  curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(h, CURLOPT_FOLLOWLOCATION, 0L);
  curl_easy_setopt(h, CURLOPT_ACCEPT_ENCODING, "");
  curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, &WriteBody);
  curl_easy_setopt(h, CURLOPT_WRITEDATA, &sink);
  curl_easy_setopt(h, CURLOPT_HEADERFUNCTION, &WriteHeader);
  curl_easy_setopt(h, CURLOPT_HEADERDATA, &sink);
  curl_easy_setopt(h, CURLOPT_ERRORBUFFER, error);

  const CURLcode code = curl_easy_perform(h);
  if (code != CURLE_OK) return TransportError(code, error, request, sink.overflow);

  long status = 0;
  curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &status);
  response.status_code = static_cast<int>(status);
  curl_off_t total_us = 0;
  if (curl_easy_getinfo(h, CURLINFO_TOTAL_TIME_T, &total_us) == CURLE_OK) {
    response.elapsed = absl::Microseconds(total_us);
  }
  return response;
}

}  // namespace armature::llm
