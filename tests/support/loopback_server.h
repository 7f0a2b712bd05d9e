/// Test support: an httplib::Server on 127.0.0.1 at a free port, serving on its own
/// thread from construction until destruction. `routes` registers the handlers before it
/// starts. Declare it as the last member of a fake, so it stops (and its handlers end)
/// before the state they use is destroyed.
#pragma once

#include <httplib.h>

#include <functional>
#include <string>
#include <thread>

namespace fxagent::testing {

class LoopbackServer {
 public:
  explicit LoopbackServer(const std::function<void(httplib::Server&)>& routes) {
    routes(server_);
    port_ = server_.bind_to_any_port("127.0.0.1");
    thread_ = std::thread([this] { server_.listen_after_bind(); });
    while (!server_.is_running()) std::this_thread::yield();
  }
  ~LoopbackServer() {
    server_.stop();
    thread_.join();
  }
  LoopbackServer(const LoopbackServer&) = delete;
  LoopbackServer& operator=(const LoopbackServer&) = delete;

  int port() const { return port_; }
  /// "http://127.0.0.1:{port}{path}".
  std::string Url(const std::string& path = "") const {
    return "http://127.0.0.1:" + std::to_string(port_) + path;
  }

 private:
  httplib::Server server_;
  int port_ = 0;
  std::thread thread_;
};

}  // namespace fxagent::testing
