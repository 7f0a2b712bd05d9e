#include "agent/proxy/proxy_core.h"

#include <prometheus/counter.h>
#include <prometheus/gauge.h>

#include <algorithm>
#include <atomic>
#include <cctype>
#include <ctime>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>

#include "agent/base/logger.h"
#include "agent/proxy/admission.h"
#include "agent/proxy/circuit_breaker.h"
#include "agent/proxy/proxy_metrics.h"
#include "agent/proxy/stale_cache.h"
#include "agent/proxy/upstream_client.h"
#include "agent/tracing/http_attributes.h"
#include "agent/tracing/semconv.h"
#include "agent/tracing/span_context.h"
#include "agent/tracing/tracer.h"
#include "flexport/api_metrics.h"
#include "flexport/endpoint_template.h"
#include "flexport/ratelimit.h"

namespace fxagent {
namespace {

using nlohmann::json;

constexpr size_t kMaxResponseBytes = size_t{64} * 1024 * 1024;
// Bound on the stale cache's total body bytes, whatever cache_entries allows.
constexpr size_t kCacheMaxTotalBytes = size_t{64} * 1024 * 1024;
constexpr auto kLogInterval = std::chrono::seconds(10);

// Span attributes of the proxy's own decisions.
constexpr std::string_view kAttrRejected = "flexport.proxy.rejected";  // reason
constexpr std::string_view kAttrCause = "flexport.proxy.cause";
constexpr std::string_view kAttrBreaker = "flexport.proxy.breaker";  // allow | probe | reject
constexpr std::string_view kAttrCache = "flexport.proxy.cache";      // stale | miss
constexpr std::string_view kAttrQueueWait = "flexport.proxy.queue_wait_seconds";

void Rejected(ScopedSpan& span, std::string_view reason, std::string_view cause) {
  if (!span.IsRecording()) return;
  span.SetAttribute(kAttrRejected, reason);
  if (!cause.empty()) span.SetAttribute(kAttrCause, cause);
}

ProxyResponse JsonResponse(int status, const json& body) {
  ProxyResponse r;
  r.status = status;
  r.headers.emplace_back("Content-Type", "application/json");
  r.body = body.dump() + "\n";
  return r;
}

ProxyResponse Rejection(int status, const std::string& error, const std::string& cause,
                        std::optional<std::chrono::seconds> retry_after = std::nullopt) {
  json body = {{"error", error}, {"cause", cause}};
  if (retry_after) body["retry_after_seconds"] = retry_after->count();
  ProxyResponse r = JsonResponse(status, body);
  if (retry_after) r.headers.emplace_back("Retry-After", std::to_string(retry_after->count()));
  return r;
}

std::multimap<std::string, std::string> LowerCased(const HeaderList& headers) {
  std::multimap<std::string, std::string> out;
  for (const auto& [name, value] : headers) {
    std::string lower = name;
    std::transform(lower.begin(), lower.end(), lower.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    out.emplace(std::move(lower), value);
  }
  return out;
}

// Logs at most once per interval per kind, so a 429 storm or an outage cannot flood stderr.
class LogThrottle {
 public:
  bool Allow(std::chrono::steady_clock::time_point now) {
    const int64_t t = now.time_since_epoch().count();
    int64_t last = last_.load();
    const int64_t gap = std::chrono::steady_clock::duration(kLogInterval).count();
    if (last != 0 && t - last < gap) return false;
    return last_.compare_exchange_strong(last, t);
  }

 private:
  std::atomic<int64_t> last_{0};
};

}  // namespace

struct ProxyCore::Impl {
  Impl(const ProxySection& proxy, const std::string& base, ApiMetrics& api, ProxyMetrics& m,
       Logger& l, std::shared_ptr<const Clock> c)
      : api_base(base),
        breaker_enabled(proxy.breaker.enabled),
        api_metrics(api),
        metrics(m),
        log(l),
        clock(c ? std::move(c) : MakeSystemClock()),
        admission(proxy, m, clock),
        upstream(proxy.timeout, kMaxResponseBytes,
                 static_cast<size_t>(std::max(1, proxy.max_concurrency))),
        cache(static_cast<size_t>(std::max(0, proxy.breaker.cache_entries)),
              proxy.breaker.cache_max_body, kCacheMaxTotalBytes) {
    if (breaker_enabled) {
      const auto& b = proxy.breaker;
      breaker.emplace(b.failure_threshold, b.open_duration,
                      [this, b](BreakerState from, BreakerState to) {
                        metrics.breaker_state.Set(static_cast<double>(to));
                        log.Warn("egress circuit breaker changed state",
                                 {{"from", BreakerStateName(from)},
                                  {"to", BreakerStateName(to)},
                                  {"failure_threshold", std::to_string(b.failure_threshold)},
                                  {"open_duration", FormatDuration(b.open_duration)}});
                      });
    }
  }

