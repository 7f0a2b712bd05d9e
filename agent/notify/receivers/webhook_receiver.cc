#include "agent/notify/receivers/webhook_receiver.h"

#include <nlohmann/json.hpp>

namespace fxagent {

std::string BuildWebhookPayload(const Notification& n, const std::string& external_url) {
  nlohmann::json alerts = nlohmann::json::array();
  for (const Alert& a : n.alerts) {
    std::string ends = kZeroTime;
    if (!a.Firing()) ends = FormatRfc3339(a.ends_at.value_or(n.created_at));
    alerts.push_back({{"status", a.Firing() ? "firing" : "resolved"},
                      {"labels", a.labels},
                      {"annotations", a.annotations},
                      {"startsAt", FormatRfc3339(a.starts_at)},
                      {"endsAt", ends},
                      {"generatorURL", a.generator_url},
                      {"fingerprint", a.Fingerprint()}});
  }
  nlohmann::json j = {{"version", "4"},
                      {"groupKey", n.group_key},
                      {"truncatedAlerts", 0},
                      {"status", n.Status()},
                      {"receiver", n.receiver},
                      {"groupLabels", n.group_labels},
                      {"commonLabels", CommonLabels(n.alerts)},
                      {"commonAnnotations", CommonAnnotations(n.alerts)},
                      {"externalURL", external_url},
                      {"alerts", alerts}};
  return j.dump();
}

std::vector<NotifyRequest> WebhookReceiver::Build(const Notification& n, TimePoint) const {
  std::vector<NotifyRequest> out;
  std::string body = BuildWebhookPayload(n, ctx_.external_url);
  for (const std::string& url : config_.urls) {
    out.push_back({url, body, {{"Content-Type", "application/json"}}});
  }
  return out;
}

Verdict ClassifyGenericHttp(int s) {
  if (s >= 200 && s < 300) return Verdict::kSent;
  if (s == 0 || s == 408 || s == 429 || s >= 500) return Verdict::kRetry;
  return Verdict::kFinal;
}

Verdict WebhookReceiver::Classify(int http_status) const {
  return ClassifyGenericHttp(http_status);
}

}  // namespace fxagent
