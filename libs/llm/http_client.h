#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"

namespace armature::llm {

// HttpRequest is one HTTP POST.
struct HttpRequest {
  // Full URL, http:// or https://.
  std::string url;
  // Request headers as (name, value); Content-Type is not added implicitly.
  std::vector<std::pair<std::string, std::string>> headers;
  // Request body.
  std::string body;
  // Budget of the whole exchange (connect, send, wait, receive) in milliseconds.
  int64_t timeout_ms = 30000;
  // Budget of the TCP/TLS connect in milliseconds (capped by timeout_ms).
  int64_t connect_timeout_ms = 10000;
  // Largest response body accepted, in bytes; a larger one fails with UNAVAILABLE.
  int64_t max_response_bytes = 8 << 20;
};

// HttpResponse is whatever the server answered, whatever its status code.
struct HttpResponse {
  // HTTP status code, e.g. 200, 429.
  int status_code = 0;
  // Response headers of the final response, names lower-cased; the last value wins.
  std::map<std::string, std::string> headers;
  // Response body.
  std::string body;
  // Time of the whole exchange as measured by libcurl.
  absl::Duration elapsed = absl::ZeroDuration();
};

// HttpPost sends `request` with libcurl (one easy handle per call, no signals, so it is
// safe from any thread). An HTTP error status is NOT an error here: it comes back in
// HttpResponse. Transport failures map to:
//   DEADLINE_EXCEEDED   the timeout elapsed
//   UNAVAILABLE         connection refused or reset, DNS failure, empty or oversized reply
//   FAILED_PRECONDITION TLS certificate or handshake problem
//   INVALID_ARGUMENT    malformed or unsupported URL
// Messages include libcurl's explanation and the URL; callers redact them.
absl::StatusOr<HttpResponse> HttpPost(const HttpRequest& request);

}  // namespace armature::llm
