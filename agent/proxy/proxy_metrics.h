/// The egress proxy's own metrics (in-flight requests, the 429 queue, the breaker, stale
/// answers, rejections). Flexport request metrics go to ApiMetrics with source="proxy".
/// Thread-safe (prometheus-cpp metrics are).
#pragma once

#include <string>

namespace prometheus {
class Registry;
template <typename T>
class Family;
class Counter;
class Gauge;
}  // namespace prometheus

namespace fxagent {

class ProxyMetrics {
 public:
  explicit ProxyMetrics(prometheus::Registry& registry);

  prometheus::Gauge& in_flight;       // flexport_proxy_in_flight
  prometheus::Gauge& queue_depth;     // flexport_proxy_queue_depth
  prometheus::Gauge& breaker_state;   // flexport_proxy_breaker_state: 0 closed, 1 open, 2 half-open
  prometheus::Counter& served_stale;  // flexport_proxy_served_stale_total

  /// flexport_proxy_queued_total{outcome}: released | rejected | timeout.
  void CountQueued(const std::string& outcome);
  /// flexport_proxy_rejected_total{reason}: answers the agent gave instead of the upstream
  /// (rate_limited, breaker_open, overloaded, shutting_down).
  void CountRejected(const std::string& reason);

 private:
  prometheus::Family<prometheus::Counter>& queued_;
  prometheus::Family<prometheus::Counter>& rejected_;
};

}  // namespace fxagent
