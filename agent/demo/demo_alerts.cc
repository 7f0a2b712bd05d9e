#include "agent/demo/demo_alerts.h"

#include <httplib.h>

#include <atomic>
#include <iostream>
#include <mutex>
#include <nlohmann/json.hpp>
#include <thread>

namespace fxagent {
namespace {

using nlohmann::json;

// Slack mrkdwn to terminal text: bold markers go, the rest reads the same.
std::string Plain(const std::string& s) {
  std::string out;
  for (char c : s) {
    if (c != '*') out += c;
  }
  return out;
}

}  // namespace

struct DemoSlack::Impl {
  httplib::Server server;
  std::thread thread;
  int port = 0;
  std::atomic<int> messages{0};
  std::mutex print_mu;
};

DemoSlack::DemoSlack() : impl_(std::make_unique<Impl>()) {
  Impl* d = impl_.get();
  d->server.Post("/slack", [d](const httplib::Request& req, httplib::Response& res) {
    json msg = json::parse(req.body, nullptr, false);
    std::lock_guard<std::mutex> lock(d->print_mu);
    ++d->messages;
    std::cout << "  +--- Slack message -------------------------------------------------\n";
    if (msg.is_object() && msg["blocks"].is_array()) {
      for (const auto& block : msg["blocks"]) {
        const json& text = block.contains("text") ? block["text"] : json();
        if (text.is_object() && text["text"].is_string()) {
          std::string t = Plain(text["text"].get<std::string>());
          size_t start = 0;
          while (start <= t.size()) {
            const size_t nl = t.find('\n', start);
            std::cout << "  | " << t.substr(start, nl - start) << "\n";
            if (nl == std::string::npos) break;
            start = nl + 1;
          }
        }
      }
    } else if (msg.is_object() && msg["text"].is_string()) {
      std::cout << "  | " << msg["text"].get<std::string>() << "\n";
    }
    std::cout << "  +-------------------------------------------------------------------\n";
    res.set_content("ok", "text/plain");
  });
  d->port = d->server.bind_to_any_port("127.0.0.1");
  d->thread = std::thread([d] { d->server.listen_after_bind(); });
}

DemoSlack::~DemoSlack() {
  impl_->server.stop();
  impl_->thread.join();
}

int DemoSlack::port() const { return impl_->port; }
int DemoSlack::messages() const { return impl_->messages; }

std::string DemoRulesToml() {
  return R"TOML(
[[rules]]
alert = "FlexportApiDown"
severity = "P1"
expr = 'max(flexport_probe_success{kind="api"}) == 0 unless on () count(flexport_probe_http_status == 429) > 0'
for = "1s"
labels = { component = "api" }
annotations = { summary = "Flexport API returns errors on every endpoint", playbook = "api-outage" }

[[rules]]
alert = "FlexportApiKeyRejected"
severity = "P1"
expr = 'count(flexport_probe_http_status{probe!~"status_page|subscription"} == 401) == count(flexport_probe_success{kind="api"})'
for = "1s"
labels = { component = "key" }
annotations = { summary = "Flexport rejects the API key (401 on every endpoint)", playbook = "auth-failure" }

[[rules]]
alert = "FlexportStatusPageMajor"
severity = "P2"
expr = 'max(flexport_statuspage_indicator) == 2'
labels = { component = "status_page" }
annotations = { summary = "Flexport status page reports a major outage", playbook = "api-outage" }

[[rules]]
alert = "FlexportApiRateLimited"
severity = "P3"
expr = 'count(flexport_probe_http_status == 429) > 0'
for = "1s"
labels = { component = "ratelimit" }
annotations = { summary = "Flexport answers 429: the integration is rate limited", playbook = "rate-limit" }
)TOML";
}

void PrintIncidents(httplib::Client& agent) {
  std::cout << "=== Incidents the agent kept ===\n";
  auto list = agent.Get("/api/v1/incidents");
  json incidents = list ? json::parse(list->body, nullptr, false) : json();
  if (incidents.is_object() && incidents.contains("incidents")) incidents = incidents["incidents"];
  if (!incidents.is_array() || incidents.empty()) {
    std::cout << "  (none)\n\n";
    return;
  }
  for (const auto& i : incidents) {
    std::cout << "  #" << i.value("id", json()).dump() << " "
              << i.value("title", i.value("group", "")) << " [" << i.value("status", "")
              << "] severity " << i.value("severity", "") << "\n";
  }
  const std::string id = incidents[0].contains("id") ? incidents[0]["id"].dump() : "1";
  auto report = agent.Get(
      ("/api/v1/incidents/" + (id.front() == '"' ? id.substr(1, id.size() - 2) : id) + "/report")
          .c_str());
  if (report && report->status == 200) {
    std::cout << "\n=== Post-incident report (GET /api/v1/incidents/" << id << "/report) ===\n"
              << report->body << "\n";
  }
}

}  // namespace fxagent
