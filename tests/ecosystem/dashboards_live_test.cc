// A real Prometheus scrapes the real agent running against flexport-sim; every panel
// query of every dashboard must parse and evaluate, and the core panels must return data.
#include <gtest/gtest.h>

#include <set>

#include "tests/ecosystem/dashboard_queries.h"
#include "tests/ecosystem/stack.h"

namespace fxagent::ecosystem {
namespace {

using testing::ReadFile;
using testing::TempDir;
using testing::WaitFor;

constexpr const char* kApiKey = "eco_live_key_5d1c";

// Panels whose queries must return samples against a healthy sim.
const std::set<std::string> kCorePanels = {"Worst active severity",
                                           "Probe success",
                                           "API probe success over time",
                                           "Probe latency by phase",
                                           "Probe total latency",
                                           "Probe HTTP status",
                                           "API requests by source and code",
                                           "Rate-limit headroom",
                                           "Rate limit: remaining, limit, Retry-After",
                                           "API key expires in",
                                           "Status page indicator",
                                           "Status page components",
                                           "Unresolved incidents",
                                           "Agent build",
                                           "Resident memory",
                                           "CPU",
                                           "Uptime",
                                           "Subscription active",
                                           "Gap per type",
                                           "Webhook arrivals by type",
                                           "Received by outcome",
                                           "Accepted by type",
                                           "Ack latency quantiles",
                                           "Time since last event vs expected gap"};

TEST(DashboardsLive, EveryPanelQueryEvaluatesInPrometheusAndCorePanelsHaveData) {
  ASSERT_TRUE(ToolAvailable(FXAGENT_PROMETHEUS_BIN))
      << "prometheus not found: install the Debian package `prometheus`";
  TempDir dir;
  std::string error;
  Process sim = StartSim(dir.path(), kApiKey, &error);
  ASSERT_TRUE(error.empty()) << error;
  ASSERT_TRUE(SimScenario(sim.address, "healthy"));
  AgentOptions options;
  options.sim_address = sim.address;
  Agent agent = StartAgent(dir.path(), options, kApiKey, &error);
  ASSERT_TRUE(error.empty()) << error;

  ASSERT_TRUE(SimSendWebhooks(sim.address, "http://" + agent.public_address + "/webhooks/flexport",
                              3, "shipment.milestone"));

  Process prom = StartPrometheus(dir.path(),
                                 "global:\n  scrape_interval: 1s\n  evaluation_interval: 1s\n"
                                 "scrape_configs:\n  - job_name: flexport-agent\n"
                                 "    static_configs:\n      - targets: ['" +
                                     agent.internal + "']\n",
                                 &error);
  ASSERT_TRUE(error.empty()) << error;

  // Readiness: the target is up and has been scraped at least three times, so rate()
  // over the substituted $__rate_interval has samples.
  ASSERT_TRUE(WaitFor(
      [&] {
        return ResultCount(PromQuery(prom.address,
                                     "count_over_time(up{job=\"flexport-agent\"}[1m]) >= 3 and "
                                     "up{job=\"flexport-agent\"} == 1")) == 1;
      },
      std::chrono::seconds(20)))
      << HttpGet(prom.address, "/api/v1/targets").body << prom.Logs() << agent.Logs();
  // ... and has seen the three webhook events in two scrapes (rate() needs both).
  ASSERT_TRUE(WaitFor([&] {
    return ResultCount(PromQuery(
               prom.address,
               "count_over_time(flexport_webhook_received_total{outcome=\"accepted\"}[1m]) >= 2 "
               "and flexport_webhook_received_total{outcome=\"accepted\"} >= 3")) > 0;
  })) << sim.Logs()
      << agent.Logs();

  // The instance variable's query: label_values(flexport_agent_build_info, instance).
  auto values = nlohmann::json::parse(
      HttpGet(prom.address, "/api/v1/label/instance/values?match[]=flexport_agent_build_info").body,
      nullptr, false);
  ASSERT_FALSE(values.is_discarded());
  ASSERT_EQ(values["data"], nlohmann::json::array({agent.internal})) << values.dump();

  Variables vars;
  vars.instance = PromQLRegexEscape(agent.internal);
  vars.rate_interval = "30s";
  vars.interval = "5s";
  vars.range = "1m";
  std::set<std::string> core_seen;
  size_t queries = 0;
  for (const std::string name : {"flexport-overview.json", "flexport-webhooks.json"}) {
    auto d = nlohmann::json::parse(ReadFile(SourcePath("dashboards/" + name)), nullptr, false);
    ASSERT_FALSE(d.is_discarded()) << name;
    for (const PanelQuery& q : ExtractQueries(d)) {
      ++queries;
      const std::string expr = Substitute(q.expr, vars);
      SCOPED_TRACE(name + " / " + q.panel + " / " + q.ref_id + ": " + expr);
      EXPECT_TRUE(Unresolved(expr).empty());
      auto answer = PromQuery(prom.address, expr);
      ASSERT_FALSE(answer.is_discarded()) << "no answer from Prometheus";
      EXPECT_EQ(answer.value("status", ""), "success") << answer.dump();
      if (kCorePanels.count(q.panel)) {
        core_seen.insert(q.panel);
        EXPECT_GT(ResultCount(answer), 0u) << "core panel returned no data: " << answer.dump();
      }
    }
  }
  EXPECT_GT(queries, 40u);
  for (const auto& panel : kCorePanels) {
    EXPECT_TRUE(core_seen.count(panel)) << "core panel missing from the dashboards: " << panel;
  }

  // The agent's instance label is Prometheus' target, not a label of its own.
  auto build = PromQuery(prom.address, "flexport_agent_build_info");
  ASSERT_EQ(ResultCount(build), 1u);
  EXPECT_EQ(build["data"]["result"][0]["metric"]["instance"], agent.internal);
  EXPECT_FALSE(build["data"]["result"][0]["metric"].contains("exported_instance"));
}

}  // namespace
}  // namespace fxagent::ecosystem
