/// A token bucket (the sim's API rate limit) and the response headers that advertise it.
/// Pure: time is always passed in, so tests drive it without sleeping. TokenBucket is not
/// thread-safe; SimState guards its instance with its own mutex.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace fxagent::sim {

enum class RateLimitHeaderStyle {
  kXRateLimit,       // X-RateLimit-Limit/-Remaining/-Reset (reset in seconds)
  kXRateLimitEpoch,  // same names, reset as a Unix timestamp
  kIetf,             // RateLimit-Limit/-Remaining/-Reset
  kStructured,       // RateLimit: limit=100, remaining=50, reset=5 (+ RateLimit-Policy)
};

std::optional<RateLimitHeaderStyle> ParseHeaderStyle(std::string_view name);
std::string_view HeaderStyleName(RateLimitHeaderStyle style);

struct RateLimitConfig {
  double capacity = 100;
  double refill_per_sec = 10;
  RateLimitHeaderStyle header_style = RateLimitHeaderStyle::kXRateLimit;
};

/// Retry-After and reset when the bucket never refills (refill_per_sec == 0).
inline constexpr int64_t kNoRefillRetryAfterSeconds = 60;

struct RateDecision {
  bool allowed = true;
  int64_t limit = 0;
  int64_t remaining = 0;            // whole tokens left after this request
  int64_t reset_seconds = 0;        // until the bucket is full again
  int64_t retry_after_seconds = 0;  // until one token is available (0 when allowed)
  int64_t window_seconds = 0;       // capacity / refill: the policy window
};

class TokenBucket {
 public:
  using TimePoint = std::chrono::steady_clock::time_point;

  /// Starts full.
  TokenBucket(RateLimitConfig config, TimePoint now);

  /// Takes one token if available.
  RateDecision TryTake(TimePoint now);
  /// The current state without taking a token (allowed = a token is available).
  RateDecision Peek(TimePoint now);

  /// Changes capacity/refill; the current level is kept (clamped to the new capacity).
  void Configure(RateLimitConfig config, TimePoint now);
  void Drain(TimePoint now);
  void Fill(TimePoint now);
  /// Sets the level (clamped to 0..capacity).
  void SetTokens(double tokens, TimePoint now);

  double Tokens(TimePoint now);
  const RateLimitConfig& config() const { return config_; }

 private:
  void Advance(TimePoint now);
  RateDecision Describe(bool allowed) const;

  RateLimitConfig config_;
  double tokens_;
  TimePoint last_;
};

/// The headers advertising `decision` in `style`; `now_unix` is used by kXRateLimitEpoch.
std::vector<std::pair<std::string, std::string>> RateLimitHeaders(const RateDecision& decision,
                                                                  RateLimitHeaderStyle style,
                                                                  int64_t now_unix);

}  // namespace fxagent::sim