  const std::string api_base;
  const bool breaker_enabled;
  ApiMetrics& api_metrics;
  ProxyMetrics& metrics;
  Logger& log;
  const std::shared_ptr<const Clock> clock;
  ProxyAdmission admission;
  UpstreamClient upstream;
  StaleCache cache;
  std::optional<CircuitBreaker> breaker;
  LogThrottle error_log, ratelimit_log;
  std::atomic<Tracer*> tracer{nullptr};

  HeaderList UpstreamHeaders(const ProxyRequest& request, const ScopedSpan& client) const;
  ProxyResponse WhileOpen(const ProxyRequest& request, const std::string& cache_key,
                          ScopedSpan& span);
  ProxyResponse Forward(const ProxyRequest& request, const std::string& endpoint,
                        const std::string& cache_key, CircuitBreaker::Outcome* outcome,
                        ScopedSpan& span);
  void RecordRateLimit(int status, const HeaderList& headers, const std::string& endpoint);
};

HeaderList ProxyCore::Impl::UpstreamHeaders(const ProxyRequest& request,
                                            const ScopedSpan& client) const {
  HeaderList headers = DropHopByHop(request.headers);
  // libcurl frames the body itself; the client's framing does not apply upstream.
  RemoveHeader(headers, "content-length");
  RemoveHeader(headers, "expect");
  const std::string* tp = FindHeader(headers, "traceparent");
  const bool present = tp != nullptr;
  const bool valid = present && ParseTraceparent(*tp).has_value();
  if (client.IsRecording()) {
    // The upstream call is a child of the client span (same trace as the caller's).
    RemoveHeader(headers, "traceparent");
    if (present && !valid) RemoveHeader(headers, "tracestate");
    headers.emplace_back("traceparent", client.Traceparent());
    return headers;
  }
  if (!valid) {
    RemoveHeader(headers, "traceparent");
    // tracestate belongs to the traceparent it came with (W3C Trace Context §3.3).
    if (present) RemoveHeader(headers, "tracestate");
    headers.emplace_back("traceparent",
                         FormatTraceparent(SpanContext{NewTraceId(), NewSpanId(), 0x01}));
  }
  return headers;
}

ProxyResponse ProxyCore::Impl::WhileOpen(const ProxyRequest& request, const std::string& cache_key,
                                         ScopedSpan& span) {
  if (!cache_key.empty()) {
    if (const auto hit = cache.Get(cache_key)) {
      metrics.served_stale.Increment();
      span.SetAttribute(kAttrCache, "stale");
      ProxyResponse r;
      r.status = hit->status;
      r.headers = hit->headers;
      const auto age = std::chrono::duration_cast<std::chrono::seconds>(
          std::chrono::system_clock::now() - hit->stored_at);
      RemoveHeader(r.headers, "age");
      r.headers.emplace_back("Age", std::to_string(std::max<int64_t>(0, age.count())));
      r.headers.emplace_back("Warning", "110 - \"Response is Stale\"");
      r.headers.emplace_back("X-Flexport-Agent-Cache", "stale");
      r.body = hit->body;
      return r;
    }
  }
  metrics.CountRejected("breaker_open");
  span.SetAttribute(kAttrCache, "miss");
  Rejected(span, "breaker_open", "");
  const auto left = breaker->RemainingOpen(clock->SteadyNow());
  const auto retry =
      std::max(std::chrono::ceil<std::chrono::seconds>(left), std::chrono::seconds(1));
  ProxyResponse r = Rejection(503,
                              request.method == "GET"
                                  ? "circuit breaker open and no cached response for this request"
                                  : "circuit breaker open",
                              "breaker_open", retry);
  r.headers.emplace_back("X-Flexport-Agent-Cache", "miss");
  return r;
}

void ProxyCore::Impl::RecordRateLimit(int status, const HeaderList& headers,
                                      const std::string& endpoint) {
  const RateLimitInfo info = ParseRateLimit(LowerCased(headers), std::time(nullptr));
  if (info.Any()) api_metrics.RecordRateLimit(info);
  if (status != 429) return;
  const std::optional<double> wait =
      info.retry_after_seconds ? info.retry_after_seconds : info.reset_seconds;
  if (wait && *wait > 0) {
    admission.OnRateLimited(std::chrono::milliseconds(static_cast<int64_t>(*wait * 1000)));
  }
  if (ratelimit_log.Allow(clock->SteadyNow())) {
    log.Warn("upstream rate limited the integration",
             {{"endpoint", endpoint},
              {"retry_after_seconds", wait ? std::to_string(static_cast<int64_t>(*wait)) : ""}});
  }
}

ProxyResponse ProxyCore::Impl::Forward(const ProxyRequest& request, const std::string& endpoint,
                                       const std::string& cache_key,
                                       CircuitBreaker::Outcome* outcome, ScopedSpan& span) {
  const auto queued_at = std::chrono::steady_clock::now();
  const ProxyAdmission::Result admitted = admission.Acquire();
  if (span.IsRecording()) {
    span.SetAttribute(
        kAttrQueueWait,
        std::chrono::duration<double>(std::chrono::steady_clock::now() - queued_at).count());
  }
  switch (admitted.verdict) {
    case ProxyAdmission::Verdict::kGo:
      break;
    case ProxyAdmission::Verdict::kRateLimited:
      metrics.CountRejected("rate_limited");
      Rejected(span, "rate_limited", admitted.cause);
      return Rejection(429, "rate limited: waiting for the upstream's rate-limit reset",
                       admitted.cause, admitted.retry_after);
    case ProxyAdmission::Verdict::kOverloaded:
      metrics.CountRejected("overloaded");
      Rejected(span, "overloaded", admitted.cause);
      return Rejection(503, "egress proxy at max_concurrency", admitted.cause);
    case ProxyAdmission::Verdict::kStopping:
      metrics.CountRejected("shutting_down");
      Rejected(span, "shutting_down", "");
      return Rejection(503, "agent shutting down", "shutting_down");
  }

  UpstreamRequest up;
  up.method = request.method;
  up.url = api_base + request.target;
  ScopedSpan client = span.StartChild(request.method, SpanKind::kClient);
  SetHttpClientRequest(client, request.method, up.url);
  up.headers = UpstreamHeaders(request, client);
  up.body = request.has_body ? &request.body : nullptr;
  UpstreamResponse res = upstream.Send(up);
  admission.Release();
  if (client.IsRecording()) {
    if (res.error == UpstreamError::kNone) {
      SetHttpResponseStatus(client, res.status);
    } else {
      client.SetError(res.error == UpstreamError::kTimeout ? semconv::kErrorTimeout
                                                           : UpstreamErrorName(res.error));
    }
    client.End();
  }

  if (res.error == UpstreamError::kCancelled) {
    metrics.CountRejected("shutting_down");
    Rejected(span, "shutting_down", "");
    return Rejection(503, "agent shutting down", "shutting_down");
  }
  if (res.error != UpstreamError::kNone) {
    *outcome = CircuitBreaker::Outcome::kFailure;
    api_metrics.RecordRequest(endpoint, "proxy", 0, res.seconds);
    const std::string cause = UpstreamErrorName(res.error);
    if (span.IsRecording()) span.SetAttribute(kAttrCause, cause);
    if (error_log.Allow(clock->SteadyNow())) {
      log.Warn("egress request to the upstream failed",
               {{"endpoint", endpoint}, {"method", request.method}, {"cause", cause}});
    }
    switch (res.error) {
      case UpstreamError::kTimeout:
        return Rejection(504, "upstream timeout", cause);
      case UpstreamError::kDns:
      case UpstreamError::kConnect:
      case UpstreamError::kTls:
        return Rejection(502, "upstream unreachable", cause);
      default:
        return Rejection(502, "bad upstream response", cause);
    }
  }

  *outcome =
      res.status >= 500 ? CircuitBreaker::Outcome::kFailure : CircuitBreaker::Outcome::kSuccess;
  api_metrics.RecordRequest(endpoint, "proxy", res.status, res.seconds);
  RecordRateLimit(res.status, res.headers, endpoint);

  ProxyResponse out;
  out.status = res.status;
  out.headers = DropHopByHop(res.headers);
  // The listener recomputes Content-Length for a body; keep the upstream's where the
  // response has none by definition (HEAD, 304) so the client still sees the size.
  const bool bodiless = request.method == "HEAD" || res.status == 304;
  if (!bodiless || res.status == 204) RemoveHeader(out.headers, "content-length");
  out.body = std::move(res.body);
  if (!cache_key.empty() && StaleCache::Cacheable(request.method, res.status)) {
    auto entry = std::make_shared<CachedResponse>();
    entry->status = out.status;
    entry->headers = out.headers;
    entry->body = out.body;
    entry->stored_at = std::chrono::system_clock::now();
    cache.Put(cache_key, std::move(entry));
  }
  return out;
}

ProxyCore::ProxyCore(const ProxySection& proxy, const std::string& api_base,
                     ApiMetrics& api_metrics, ProxyMetrics& metrics, Logger& log,
                     std::shared_ptr<const Clock> clock)
    : impl_(std::make_unique<Impl>(proxy, api_base, api_metrics, metrics, log, std::move(clock))) {}

ProxyCore::~ProxyCore() = default;

void ProxyCore::SetTracer(Tracer* tracer) { impl_->tracer.store(tracer); }

void ProxyCore::Stop() {
  impl_->admission.Stop();
  impl_->upstream.Cancel();
}

ProxyResponse ProxyCore::Handle(const ProxyRequest& request) {
  Impl& d = *impl_;
  const std::string endpoint = TemplateEndpoint(request.target);
  ScopedSpan span;
  if (Tracer* tracer = d.tracer.load()) {
    SpanContext parent;
    if (const std::string* tp = FindHeader(request.headers, "traceparent")) {
      if (auto parsed = ParseTraceparent(*tp)) parent = *parsed;
    }
    span = tracer->StartSpan(request.method + " " + endpoint, SpanKind::kServer, parent);
    SetHttpServerRequest(span, request.method, request.target, endpoint);
    span.SetAttribute(semconv::kFlexportEndpoint, endpoint);
    span.SetAttribute(semconv::kFlexportSource, "proxy");
  }
  ProxyResponse r = HandleIn(request, endpoint, span);
  SetHttpResponseStatus(span, r.status);
  return r;
}

ProxyResponse ProxyCore::HandleIn(const ProxyRequest& request, const std::string& endpoint,
                                  ScopedSpan& span) {
  Impl& d = *impl_;
  std::string cache_key;
  if (d.breaker_enabled && request.method == "GET") {
    const std::string* auth = FindHeader(request.headers, "authorization");
    const std::string* version = FindHeader(request.headers, "flexport-version");
    cache_key =
        StaleCache::Key(request.method, request.target, auth ? *auth : "", version ? *version : "");
  }
  if (!d.breaker) {
    CircuitBreaker::Outcome ignored = CircuitBreaker::Outcome::kAbandoned;
    return d.Forward(request, endpoint, cache_key, &ignored, span);
  }
  const CircuitBreaker::Admission admission = d.breaker->Admit(d.clock->SteadyNow());
  if (span.IsRecording()) {
    span.SetAttribute(kAttrBreaker, admission == CircuitBreaker::Admission::kAllow   ? "allow"
                                    : admission == CircuitBreaker::Admission::kProbe ? "probe"
                                                                                     : "reject");
  }
  if (admission == CircuitBreaker::Admission::kReject) {
    return d.WhileOpen(request, cache_key, span);
  }
  CircuitBreaker::Outcome outcome = CircuitBreaker::Outcome::kAbandoned;
  try {
    ProxyResponse r = d.Forward(request, endpoint, cache_key, &outcome, span);
    d.breaker->Record(admission, outcome, d.clock->SteadyNow());
    return r;
  } catch (...) {
    // Frees the half-open probe slot; the listener turns the exception into a 500.
    d.breaker->Record(admission, CircuitBreaker::Outcome::kAbandoned, d.clock->SteadyNow());
    span.SetError(semconv::kErrorOther, "exception");
    throw;
  }
}

}  // namespace fxagent
