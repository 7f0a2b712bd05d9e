/// Parses Atlassian Statuspage v2 documents (summary.json, or status.json alone) into the
/// indicator, per-component status, unresolved incidents and active maintenances.
/// Pure and thread-safe.
#pragma once

#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace fxagent {

struct StatusPageComponent {
  std::string name;
  int status = 0;  // 0 operational, 1 degraded, 2 partial outage, 3 major outage, 4 maintenance
  std::string status_text;
};

struct StatusPageIncident {
  std::string name;
  std::string status;  // investigating, identified, monitoring, ...
  std::string impact;  // none, minor, major, critical
};

struct StatusPageReport {
  int indicator = 0;  // 0 none, 1 minor, 2 major, 3 critical
  std::string indicator_text;
  std::string description;
  std::vector<StatusPageComponent> components;
  std::vector<StatusPageIncident> incidents;
  std::vector<std::string> maintenances;  // names of maintenances in progress
};

struct StatusPageError {
  std::string reason;  // short, e.g. "not JSON", "missing status.indicator"
};

std::variant<StatusPageReport, StatusPageError> ParseStatusPage(std::string_view body);

/// Maps "none|minor|major|critical" to 0..3; -1 when unknown.
int StatusIndicatorValue(std::string_view indicator);
/// Maps component statuses to 0..4; -1 when unknown.
int ComponentStatusValue(std::string_view status);

}  // namespace fxagent
