/// The incident template's "Impact" line, estimated from what the agent knows: since when
/// tracking data is stale (last successful API probe, last webhook), how many shipments
/// are affected (distinct shipment ids among dead-lettered events), and how many API calls
/// were rate limited. Pure.
#pragma once

#include <chrono>
#include <optional>
#include <string>

namespace fxagent {

struct ImpactFacts {
  std::chrono::system_clock::time_point now;
  bool api_failing = false;  // the last round of API probes had failures
  std::optional<std::chrono::system_clock::time_point> last_api_success;
  std::optional<std::chrono::system_clock::time_point> last_webhook;
  int affected_shipments = 0;      // distinct shipment ids among dead letters
  int64_t rate_limited_calls = 0;  // 429s seen by probes and the proxy
};

/// e.g. "tracking data stale since 14:02 UTC (last successful API call); 3 shipments
/// affected (dead-lettered webhook events); 12 rate-limited API calls". "" = nothing known.
std::string DescribeImpact(const ImpactFacts& facts);

}  // namespace fxagent
