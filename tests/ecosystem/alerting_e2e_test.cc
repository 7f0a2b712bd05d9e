// End to end over loopback: flexport-sim in a full outage, two agent replicas alerting
// into a real Alertmanager, a real Prometheus evaluating the exported rule file into
// the same Alertmanager, and Alertmanager notifying a webhook receiver in this test.
// The agents' alert and Prometheus' alert both arrive; the two replicas page once.
#include <gtest/gtest.h>
#include <httplib.h>

#include <mutex>
#include <regex>
#include <sstream>
#include <thread>

#include "tests/ecosystem/dashboard_queries.h"
#include "tests/ecosystem/stack.h"
#include "tests/support/loopback_server.h"

namespace fxagent::ecosystem {
namespace {

using nlohmann::json;
using testing::LoopbackServer;
using testing::ReadFile;
using testing::TempDir;
using testing::WaitFor;
using testing::WriteFile;

constexpr const char* kApiKey = "eco_e2e_key_91ab";
constexpr const char* kAlert = "FlexportApiDown";

// Alertmanager's webhook notifications, collected on a loopback port.
class WebhookSink {
 public:
  WebhookSink()
      : server_([this](httplib::Server& s) {
          s.Post("/hook", [this](const httplib::Request& req, httplib::Response& res) {
            std::lock_guard<std::mutex> lock(mu_);
            received_.push_back(json::parse(req.body, nullptr, false));
            res.status = 200;
          });
        }) {}
  std::string Url() const { return server_.Url("/hook"); }
  std::vector<json> Received() {
    std::lock_guard<std::mutex> lock(mu_);
    return received_;
  }

