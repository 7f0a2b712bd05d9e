/// The data of one finished span, as handed to an exporter: ids, name, kind, times,
/// attributes, events and status, with the enum values of the OTLP protocol.
/// Plain values; not synchronised.
#pragma once

#include <cstdint>
#include <string>
#include <variant>
#include <vector>

#include "agent/tracing/span_context.h"

namespace fxagent {

/// opentelemetry.proto.trace.v1.Span.SpanKind.
enum class SpanKind : int {
  kUnspecified = 0,
  kInternal = 1,
  kServer = 2,
  kClient = 3,
  kProducer = 4,
  kConsumer = 5,
};

/// opentelemetry.proto.trace.v1.Status.StatusCode.
enum class SpanStatusCode : int { kUnset = 0, kOk = 1, kError = 2 };

using AttributeValue = std::variant<std::string, std::int64_t, double, bool>;

struct SpanAttribute {
  std::string key;
  AttributeValue value;
};

struct SpanEvent {
  std::string name;
  std::int64_t time_unix_ns = 0;
  std::vector<SpanAttribute> attributes;
};

struct SpanData {
  TraceId trace_id{};
  SpanId span_id{};
  SpanId parent_span_id{};  // all-zero for a root span
  std::string name;
  SpanKind kind = SpanKind::kInternal;
  std::int64_t start_unix_ns = 0;
  std::int64_t end_unix_ns = 0;
  std::vector<SpanAttribute> attributes;
  std::vector<SpanEvent> events;
  SpanStatusCode status = SpanStatusCode::kUnset;
  std::string status_message;
};

/// Nanoseconds since the Unix epoch from the system clock.
std::int64_t NowUnixNanos();

}  // namespace fxagent
