/// Encodes finished spans as an OTLP/HTTP JSON ExportTraceServiceRequest, following the
/// OTLP JSON mapping: lowercase hex ids, enums as integers, 64-bit integers (times,
/// intValue) as decimal strings, lowerCamelCase field names. Pure; thread-safe.
#pragma once

#include <string>
#include <vector>

#include "agent/tracing/span_data.h"

namespace fxagent {

inline constexpr char kTracingServiceName[] = "flexport-agent";

struct OtlpResource {
  std::string service_name = kTracingServiceName;
  std::string service_version;
  std::string service_instance_id;
};

/// One resourceSpans with one scopeSpans (scope name "flexport-agent") holding `spans`.
/// Invalid UTF-8 in names or values is replaced, never thrown on.
std::string EncodeOtlpJson(const OtlpResource& resource, const std::vector<SpanData>& spans);

}  // namespace fxagent
