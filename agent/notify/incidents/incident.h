/// An incident: opened by the first firing alert of a group, resolved when all its
/// alerts resolved, with the communication template's status and a timeline. Plain value
/// types and pure helpers; persistence lives in StateStore.
#pragma once

#include <cstdint>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "agent/notify/dispatch/alert.h"

namespace fxagent {

enum class IncidentStatus { kInvestigating, kIdentified, kMitigating, kResolved };

std::string IncidentStatusName(IncidentStatus s);  // "Investigating", ...
/// Case-insensitive; nullopt when unknown.
std::optional<IncidentStatus> ParseIncidentStatus(std::string_view s);

struct Incident {
  int64_t id = 0;
  std::string group_key;
  std::string severity;  // most urgent seen
  IncidentStatus status = IncidentStatus::kInvestigating;
  std::string current_action;
  std::string impact;
  TimePoint started_at{};  // earliest alert startsAt
  TimePoint opened_at{};   // when the agent opened it
  std::optional<TimePoint> notified_at;
  std::optional<TimePoint> acknowledged_at;
  std::optional<TimePoint> resolved_at;
  std::vector<std::string> receivers;
  std::set<std::string> alertnames;
  std::set<std::string> components;

  bool Open() const { return status != IncidentStatus::kResolved; }
  /// "Flexport Integration Outage" (P1) or "Flexport Integration Degradation".
  std::string Title() const;
};

struct TimelineEntry {
  TimePoint at{};
  std::string kind;  // fired, notified, escalated, acknowledged, status, statuspage, resolved...
  std::string text;
};

std::string IncidentToJson(const Incident& i);  // API representation
std::string TimelineToJson(const std::vector<TimelineEntry>& t);

}  // namespace fxagent
