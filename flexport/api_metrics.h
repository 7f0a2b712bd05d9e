/// The Flexport API request metrics shared by probes and the egress proxy
/// (`flexport_api_requests_total`, the duration histogram, rate-limit gauges). All methods
/// are thread-safe.
#pragma once

#include <string>

#include "flexport/ratelimit.h"

namespace prometheus {
class Registry;
template <typename T>
class Family;
class Counter;
class Gauge;
class Histogram;
}  // namespace prometheus

namespace fxagent {

class ApiMetrics {
 public:
  explicit ApiMetrics(prometheus::Registry& registry);

  /// `code` is the HTTP status, or 0 for a transport error (exported as code="error").
  void RecordRequest(const std::string& endpoint, const std::string& source, int code,
                     double seconds);
  /// Updates the gauges for every value the headers carried.
  void RecordRateLimit(const RateLimitInfo& info);

 private:
  prometheus::Family<prometheus::Counter>& requests_;
  prometheus::Family<prometheus::Histogram>& duration_;
  prometheus::Gauge& limit_;
  prometheus::Gauge& remaining_;
  prometheus::Gauge& reset_;
  prometheus::Gauge& retry_after_;
};

}  // namespace fxagent
