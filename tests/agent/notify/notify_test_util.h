// Shared fixtures for notify tests: a fake clock, alert builders, a scripted HTTP client
// and a loopback receiver on 127.0.0.1 port 0.
#pragma once

#include <gtest/gtest.h>
#include <httplib.h>
#include <prometheus/registry.h>

#include <atomic>
#include <condition_variable>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <functional>
#include <mutex>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "agent/base/clock.h"
#include "agent/base/logger.h"
#include "agent/config/config.h"
#include "agent/notify/notifier.h"
#include "agent/notify/receivers/http_client.h"
#include "tests/support/fake_clock.h"
#include "tests/support/loopback_server.h"

namespace fxagent::testing {

inline TimePoint T0() { return TimePoint(std::chrono::seconds(1795521600)); }  // 2026-11-24 12:00Z

inline Alert MakeAlert(const std::string& name, const std::string& severity,
                       const std::string& component = "", TimePoint starts = T0()) {
  Alert a;
  a.labels = {{"alertname", name}, {"severity", severity}, {"instance", "orders-1"}};
  if (!component.empty()) a.labels["component"] = component;
  a.annotations = {{"summary", name + " summary"}};
  a.starts_at = starts;
  a.generator_url = "http://127.0.0.1:9464/api/v1/rules";
  return a;
}

inline Alert Resolved(Alert a, TimePoint at) {
  a.state = Alert::State::kResolved;
  a.ends_at = at;
  return a;
}

/// Records every request; answers with the status the script gives (default 200).
class ScriptedHttp final : public HttpClient {
 public:
  struct Call {
    std::string url;
    std::string body;
  };
  int Post(const NotifyRequest& r, std::chrono::milliseconds) override {
    std::lock_guard<std::mutex> lock(mu_);
    calls_.push_back({r.url, r.body});
    return script_ ? script_(r.url, calls_.size() - 1) : 200;
  }
  void SetScript(std::function<int(const std::string& url, size_t n)> s) {
    std::lock_guard<std::mutex> lock(mu_);
    script_ = std::move(s);
  }
  std::vector<Call> Calls() const {
    std::lock_guard<std::mutex> lock(mu_);
    return calls_;
  }
  std::vector<Call> CallsTo(const std::string& url) const {
    std::vector<Call> out;
    for (const Call& c : Calls()) {
      if (c.url == url) out.push_back(c);
    }
    return out;
  }
  void Clear() {
    std::lock_guard<std::mutex> lock(mu_);
    calls_.clear();
  }

 private:
  mutable std::mutex mu_;
  std::vector<Call> calls_;
  std::function<int(const std::string&, size_t)> script_;
};

/// A receiver endpoint on 127.0.0.1:0 that records bodies and answers `status()`.
class LoopbackReceiver {
 public:
  LoopbackReceiver()
      : server_([this](httplib::Server& s) {
          s.Post(R"(/.*)", [this](const httplib::Request& req, httplib::Response& res) {
            std::lock_guard<std::mutex> lock(mu_);
            res.status = status_;
            if (status_ == 200) bodies_.push_back(req.body);
            ++attempts_;
            cv_.notify_all();
          });
        }) {}
  std::string Url(const std::string& path = "/hook") const { return server_.Url(path); }
  void SetStatus(int s) {
    std::lock_guard<std::mutex> lock(mu_);
    status_ = s;
  }
  std::vector<std::string> Bodies() const {
    std::lock_guard<std::mutex> lock(mu_);
    return bodies_;
  }
  int Attempts() const {
    std::lock_guard<std::mutex> lock(mu_);
    return attempts_;
  }
  bool WaitForBodies(size_t n, std::chrono::seconds timeout = std::chrono::seconds(10)) {
    std::unique_lock<std::mutex> lock(mu_);
    return cv_.wait_for(lock, timeout, [&] { return bodies_.size() >= n; });
  }

 private:
  mutable std::mutex mu_;
  std::condition_variable cv_;
  int status_ = 200;
  int attempts_ = 0;
  std::vector<std::string> bodies_;
  LoopbackServer server_;  // last: stops before the state its handlers use
};

inline std::string TempDir(const std::string& name) {
  std::string dir = ::testing::TempDir() + "notify_" + name + "_" + std::to_string(::getpid()) +
                    "_" + ::testing::UnitTest::GetInstance()->current_test_info()->name();
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  return dir;
}

inline ReceiverConfig Receiver(const std::string& name, const std::string& type,
                               const std::string& url) {
  ReceiverConfig r;
  r.name = name;
  r.type = type;
  r.urls = {url};
  if (type == "pagerduty") r.routing_key = "test-routing-key";
  return r;
}

inline RouteConfig Route(std::vector<std::string> receivers,
                         std::vector<std::string> severities = {},
                         std::vector<std::string> matchers = {}) {
  RouteConfig r;
  r.receivers = std::move(receivers);
  r.severities = std::move(severities);
  r.matchers = std::move(matchers);
  r.group_wait = std::chrono::seconds(10);
  r.group_interval = std::chrono::minutes(5);
  return r;
}

inline std::FILE* NullLog() {
  static std::FILE* f = std::fopen("/dev/null", "w");
  return f;
}

/// A Notifier over a fake clock and a scripted HTTP client.
struct Harness {
  explicit Harness(Config c, const std::string& dir_name,
                   std::shared_ptr<HttpClient> client = nullptr)
      : config(std::move(c)),
        dir(TempDir(dir_name)),
        http(std::make_shared<ScriptedHttp>()),
        log(LogFormat::kText, LogLevel::kDebug, NullLog()) {
    Open(client);
  }
  void Open(std::shared_ptr<HttpClient> client = nullptr) {
    notifier.reset();
    registry = std::make_unique<prometheus::Registry>();
    NotifierOptions options;
    options.external_url = "http://127.0.0.1:9464";
    options.http = client ? client : http;
    notifier = std::make_unique<Notifier>(config, dir, *registry, log, clock, options);
  }
  void Step(std::chrono::milliseconds d) {
    clock.Advance(d);
    notifier->Tick(clock.Now());
  }
  std::vector<QueuedNotification> Queued() { return notifier->Queued(); }
  double Counter(const std::string& name, const std::map<std::string, std::string>& labels) {
    for (const auto& family : registry->Collect()) {
      if (family.name != name) continue;
      for (const auto& m : family.metric) {
        bool match = true;
        for (const auto& [k, v] : labels) {
          bool found = false;
          for (const auto& l : m.label) found |= l.name == k && l.value == v;
          match &= found;
        }
        if (match)
          return family.type == prometheus::MetricType::Counter ? m.counter.value : m.gauge.value;
      }
    }
    return -1;
  }

  Config config;
  std::string dir;
  std::shared_ptr<ScriptedHttp> http;
  Logger log;
  FakeClock clock{T0()};
  std::unique_ptr<prometheus::Registry> registry;
  std::unique_ptr<Notifier> notifier;
};

inline std::string ReadFile(const std::string& path) {
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

}  // namespace fxagent::testing
