#include "libs/runtime/server.h"

#include <signal.h>

#include <chrono>
#include <iostream>

#include "absl/strings/str_cat.h"
#include "grpcpp/ext/proto_server_reflection_plugin.h"
#include "libs/runtime/logging.h"
#include "libs/runtime/unary_call.h"
#include "nlohmann/json.hpp"
#include "prometheus/exposer.h"

namespace armature::runtime {

std::string ReplacePort(const std::string& address, int port) {
  const size_t colon = address.rfind(':');
  const std::string host = colon == std::string::npos ? address : address.substr(0, colon);
  return absl::StrCat(host, ":", port);
}

ArmServer::ArmServer(ServerOptions options, const ArmInfoProvider* provider)
    : options_(std::move(options)),
      provider_(provider),
      registry_(std::make_shared<prometheus::Registry>()),
      metrics_(std::make_unique<ServerMetrics>(*registry_, options_.rpc_log)) {
  health_ = std::make_unique<HealthService>(
      [this] { return arm_info_ != nullptr && arm_info_->Readiness().ready(); });
}

ArmServer::~ArmServer() { Shutdown(); }

void ArmServer::AddService(grpc::Service* service, std::string full_name) {
  if (auto* instrumented = dynamic_cast<InstrumentedService*>(service)) {
    instrumented->BindMetrics(*metrics_);
  }
  services_.emplace_back(service, std::move(full_name));
}

std::shared_ptr<grpc::Channel> ArmServer::InProcessChannel() {
  return server_->InProcessChannel(grpc::ChannelArguments());
}

absl::Status ArmServer::Start() {
  grpc::reflection::InitProtoReflectionServerBuilderPlugin();

  grpc::ServerBuilder builder;
  std::vector<std::string> names;
  for (const auto& [service, name] : services_) {
    builder.RegisterService(service);
    names.push_back(name);
  }
  names.push_back("armature.v1.ArmInfo");
  names.push_back("grpc.health.v1.Health");
  names.push_back("grpc.reflection.v1alpha.ServerReflection");
  arm_info_ = std::make_unique<ArmInfoService>(
      provider_, &metrics_->domain_stats(),
      ArmInfoService::Options{.version = options_.version, .services = std::move(names)},
      [this] { return health_->shutting_down(); });
  health_->BindMetrics(*metrics_);
  arm_info_->BindMetrics(*metrics_);
  builder.RegisterService(health_.get());
  builder.RegisterService(arm_info_.get());

  int port = 0;
  builder.AddListeningPort(options_.listen, grpc::InsecureServerCredentials(), &port);
  builder.SetSyncServerOption(grpc::ServerBuilder::SyncServerOption::MAX_POLLERS,
                              options_.max_idle_sync_threads);
  builder.SetMaxReceiveMessageSize(options_.max_message_bytes);
  builder.SetMaxSendMessageSize(options_.max_message_bytes);
  builder.AddChannelArgument(GRPC_ARG_KEEPALIVE_TIME_MS, options_.keepalive_time_seconds * 1000);
  builder.AddChannelArgument(GRPC_ARG_KEEPALIVE_TIMEOUT_MS,
                             options_.keepalive_timeout_seconds * 1000);
  builder.AddChannelArgument(GRPC_ARG_HTTP2_MIN_RECV_PING_INTERVAL_WITHOUT_DATA_MS,
                             options_.keepalive_min_client_interval_seconds * 1000);
  builder.AddChannelArgument(GRPC_ARG_KEEPALIVE_PERMIT_WITHOUT_CALLS, 1);
  // Two processes silently sharing a port (SO_REUSEPORT) would split traffic between
  // versions; a busy port must be an error instead.
  builder.AddChannelArgument(GRPC_ARG_ALLOW_REUSEPORT, 0);
  if (options_.max_connection_age_seconds > 0) {
    builder.AddChannelArgument(GRPC_ARG_MAX_CONNECTION_AGE_MS,
                               options_.max_connection_age_seconds * 1000);
    builder.AddChannelArgument(GRPC_ARG_MAX_CONNECTION_AGE_GRACE_MS,
                               options_.max_connection_age_grace_seconds * 1000);
  }
  std::vector<std::unique_ptr<grpc::experimental::ServerInterceptorFactoryInterface>> creators;
  creators.push_back(std::make_unique<ServerInterceptorFactory>(metrics_.get()));
  builder.experimental().SetInterceptorCreators(std::move(creators));

  server_ = builder.BuildAndStart();
  if (server_ == nullptr || port == 0) {
    server_.reset();
    return absl::UnavailableError(absl::StrCat("listen: cannot serve gRPC on \"", options_.listen,
                                               "\" (address in use, or not a valid HOST:PORT)"));
  }
  grpc_address_ = ReplacePort(options_.listen, port);

  if (!options_.metrics_listen.empty()) {
    try {
      exposer_ = std::make_unique<prometheus::Exposer>(options_.metrics_listen);
    } catch (const std::exception& e) {
      server_->Shutdown();
      server_.reset();
      return absl::UnavailableError(absl::StrCat("metrics_listen: cannot serve /metrics on \"",
                                                 options_.metrics_listen, "\": ", e.what()));
    }
    exposer_->RegisterCollectable(registry_);
    for (const auto& extra : extra_registries_) exposer_->RegisterCollectable(extra);
    const std::vector<int> ports = exposer_->GetListeningPorts();
    metrics_address_ = ReplacePort(options_.metrics_listen, ports.empty() ? 0 : ports.front());
  }

  // Health after BuildAndStart, per service, then readiness from the checks.
  health_->SetStatus("", grpc::health::v1::HealthCheckResponse::SERVING);
  health_->SetStatus("armature.v1.ArmInfo", grpc::health::v1::HealthCheckResponse::SERVING);
  for (const auto& [service, name] : services_) {
    health_->SetStatus(name, grpc::health::v1::HealthCheckResponse::SERVING);
  }
  health_->RefreshReadiness();
  readiness_thread_ = std::thread([this] { PollReadiness(); });
  Log(LogLevel::kInfo, "started",
      {{"grpc", grpc_address_}, {"metrics", metrics_address_}, {"version", options_.version}});
  return absl::OkStatus();
}

std::string ArmServer::ListeningLine() const {
  nlohmann::ordered_json j;
  j["event"] = "listening";
  j["grpc"] = grpc_address_;
  j["metrics"] = metrics_address_;
  return j.dump();
}

void ArmServer::PollReadiness() {
  std::unique_lock<std::mutex> lock(mu_);
  while (!stopping_) {
    cv_.wait_for(lock, std::chrono::milliseconds(options_.readiness_poll_ms));
    if (stopping_) break;
    lock.unlock();
    health_->RefreshReadiness();
    lock.lock();
  }
}

void ArmServer::Shutdown() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (stopped_ || server_ == nullptr) return;
    stopping_ = true;
  }
  cv_.notify_all();
  if (readiness_thread_.joinable()) readiness_thread_.join();
  Log(LogLevel::kInfo, "shutting_down",
      {{"grace_seconds", absl::StrCat(options_.shutdown_grace_seconds)}});
  health_->Shutdown();
  const auto start = std::chrono::steady_clock::now();
  server_->Shutdown(std::chrono::system_clock::now() +
                    std::chrono::seconds(options_.shutdown_grace_seconds));
  server_->Wait();
  const double drained_ms =
      std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
  exposer_.reset();
  {
    std::lock_guard<std::mutex> lock(mu_);
    stopped_ = true;
  }
  Log(LogLevel::kInfo, "stopped", {{"drain_ms", absl::StrCat(static_cast<int64_t>(drained_ms))}});
}

int ServeUntilSignal(ArmServer& server) {
  if (absl::Status status = server.Start(); !status.ok()) {
    Log(LogLevel::kError, "start_failed", {{"error", std::string(status.message())}});
    return 1;
  }
  std::cout << server.ListeningLine() << std::endl;
  const int sig = WaitForShutdownSignal();
  Log(LogLevel::kInfo, "signal", {{"signal", sig == SIGTERM ? "SIGTERM" : "SIGINT"}});
  server.Shutdown();
  return 0;
}

void BlockShutdownSignals() {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &set, nullptr);
}

int WaitForShutdownSignal() {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGTERM);
  int sig = 0;
  while (sigwait(&set, &sig) != 0) {
  }
  return sig;
}

}  // namespace armature::runtime
