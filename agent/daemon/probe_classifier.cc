#include "agent/daemon/probe_classifier.h"

#include <algorithm>
#include <cstdio>

namespace fxagent {
namespace {

std::string Join(const std::vector<std::string>& items) {
  std::string out;
  for (const auto& s : items) out += (out.empty() ? "" : ", ") + s;
  return out;
}

std::string Percent(double fraction) {
  char buf[16];
  std::snprintf(buf, sizeof(buf), "%.1f%%", fraction * 100);
  return buf;
}

void Add(Classification& c, Severity s, std::string component, std::string summary) {
  c.worst = MoreUrgent(c.worst, s);
  c.findings.push_back({s, std::move(component), std::move(summary)});
}

// DNS, connect and TLS failures: nothing answered at all, unlike HTTP errors or timeouts.
bool TransportFailure(const ProbeResult& r) {
  return !r.success && r.http_status == 0 &&
         (r.reason == "dns" || r.reason == "connect" || r.reason == "tls");
}

// Without a connectivity check, the status page (another operator's infrastructure) stands
// in for one: when it and every API probe fail before any HTTP answer, the host's own
// network is the likelier cause than a Flexport outage.
bool UnreachableWithoutConnectivityCheck(const ClassifierInput& in) {
  bool any_api = false, any_status_page = false;
  for (const auto& r : in.results) {
    if (r.kind == ProbeKind::kApi) {
      any_api = true;
      if (!TransportFailure(r)) return false;
    } else if (r.kind == ProbeKind::kStatusPage) {
      any_status_page = true;
      if (!TransportFailure(r)) return false;
    }
  }
  return any_api && any_status_page;
}

void ClassifyApi(const ClassifierInput& in, bool network_down, Classification& c) {
  std::vector<std::string> failing, unauthorized, forbidden, limited, slow;
  size_t total = 0;
  for (const auto& r : in.results) {
    if (r.kind != ProbeKind::kApi) continue;
    ++total;
    if (r.http_status == 429) {
      limited.push_back(r.probe);
    } else if (r.http_status == 401) {
      unauthorized.push_back(r.probe);
    } else if (r.http_status == 403) {
      forbidden.push_back(r.probe);
    } else if (!r.success) {
      failing.push_back(r.probe + " (" + r.reason + ")");
    } else if (r.timings.total * 1000 > static_cast<double>(in.slow_threshold.count())) {
      slow.push_back(r.probe);
    }
  }
  if (total == 0) return;
  if (UnreachableWithoutConnectivityCheck(in)) {
    Add(c, Severity::kP2, "network",
        "the agent cannot reach Flexport or its status page: check this host's network");
    return;
  }
  if (network_down && failing.size() + unauthorized.size() == total) {
    Add(c, Severity::kP2, "network",
        "the agent's own network is down: Flexport cannot be reached, and neither can the "
        "connectivity check");
    return;
  }
  if (unauthorized.size() == total) {
    Add(c, Severity::kP1, "key",
        "every endpoint answers 401: the API key was rejected (revoked, rotated or expired)");
  } else if (failing.size() + unauthorized.size() == total) {
    Add(c, Severity::kP1, "api", "full API outage: every endpoint fails: " + Join(failing));
  } else if (failing.size() + unauthorized.size() >= 2) {
    std::vector<std::string> all = failing;
    all.insert(all.end(), unauthorized.begin(), unauthorized.end());
    Add(c, Severity::kP2, "api", "partial API failure: " + Join(all));
  } else if (failing.size() + unauthorized.size() == 1) {
    Add(c, Severity::kP4, "api",
        "one endpoint failing: " + (failing.empty() ? unauthorized[0] + " (auth)" : failing[0]));
  }
  if (!forbidden.empty()) {
    Add(c, Severity::kP4, "api", "403 Forbidden (check the key's scopes): " + Join(forbidden));
  }
  if (!limited.empty()) {
    Add(c, Severity::kP3, "ratelimit", "rate limited (429): " + Join(limited));
  }
  if (!slow.empty()) {
    Add(c, Severity::kP3, "api",
        "slow responses (over " + std::to_string(in.slow_threshold.count()) +
            " ms): " + Join(slow));
  }
}

void ClassifyRateLimit(const ClassifierInput& in, Classification& c) {
  std::optional<double> headroom;
  for (const auto& r : in.results) {
    if (auto h = r.ratelimit.Headroom()) headroom = headroom ? std::min(*headroom, *h) : *h;
  }
  if (headroom && *headroom < in.min_headroom) {
    Add(c, Severity::kP3, "ratelimit",
        "rate-limit headroom low: " + Percent(*headroom) + " of the quota left");
  }
}

void ClassifyOthers(const ClassifierInput& in, Classification& c) {
  for (const auto& r : in.results) {
    if (r.kind == ProbeKind::kSubscription && !r.success) {
      if (r.reason == "inactive") {
        Add(c, Severity::kP2, "subscription",
            "no active webhook subscription: webhook events are not being delivered");
      } else {
        Add(c, Severity::kNone, "subscription", "subscription check failed: " + r.detail);
      }
    }
    if (r.kind == ProbeKind::kStatusPage) {
      if (!r.success || !r.status_page) {
        Add(c, Severity::kNone, "status_page", "status page unavailable: " + r.detail);
        continue;
      }
      const auto& sp = *r.status_page;
      const std::string what = "status page reports " + sp.indicator_text + ": " + sp.description;
      if (sp.indicator >= 3) {
        Add(c, Severity::kP1, "status_page", what);
      } else if (sp.indicator == 2) {
        Add(c, Severity::kP2, "status_page", what);
      } else if (sp.indicator == 1) {
        Add(c, Severity::kP3, "status_page", what);
      }
    }
  }
  if (in.key_expires_at) {
    const auto left = *in.key_expires_at - in.now;
    const auto days = std::chrono::duration_cast<std::chrono::hours>(left).count() / 24;
    if (left <= std::chrono::seconds(0)) {
      Add(c, Severity::kP4, "key", "API key expiry date has passed: rotate it now");
    } else if (left < in.key_warning) {
      Add(c, Severity::kP4, "key", "API key expires in " + std::to_string(days) + " days");
    }
  }
}

}  // namespace

Classification ClassifyProbeResults(const ClassifierInput& input) {
  Classification c;
  const bool network_down = std::any_of(input.results.begin(), input.results.end(), [](auto& r) {
    return r.kind == ProbeKind::kConnectivity && !r.success;
  });
  ClassifyApi(input, network_down, c);
  ClassifyRateLimit(input, c);
  ClassifyOthers(input, c);
  std::stable_sort(c.findings.begin(), c.findings.end(), [](const Finding& a, const Finding& b) {
    return MoreUrgent(a.severity, b.severity) == a.severity && a.severity != b.severity;
  });
  return c;
}

}  // namespace fxagent
