/// W3C Trace Context `traceparent` parsing and generation, so every request the proxy
/// forwards carries one. Pure functions; NewTraceContext() is thread-safe (one random
/// generator per thread).
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace fxagent {

struct TraceContext {
  std::array<uint8_t, 16> trace_id{};
  std::array<uint8_t, 8> span_id{};
  uint8_t flags = 0;
};

/// Parses "00-<32 hex>-<16 hex>-<2 hex>" (lower-case hex; all-zero ids and version ff are
/// invalid; a future version may carry more fields after a '-'). nullopt when invalid.
std::optional<TraceContext> ParseProxyTraceparent(std::string_view value);

/// Version 00 form: "00-<trace>-<span>-<flags>".
std::string FormatProxyTraceparent(const TraceContext& context);

/// Random non-zero trace and span ids, flags 01 (sampled).
TraceContext NewTraceContext();

}  // namespace fxagent
