#include "sim/status_page.h"

#include <gtest/gtest.h>

#include <set>

#include "sim/scenarios.h"
#include "sim/sim_state.h"

namespace fxagent::sim {
namespace {

using nlohmann::json;

const std::set<std::string> kComponentStatuses = {
    "operational", "degraded_performance", "partial_outage", "major_outage", "under_maintenance"};

void ExpectValidDocuments(const StatusPageState& page) {
  const auto now = std::chrono::system_clock::now();
  const json status = StatusPageDocument(page, "status.json", now);
  ASSERT_TRUE(status["page"].is_object());
  EXPECT_TRUE(status["page"]["id"].is_string());
  const std::string indicator = status["status"]["indicator"];
  EXPECT_TRUE(IsValidIndicator(indicator)) << indicator;
  EXPECT_TRUE(status["status"]["description"].is_string());

  const json comps = StatusPageDocument(page, "components.json", now);
  ASSERT_TRUE(comps["components"].is_array());
  std::set<std::string> names;
  for (const auto& c : comps["components"]) {
    EXPECT_TRUE(c["id"].is_string());
    names.insert(c["name"].get<std::string>());
    EXPECT_TRUE(kComponentStatuses.count(c["status"].get<std::string>())) << c.dump();
  }
  EXPECT_EQ(names,
            (std::set<std::string>{"API", "Webhooks", "Shipment Tracking", "Customs", "Portal"}));

  const json incidents = StatusPageDocument(page, "incidents/unresolved.json", now);
  ASSERT_TRUE(incidents["incidents"].is_array());
  for (const auto& i : incidents["incidents"]) {
    for (const char* key : {"id", "name", "status", "impact", "created_at", "updated_at"}) {
      EXPECT_TRUE(i[key].is_string()) << key;
    }
    EXPECT_TRUE(i["components"].is_array());
  }
  EXPECT_TRUE(
      StatusPageDocument(page, "scheduled-maintenances/active.json", now)["scheduled_maintenances"]
          .is_array());
  const json summary = StatusPageDocument(page, "summary.json", now);
  EXPECT_EQ(summary["status"], status["status"]);
  EXPECT_EQ(summary["components"], comps["components"]);
  EXPECT_EQ(summary["incidents"], incidents["incidents"]);
  EXPECT_TRUE(StatusPageDocument(page, "nope.json", now).is_null());
}

TEST(StatusPageTest, EveryScenarioProducesValidDocuments) {
  SimConfig baseline;
  for (const auto& name : ScenarioNames()) {
    SCOPED_TRACE(name);
    auto config = ScenarioConfig(name, baseline, std::chrono::system_clock::now());
    ASSERT_TRUE(config.has_value());
    ExpectValidDocuments(config->status_page);
  }
  EXPECT_FALSE(ScenarioConfig("nope", baseline, std::chrono::system_clock::now()).has_value());
}

TEST(StatusPageTest, StatusMajorHasApiOutageAndIncident) {
  const SimConfig baseline;
  auto c = ScenarioConfig("status_major", baseline, std::chrono::system_clock::now());
  const auto now = std::chrono::system_clock::now();
  const json status = StatusPageDocument(c->status_page, "status.json", now);
  EXPECT_EQ(status["status"]["indicator"], "major");
  EXPECT_EQ(status["status"]["description"], "Partial System Outage");
  const json comps = StatusPageDocument(c->status_page, "components.json", now);
  EXPECT_EQ(comps["components"][0]["name"], "API");
  EXPECT_EQ(comps["components"][0]["status"], "major_outage");
  const json incs = StatusPageDocument(c->status_page, "incidents/unresolved.json", now);
  ASSERT_EQ(incs["incidents"].size(), 1u);
  EXPECT_EQ(incs["incidents"][0]["impact"], "major");
  EXPECT_EQ(incs["incidents"][0]["components"][0]["name"], "API");
}

TEST(StatusPageTest, ControlUpdates) {
  StatusPageState page = DefaultStatusPage();
  std::string error;
  ASSERT_TRUE(ApplyStatusPageUpdate(
      json::parse(R"({"indicator": "minor", "components": {"Customs": "partial_outage"},
                      "incidents": [{"name": "Customs delays", "impact": "minor",
                                     "components": ["Customs"]}]})"),
      std::chrono::system_clock::now(), page, &error))
      << error;
  EXPECT_EQ(page.indicator, "minor");
  EXPECT_EQ(page.description, "Minor Service Outage");
  EXPECT_EQ(page.components[3].status, "partial_outage");
  ASSERT_EQ(page.incidents.size(), 1u);
  ExpectValidDocuments(page);

  const StatusPageState before = page;
  EXPECT_FALSE(ApplyStatusPageUpdate(json::parse(R"({"indicator": "purple"})"),
                                     std::chrono::system_clock::now(), page, &error));
  EXPECT_FALSE(ApplyStatusPageUpdate(json::parse(R"({"components": {"API": "on_fire"}})"),
                                     std::chrono::system_clock::now(), page, &error));
  EXPECT_FALSE(ApplyStatusPageUpdate(json::parse(R"({"mode": "weird"})"),
                                     std::chrono::system_clock::now(), page, &error));
  EXPECT_EQ(StatusPageStateJson(page), StatusPageStateJson(before));
  ASSERT_TRUE(ApplyStatusPageUpdate(json::parse(R"({"mode": "hang", "hang_ms": 10})"),
                                    std::chrono::system_clock::now(), page, &error));
  EXPECT_EQ(page.mode, StatusPageMode::kHang);
  EXPECT_EQ(page.hang_ms, 10);
}

}  // namespace
}  // namespace fxagent::sim
