#include "sim/scenarios.h"

#include <algorithm>

namespace fxagent::sim {
namespace {

void EndpointStatus(SimConfig& c, const std::string& path, int status) {
  c.faults.endpoints[path] = EndpointFault{status, 1.0, 0};
}

void SetIncident(SimConfig& c, const std::string& indicator,
                 const std::vector<std::pair<std::string, std::string>>& components,
                 const std::string& incident, WallTime now) {
  auto& page = c.status_page;
  page.indicator = indicator;
  page.description = DefaultDescription(indicator);
  std::vector<std::string> names;
  for (const auto& [name, status] : components) {
    SetComponentStatus(page, name, status);
    names.push_back(name);
  }
  AddIncident(page, incident, indicator, names, now);
}

}  // namespace

const std::vector<std::string>& ScenarioNames() {
  static const std::vector<std::string> kNames = {
      "healthy",        "outage",          "one_endpoint_failing",  "partial_outage",
      "status_major",   "status_critical", "status_minor",          "rate_limited",
      "key_rotated",    "forbidden",       "subscription_inactive", "slow",
      "statuspage_down"};
  return kNames;
}

std::optional<SimConfig> ScenarioConfig(std::string_view name, const SimConfig& baseline,
                                        WallTime now) {
  SimConfig c = baseline;
  c.scenario = std::string(name);
  if (name == "healthy") {
  } else if (name == "outage") {
    c.faults.default_fault = EndpointFault{503, 1.0, 0};
  } else if (name == "one_endpoint_failing") {
    EndpointStatus(c, "/invoices", 500);
  } else if (name == "partial_outage") {
    EndpointStatus(c, "/shipments", 502);
    EndpointStatus(c, "/bookings", 502);
  } else if (name == "status_major") {
    SetIncident(c, "major", {{"API", "major_outage"}}, "Elevated API error rates", now);
  } else if (name == "status_critical") {
    SetIncident(c, "critical",
                {{"API", "major_outage"},
                 {"Webhooks", "major_outage"},
                 {"Shipment Tracking", "major_outage"}},
                "Flexport platform unavailable", now);
  } else if (name == "status_minor") {
    SetIncident(c, "minor", {{"Shipment Tracking", "degraded_performance"}},
                "Delayed shipment tracking updates", now);
  } else if (name == "rate_limited") {
    // The bucket is drained and does not refill until the scenario changes.
    c.rate_limit.refill_per_sec = 0;
  } else if (name == "key_rotated") {
    c.api_key = baseline.api_key + "-rotated";
  } else if (name == "forbidden") {
    EndpointStatus(c, "/purchase_orders", 403);
  } else if (name == "subscription_inactive") {
    c.subscription_active = false;
  } else if (name == "slow") {
    c.faults.default_fault = EndpointFault{0, 1.0, 3000};
  } else if (name == "statuspage_down") {
    c.status_page.mode = StatusPageMode::kHtml;
  } else {
    return std::nullopt;
  }
  return c;
}

}  // namespace fxagent::sim
