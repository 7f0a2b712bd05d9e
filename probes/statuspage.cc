#include "probes/statuspage.h"

#include <nlohmann/json.hpp>

namespace fxagent {
namespace {

using nlohmann::json;

std::string StringField(const json& obj, const char* key) {
  auto it = obj.find(key);
  return it != obj.end() && it->is_string() ? it->get<std::string>() : std::string();
}

}  // namespace

int StatusIndicatorValue(std::string_view indicator) {
  if (indicator == "none") return 0;
  if (indicator == "minor") return 1;
  if (indicator == "major") return 2;
  if (indicator == "critical") return 3;
  return -1;
}

int ComponentStatusValue(std::string_view status) {
  if (status == "operational") return 0;
  if (status == "degraded_performance") return 1;
  if (status == "partial_outage") return 2;
  if (status == "major_outage") return 3;
  if (status == "under_maintenance") return 4;
  return -1;
}

std::variant<StatusPageReport, StatusPageError> ParseStatusPage(std::string_view body) {
  json doc = json::parse(body, nullptr, /*allow_exceptions=*/false);
  if (doc.is_discarded()) return StatusPageError{"not JSON"};
  if (!doc.is_object()) return StatusPageError{"not a Statuspage document"};
  auto status = doc.find("status");
  if (status == doc.end() || !status->is_object()) return StatusPageError{"missing status"};
  StatusPageReport report;
  report.indicator_text = StringField(*status, "indicator");
  report.indicator = StatusIndicatorValue(report.indicator_text);
  if (report.indicator < 0) return StatusPageError{"missing or unknown status.indicator"};
  report.description = StringField(*status, "description");

  if (auto it = doc.find("components"); it != doc.end() && it->is_array()) {
    for (const json& c : *it) {
      if (!c.is_object()) continue;
      // Group headers carry their children's status already.
      if (auto g = c.find("group"); g != c.end() && g->is_boolean() && g->get<bool>()) continue;
      StatusPageComponent comp{StringField(c, "name"), 0, StringField(c, "status")};
      comp.status = ComponentStatusValue(comp.status_text);
      if (comp.name.empty() || comp.status < 0) continue;
      report.components.push_back(std::move(comp));
    }
  }
  if (auto it = doc.find("incidents"); it != doc.end() && it->is_array()) {
    for (const json& i : *it) {
      if (!i.is_object()) continue;
      const std::string state = StringField(i, "status");
      if (state == "resolved" || state == "postmortem") continue;
      report.incidents.push_back({StringField(i, "name"), state, StringField(i, "impact")});
    }
  }
  if (auto it = doc.find("scheduled_maintenances"); it != doc.end() && it->is_array()) {
    for (const json& m : *it) {
      if (m.is_object() && StringField(m, "status") == "in_progress") {
        report.maintenances.push_back(StringField(m, "name"));
      }
    }
  }
  return report;
}

}  // namespace fxagent
