// echo_server: the baseline of every benchmark run. A bare gRPC server built like our
// services (same gRPC, callback API, the builder options ArmServer::Start() sets, with the
// values of runtime::ServerOptions' defaults) but without what the Armature runtime adds:
// no interceptor, request ids, metrics, logs, health, ArmInfo or reflection. The ratio of a
// service to this server is what our code costs on top of gRPC itself.
#include <signal.h>

#include <chrono>
#include <iostream>
#include <memory>
#include <string>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/flags/usage.h"
#include "absl/synchronization/mutex.h"
#include "armature/bench/v1/echo.grpc.pb.h"
#include "grpcpp/grpcpp.h"
#include "libs/runtime/server.h"

ABSL_FLAG(std::string, listen, "127.0.0.1:0", "gRPC listen address HOST:PORT; port 0 picks one.");
ABSL_FLAG(
    int, shutdown_grace_seconds, 2,
    "On SIGTERM/SIGINT, seconds in-flight RPCs may take to finish before they are cancelled.");

namespace {

using armature::bench::v1::EchoRequest;
using armature::bench::v1::EchoResponse;

class EchoServiceImpl final : public armature::bench::v1::EchoService::CallbackService {
 public:
  grpc::ServerUnaryReactor* Echo(grpc::CallbackServerContext* context, const EchoRequest* request,
                                 EchoResponse* response) override {
    response->set_payload(request->payload());
    grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
    reactor->Finish(grpc::Status::OK);
    return reactor;
  }
};

int WaitForSignal() {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGTERM);
  int sig = 0;
  while (sigwait(&set, &sig) != 0) {
  }
  return sig;
}

}  // namespace

int main(int argc, char** argv) {
  // Block the shutdown signals before gRPC starts its threads, so they inherit the mask.
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &set, nullptr);

  absl::SetProgramUsageMessage(
      "echo_server: the bare gRPC baseline for bench/run_bench.py (armature.bench.v1.EchoService"
      "/Echo).\nPrints {\"event\":\"listening\",\"grpc\":\"HOST:PORT\",\"metrics\":\"\"} once "
      "serving; SIGTERM/SIGINT stop it (exit 0).\n\nUsage: echo_server [--listen=HOST:PORT]");
  absl::ParseCommandLine(argc, argv);
  // As every Armature binary does (runtime::DisableMutexDeadlockDetection): the comparison is of
  // what our code adds, not of an Abseil debug default.
  absl::SetMutexDeadlockDetectionMode(absl::OnDeadlockCycle::kIgnore);

  // The values every Armature binary runs with (the defaults of its shared flags).
  const armature::runtime::ServerOptions options;
  EchoServiceImpl service;
  grpc::ServerBuilder builder;
  builder.RegisterService(&service);
  int port = 0;
  const std::string listen = absl::GetFlag(FLAGS_listen);
  builder.AddListeningPort(listen, grpc::InsecureServerCredentials(), &port);
  // The same builder options as ArmServer::Start() (libs/runtime/server.cc).
  builder.SetMaxReceiveMessageSize(options.max_message_bytes);
  builder.SetMaxSendMessageSize(options.max_message_bytes);
  builder.AddChannelArgument(GRPC_ARG_KEEPALIVE_TIME_MS, options.keepalive_time_seconds * 1000);
  builder.AddChannelArgument(GRPC_ARG_KEEPALIVE_TIMEOUT_MS,
                             options.keepalive_timeout_seconds * 1000);
  builder.AddChannelArgument(GRPC_ARG_HTTP2_MIN_RECV_PING_INTERVAL_WITHOUT_DATA_MS,
                             options.keepalive_min_client_interval_seconds * 1000);
  builder.AddChannelArgument(GRPC_ARG_KEEPALIVE_PERMIT_WITHOUT_CALLS, 1);
  builder.AddChannelArgument(GRPC_ARG_ALLOW_REUSEPORT, 0);
  std::unique_ptr<grpc::Server> server = builder.BuildAndStart();
  if (server == nullptr || port == 0) {
    std::cerr << "echo_server: cannot serve gRPC on \"" << listen
              << "\" (address in use, or not a valid HOST:PORT)\n";
    return 1;
  }
  const size_t colon = listen.rfind(':');
  const std::string host = colon == std::string::npos ? listen : listen.substr(0, colon);
  std::cout << R"({"event":"listening","grpc":")" << host << ":" << port << R"(","metrics":""})"
            << std::endl;

  WaitForSignal();
  server->Shutdown(std::chrono::system_clock::now() +
                   std::chrono::seconds(absl::GetFlag(FLAGS_shutdown_grace_seconds)));
  server->Wait();
  return 0;
}
