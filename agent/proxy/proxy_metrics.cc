#include "agent/proxy/proxy_metrics.h"

#include <prometheus/counter.h>
#include <prometheus/family.h>
#include <prometheus/gauge.h>
#include <prometheus/registry.h>

namespace fxagent {
namespace {

prometheus::Gauge& SimpleGauge(prometheus::Registry& r, const char* name, const char* help) {
  return prometheus::BuildGauge().Name(name).Help(help).Register(r).Add({});
}

}  // namespace

ProxyMetrics::ProxyMetrics(prometheus::Registry& registry)
    : in_flight(SimpleGauge(registry, "flexport_proxy_in_flight",
                            "Requests the egress proxy is currently forwarding upstream")),
      queue_depth(SimpleGauge(registry, "flexport_proxy_queue_depth",
                              "Requests waiting for a rate-limit reset (queue_on_429)")),
      breaker_state(SimpleGauge(registry, "flexport_proxy_breaker_state",
                                "Circuit breaker state: 0 closed, 1 open, 2 half-open")),
      served_stale(prometheus::BuildCounter()
                       .Name("flexport_proxy_served_stale_total")
                       .Help("GET requests answered from the stale cache while the breaker is open")
                       .Register(registry)
                       .Add({})),
      queued_(prometheus::BuildCounter()
                  .Name("flexport_proxy_queued_total")
                  .Help("Requests held back after a 429, by outcome (released, rejected, timeout)")
                  .Register(registry)),
      rejected_(
          prometheus::BuildCounter()
              .Name("flexport_proxy_rejected_total")
              .Help("Requests the egress proxy answered itself instead of forwarding, by reason")
              .Register(registry)) {
  // Known label values start at 0 so rate() works from the first increment.
  for (const char* outcome : {"released", "rejected", "timeout"}) {
    queued_.Add({{"outcome", outcome}});
  }
  for (const char* reason : {"rate_limited", "breaker_open", "overloaded", "shutting_down"}) {
    rejected_.Add({{"reason", reason}});
  }
}

void ProxyMetrics::CountQueued(const std::string& outcome) {
  queued_.Add({{"outcome", outcome}}).Increment();
}

void ProxyMetrics::CountRejected(const std::string& reason) {
  rejected_.Add({{"reason", reason}}).Increment();
}

}  // namespace fxagent
