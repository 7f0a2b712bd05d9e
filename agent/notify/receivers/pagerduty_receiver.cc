#include "agent/notify/receivers/pagerduty_receiver.h"

#include <nlohmann/json.hpp>

namespace fxagent {

std::string PagerDutySeverity(const std::string& severity) {
  if (severity == "P1") return "critical";
  if (severity == "P2") return "error";
  if (severity == "P3") return "warning";
  if (severity == "P4") return "info";
  return "warning";
}

std::vector<std::string> BuildPagerDutyEvents(const Notification& n, const std::string& routing_key,
                                              const std::string& external_url) {
  std::vector<std::string> out;
  for (const Alert& a : n.alerts) {
    nlohmann::json event = {{"routing_key", routing_key},
                            {"event_action", a.Firing() ? "trigger" : "resolve"},
                            {"dedup_key", a.Fingerprint()}};
    if (a.Firing()) {
      std::string summary = a.Annotation("summary");
      std::string name = a.Label("alertname");
      if (summary.empty()) {
        summary = name;
      } else {
        std::string line = "[";
        line += a.Label("severity");
        line += "] ";
        line += name;
        line += ": ";
        line += summary;
        summary = std::move(line);
      }
      std::string source = a.Label("instance");
      nlohmann::json details = {{"labels", a.labels}, {"annotations", a.annotations}};
      nlohmann::json payload = {{"summary", TruncateText(summary, kPagerDutySummaryMax)},
                                {"source", source.empty() ? "flexport-agent" : source},
                                {"severity", PagerDutySeverity(a.Label("severity"))},
                                {"timestamp", FormatRfc3339(a.starts_at)},
                                {"custom_details", details}};
      if (!a.Label("component").empty()) payload["component"] = a.Label("component");
      payload["group"] = n.group_key;
      payload["class"] = name;
      event["payload"] = payload;
      event["client"] = "flexport-agent";
      if (!external_url.empty()) event["client_url"] = external_url;
      if (!a.generator_url.empty()) {
        event["links"] = nlohmann::json::array({{{"href", a.generator_url}, {"text", name}}});
      }
    }
    out.push_back(event.dump());
  }
  return out;
}

std::vector<NotifyRequest> PagerDutyReceiver::Build(const Notification& n, TimePoint) const {
  std::vector<NotifyRequest> out;
  if (config_.urls.empty()) return out;
  for (std::string& body : BuildPagerDutyEvents(n, config_.routing_key, ctx_.external_url)) {
    out.push_back({config_.urls.front(), std::move(body), {{"Content-Type", "application/json"}}});
  }
  return out;
}

Verdict PagerDutyReceiver::Classify(int s) const {
  if (s >= 200 && s < 300) return Verdict::kSent;
  if (s == 0 || s == 429 || s >= 500) return Verdict::kRetry;
  return Verdict::kFinal;  // 400: the event is invalid and will stay invalid
}

}  // namespace fxagent
