#pragma once

#include <deque>
#include <map>
#include <mutex>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "absl/time/time.h"

namespace armature::testing {

// What the fake server answers to one request.
struct ScriptedResponse {
  int status = 200;
  // Extra headers (Content-Length and Connection are added).
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
  // Wait before answering. The wait ends early when the client hangs up (its timeout fired)
  // or the server stops, so a long delay never slows a test down.
  absl::Duration delay = absl::ZeroDuration();
};

// A request as the fake server received it.
struct RecordedRequest {
  std::string method;
  std::string path;
  // Header names lower-cased.
  std::map<std::string, std::string> headers;
  std::string body;
};

// FakeHttpServer is a minimal HTTP/1.1 server on 127.0.0.1 (port 0) for client tests. One
// thread serves connections one at a time, answering each request with the next scripted
// response (500 "no scripted response" when the script is exhausted) and closing the
// connection. Requests are recorded before the answer is sent, so they are visible as soon
// as the client call returns.
class FakeHttpServer {
 public:
  FakeHttpServer();
  ~FakeHttpServer();

  FakeHttpServer(const FakeHttpServer&) = delete;
  FakeHttpServer& operator=(const FakeHttpServer&) = delete;

  // "http://127.0.0.1:<port>".
  std::string base_url() const;
  int port() const { return port_; }

  // Appends a response to the script.
  void Enqueue(ScriptedResponse response);
  // Shorthand: status and body, with Content-Type application/json.
  void EnqueueJson(int status, std::string body,
                   std::vector<std::pair<std::string, std::string>> headers = {});

  // Every request received so far.
  std::vector<RecordedRequest> requests() const;

 private:
  void Serve();
  void HandleConnection(int fd);

  int listen_fd_ = -1;
  int wake_pipe_[2] = {-1, -1};
  int port_ = 0;
  std::thread thread_;
  mutable std::mutex mu_;
  std::deque<ScriptedResponse> script_;    // Guarded by mu_.
  std::vector<RecordedRequest> received_;  // Guarded by mu_.
};

}  // namespace armature::testing
