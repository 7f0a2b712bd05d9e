/// flexport-sim in-process: the fake Flexport API, status page, webhook sender and the
/// /_sim/ control API on one loopback HTTP server. Start() binds and serves on background
/// threads; Stop() (or the destructor) shuts down cleanly, interrupting injected latency
/// and hangs. Start/Stop from one thread; state(), sender() and events() are thread-safe.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "sim/event_log.h"
#include "sim/sim_options.h"
#include "sim/sim_state.h"
#include "sim/webhook_sender.h"

namespace fxagent::sim {

class SimServer {
 public:
  explicit SimServer(SimOptions options);
  ~SimServer();
  SimServer(const SimServer&) = delete;
  SimServer& operator=(const SimServer&) = delete;

  /// Binds host:port (0 = any free port) and starts serving. Returns the bound port, or
  /// -1 if binding failed.
  int Start(const std::string& host = "127.0.0.1", int port = 0);
  void Stop();

  int port() const;
  /// "http://127.0.0.1:PORT".
  std::string BaseUrl() const;

  /// Called with a one-line description of each control-API action (no secrets).
  void set_log(std::function<void(std::string_view)> log);

  SimState& state();
  WebhookSender& sender();
  EventLog& events();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace fxagent::sim
