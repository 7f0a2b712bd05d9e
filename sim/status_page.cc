#include "sim/status_page.h"

#include <algorithm>
#include <array>

namespace fxagent::sim {
namespace {

using nlohmann::json;

constexpr std::array<std::string_view, 4> kIndicators = {"none", "minor", "major", "critical"};
constexpr std::array<std::string_view, 5> kComponentStatuses = {
    "operational", "degraded_performance", "partial_outage", "major_outage", "under_maintenance"};
constexpr std::array<std::string_view, 4> kImpacts = {"none", "minor", "major", "critical"};
constexpr std::array<std::string_view, 4> kIncidentStatuses = {"investigating", "identified",
                                                               "monitoring", "resolved"};
constexpr std::string_view kPageUpdatedAt = "2024-05-01T00:00:00.000Z";

template <size_t N>
bool OneOf(const std::array<std::string_view, N>& values, std::string_view v) {
  return std::find(values.begin(), values.end(), v) != values.end();
}

std::string ComponentId(std::string_view name) {
  std::string id = "fxsim";
  for (char c : name) {
    if (c != ' ') id.push_back(static_cast<char>(std::tolower(static_cast<unsigned char>(c))));
  }
  return id;
}

json PageJson(WallTime now) {
  return {{"id", "fxsimstatuspage"},
          {"name", "Flexport"},
          {"url", "https://status.flexport.com"},
          {"time_zone", "Etc/UTC"},
          {"updated_at", FormatIso8601(now)}};
}

json ComponentJson(const StatusComponent& c, size_t position) {
  return {{"id", ComponentId(c.name)},
          {"name", c.name},
          {"status", c.status},
          {"created_at", std::string(kPageUpdatedAt)},
          {"updated_at", std::string(kPageUpdatedAt)},
          {"position", position + 1},
          {"description", nullptr},
          {"showcase", true},
          {"group_id", nullptr},
          {"page_id", "fxsimstatuspage"},
          {"group", false},
          {"only_show_if_degraded", false}};
}

json ComponentsJson(const StatusPageState& s) {
  json out = json::array();
  for (size_t i = 0; i < s.components.size(); ++i) out.push_back(ComponentJson(s.components[i], i));
  return out;
}

json IncidentJson(const StatusPageState& s, const StatusIncident& inc) {
  json comps = json::array();
  for (size_t i = 0; i < s.components.size(); ++i) {
    if (std::find(inc.components.begin(), inc.components.end(), s.components[i].name) !=
        inc.components.end()) {
      comps.push_back(ComponentJson(s.components[i], i));
    }
  }
  return {{"id", inc.id},
          {"name", inc.name},
          {"status", inc.status},
          {"impact", inc.impact},
          {"created_at", inc.created_at},
          {"updated_at", inc.updated_at},
          {"monitoring_at", nullptr},
          {"resolved_at", nullptr},
          {"shortlink", "https://stspg.io/" + inc.id},
          {"page_id", "fxsimstatuspage"},
          {"incident_updates",
           json::array({{{"id", inc.id + "u1"},
                         {"status", inc.status},
                         {"body", "We are investigating reports of " + inc.name + "."},
                         {"created_at", inc.updated_at}}})},
          {"components", comps}};
}

json UnresolvedIncidents(const StatusPageState& s) {
  json out = json::array();
  for (const auto& inc : s.incidents) {
    if (inc.status != "resolved") out.push_back(IncidentJson(s, inc));
  }
  return out;
}

json ActiveMaintenances(const StatusPageState& s, WallTime now) {
  json out = json::array();
  for (size_t i = 0; i < s.components.size(); ++i) {
    if (s.components[i].status != "under_maintenance") continue;
    const std::string ts = FormatIso8601(now);
    out.push_back({{"id", ComponentId(s.components[i].name) + "mnt"},
                   {"name", s.components[i].name + " maintenance"},
                   {"status", "in_progress"},
                   {"impact", "maintenance"},
                   {"created_at", ts},
                   {"updated_at", ts},
                   {"scheduled_for", ts},
                   {"scheduled_until", FormatIso8601(now + std::chrono::hours(2))},
                   {"components", json::array({ComponentJson(s.components[i], i)})}});
  }
  return out;
}

}  // namespace

std::string_view StatusPageModeName(StatusPageMode mode) {
  switch (mode) {
    case StatusPageMode::kOk:
      return "ok";
    case StatusPageMode::kHtml:
      return "html";
    case StatusPageMode::kInvalidJson:
      return "invalid_json";
    case StatusPageMode::kNotFound:
      return "not_found";
    case StatusPageMode::kHang:
      return "hang";
  }
  return "ok";
}

StatusPageState DefaultStatusPage() {
  StatusPageState s;
  for (const char* name : {"API", "Webhooks", "Shipment Tracking", "Customs", "Portal"}) {
    s.components.push_back({name, "operational"});
  }
  return s;
}

bool IsValidIndicator(std::string_view indicator) { return OneOf(kIndicators, indicator); }

bool IsValidComponentStatus(std::string_view status) { return OneOf(kComponentStatuses, status); }

std::string DefaultDescription(std::string_view indicator) {
  if (indicator == "minor") return "Minor Service Outage";
  if (indicator == "major") return "Partial System Outage";
  if (indicator == "critical") return "Major Service Outage";
  return "All Systems Operational";
}

bool SetComponentStatus(StatusPageState& state, std::string_view name, std::string_view status) {
  for (auto& c : state.components) {
    if (c.name == name) {
      c.status = std::string(status);
      return true;
    }
  }
  return false;
}

void AddIncident(StatusPageState& state, std::string name, std::string impact,
                 std::vector<std::string> components, WallTime now) {
  StatusIncident inc;
  inc.id = "fxsiminc" + std::to_string(state.incidents.size() + 1);
  inc.name = std::move(name);
  inc.impact = std::move(impact);
  inc.created_at = FormatIso8601(now);
  inc.updated_at = inc.created_at;
  inc.components = std::move(components);
  state.incidents.push_back(std::move(inc));
}

bool ApplyStatusPageUpdate(const json& update, WallTime now, StatusPageState& state,
                           std::string* error) {
  auto fail = [&](std::string msg) {
    if (error != nullptr) *error = std::move(msg);
    return false;
  };
  if (!update.is_object()) return fail("expected a JSON object");
  StatusPageState next = state;
  if (update.contains("indicator")) {
    const auto& v = update["indicator"];
    if (!v.is_string() || !IsValidIndicator(v.get<std::string>())) {
      return fail("indicator must be one of none, minor, major, critical");
    }
    next.indicator = v.get<std::string>();
    next.description = DefaultDescription(next.indicator);
  }
  if (update.contains("description")) {
    if (!update["description"].is_string()) return fail("description must be a string");
    next.description = update["description"].get<std::string>();
  }
  if (update.contains("components")) {
    const auto& comps = update["components"];
    if (!comps.is_object()) return fail("components must be an object {name: status}");
    for (const auto& [name, status] : comps.items()) {
      if (!status.is_string() || !IsValidComponentStatus(status.get<std::string>())) {
        return fail("component '" + name + "': invalid status");
      }
      if (!SetComponentStatus(next, name, status.get<std::string>())) {
        next.components.push_back({name, status.get<std::string>()});
      }
    }
  }
  if (update.contains("incidents")) {
    const auto& incs = update["incidents"];
    if (!incs.is_array()) return fail("incidents must be an array");
    next.incidents.clear();
    for (const auto& i : incs) {
      if (!i.is_object() || !i.contains("name") || !i["name"].is_string()) {
        return fail("each incident needs a string name");
      }
      std::vector<std::string> names;
      if (i.contains("components")) {
        if (!i["components"].is_array()) return fail("incident components must be an array");
        for (const auto& n : i["components"]) {
          if (!n.is_string()) return fail("incident components must be names");
          names.push_back(n.get<std::string>());
        }
      }
      const std::string impact = i.value("impact", "major");
      if (!OneOf(kImpacts, impact)) {
        return fail("incident impact must be none|minor|major|critical");
      }
      AddIncident(next, i["name"].get<std::string>(), impact, std::move(names), now);
      const std::string status = i.value("status", "investigating");
      if (!OneOf(kIncidentStatuses, status)) return fail("invalid incident status");
      next.incidents.back().status = status;
    }
  }
  if (update.contains("mode")) {
    const std::string mode = update["mode"].is_string() ? update["mode"].get<std::string>() : "";
    if (mode == "ok") {
      next.mode = StatusPageMode::kOk;
    } else if (mode == "html") {
      next.mode = StatusPageMode::kHtml;
    } else if (mode == "invalid_json") {
      next.mode = StatusPageMode::kInvalidJson;
    } else if (mode == "not_found") {
      next.mode = StatusPageMode::kNotFound;
    } else if (mode == "hang") {
      next.mode = StatusPageMode::kHang;
    } else {
      return fail("mode must be one of ok, html, invalid_json, not_found, hang");
    }
  }
  if (update.contains("hang_ms")) {
    if (!update["hang_ms"].is_number_integer() || update["hang_ms"].get<int64_t>() < 0) {
      return fail("hang_ms must be a non-negative integer");
    }
    next.hang_ms = update["hang_ms"].get<int>();
  }
  state = std::move(next);
  return true;
}

json StatusPageStateJson(const StatusPageState& s) {
  json comps = json::object();
  for (const auto& c : s.components) comps[c.name] = c.status;
  json incs = json::array();
  for (const auto& i : s.incidents) {
    incs.push_back({{"id", i.id},
                    {"name", i.name},
                    {"status", i.status},
                    {"impact", i.impact},
                    {"components", i.components}});
  }
  return {{"indicator", s.indicator}, {"description", s.description},       {"components", comps},
          {"incidents", incs},        {"mode", StatusPageModeName(s.mode)}, {"hang_ms", s.hang_ms}};
}

json StatusPageDocument(const StatusPageState& s, std::string_view document, WallTime now) {
  const json status = {{"indicator", s.indicator}, {"description", s.description}};
  if (document == "status.json") return {{"page", PageJson(now)}, {"status", status}};
  if (document == "components.json") {
    return {{"page", PageJson(now)}, {"components", ComponentsJson(s)}};
  }
  if (document == "incidents/unresolved.json") {
    return {{"page", PageJson(now)}, {"incidents", UnresolvedIncidents(s)}};
  }
  if (document == "scheduled-maintenances/active.json") {
    return {{"page", PageJson(now)}, {"scheduled_maintenances", ActiveMaintenances(s, now)}};
  }
  if (document == "summary.json") {
    return {{"page", PageJson(now)},
            {"components", ComponentsJson(s)},
            {"incidents", UnresolvedIncidents(s)},
            {"scheduled_maintenances", ActiveMaintenances(s, now)},
            {"status", status}};
  }
  return nullptr;
}

}  // namespace fxagent::sim
