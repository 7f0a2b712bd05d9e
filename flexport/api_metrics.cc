#include "flexport/api_metrics.h"

#include <prometheus/counter.h>
#include <prometheus/family.h>
#include <prometheus/gauge.h>
#include <prometheus/histogram.h>
#include <prometheus/registry.h>

namespace fxagent {
namespace {

prometheus::Gauge& SimpleGauge(prometheus::Registry& r, const char* name, const char* help) {
  return prometheus::BuildGauge().Name(name).Help(help).Register(r).Add({});
}

}  // namespace

ApiMetrics::ApiMetrics(prometheus::Registry& registry)
    : requests_(prometheus::BuildCounter()
                    .Name("flexport_api_requests_total")
                    .Help("Flexport API requests by templated endpoint, source and HTTP code")
                    .Register(registry)),
      duration_(prometheus::BuildHistogram()
                    .Name("flexport_api_request_duration_seconds")
                    .Help("Flexport API request duration")
                    .Register(registry)),
      limit_(SimpleGauge(registry, "flexport_api_ratelimit_limit",
                         "Request quota of the current rate-limit window")),
      remaining_(SimpleGauge(registry, "flexport_api_ratelimit_remaining",
                             "Requests left in the current rate-limit window")),
      reset_(SimpleGauge(registry, "flexport_api_ratelimit_reset_seconds",
                         "Seconds until the rate-limit window resets")),
      retry_after_(SimpleGauge(registry, "flexport_api_retry_after_seconds",
                               "Last Retry-After value seen, in seconds")) {}

void ApiMetrics::RecordRequest(const std::string& endpoint, const std::string& source, int code,
                               double seconds) {
  const std::string code_label = code == 0 ? "error" : std::to_string(code);
  requests_.Add({{"endpoint", endpoint}, {"source", source}, {"code", code_label}}).Increment();
  static const prometheus::Histogram::BucketBoundaries kBuckets = {
      0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30};
  duration_.Add({{"endpoint", endpoint}, {"source", source}}, kBuckets).Observe(seconds);
}

void ApiMetrics::RecordRateLimit(const RateLimitInfo& info) {
  if (info.limit) limit_.Set(*info.limit);
  if (info.remaining) remaining_.Set(*info.remaining);
  if (info.reset_seconds) reset_.Set(*info.reset_seconds);
  if (info.retry_after_seconds) retry_after_.Set(*info.retry_after_seconds);
}

}  // namespace fxagent
