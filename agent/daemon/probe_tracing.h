/// Turns a finished probe into an OTLP span ("probe <name>", client kind) with one child
/// span per phase (dns, connect, tls, request) laid out from libcurl's timings. The URL
/// is sanitized (no userinfo, query values redacted). Thread-safe (the Tracer is).
#pragma once

#include "agent/tracing/tracer.h"
#include "probes/probe_result.h"

namespace fxagent {

void TraceProbe(Tracer& tracer, const ProbeResult& result);

}  // namespace fxagent
