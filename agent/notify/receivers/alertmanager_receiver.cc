#include "agent/notify/receivers/alertmanager_receiver.h"

#include <nlohmann/json.hpp>

#include "agent/notify/receivers/webhook_receiver.h"

namespace fxagent {

std::string BuildAlertmanagerPayload(const Notification& n, TimePoint now) {
  nlohmann::json out = nlohmann::json::array();
  for (const Alert& a : n.alerts) {
    TimePoint ends = a.Firing() ? now + kAlertmanagerValidity : a.ends_at.value_or(now);
    out.push_back({{"labels", a.labels},
                   {"annotations", a.annotations},
                   {"startsAt", FormatRfc3339(a.starts_at)},
                   {"endsAt", FormatRfc3339(ends)},
                   {"generatorURL", a.generator_url}});
  }
  return out.dump();
}

std::vector<NotifyRequest> AlertmanagerReceiver::Build(const Notification& n, TimePoint now) const {
  std::vector<NotifyRequest> out;
  std::string body = BuildAlertmanagerPayload(n, now);
  for (std::string url : config_.urls) {
    while (!url.empty() && url.back() == '/') url.pop_back();
    out.push_back({url + "/api/v2/alerts", body, {{"Content-Type", "application/json"}}});
  }
  return out;
}

Verdict AlertmanagerReceiver::Classify(int http_status) const {
  return ClassifyGenericHttp(http_status);
}

}  // namespace fxagent
