/// Start-up options of the fake Flexport (what flexport-sim's flags set). Plain values.
#pragma once

#include <cstdint>
#include <string>

#include "sim/rate_limiter.h"

namespace fxagent::sim {

struct SimOptions {
  std::string api_key = "sim-key";            // accepted as "Authorization: Bearer <key>"
  std::string webhook_secret = "sim-secret";  // signs webhook deliveries
  std::string webhook_target;                 // default target of the webhook sender
  uint64_t seed = 1;                          // error ratios, event ids, lose/duplicate draws
  int latency_ms = 2;                         // base latency of every API response
  RateLimitConfig rate_limit;                 // capacity 100, refill 10/s, X-RateLimit-*
  int token_daily_limit = 10;                 // POST /oauth/token per day, as Flexport caps
  int webhook_max_retries = 3;                // after the first attempt, on timeout/5xx
  int webhook_retry_backoff_ms = 200;         // doubled per retry
  int webhook_timeout_ms = 5000;              // connect and read timeout per delivery
};

}  // namespace fxagent::sim
