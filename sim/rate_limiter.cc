#include "sim/rate_limiter.h"

#include <algorithm>
#include <cmath>

namespace fxagent::sim {
namespace {

int64_t CeilSeconds(double seconds) {
  if (seconds <= 0) return 0;
  // Guard against 0.9999999 from floating point refill arithmetic.
  return static_cast<int64_t>(std::ceil(seconds - 1e-9));
}

}  // namespace

std::optional<RateLimitHeaderStyle> ParseHeaderStyle(std::string_view name) {
  if (name == "x" || name == "x-ratelimit") return RateLimitHeaderStyle::kXRateLimit;
  if (name == "x-epoch" || name == "x-ratelimit-epoch") {
    return RateLimitHeaderStyle::kXRateLimitEpoch;
  }
  if (name == "ietf") return RateLimitHeaderStyle::kIetf;
  if (name == "structured") return RateLimitHeaderStyle::kStructured;
  return std::nullopt;
}

std::string_view HeaderStyleName(RateLimitHeaderStyle style) {
  switch (style) {
    case RateLimitHeaderStyle::kXRateLimit:
      return "x";
    case RateLimitHeaderStyle::kXRateLimitEpoch:
      return "x-epoch";
    case RateLimitHeaderStyle::kIetf:
      return "ietf";
    case RateLimitHeaderStyle::kStructured:
      return "structured";
  }
  return "x";
}

TokenBucket::TokenBucket(RateLimitConfig config, TimePoint now)
    : config_(config), tokens_(std::max(0.0, config.capacity)), last_(now) {}

void TokenBucket::Advance(TimePoint now) {
  if (now > last_) {
    const double elapsed = std::chrono::duration<double>(now - last_).count();
    tokens_ = std::min(config_.capacity, tokens_ + elapsed * std::max(0.0, config_.refill_per_sec));
    last_ = now;
  }
}

RateDecision TokenBucket::Describe(bool allowed) const {
  RateDecision d;
  d.allowed = allowed;
  d.limit = static_cast<int64_t>(config_.capacity);
  d.remaining = std::max<int64_t>(0, static_cast<int64_t>(std::floor(tokens_ + 1e-9)));
  const double missing = config_.capacity - tokens_;
  if (config_.refill_per_sec <= 0) {
    d.reset_seconds = missing > 1e-9 ? kNoRefillRetryAfterSeconds : 0;
  } else {
    d.reset_seconds = CeilSeconds(missing / config_.refill_per_sec);
  }
  d.window_seconds = config_.refill_per_sec <= 0
                         ? kNoRefillRetryAfterSeconds
                         : CeilSeconds(config_.capacity / config_.refill_per_sec);
  if (!allowed) {
    d.retry_after_seconds =
        config_.refill_per_sec <= 0
            ? kNoRefillRetryAfterSeconds
            : std::max<int64_t>(1, CeilSeconds((1.0 - tokens_) / config_.refill_per_sec));
  }
  return d;
}

RateDecision TokenBucket::TryTake(TimePoint now) {
  Advance(now);
  if (tokens_ + 1e-9 >= 1.0) {
    tokens_ = std::max(0.0, tokens_ - 1.0);
    return Describe(true);
  }
  return Describe(false);
}

RateDecision TokenBucket::Peek(TimePoint now) {
  Advance(now);
  return Describe(tokens_ + 1e-9 >= 1.0);
}

void TokenBucket::Configure(RateLimitConfig config, TimePoint now) {
  Advance(now);
  config_ = config;
  tokens_ = std::clamp(tokens_, 0.0, std::max(0.0, config_.capacity));
}

void TokenBucket::Drain(TimePoint now) {
  Advance(now);
  tokens_ = 0;
}

void TokenBucket::Fill(TimePoint now) {
  Advance(now);
  tokens_ = std::max(0.0, config_.capacity);
}

void TokenBucket::SetTokens(double tokens, TimePoint now) {
  Advance(now);
  tokens_ = std::clamp(tokens, 0.0, std::max(0.0, config_.capacity));
}

double TokenBucket::Tokens(TimePoint now) {
  Advance(now);
  return tokens_;
}

std::vector<std::pair<std::string, std::string>> RateLimitHeaders(const RateDecision& d,
                                                                  RateLimitHeaderStyle style,
                                                                  int64_t now_unix) {
  const std::string limit = std::to_string(d.limit);
  const std::string remaining = std::to_string(d.remaining);
  const std::string reset = std::to_string(d.reset_seconds);
  switch (style) {
    case RateLimitHeaderStyle::kXRateLimit:
      return {{"X-RateLimit-Limit", limit},
              {"X-RateLimit-Remaining", remaining},
              {"X-RateLimit-Reset", reset}};
    case RateLimitHeaderStyle::kXRateLimitEpoch:
      return {{"X-RateLimit-Limit", limit},
              {"X-RateLimit-Remaining", remaining},
              {"X-RateLimit-Reset", std::to_string(now_unix + d.reset_seconds)}};
    case RateLimitHeaderStyle::kIetf:
      return {{"RateLimit-Limit", limit},
              {"RateLimit-Remaining", remaining},
              {"RateLimit-Reset", reset}};
    case RateLimitHeaderStyle::kStructured:
      return {{"RateLimit", "limit=" + limit + ", remaining=" + remaining + ", reset=" + reset},
              {"RateLimit-Policy", limit + ";w=" + std::to_string(d.window_seconds)}};
  }
  return {};
}

}  // namespace fxagent::sim
