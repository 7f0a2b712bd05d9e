/// A stand-in for the integration's webhook endpoint: an httplib server on 127.0.0.1
/// (port 0) that records every request and answers with a status chosen by the test.
#pragma once

#include <httplib.h>

#include <chrono>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "tests/support/loopback_server.h"

namespace fxagent::testing {

struct AppRequest {
  std::string body;
  httplib::Headers headers;
  int status = 0;  // what the app answered
  std::string Header(const std::string& name) const {
    auto it = headers.find(name);
    return it == headers.end() ? std::string() : it->second;
  }
};

class TestApp {
 public:
  /// Decides the status for the n-th request (0-based) with this body.
  using Responder = std::function<int(size_t n, const std::string& body)>;

  TestApp()

      : server_([this](httplib::Server& s) {
          s.Post("/app", [this](const httplib::Request& req, httplib::Response& res) {
            int status;
            {
              std::lock_guard<std::mutex> lock(mu_);
              status = responder_ ? responder_(requests_.size(), req.body) : 200;
              ++arrivals_;
              cv_.notify_all();
            }
            if (delay_.count() > 0) std::this_thread::sleep_for(delay_);
            res.status = status;
            res.set_content("{}", "application/json");
            std::lock_guard<std::mutex> lock(mu_);
            requests_.push_back({req.body, req.headers, status});
            cv_.notify_all();
          });
        }) {}

  std::string Url() const { return server_.Url("/app"); }
  void SetResponder(Responder responder) {
    std::lock_guard<std::mutex> lock(mu_);
    responder_ = std::move(responder);
  }
  void SetDelay(std::chrono::milliseconds delay) { delay_ = delay; }

  /// Waits until `pred(requests)` holds; false after `timeout`.
  bool WaitFor(const std::function<bool(const std::vector<AppRequest>&)>& pred,
               std::chrono::milliseconds timeout = std::chrono::seconds(10)) {
    std::unique_lock<std::mutex> lock(mu_);
    return cv_.wait_for(lock, timeout, [&] { return pred(requests_); });
  }
  bool WaitForCount(size_t n) {
    return WaitFor([n](const std::vector<AppRequest>& r) { return r.size() >= n; });
  }
  /// Waits until `n` requests reached the handler (answered or not).
  bool WaitForArrivals(size_t n) {
    std::unique_lock<std::mutex> lock(mu_);
    return cv_.wait_for(lock, std::chrono::seconds(10), [&] { return arrivals_ >= n; });
  }
  std::vector<AppRequest> Requests() {
    std::lock_guard<std::mutex> lock(mu_);
    return requests_;
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  Responder responder_;
  std::vector<AppRequest> requests_;
  size_t arrivals_ = 0;
  std::chrono::milliseconds delay_{0};
  LoopbackServer server_;  // last: stops before the state its handlers use
};

}  // namespace fxagent::testing
