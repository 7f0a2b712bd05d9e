// A loopback OTLP/HTTP collector for tests: records every POST /v1/traces and answers
// with scripted responses (default 200). Optionally holds requests until released.
#pragma once

#include <httplib.h>

#include <chrono>
#include <condition_variable>
#include <deque>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace fxagent::testing {

struct CollectorResponse {
  int status = 200;
  std::string retry_after;  // "" = no header
};

struct CollectorRequest {
  std::string body;
  std::string content_type;
  std::chrono::steady_clock::time_point at;
};

class FakeCollector {
 public:
  FakeCollector() {
    server_.Post("/v1/traces", [this](const httplib::Request& req, httplib::Response& res) {
      std::unique_lock<std::mutex> lock(mu_);
      requests_.push_back(
          {req.body, req.get_header_value("Content-Type"), std::chrono::steady_clock::now()});
      cv_.notify_all();
      cv_.wait(lock, [this] { return !hold_; });
      CollectorResponse r;
      if (!script_.empty()) {
        r = script_.front();
        script_.pop_front();
      }
      res.status = r.status;
      if (!r.retry_after.empty()) res.set_header("Retry-After", r.retry_after);
      res.set_content("{}", "application/json");
    });
    port_ = server_.bind_to_any_port("127.0.0.1");
    thread_ = std::thread([this] { server_.listen_after_bind(); });
  }
  ~FakeCollector() {
    Release();
    server_.stop();
    thread_.join();
  }
  FakeCollector(const FakeCollector&) = delete;
  FakeCollector& operator=(const FakeCollector&) = delete;

  std::string Url() const { return "http://127.0.0.1:" + std::to_string(port_) + "/v1/traces"; }
  int port() const { return port_; }

  void Script(std::vector<CollectorResponse> responses) {
    std::lock_guard<std::mutex> lock(mu_);
    script_.assign(responses.begin(), responses.end());
  }
  /// Requests wait in the handler until Release().
  void Hold() {
    std::lock_guard<std::mutex> lock(mu_);
    hold_ = true;
  }
  void Release() {
    std::lock_guard<std::mutex> lock(mu_);
    hold_ = false;
    cv_.notify_all();
  }
  bool WaitForRequests(std::size_t n, std::chrono::milliseconds timeout) {
    std::unique_lock<std::mutex> lock(mu_);
    return cv_.wait_for(lock, timeout, [&] { return requests_.size() >= n; });
  }
  std::vector<CollectorRequest> Requests() {
    std::lock_guard<std::mutex> lock(mu_);
    return requests_;
  }

 private:
  httplib::Server server_;
  int port_ = 0;
  std::thread thread_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<CollectorResponse> script_;
  std::vector<CollectorRequest> requests_;
  bool hold_ = false;
};

}  // namespace fxagent::testing
