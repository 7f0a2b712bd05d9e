#include "sim/sim_server.h"

#include <httplib.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>

#include <thread>

#include "sim/routes.h"

namespace fxagent::sim {
namespace {

// Injected latency and hangs hold a worker each, so keep plenty.
constexpr size_t kWorkerThreads = 32;
constexpr auto kReadyTimeout = std::chrono::seconds(5);

}  // namespace

struct SimServer::Impl {
  explicit Impl(SimOptions opts)
      : options(std::move(opts)),
        state(options),
        sender(options, events),
        ctx{state, sender, events, {}} {}

  SimOptions options;
  EventLog events;
  SimState state;
  WebhookSender sender;
  SimContext ctx;
  httplib::Server server;
  std::thread listener;
  std::string host;
  int port = -1;
};

SimServer::SimServer(SimOptions options) : impl_(std::make_unique<Impl>(std::move(options))) {}

SimServer::~SimServer() { Stop(); }

int SimServer::Start(const std::string& host, int port) {
  auto& s = impl_->server;
  s.new_task_queue = [] { return new httplib::ThreadPool(kWorkerThreads); };
  s.set_keep_alive_timeout(2);
  s.set_read_timeout(5, 0);
  // Small JSON answers: without TCP_NODELAY, delayed ACKs add ~40 ms to each response.
  s.set_socket_options([](int sock) {
    int yes = 1;
    setsockopt(sock, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof(yes));
    setsockopt(sock, IPPROTO_TCP, TCP_NODELAY, &yes, sizeof(yes));
  });
  s.set_payload_max_length(1 << 20);
  RegisterControlRoutes(s, impl_->ctx);
  RegisterStatusPageRoutes(s, impl_->ctx);
  RegisterApiRoutes(s, impl_->ctx);

  int bound = -1;
  if (port == 0) {
    bound = s.bind_to_any_port(host);
  } else if (s.bind_to_port(host, port)) {
    bound = port;
  }
  if (bound <= 0) return -1;
  impl_->host = host;
  impl_->port = bound;
  impl_->sender.Start();
  impl_->listener = std::thread([this] { impl_->server.listen_after_bind(); });
  // The socket already accepts connections; wait until the accept loop runs so that an
  // immediate Stop() cannot race it.
  const auto deadline = std::chrono::steady_clock::now() + kReadyTimeout;
  while (!s.is_running() && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  return bound;
}

void SimServer::Stop() {
  if (!impl_->listener.joinable()) return;
  impl_->state.Shutdown();
  impl_->sender.Stop();
  impl_->server.stop();
  impl_->listener.join();
}

int SimServer::port() const { return impl_->port; }

std::string SimServer::BaseUrl() const {
  const bool v6 = impl_->host.find(':') != std::string::npos;
  return "http://" + (v6 ? "[" + impl_->host + "]" : impl_->host) + ":" +
         std::to_string(impl_->port);
}

void SimServer::set_log(std::function<void(std::string_view)> log) {
  impl_->ctx.log = std::move(log);
}

SimState& SimServer::state() { return impl_->state; }
WebhookSender& SimServer::sender() { return impl_->sender; }
EventLog& SimServer::events() { return impl_->events; }

}  // namespace fxagent::sim
