/// Pure parsers and formatters for the value forms used in the configuration: durations
/// ("250ms", "1h30m"), sizes ("512KiB"), listen addresses ("127.0.0.1:9464") and RFC 3339
/// timestamps. No I/O, no global state: safe to call from any thread.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace fxagent {

using Duration = std::chrono::milliseconds;
using TimePoint = std::chrono::system_clock::time_point;

struct ListenAddress {
  std::string host;  // "0.0.0.0", "127.0.0.1", "::1" (brackets stripped)
  uint16_t port = 0;
  std::string ToString() const;  // "host:port", IPv6 as "[::1]:port"
};

/// Prometheus-style duration: one or more <integer><unit> with units in decreasing order,
/// each at most once; units d, h, m, s, ms. "0" alone is accepted. Examples: "250ms",
/// "30s", "7d", "1h30m". Rejects negatives, fractions, spaces and overflow.
std::optional<Duration> ParseDuration(std::string_view text);

/// Formats as ParseDuration accepts it: "1h30m", "250ms", "7d", "0s"; negative as "-5s".
std::string FormatDuration(Duration d);

/// Byte size: a plain integer ("1024") or <integer><unit> with B, KB, MB, GB, TB (powers
/// of 1000) or KiB, MiB, GiB, TiB (powers of 1024). Rejects overflow and fractions.
std::optional<uint64_t> ParseSize(std::string_view text);

/// "host:port" or "[ipv6]:port"; host is an IPv4 address, a hostname or (bracketed) an
/// IPv6 address; port 0..65535 and required.
std::optional<ListenAddress> ParseListenAddress(std::string_view text);

/// RFC 3339 timestamp: "2027-01-31T00:00:00Z", "2027-01-31T01:00:00.5+01:00".
std::optional<TimePoint> ParseRfc3339(std::string_view text);

}  // namespace fxagent
