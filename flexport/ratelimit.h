/// Parses rate-limit response headers in every common form: X-RateLimit-*, RateLimit-*,
/// the structured RateLimit/RateLimit-Policy fields, and Retry-After (seconds or HTTP
/// date; it takes precedence for the reset). Pure and thread-safe.
#pragma once

#include <ctime>
#include <map>
#include <optional>
#include <string>
#include <string_view>

namespace fxagent {

struct RateLimitInfo {
  std::optional<double> limit;
  std::optional<double> remaining;
  std::optional<double> reset_seconds;  // seconds from now until the window resets
  std::optional<double> retry_after_seconds;

  bool Any() const { return limit || remaining || reset_seconds || retry_after_seconds; }
  /// remaining / limit, when both are known and limit > 0.
  std::optional<double> Headroom() const;
};

/// `headers` has lower-cased names; `now` is the current Unix time in seconds, used to turn
/// absolute reset times and HTTP dates into durations.
RateLimitInfo ParseRateLimit(const std::multimap<std::string, std::string>& headers,
                             std::time_t now);

/// Retry-After: delay-seconds or an IMF-fixdate/RFC 850/asctime HTTP date.
std::optional<double> ParseRetryAfter(std::string_view value, std::time_t now);

}  // namespace fxagent
