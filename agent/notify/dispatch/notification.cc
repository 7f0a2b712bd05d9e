#include "agent/notify/dispatch/notification.h"

#include <nlohmann/json.hpp>

#include "agent/base/time_ms.h"

namespace fxagent {
namespace {

using nlohmann::json;

LabelSet Common(const std::vector<Alert>& alerts, LabelSet Alert::*field) {
  if (alerts.empty()) return {};
  LabelSet common = alerts.front().*field;
  for (size_t i = 1; i < alerts.size(); ++i) {
    const LabelSet& other = alerts[i].*field;
    for (auto it = common.begin(); it != common.end();) {
      auto o = other.find(it->first);
      if (o == other.end() || o->second != it->second) {
        it = common.erase(it);
      } else {
        ++it;
      }
    }
  }
  return common;
}

json AlertToJson(const Alert& a) {
  json j = {{"labels", a.labels},
            {"annotations", a.annotations},
            {"firing", a.Firing()},
            {"starts_at", Ms(a.starts_at)},
            {"generator_url", a.generator_url}};
  if (a.ends_at) j["ends_at"] = Ms(*a.ends_at);
  return j;
}

Alert AlertFromJson(const json& j) {
  Alert a;
  a.labels = j.at("labels").get<LabelSet>();
  a.annotations = j.at("annotations").get<LabelSet>();
  a.state = j.at("firing").get<bool>() ? Alert::State::kFiring : Alert::State::kResolved;
  a.starts_at = FromMs(j.at("starts_at").get<int64_t>());
  if (j.contains("ends_at")) a.ends_at = FromMs(j.at("ends_at").get<int64_t>());
  a.generator_url = j.at("generator_url").get<std::string>();
  return a;
}

}  // namespace

std::string_view NotificationKindName(NotificationKind kind) {
  switch (kind) {
    case NotificationKind::kAlert:
      return "alert";
    case NotificationKind::kRepeat:
      return "repeat";
    case NotificationKind::kEscalation:
      return "escalation";
    case NotificationKind::kRefresh:
      return "refresh";
    case NotificationKind::kIncidentUpdate:
      return "incident_update";
  }
  return "alert";
}

std::string Notification::Status() const { return FiringCount() > 0 ? "firing" : "resolved"; }

size_t Notification::FiringCount() const {
  size_t n = 0;
  for (const Alert& a : alerts) n += a.Firing() ? 1 : 0;
  return n;
}

LabelSet CommonLabels(const std::vector<Alert>& alerts) { return Common(alerts, &Alert::labels); }
LabelSet CommonAnnotations(const std::vector<Alert>& alerts) {
  return Common(alerts, &Alert::annotations);
}

std::string NotificationToJson(const Notification& n) {
  json alerts = json::array();
  for (const Alert& a : n.alerts) alerts.push_back(AlertToJson(a));
  json j = {{"v", 1},
            {"kind", static_cast<int>(n.kind)},
            {"receiver", n.receiver},
            {"group_key", n.group_key},
            {"group_labels", n.group_labels},
            {"alerts", alerts},
            {"created_at", Ms(n.created_at)},
            {"severity", n.severity},
            {"response_time_ms", n.response_time.count()}};
  if (n.incident) {
    const IncidentSnapshot& i = *n.incident;
    j["incident"] = {{"id", i.id},
                     {"status", i.status},
                     {"impact", i.impact},
                     {"current_action", i.current_action},
                     {"started_at", Ms(i.started_at)}};
    if (i.resolved_at) j["incident"]["resolved_at"] = Ms(*i.resolved_at);
  }
  return j.dump();
}

std::optional<Notification> NotificationFromJson(const std::string& text) {
  json j = json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (!j.is_object() || j.value("v", 0) != 1) return std::nullopt;
  try {
    Notification n;
    int kind = j.at("kind").get<int>();
    if (kind < 0 || kind > static_cast<int>(NotificationKind::kIncidentUpdate)) return std::nullopt;
    n.kind = static_cast<NotificationKind>(kind);
    n.receiver = j.at("receiver").get<std::string>();
    n.group_key = j.at("group_key").get<std::string>();
    n.group_labels = j.at("group_labels").get<LabelSet>();
    for (const json& a : j.at("alerts")) n.alerts.push_back(AlertFromJson(a));
    n.created_at = FromMs(j.at("created_at").get<int64_t>());
    n.severity = j.at("severity").get<std::string>();
    n.response_time = std::chrono::milliseconds(j.at("response_time_ms").get<int64_t>());
    if (j.contains("incident")) {
      const json& i = j.at("incident");
      IncidentSnapshot s;
      s.id = i.at("id").get<int64_t>();
      s.status = i.at("status").get<std::string>();
      s.impact = i.at("impact").get<std::string>();
      s.current_action = i.at("current_action").get<std::string>();
      s.started_at = FromMs(i.at("started_at").get<int64_t>());
      if (i.contains("resolved_at")) s.resolved_at = FromMs(i.at("resolved_at").get<int64_t>());
      n.incident = std::move(s);
    }
    return n;
  } catch (const json::exception&) {
    return std::nullopt;
  }
}

}  // namespace fxagent
