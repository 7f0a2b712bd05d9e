/// What one probe run found: a value type passed from probers to metrics, the status
/// API, logs and the severity classifier. No shared state.
#pragma once

#include <chrono>
#include <optional>
#include <string>

#include "flexport/http_types.h"
#include "flexport/ratelimit.h"
#include "probes/statuspage.h"

namespace fxagent {

enum class ProbeKind { kApi, kStatusPage, kSubscription, kConnectivity };

/// "api", "status_page", "subscription", "connectivity" (the `kind` label).
const char* ProbeKindName(ProbeKind kind);

struct ProbeResult {
  std::string probe;  // `probe` label: templated endpoint for API probes, else the kind
  ProbeKind kind = ProbeKind::kApi;
  std::string endpoint;  // templated endpoint for API-like probes ("" otherwise)
  bool success = false;
  int http_status = 0;  // 0 = no response
  /// Short failure reason from a fixed set: dns, connect, tls, timeout, too_large,
  /// transport, auth (401), http_<code>, body. Empty on success.
  std::string reason;
  std::string detail;  // one human-readable line; never contains secrets
  std::string url;     // the URL probed (may carry a query; sanitize before exporting)
  PhaseTimings timings;
  RateLimitInfo ratelimit;
  std::optional<StatusPageReport> status_page;  // status page probe on success
  int active_subscriptions = -1;                // subscription probe; -1 unknown
  std::chrono::system_clock::time_point finished_at;
};

/// Fills http_status, timings and reason from a transport response. `success` is set for
/// 2xx; probers refine it (e.g. body checks).
ProbeResult ResultFromResponse(const HttpResponse& response);

}  // namespace fxagent
