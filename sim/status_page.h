/// The sim's Atlassian Statuspage v2 documents (status, summary, components, unresolved
/// incidents, active maintenances) built from a plain StatusPageState, plus the control
/// API's JSON form of that state. Pure; thread-safe.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "sim/iso_time.h"

namespace fxagent::sim {

/// How the status page answers: normally, or broken in one of the ways the agent must
/// treat as "status page unavailable".
enum class StatusPageMode { kOk, kHtml, kInvalidJson, kNotFound, kHang };

std::string_view StatusPageModeName(StatusPageMode mode);

struct StatusComponent {
  std::string name;
  std::string status = "operational";
};

struct StatusIncident {
  std::string id;
  std::string name;
  std::string status = "investigating";  // investigating|identified|monitoring|resolved
  std::string impact = "major";          // none|minor|major|critical
  std::string created_at;
  std::string updated_at;
  std::vector<std::string> components;  // component names
};

struct StatusPageState {
  std::string indicator = "none";
  std::string description = "All Systems Operational";
  std::vector<StatusComponent> components;
  std::vector<StatusIncident> incidents;  // unresolved ones are served
  StatusPageMode mode = StatusPageMode::kOk;
  int hang_ms = 30000;
};

/// Operational, five components: API, Webhooks, Shipment Tracking, Customs, Portal.
StatusPageState DefaultStatusPage();

bool IsValidIndicator(std::string_view indicator);
bool IsValidComponentStatus(std::string_view status);
/// Statuspage's wording for an indicator ("major" -> "Partial System Outage").
std::string DefaultDescription(std::string_view indicator);

/// Sets a component's status by name; false if no such component.
bool SetComponentStatus(StatusPageState& state, std::string_view name, std::string_view status);

/// Adds an unresolved incident touching `components`, with a stable id.
void AddIncident(StatusPageState& state, std::string name, std::string impact,
                 std::vector<std::string> components, WallTime now);

/// Applies a control-API update: {"indicator", "description", "components": {name: status},
/// "incidents": [{name, status, impact, components}], "mode": "ok|html|invalid_json|
/// not_found|hang", "hang_ms"}. Missing keys are left unchanged; on error returns false
/// with a message and leaves `state` untouched.
bool ApplyStatusPageUpdate(const nlohmann::json& update, WallTime now, StatusPageState& state,
                           std::string* error);

nlohmann::json StatusPageStateJson(const StatusPageState& state);

/// The Statuspage documents, by their path under /api/v2/ ("status.json", ...). Returns
/// null json for an unknown document.
nlohmann::json StatusPageDocument(const StatusPageState& state, std::string_view document,
                                  WallTime now);

}  // namespace fxagent::sim
