// Loopback fixtures for the egress proxy tests: a scriptable upstream httplib server, an
// EgressProxy in front of it, and readers for the registry's series.
#pragma once

#include <gtest/gtest.h>
#include <httplib.h>
#include <prometheus/registry.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include "agent/base/logger.h"
#include "agent/config/config.h"
#include "agent/proxy/egress_proxy.h"
#include "flexport/api_metrics.h"
#include "tests/support/fake_clock.h"
#include "tests/support/metric_value.h"

namespace fxagent::testing {

// What the upstream saw of one request.
struct SeenRequest {
  std::string method;
  std::string target;
  httplib::Headers headers;
  std::string body;
  int remote_port = 0;  // the upstream connection's client port
};

// The fake Flexport: every method on every path runs `handler`, after recording the request.
class Upstream {
 public:
  using Handler = std::function<void(const httplib::Request&, httplib::Response&)>;

  Upstream() {
    const auto plain = [this](const httplib::Request& req, httplib::Response& res) {
      Record(req, req.body);
      Run(req, res);
    };
    const auto with_reader = [this](const httplib::Request& req, httplib::Response& res,
                                    const httplib::ContentReader& reader) {
      // Raw bytes even for multipart bodies (httplib would parse those).
      const_cast<httplib::Request&>(req).headers.emplace("X-Original-Content-Type",
                                                         req.get_header_value("Content-Type"));
      const_cast<httplib::Request&>(req).headers.erase("Content-Type");
      std::string body;
      reader([&](const char* d, size_t n) {
        body.append(d, n);
        return true;
      });
      Record(req, body);
      Run(req, res);
    };
    server_.Get(".*", plain);
    server_.Options(".*", plain);
    server_.Delete(".*", plain);
    server_.Post(".*", with_reader);
    server_.Put(".*", with_reader);
    server_.Patch(".*", with_reader);
    server_.Delete(".*", with_reader);
    server_.set_keep_alive_max_count(1000);
    port_ = server_.bind_to_any_port("127.0.0.1");
    thread_ = std::thread([this] { server_.listen_after_bind(); });
    while (!server_.is_running()) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  ~Upstream() {
    Release();
    server_.stop();
    thread_.join();
  }

  std::string base_url() const { return "http://127.0.0.1:" + std::to_string(port_); }

  void SetHandler(Handler h) {
    std::lock_guard lock(mu_);
    handler_ = std::move(h);
  }
  SeenRequest last() {
    std::lock_guard lock(mu_);
    return last_;
  }
  int hits() const { return hits_; }

  // For handlers that hang: Block() waits until Release() (or 10 s).
  void Block() {
    std::unique_lock lock(block_mu_);
    block_cv_.wait_for(lock, std::chrono::seconds(10), [this] { return released_; });
  }
  void Release() {
    {
      std::lock_guard lock(block_mu_);
      released_ = true;
    }
    block_cv_.notify_all();
  }
  void ResetBlock() {
    std::lock_guard lock(block_mu_);
    released_ = false;
  }

 private:
  void Record(const httplib::Request& req, const std::string& body) {
    std::lock_guard lock(mu_);
    last_ = {req.method, req.target, req.headers, body, req.remote_port};
    auto ct = last_.headers.find("X-Original-Content-Type");
    if (ct != last_.headers.end()) {
      const std::string value = ct->second;
      last_.headers.erase("X-Original-Content-Type");
      if (!value.empty()) last_.headers.emplace("Content-Type", value);
    }
    ++hits_;
  }
  void Run(const httplib::Request& req, httplib::Response& res) {
    // Answer like a plain origin: httplib would otherwise gzip and apply Range by itself.
    auto& mutable_req = const_cast<httplib::Request&>(req);
    mutable_req.ranges.clear();
    mutable_req.headers.erase("Accept-Encoding");
    Handler h;
    {
      std::lock_guard lock(mu_);
      h = handler_;
    }
    if (h) {
      h(req, res);
    } else {
      res.set_content("{\"ok\":true}", "application/json");
    }
  }

  httplib::Server server_;
  std::thread thread_;
  int port_ = 0;
  std::mutex mu_;
  Handler handler_;
  SeenRequest last_;
  std::atomic<int> hits_{0};
  std::mutex block_mu_;
  std::condition_variable block_cv_;
  bool released_ = false;
};

inline Config ProxyConfig(const std::string& api_base) {
  Config c;
  c.flexport.api_base = api_base;
  c.proxy.timeout = std::chrono::seconds(5);
  return c;
}

// An EgressProxy on 127.0.0.1:0 with its own registries and a quiet logger.
class ProxyUnderTest {
 public:
  explicit ProxyUnderTest(const Config& config, std::shared_ptr<const Clock> clock = nullptr)
      : log_(LogFormat::kJson, LogLevel::kError, null_out_.get()),
        api_metrics_(api_registry_),
        proxy_(std::make_unique<EgressProxy>(config.proxy, config.flexport.api_base, api_metrics_,
                                             registry_, log_, std::move(clock))) {
    bound_ = proxy_->Bind({"127.0.0.1", 0});
    proxy_->Start();
  }
  ~ProxyUnderTest() { proxy_->Stop(); }

  EgressProxy& proxy() { return *proxy_; }
  uint16_t port() const { return bound_.port; }
  std::unique_ptr<httplib::Client> Client() const {
    auto c = std::make_unique<httplib::Client>("127.0.0.1", bound_.port);
    c->set_decompress(false);
    c->set_read_timeout(std::chrono::seconds(20));
    return c;
  }

  // Value of a counter or gauge (or a histogram's sample count) in either registry; -1 when
  // the series does not exist.
  double Value(const std::string& name, const std::map<std::string, std::string>& labels = {}) {
    for (prometheus::Registry* r : {&registry_, &api_registry_}) {
      const double v = MetricValue(*r, name, labels, LabelMatch::kSubset);
      if (v != -1) return v;
    }
    return -1;
  }

  // Polls until `pred` holds (for state another thread changes); false after 5 s.
  static bool Eventually(const std::function<bool()>& pred) {
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
    while (std::chrono::steady_clock::now() < deadline) {
      if (pred()) return true;
      std::this_thread::sleep_for(std::chrono::milliseconds(2));
    }
    return pred();
  }

 private:
  struct FileCloser {
    void operator()(std::FILE* f) const { std::fclose(f); }
  };
  std::unique_ptr<std::FILE, FileCloser> null_out_{std::fopen("/dev/null", "w")};
  Logger log_;
  prometheus::Registry registry_;
  prometheus::Registry api_registry_;
  ApiMetrics api_metrics_;
  std::unique_ptr<EgressProxy> proxy_;
  ListenAddress bound_;
};

}  // namespace fxagent::testing
