#include "agent/demo/demo_webhooks.h"

#include <httplib.h>

#include <chrono>
#include <cstdio>
#include <iostream>
#include <nlohmann/json.hpp>
#include <thread>

namespace fxagent {
namespace {

using nlohmann::json;
using SteadyClock = std::chrono::steady_clock;

double Metric(httplib::Client& agent, const std::string& series) {
  auto res = agent.Get("/metrics");
  if (!res) return -1;
  // Match at a line start: the series name also appears in its # HELP line.
  const size_t pos = ("\n" + res->body).find("\n" + series + " ");
  return pos == std::string::npos ? 0 : std::atof(res->body.c_str() + pos + series.size() + 1);
}

bool WaitUntil(const std::function<bool()>& done, std::chrono::seconds limit) {
  const auto deadline = SteadyClock::now() + limit;
  while (SteadyClock::now() < deadline) {
    if (done()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
  }
  return done();
}

bool Send(const WebhookScenes& s, json body) {
  body["target"] = s.target;
  auto res = s.sim->Post("/_sim/webhooks/send", body.dump(), "application/json");
  return res && res->status == 202;
}

void PrintWebhookView(const WebhookScenes& s) {
  httplib::Client& a = *s.agent;
  const std::string t = "type=\"shipment.milestone\"";
  std::printf(
      "  received: accepted %.0f, duplicate %.0f, bad signature %.0f | forwarded: delivered "
      "%.0f, retried %.0f | spool %.0f, dead letters %.0f | app got %ld\n",
      Metric(a, "flexport_webhook_received_total{outcome=\"accepted\"," + t + "}"),
      Metric(a, "flexport_webhook_received_total{outcome=\"duplicate\"," + t + "}"),
      Metric(a, "flexport_webhook_received_total{outcome=\"bad_signature\",type=\"unknown\"}"),
      Metric(a, "flexport_webhook_forwarded_total{outcome=\"delivered\"}"),
      Metric(a, "flexport_webhook_forwarded_total{outcome=\"retried\"}"),
      Metric(a, "flexport_webhook_spool_depth"), Metric(a, "flexport_webhook_dead_letters"),
      s.app->received());
  if (auto res = a.Get("/api/v1/status")) {
    json j = json::parse(res->body, nullptr, false);
    if (j.is_object() && j["webhooks"].is_object()) {
      for (const auto& type : j["webhooks"]["types"]) {
        const double gap = type.value("current_gap_seconds", 0.0);
        const double expected = type.value("expected_gap_seconds", 0.0);
        std::printf("  %-22s last gap %.1fs, expected at most %.0fs%s\n",
                    type.value("type", "").c_str(), gap, expected,
                    expected > 0 && gap > expected ? "  <- SILENT TOO LONG (webhook gap)" : "");
      }
    }
  }
  std::cout << "\n";
}

}  // namespace

struct DemoApp::Impl {
  httplib::Server server;
  std::thread thread;
  int port = 0;
  std::atomic<bool> failing{false};
  std::atomic<long> received{0};
};

DemoApp::DemoApp() : impl_(std::make_unique<Impl>()) {
  Impl* d = impl_.get();
  d->server.Post("/webhooks/flexport", [d](const httplib::Request&, httplib::Response& res) {
    if (d->failing) {
      res.status = 503;
      return;
    }
    ++d->received;
    res.set_content("{}", "application/json");
  });
  d->port = d->server.bind_to_any_port("127.0.0.1");
  d->thread = std::thread([d] { d->server.listen_after_bind(); });
}

DemoApp::~DemoApp() {
  impl_->server.stop();
  impl_->thread.join();
}

int DemoApp::port() const { return impl_->port; }
void DemoApp::SetFailing(bool failing) { impl_->failing = failing; }
long DemoApp::received() const { return impl_->received; }

int RunWebhookScenes(const WebhookScenes& s) {
  int failures = 0;
  httplib::Client& a = *s.agent;
  auto accepted = [&] {
    return Metric(
        a, "flexport_webhook_received_total{outcome=\"accepted\",type=\"shipment.milestone\"}");
  };

  std::cout
      << "=== Webhook stream: 20 signed events, a quarter re-sent as Flexport retries do ===\n";
  failures += !Send(s, {{"count", 20}, {"rate", 40}, {"duplicate_ratio", 0.25}});
  failures += !WaitUntil([&] { return s.app->received() >= 20; }, std::chrono::seconds(15));
  PrintWebhookView(s);

  std::cout << "=== Mis-signed burst: 5 events signed with the wrong secret (answered 401) ===\n";
  failures += !Send(s, {{"count", 5}, {"rate", 50}, {"mis_sign", true}});
  failures += !WaitUntil(
      [&] {
        return Metric(
                   a,
                   "flexport_webhook_received_total{outcome=\"bad_signature\",type=\"unknown\"}") >=
               5;
      },
      std::chrono::seconds(10));
  PrintWebhookView(s);

  std::cout
      << "=== App outage: the integration answers 503; events stay spooled and are retried ===\n";
  s.app->SetFailing(true);
  const double before = accepted();
  failures += !Send(s, {{"count", 5}, {"rate", 50}});
  failures += !WaitUntil([&] { return accepted() >= before + 5; }, std::chrono::seconds(10));
  std::this_thread::sleep_for(std::chrono::seconds(s.step_seconds));
  PrintWebhookView(s);

  std::cout << "=== App recovered: the spooled events are delivered ===\n";
  s.app->SetFailing(false);
  failures += !WaitUntil([&] { return s.app->received() >= 25; }, std::chrono::seconds(30));
  PrintWebhookView(s);

  std::cout << "=== Silence: no webhook for longer than the expected gap (5s) ===\n";
  std::this_thread::sleep_for(std::chrono::seconds(6));
  PrintWebhookView(s);
  return failures == 0 ? 0 : 1;
}

}  // namespace fxagent
