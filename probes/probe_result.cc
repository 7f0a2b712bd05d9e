#include "probes/probe_result.h"

namespace fxagent {

const char* ProbeKindName(ProbeKind kind) {
  switch (kind) {
    case ProbeKind::kApi:
      return "api";
    case ProbeKind::kStatusPage:
      return "status_page";
    case ProbeKind::kSubscription:
      return "subscription";
    case ProbeKind::kConnectivity:
      return "connectivity";
  }
  return "api";
}

ProbeResult ResultFromResponse(const HttpResponse& response) {
  ProbeResult r;
  r.http_status = response.status;
  r.timings = response.timings;
  r.finished_at = std::chrono::system_clock::now();
  r.ratelimit =
      ParseRateLimit(response.headers, std::chrono::system_clock::to_time_t(r.finished_at));
  if (response.status == 0) {
    r.reason = TransportErrorName(response.error);
    r.detail = response.error_detail;
  } else if (response.status >= 200 && response.status < 300) {
    r.success = true;
  } else if (response.status == 401) {
    r.reason = "auth";
    r.detail = "HTTP 401: the API key or token was rejected";
  } else {
    r.reason = "http_" + std::to_string(response.status);
    r.detail = "HTTP " + std::to_string(response.status);
  }
  return r;
}

}  // namespace fxagent
