/// ISO 8601 / RFC 3339 timestamps as the sim writes and reads them (UTC, millisecond
/// precision). Pure functions; thread-safe.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>

namespace fxagent::sim {

using WallTime = std::chrono::system_clock::time_point;

/// "2024-05-01T12:00:00.123Z".
std::string FormatIso8601(WallTime t);

/// Accepts "YYYY-MM-DDTHH:MM:SS[.fff][Z|+hh:mm|-hh:mm]", a bare date "YYYY-MM-DD" and
/// Unix seconds ("1714564800"). Returns nullopt on anything else.
std::optional<WallTime> ParseIso8601(std::string_view text);

}  // namespace fxagent::sim
