#include "agent/notify/incidents/incident.h"

#include <algorithm>
#include <nlohmann/json.hpp>

namespace fxagent {

std::string IncidentStatusName(IncidentStatus s) {
  switch (s) {
    case IncidentStatus::kInvestigating:
      return "Investigating";
    case IncidentStatus::kIdentified:
      return "Identified";
    case IncidentStatus::kMitigating:
      return "Mitigating";
    case IncidentStatus::kResolved:
      return "Resolved";
  }
  return "Investigating";
}

std::optional<IncidentStatus> ParseIncidentStatus(std::string_view s) {
  std::string lower(s);
  std::transform(lower.begin(), lower.end(), lower.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  if (lower == "investigating") return IncidentStatus::kInvestigating;
  if (lower == "identified") return IncidentStatus::kIdentified;
  if (lower == "mitigating") return IncidentStatus::kMitigating;
  if (lower == "resolved") return IncidentStatus::kResolved;
  return std::nullopt;
}

std::string Incident::Title() const {
  return std::string("Flexport Integration ") + (severity == "P1" ? "Outage" : "Degradation");
}

namespace {

nlohmann::json OptTime(const std::optional<TimePoint>& t) {
  return t ? nlohmann::json(FormatRfc3339(*t)) : nlohmann::json(nullptr);
}

}  // namespace

std::string IncidentToJson(const Incident& i) {
  nlohmann::json j = {{"id", i.id},
                      {"title", i.Title()},
                      {"severity", i.severity},
                      {"status", IncidentStatusName(i.status)},
                      {"currentAction", i.current_action},
                      {"impact", i.impact},
                      {"groupKey", i.group_key},
                      {"startedAt", FormatRfc3339(i.started_at)},
                      {"openedAt", FormatRfc3339(i.opened_at)},
                      {"notifiedAt", OptTime(i.notified_at)},
                      {"acknowledgedAt", OptTime(i.acknowledged_at)},
                      {"resolvedAt", OptTime(i.resolved_at)},
                      {"receivers", i.receivers},
                      {"alertnames", i.alertnames},
                      {"components", i.components}};
  return j.dump();
}

std::string TimelineToJson(const std::vector<TimelineEntry>& t) {
  nlohmann::json out = nlohmann::json::array();
  for (const TimelineEntry& e : t) {
    out.push_back({{"at", FormatRfc3339(e.at)}, {"kind", e.kind}, {"text", e.text}});
  }
  return out.dump();
}

}  // namespace fxagent
