/// The egress proxy's request path without any HTTP server types: circuit breaker and
/// stale cache, 429 queue and concurrency limit, the upstream call, header filtering,
/// traceparent, and the metrics of every request. EgressProxy adapts its listener to this.
/// With SetTracer, each request is a server span "{METHOD} {endpoint template}" (continuing
/// the caller's traceparent) with a client span child for the upstream call, whose
/// traceparent is the one sent upstream.
/// Handle() is thread-safe and blocks for at most about twice `[proxy] timeout`.
#pragma once

#include <memory>
#include <string>

#include "agent/base/clock.h"
#include "agent/config/config.h"
#include "agent/proxy/headers.h"

namespace fxagent {

class ApiMetrics;
class Logger;
class ProxyMetrics;
class ScopedSpan;
class Tracer;

struct ProxyRequest {
  std::string method;
  std::string target;  // path and query exactly as received
  HeaderList headers;  // as received (hop-by-hop ones are dropped here)
  std::string body;
  bool has_body = false;  // a body is sent upstream (even an empty one)
};

struct ProxyResponse {
  int status = 0;
  HeaderList headers;  // end-to-end headers; Content-Length only where there is no body
  std::string body;
};

class ProxyCore {
 public:
  ProxyCore(const ProxySection& proxy, const std::string& api_base, ApiMetrics& api_metrics,
            ProxyMetrics& metrics, Logger& log, std::shared_ptr<const Clock> clock);
  ~ProxyCore();
  ProxyCore(const ProxyCore&) = delete;
  ProxyCore& operator=(const ProxyCore&) = delete;

  ProxyResponse Handle(const ProxyRequest& request);
  /// Wakes queued requests and aborts upstream transfers; later calls answer 503.
  void Stop();
  /// Spans for each request from now on; nullptr (the default) = no spans, and the proxy
  /// forwards the caller's valid traceparent or generates one. Must outlive the core.
  void SetTracer(Tracer* tracer);

 private:
  ProxyResponse HandleIn(const ProxyRequest& request, const std::string& endpoint,
                         ScopedSpan& span);
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace fxagent
