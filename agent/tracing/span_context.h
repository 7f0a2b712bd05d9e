/// Trace and span identifiers and W3C Trace Context (`traceparent`) propagation:
/// parse a caller's header so a span can continue its trace, format ours for upstream.
/// All functions are pure and thread-safe; id generation uses a per-thread generator.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace fxagent {

using TraceId = std::array<std::uint8_t, 16>;
using SpanId = std::array<std::uint8_t, 8>;

/// Identifies a span within a trace. Invalid (all-zero ids) means "no parent".
struct SpanContext {
  TraceId trace_id{};
  SpanId span_id{};
  std::uint8_t trace_flags = 0x01;  // sampled

  bool IsValid() const;
};

bool IsZero(const TraceId& id);
bool IsZero(const SpanId& id);

/// Lowercase hex, as the OTLP JSON mapping and W3C require.
std::string ToHex(const TraceId& id);
std::string ToHex(const SpanId& id);

/// Random, never all-zero ids (per-thread generator seeded from std::random_device).
TraceId NewTraceId();
SpanId NewSpanId();

/// Parses `00-<32 hex>-<16 hex>-<2 hex>` (lowercase, as W3C requires). Returns nullopt
/// for anything else: wrong length or version ff, upper-case or non-hex characters,
/// all-zero trace or span id. Future versions (01..fe) are accepted when the first 55
/// characters follow version 00's layout and what follows starts with '-'.
std::optional<SpanContext> ParseTraceparent(std::string_view header);

/// `00-<trace id>-<span id>-<flags>`; empty string when `context` is invalid.
std::string FormatTraceparent(const SpanContext& context);

}  // namespace fxagent