 private:
  std::mutex mu_;
  std::vector<json> received_;
  LoopbackServer server_;  // last: stops before the state its handlers use
};

// Rewrites every `for` of a rule file (TOML `for = "1m"` or YAML `for: 1m`) to 1s, so
// the test does not wait out production hold times; expressions stay as exported.
std::string ShortFor(const std::string& text) {
  static const std::regex kToml(R"(^for = "[^"]*")");
  static const std::regex kYaml(R"(^(\s+)for: .*$)");
  std::istringstream in(text);
  std::string out, line;
  while (std::getline(in, line)) {
    line = std::regex_replace(line, kToml, "for = \"1s\"");
    line = std::regex_replace(line, kYaml, "$1for: 1s");
    out += line + "\n";
  }
  return out;
}

// An alert from the agents carries no `job`; Prometheus adds the scrape job's.
bool FromPrometheus(const json& alert) { return alert["labels"].contains("job"); }

bool IsOurAlert(const json& alert) {
  return alert.contains("labels") && alert["labels"].value("alertname", "") == kAlert;
}

// Firing notifications (webhook POSTs) that carry our alert from the given source.
size_t FiringNotifications(const std::vector<json>& received, bool from_prometheus) {
  size_t n = 0;
  for (const auto& body : received) {
    if (body.is_discarded() || body.value("status", "") != "firing") continue;
    for (const auto& a : body["alerts"]) {
      if (IsOurAlert(a) && FromPrometheus(a) == from_prometheus) {
        ++n;
        break;
      }
    }
  }
  return n;
}

double CounterValue(const std::string& metrics, const std::string& series) {
  const size_t at = metrics.find("\n" + series + " ");
  if (at == std::string::npos) return 0;
  return std::atof(metrics.c_str() + at + series.size() + 2);
}

TEST(AlertingEndToEnd, OutageReachesTheReceiverFromAgentsAndPrometheusOnceEach) {
  const std::string exported = ReadFile(SourcePath("rules/prometheus/flexport.rules.yml"));
  ASSERT_FALSE(exported.empty()) << "rules/prometheus/flexport.rules.yml is missing: the "
                                    "Prometheus half of the end-to-end test needs it";
  ASSERT_TRUE(ToolAvailable(FXAGENT_PROMETHEUS_BIN)) << "install the Debian package prometheus";
  ASSERT_TRUE(ToolAvailable(FXAGENT_ALERTMANAGER_BIN))
      << "install the Debian package prometheus-alertmanager";
  TempDir dir;
  std::string error;
  WebhookSink sink;

  Process am = StartAlertmanager(dir.path(),
                                 "route:\n  receiver: test\n  group_by: ['...']\n"
                                 "  group_wait: 1s\n  group_interval: 1m\n"
                                 "  repeat_interval: 1h\n"
                                 "receivers:\n  - name: test\n    webhook_configs:\n"
                                 "      - url: '" +
                                     sink.Url() + "'\n        send_resolved: false\n",
                                 &error);
  ASSERT_TRUE(error.empty()) << error;

  Process sim = StartSim(dir.path(), kApiKey, &error);
  ASSERT_TRUE(error.empty()) << error;
  ASSERT_TRUE(SimScenario(sim.address, "outage"));

  // Two replicas of the agent, the default rules with a 1 s hold, P1/P2 to Alertmanager.
  const std::string agent_rules = dir.path() + "/agent-rules.toml";
  WriteFile(agent_rules, ShortFor(ReadFile(SourcePath("rules/default.toml"))));
  AgentOptions options;
  options.sim_address = sim.address;
  options.extra_toml = "[rules]\nfiles = [\"" + agent_rules +
                       "\"]\nevaluation_interval = \"1s\"\n"
                       "[[receivers]]\nname = \"am\"\ntype = \"alertmanager\"\nurl = \"http://" +
                       am.address +
                       "\"\n[[routes]]\nseverities = [\"P1\", \"P2\"]\nreceivers = [\"am\"]\n"
                       "group_wait = \"1s\"\n";
  std::vector<Agent> agents;
  for (const std::string name : {"replica-1", "replica-2"}) {
    options.name = options.instance = name;
    agents.push_back(StartAgent(dir.path(), options, kApiKey, &error));
    ASSERT_TRUE(error.empty()) << error;
  }

  // Prometheus evaluates the exported rule file (1 s hold) over both replicas.
  const std::string prom_rules = dir.path() + "/flexport.rules.yml";
  WriteFile(prom_rules, ShortFor(exported));
  Process prom = StartPrometheus(
      dir.path(),
      "global:\n  scrape_interval: 1s\n  evaluation_interval: 1s\n"
      "rule_files: ['" +
          prom_rules +
          "']\n"
          "alerting:\n  alertmanagers:\n    - static_configs:\n        - targets: ['" +
          am.address +
          "']\n"
          "scrape_configs:\n  - job_name: flexport-agent\n    static_configs:\n"
          "      - targets: ['" +
          agents[0].internal + "', '" + agents[1].internal + "']\n",
      &error);
  ASSERT_TRUE(error.empty()) << error;

  // Both sources' alerts reach the receiver through Alertmanager.
  const bool both = WaitFor(
      [&] {
        auto r = sink.Received();
        return FiringNotifications(r, false) >= 1 && FiringNotifications(r, true) >= 1;
      },
      std::chrono::seconds(60));
  ASSERT_TRUE(both) << "agent notifications: " << FiringNotifications(sink.Received(), false)
                    << ", Prometheus notifications: " << FiringNotifications(sink.Received(), true)
                    << "\nAlertmanager alerts: " << HttpGet(am.address, "/api/v2/alerts").body
                    << "\nPrometheus alerts: " << HttpGet(prom.address, "/api/v1/alerts").body
                    << "\nagent 1:\n"
                    << agents[0].Logs();

  // Both replicas delivered their alert (readiness for the dedupe check below) ...
  ASSERT_TRUE(WaitFor(
      [&] {
        for (const auto& a : agents) {
          if (CounterValue(HttpGet(a.internal, "/metrics").body,
                           "flexport_notifications_total{outcome=\"sent\",receiver=\"am\"}") < 1 &&
              CounterValue(HttpGet(a.internal, "/metrics").body,
                           "flexport_notifications_total{receiver=\"am\",outcome=\"sent\"}") < 1) {
            return false;
          }
        }
        return true;
      },
      std::chrono::seconds(20)))
      << HttpGet(agents[1].internal, "/metrics").body;

  // ... and Alertmanager holds one alert per source: identical label sets merged.
  auto am_alerts = json::parse(HttpGet(am.address, "/api/v2/alerts").body, nullptr, false);
  ASSERT_TRUE(am_alerts.is_array());
  std::vector<json> from_agents, from_prometheus;
  for (const auto& a : am_alerts) {
    if (!IsOurAlert(a)) continue;
    (FromPrometheus(a) ? from_prometheus : from_agents).push_back(a["labels"]);
  }
  ASSERT_EQ(from_agents.size(), 1u)
      << "the replicas' alerts differ in their labels (a per-replica label defeats "
         "Alertmanager's deduplication): "
      << json(from_agents).dump();
  ASSERT_EQ(from_prometheus.size(), 1u) << json(from_prometheus).dump();
  // The same alert: Prometheus' labels are the agents' plus the scrape job.
  json expected = from_agents[0];
  expected["job"] = "flexport-agent";
  EXPECT_EQ(from_prometheus[0], expected);
  EXPECT_EQ(from_agents[0].value("severity", ""), "P1");
  EXPECT_EQ(from_agents[0].value("component", ""), "api");

  // The overview dashboard shows it: worst severity P1, the alert in the table.
  auto overview =
      json::parse(ReadFile(SourcePath("dashboards/flexport-overview.json")), nullptr, false);
  ASSERT_FALSE(overview.is_discarded());
  Variables vars;
  vars.instance = ".*";
  std::map<std::string, std::string> panel_expr;
  for (const PanelQuery& q : ExtractQueries(overview))
    panel_expr[q.panel] = Substitute(q.expr, vars);
  EXPECT_TRUE(WaitFor([&] {
    auto worst = PromQuery(prom.address, panel_expr["Worst active severity"]);
    return ResultCount(worst) == 1 && worst["data"]["result"][0]["value"][1] == "1";
  })) << PromQuery(prom.address, panel_expr["Worst active severity"]).dump();
  auto table = PromQuery(prom.address, panel_expr["Active alerts"]);
  ASSERT_GE(ResultCount(table), 1u) << table.dump();
  EXPECT_NE(table.dump().find(kAlert), std::string::npos) << table.dump();

  // No second page: give Alertmanager its group_wait again after the last replica's
  // post, then count. (An absence can only be observed over time.)
  std::this_thread::sleep_for(std::chrono::seconds(3));
  auto received = sink.Received();
  EXPECT_EQ(FiringNotifications(received, false), 1u) << json(received).dump(2);
  EXPECT_EQ(FiringNotifications(received, true), 1u) << json(received).dump(2);
}

}  // namespace
}  // namespace fxagent::ecosystem
