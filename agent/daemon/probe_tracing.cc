#include "agent/daemon/probe_tracing.h"

#include <chrono>

#include "agent/tracing/http_attributes.h"
#include "agent/tracing/semconv.h"

namespace fxagent {
namespace {

int64_t Nanos(double seconds) { return static_cast<int64_t>(seconds * 1e9); }

}  // namespace

void TraceProbe(Tracer& tracer, const ProbeResult& r) {
  if (!tracer.Enabled()) return;
  const int64_t end_ns =
      std::chrono::duration_cast<std::chrono::nanoseconds>(r.finished_at.time_since_epoch())
          .count();
  const PhaseTimings& t = r.timings;
  const int64_t start_ns = end_ns - Nanos(t.total);
  ScopedSpan span =
      tracer.StartSpan("probe " + r.probe, SpanKind::kClient, SpanContext{}, start_ns);
  span.SetAttribute(semconv::kFlexportProbe, r.probe);
  span.SetAttribute(semconv::kFlexportProbeKind, ProbeKindName(r.kind));
  if (!r.url.empty()) {
    SetHttpClientRequest(span, r.kind == ProbeKind::kConnectivity ? "HEAD" : "GET", r.url);
  }
  // Phases follow each other: dns, then connect, then tls, then the request itself.
  int64_t at = start_ns;
  const std::pair<std::string_view, double> phases[] = {
      {semconv::kPhaseDns, t.dns},
      {semconv::kPhaseConnect, t.connect},
      {semconv::kPhaseTls, t.tls},
      {semconv::kPhaseRequest, t.ttfb + t.transfer}};
  for (const auto& [name, seconds] : phases) {
    if (seconds <= 0) continue;
    span.StartChild(name, SpanKind::kInternal, at).End(at + Nanos(seconds));
    at += Nanos(seconds);
  }
  if (r.http_status == 0) {
    span.SetError(r.reason.empty() ? "transport" : r.reason, r.detail);
  } else {
    SetHttpResponseStatus(span, r.http_status);
    if (!r.success && r.http_status < 400) span.SetError(r.reason, r.detail);
  }
  span.End(end_ns);
}

}  // namespace fxagent
