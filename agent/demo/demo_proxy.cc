#include "agent/demo/demo_proxy.h"

#include <httplib.h>

#include <atomic>
#include <cstdio>
#include <iostream>
#include <map>
#include <mutex>
#include <thread>
#include <vector>

namespace fxagent {
namespace {

double Metric(httplib::Client& agent, const std::string& series) {
  auto res = agent.Get("/metrics");
  if (!res) return -1;
  const size_t pos = ("\n" + res->body).find("\n" + series + " ");
  return pos == std::string::npos ? 0 : std::atof(res->body.c_str() + pos + series.size() + 1);
}

httplib::Headers Auth(const ProxyScenes& s) {
  return {{"Authorization", std::string("Bearer ") + s.api_key}, {"Flexport-Version", "2"}};
}

// `n` concurrent GETs through the proxy, each on its own connection, as a busy app would.
std::map<int, int> Burst(const ProxyScenes& s, int n, const std::string& path) {
  std::map<int, int> codes;
  std::mutex mu;
  std::vector<std::thread> threads;
  const std::string host = s.egress_host;
  const int port = s.egress_port;
  threads.reserve(static_cast<size_t>(n));
  for (int i = 0; i < n; ++i) {
    threads.emplace_back([&] {
      httplib::Client c(host, port);
      c.set_read_timeout(std::chrono::seconds(20));
      auto res = c.Get(path.c_str(), Auth(s));
      std::lock_guard<std::mutex> lock(mu);
      ++codes[res ? res->status : 0];
    });
  }
  for (auto& t : threads) t.join();
  return codes;
}

void PrintCodes(const std::map<int, int>& codes) {
  std::cout << "  app saw:";
  for (const auto& [code, count] : codes) std::cout << " " << count << "x " << code;
  std::cout << "\n";
}

}  // namespace

int RunProxyScenes(const ProxyScenes& s) {
  int failures = 0;
  httplib::Client& agent = *s.agent;

  std::cout << "=== Egress proxy: the app calls Flexport through the agent ===\n";
  auto ok = s.egress->Get("/shipments?per=1", Auth(s));
  failures += !(ok && ok->status == 200);
  std::printf(
      "  GET /shipments?per=1 -> %d, rate limit %s/%s left (recorded as source=\"proxy\")\n\n",
      ok ? ok->status : 0, ok ? ok->get_header_value("X-RateLimit-Remaining").c_str() : "-",
      ok ? ok->get_header_value("X-RateLimit-Limit").c_str() : "-");

  std::cout << "=== 429 storm: the quota is spent; after the first 429 the next 12 calls wait for "
               "the reset instead of burning more quota ===\n";
  auto rl = s.sim->Post("/_sim/ratelimit", R"({"capacity": 12, "refill_per_sec": 12, "tokens": 0})",
                        "application/json");
  failures += !(rl && rl->status == 200);
  auto first = s.egress->Get("/bookings?per=1", Auth(s));
  std::printf("  first call -> %d (Retry-After: %s)\n", first ? first->status : 0,
              first ? first->get_header_value("Retry-After").c_str() : "-");
  const auto codes_storm = Burst(s, 12, "/bookings?per=1");
  PrintCodes(codes_storm);
  failures += codes_storm.count(200) == 0;
  std::printf(
      "  proxy: queued and released %.0f, rejected %.0f, upstream 429s %.0f\n\n",
      Metric(agent, "flexport_proxy_queued_total{outcome=\"released\"}"),
      Metric(agent, "flexport_proxy_queued_total{outcome=\"rejected\"}"),
      Metric(agent,
             "flexport_api_requests_total{code=\"429\",endpoint=\"/bookings\",source=\"proxy\"}"));
  s.sim->Post("/_sim/reset", "{}", "application/json");

  std::cout
      << "=== Outage: upstream 503s open the circuit breaker; GETs get the last good data ===\n";
  s.sim->Post("/_sim/scenario/outage", "{}", "application/json");
  std::map<int, int> codes;
  for (int i = 0; i < 4; ++i) {
    auto r = s.egress->Get("/shipments?per=1", Auth(s));
    ++codes[r ? r->status : 0];
  }
  PrintCodes(codes);
  auto stale = s.egress->Get("/shipments?per=1", Auth(s));
  const bool served_stale =
      stale && stale->status == 200 && stale->get_header_value("X-Flexport-Agent-Cache") == "stale";
  failures += !served_stale;
  std::printf("  breaker state %.0f (1 = open); GET /shipments?per=1 -> %d, %s, Warning: %s\n",
              Metric(agent, "flexport_proxy_breaker_state"), stale ? stale->status : 0,
              served_stale ? "served stale from the agent's cache" : "NOT served stale",
              stale ? stale->get_header_value("Warning").c_str() : "-");
  auto miss = s.egress->Get("/invoices?per=1", Auth(s));
  std::printf("  GET /invoices?per=1 (never cached) -> %d\n\n", miss ? miss->status : 0);
  s.sim->Post("/_sim/scenario/healthy", "{}", "application/json");
  return failures == 0 ? 0 : 1;
}

}  // namespace fxagent
