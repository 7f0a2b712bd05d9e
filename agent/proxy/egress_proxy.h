/// The egress listener (`[listen] egress`): forwards every request to `[flexport].api_base`
/// with the same method, path, query, headers (minus hop-by-hop) and body, returns the
/// response unchanged, and records it (flexport_api_requests_total{source="proxy"}, the
/// duration histogram, rate-limit gauges, flexport_proxy_* metrics). Optional 429 queueing
/// (`[proxy] queue_on_429`) and circuit breaker with stale GET cache (`[proxy.breaker]`).
/// Bind(), Start() and Stop() from one owner thread; requests are served on a thread pool.
#pragma once

#include <memory>

#include "agent/base/clock.h"
#include "agent/config/config.h"

namespace prometheus {
class Registry;
}  // namespace prometheus

namespace fxagent {

class ApiMetrics;
class Logger;
class Tracer;

class EgressProxy {
 public:
  /// Forwards to `api_base` ([flexport].api_base) as `proxy` ([proxy]) says.
  /// `api_metrics` is shared with the probes; the flexport_proxy_* metrics are registered
  /// in `registry`. `clock` is for tests; the default is the system clock.
  EgressProxy(const ProxySection& proxy, const std::string& api_base, ApiMetrics& api_metrics,
              prometheus::Registry& registry, Logger& log,
              std::shared_ptr<const Clock> clock = nullptr);
  ~EgressProxy();
  EgressProxy(const EgressProxy&) = delete;
  EgressProxy& operator=(const EgressProxy&) = delete;

  /// Binds the listener; port 0 picks a free port, returned in the result. Throws
  /// std::runtime_error when the address cannot be bound (start-up only).
  ListenAddress Bind(const ListenAddress& want);
  /// Serves on background threads; call after Bind().
  void Start();
  /// A server span per request and a client span per upstream call from now on; nullptr
  /// (the default) = no spans. The tracer must outlive the proxy. Call before Start().
  void SetTracer(Tracer* tracer);
  /// Stops accepting, wakes queued requests and aborts upstream transfers; returns within
  /// a couple of seconds. Safe to call twice, and without Start().
  void Stop();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace fxagent
