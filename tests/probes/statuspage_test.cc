#include "probes/statuspage.h"

#include <gtest/gtest.h>

#include "probes/subscription_probe.h"

namespace fxagent {
namespace {

constexpr const char* kSummary = R"({
  "page": {"id": "x", "name": "Flexport"},
  "status": {"indicator": "major", "description": "Partial System Outage"},
  "components": [
    {"id": "a", "name": "API", "status": "major_outage"},
    {"id": "b", "name": "Webhooks", "status": "operational"},
    {"id": "g", "name": "Group", "status": "partial_outage", "group": true},
    {"id": "c", "name": "Portal", "status": "something_new"}
  ],
  "incidents": [
    {"name": "API errors", "status": "investigating", "impact": "major"},
    {"name": "Old one", "status": "resolved", "impact": "minor"}
  ],
  "scheduled_maintenances": [
    {"name": "DB upgrade", "status": "in_progress"},
    {"name": "Later", "status": "scheduled"}
  ]
})";

TEST(StatusPage, ParsesSummary) {
  auto parsed = ParseStatusPage(kSummary);
  ASSERT_TRUE(std::holds_alternative<StatusPageReport>(parsed));
  const auto& r = std::get<StatusPageReport>(parsed);
  EXPECT_EQ(r.indicator, 2);
  EXPECT_EQ(r.description, "Partial System Outage");
  ASSERT_EQ(r.components.size(), 2u);  // group and unknown status skipped
  EXPECT_EQ(r.components[0].name, "API");
  EXPECT_EQ(r.components[0].status, 3);
  ASSERT_EQ(r.incidents.size(), 1u);
  EXPECT_EQ(r.incidents[0].impact, "major");
  ASSERT_EQ(r.maintenances.size(), 1u);
  EXPECT_EQ(r.maintenances[0], "DB upgrade");
}

TEST(StatusPage, StatusJsonAloneIsEnough) {
  auto parsed = ParseStatusPage(R"({"status": {"indicator": "none", "description": "All good"}})");
  ASSERT_TRUE(std::holds_alternative<StatusPageReport>(parsed));
  EXPECT_EQ(std::get<StatusPageReport>(parsed).indicator, 0);
}

struct Bad {
  const char* body;
  const char* reason;
};

class StatusPageBad : public ::testing::TestWithParam<Bad> {};

TEST_P(StatusPageBad, FailsWithReason) {
  auto parsed = ParseStatusPage(GetParam().body);
  ASSERT_TRUE(std::holds_alternative<StatusPageError>(parsed));
  EXPECT_EQ(std::get<StatusPageError>(parsed).reason, GetParam().reason);
}

INSTANTIATE_TEST_SUITE_P(
    Malformed, StatusPageBad,
    ::testing::Values(
        Bad{"<html><body>Service Unavailable</body></html>", "not JSON"}, Bad{"", "not JSON"},
        Bad{"{\"status\": ", "not JSON"}, Bad{"[1,2]", "not a Statuspage document"},
        Bad{"{}", "missing status"}, Bad{R"({"status": "ok"})", "missing status"},
        Bad{R"({"status": {"indicator": "purple"}})", "missing or unknown status.indicator"},
        Bad{R"({"status": {"description": "x"}})", "missing or unknown status.indicator"}));

TEST(StatusValues, Maps) {
  EXPECT_EQ(StatusIndicatorValue("critical"), 3);
  EXPECT_EQ(StatusIndicatorValue("x"), -1);
  EXPECT_EQ(ComponentStatusValue("under_maintenance"), 4);
  EXPECT_EQ(ComponentStatusValue("degraded_performance"), 1);
}

TEST(Subscriptions, CountsActive) {
  EXPECT_EQ(CountActiveSubscriptions(
                R"({"data": {"data": [{"active": true}, {"active": false}, {"id": 3}]}})"),
            2);
  EXPECT_EQ(CountActiveSubscriptions(R"({"data": [{"active": false}]})"), 0);
  EXPECT_EQ(CountActiveSubscriptions(R"({"data": {"data": []}})"), 0);
  EXPECT_EQ(CountActiveSubscriptions("<html>"), -1);
  EXPECT_EQ(CountActiveSubscriptions(R"({"error": "x"})"), -1);
}

}  // namespace
}  // namespace fxagent
