#include "agent/daemon/status_json.h"

#include "agent/base/logger.h"

namespace fxagent {
namespace {

using nlohmann::json;

json Optional(const std::optional<double>& v) { return v ? json(*v) : json(nullptr); }

json RateLimitJson(const RateLimitInfo& rl) {
  return {{"limit", Optional(rl.limit)},
          {"remaining", Optional(rl.remaining)},
          {"reset_seconds", Optional(rl.reset_seconds)},
          {"retry_after_seconds", Optional(rl.retry_after_seconds)},
          {"headroom", Optional(rl.Headroom())}};
}

json StatusPageJson(const StatusPageReport& sp) {
  json components = json::array();
  for (const auto& c : sp.components) {
    components.push_back({{"name", c.name}, {"status", c.status_text}, {"value", c.status}});
  }
  json incidents = json::array();
  for (const auto& i : sp.incidents) {
    incidents.push_back({{"name", i.name}, {"status", i.status}, {"impact", i.impact}});
  }
  return {{"indicator", sp.indicator_text},    {"indicator_value", sp.indicator},
          {"description", sp.description},     {"components", components},
          {"unresolved_incidents", incidents}, {"active_maintenances", sp.maintenances}};
}

}  // namespace

json ProbeResultJson(const ProbeResult& r) {
  json j = {{"probe", r.probe},
            {"kind", ProbeKindName(r.kind)},
            {"success", r.success},
            {"http_status", r.http_status},
            {"reason", r.reason},
            {"detail", r.detail},
            {"duration_seconds",
             {{"dns", r.timings.dns},
              {"connect", r.timings.connect},
              {"tls", r.timings.tls},
              {"ttfb", r.timings.ttfb},
              {"transfer", r.timings.transfer},
              {"total", r.timings.total}}},
            {"finished_at", FormatTimestamp(r.finished_at)}};
  if (!r.endpoint.empty()) j["endpoint"] = r.endpoint;
  if (r.ratelimit.Any()) j["ratelimit"] = RateLimitJson(r.ratelimit);
  if (r.kind == ProbeKind::kSubscription) j["active_subscriptions"] = r.active_subscriptions;
  return j;
}

json ClassificationJson(const Classification& c) {
  json findings = json::array();
  for (const auto& f : c.findings) {
    findings.push_back({{"severity", SeverityName(f.severity)},
                        {"component", f.component},
                        {"summary", f.summary}});
  }
  return {{"severity", SeverityName(c.worst)}, {"findings", findings}};
}

json ProbeOverviewJson(const std::vector<ProbeResult>& results, const ClassifierInput& input,
                       const Classification& c) {
  json probes = json::array();
  json status_page = nullptr;
  json subscription = nullptr;
  RateLimitInfo worst_rl;
  for (const auto& r : results) {
    probes.push_back(ProbeResultJson(r));
    if (r.status_page) status_page = StatusPageJson(*r.status_page);
    if (r.kind == ProbeKind::kSubscription) {
      subscription = {{"ok", r.success}, {"active", r.active_subscriptions}, {"reason", r.reason}};
    }
    auto h = r.ratelimit.Headroom();
    auto w = worst_rl.Headroom();
    if (h && (!w || *h < *w)) worst_rl = r.ratelimit;
  }
  json key = nullptr;
  if (input.key_expires_at) {
    const auto left =
        std::chrono::duration_cast<std::chrono::seconds>(*input.key_expires_at - input.now);
    key = {{"expires_at", FormatTimestamp(*input.key_expires_at)}, {"seconds_left", left.count()}};
  }
  return {{"probes", probes},
          {"status_page", status_page},
          {"subscription", subscription},
          {"ratelimit", worst_rl.Any() ? RateLimitJson(worst_rl) : json(nullptr)},
          {"api_key", key},
          {"classification", ClassificationJson(c)}};
}

}  // namespace fxagent
