// bench/proxy: latency the egress proxy adds, and its throughput, against a loopback
// upstream in the same process. Two phases per target (direct to the upstream, and through
// EgressProxy): a fixed-rate run (latency measured from each request's scheduled start,
// so queueing is not hidden) and a closed-loop run at full speed (throughput).
//
// Usage: proxy_bench [--rate 500] [--seconds 10] [--connections 16]
#include <httplib.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <prometheus/registry.h>
#include <sys/socket.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "agent/base/logger.h"
#include "agent/config/config.h"
#include "agent/proxy/egress_proxy.h"
#include "flexport/api_metrics.h"

namespace {

using Clock = std::chrono::steady_clock;

struct Result {
  double seconds = 0;
  size_t ok = 0;
  size_t errors = 0;
  std::vector<double> latencies_ms;

  double Percentile(double p) {
    if (latencies_ms.empty()) return 0;
    std::sort(latencies_ms.begin(), latencies_ms.end());
    const size_t i = std::min(latencies_ms.size() - 1,
                              static_cast<size_t>(p * static_cast<double>(latencies_ms.size())));
    return latencies_ms[i];
  }
};

// rate > 0: each connection sends at rate/connections on a fixed schedule. rate == 0: as
// fast as possible.
Result Run(int port, double rate, int seconds, int connections) {
  Result total;
  std::mutex mu;
  std::vector<std::thread> threads;
  const auto start = Clock::now() + std::chrono::milliseconds(50);
  const auto end = start + std::chrono::seconds(seconds);
  threads.reserve(static_cast<size_t>(connections));
  for (int c = 0; c < connections; ++c) {
    threads.emplace_back([&, c] {
      httplib::Client client("127.0.0.1", port);
      client.set_keep_alive(true);
      client.set_tcp_nodelay(true);
      const httplib::Headers headers = {{"Authorization", "Bearer bench-key"},
                                        {"Flexport-Version", "2"}};
      Result local;
      const auto interval = rate > 0 ? std::chrono::duration<double>(connections / rate)
                                     : std::chrono::duration<double>(0);
      auto next = start + std::chrono::duration_cast<Clock::duration>(interval * c / connections);
      for (;;) {
        if (rate > 0) std::this_thread::sleep_until(next);
        const auto scheduled = rate > 0 ? next : Clock::now();
        if (scheduled >= end) break;
        auto res = client.Get("/shipments?per=1", headers);
        const auto done = Clock::now();
        if (res && res->status == 200) {
          ++local.ok;
          local.latencies_ms.push_back(
              std::chrono::duration<double, std::milli>(done - scheduled).count());
        } else {
          ++local.errors;
        }
        next += std::chrono::duration_cast<Clock::duration>(interval);
      }
      std::lock_guard lock(mu);
      total.ok += local.ok;
      total.errors += local.errors;
      total.latencies_ms.insert(total.latencies_ms.end(), local.latencies_ms.begin(),
                                local.latencies_ms.end());
    });
  }
  for (auto& t : threads) t.join();
  total.seconds = std::chrono::duration<double>(Clock::now() - start).count();
  return total;
}

void Print(const char* name, Result& r) {
  std::printf("%-22s %10.0f req/s  p50 %7.3f ms  p99 %7.3f ms  errors %zu\n", name,
              static_cast<double>(r.ok) / r.seconds, r.Percentile(0.50), r.Percentile(0.99),
              r.errors);
}

}  // namespace

int main(int argc, char** argv) {
  double rate = 500;
  int seconds = 10;
  int connections = 16;
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string flag = argv[i];
    if (flag == "--rate") rate = std::atof(argv[i + 1]);
    if (flag == "--seconds") seconds = std::atoi(argv[i + 1]);
    if (flag == "--connections") connections = std::atoi(argv[i + 1]);
  }

  // The upstream: a small Flexport-like JSON page, as flexport-sim would answer.
  const std::string page =
      R"({"_object":"/api/response","version":2,"data":{"_object":"/api/collections/paginated",)"
      R"("data":[{"_object":"/shipment","id":"FLEX-123456","status":"in_transit"}]}})";
  httplib::Server upstream;
  upstream.set_keep_alive_max_count(1000000);
  upstream.set_socket_options([](int sock) {
    int yes = 1;
    setsockopt(sock, IPPROTO_TCP, TCP_NODELAY, &yes, sizeof(yes));
  });
  upstream.new_task_queue = [connections] { return new httplib::ThreadPool(connections + 8); };
  upstream.Get(".*", [&](const httplib::Request&, httplib::Response& res) {
    res.set_header("X-RateLimit-Limit", "100000");
    res.set_header("X-RateLimit-Remaining", "99999");
    res.set_content(page, "application/json");
  });
  const int upstream_port = upstream.bind_to_any_port("127.0.0.1");
  std::thread upstream_thread([&] { upstream.listen_after_bind(); });

  fxagent::Config config;
  config.flexport.api_base = "http://127.0.0.1:" + std::to_string(upstream_port);
  fxagent::Logger log(fxagent::LogFormat::kText, fxagent::LogLevel::kError);
  prometheus::Registry registry;
  fxagent::ApiMetrics api_metrics(registry);
  fxagent::EgressProxy proxy(config.proxy, config.flexport.api_base, api_metrics, registry, log);
  const int proxy_port = proxy.Bind({"127.0.0.1", 0}).port;
  proxy.Start();
  while (!upstream.is_running()) std::this_thread::sleep_for(std::chrono::milliseconds(1));

  std::printf("fixed rate %.0f req/s for %d s over %d keep-alive connections\n", rate, seconds,
              connections);
  Result direct = Run(upstream_port, rate, seconds, connections);
  Result via = Run(proxy_port, rate, seconds, connections);
  Print("direct", direct);
  Print("through egress proxy", via);
  std::printf("added latency: p50 %.3f ms, p99 %.3f ms (target p99 <= 1 ms)\n\n",
              via.Percentile(0.50) - direct.Percentile(0.50),
              via.Percentile(0.99) - direct.Percentile(0.99));

  std::printf("closed loop, %d connections, %d s\n", connections, seconds);
  Result direct_max = Run(upstream_port, 0, seconds, connections);
  Result via_max = Run(proxy_port, 0, seconds, connections);
  Print("direct", direct_max);
  Print("through egress proxy", via_max);

  proxy.Stop();
  upstream.stop();
  upstream_thread.join();
  return via.errors + via_max.errors == 0 ? 0 : 1;
}
