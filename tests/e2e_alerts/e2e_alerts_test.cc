// End to end over loopback, one test per default P1/P2 rule: a fault injected into the
// real flexport-sim (or the agent's surroundings) reaches a `webhook` receiver as an
// Alertmanager-format `firing` notification naming the rule with its severity, and once
// the fault is cleared, a `resolved` one. Each test first proves a healthy baseline pages
// nothing. Hold times and windows are shortened in a test copy of rules/default.toml
// (e2e_harness.h: FastRules); the expressions are the shipped ones.
// FlexportAgentStorageFailing's test is tests/faults/disk_full_test.cc (a full disk:
// through the fault-injection VFS always, and a tmpfs where CAP_SYS_ADMIN allows), on the
// same harness.
#include <gtest/gtest.h>

#include <regex>

#include "tests/e2e_alerts/e2e_harness.h"
#include "tests/support/ci_skip.h"
#include "tests/support/metric_value.h"

namespace fxagent::e2e {
namespace {

using nlohmann::json;
using testing::MetricValue;
using testing::ReadFile;
using testing::WaitFor;

constexpr auto kFireDeadline = std::chrono::seconds(45);

// A generous arrival-gap expectation for every event type, so tests about other webhook
// rules do not depend on learned gaps (NoGapPageBeforeAGapIsConfiguredOrLearned covers
// the case without one).
constexpr const char* kNoGapPages = "[[webhooks.expect]]\ntypes = [\"*\"]\nmax_gap = \"1h\"\n";

class E2eAlerts : public ::testing::Test {
 protected:
  void Start(const AgentOptions& options = {}) {
    const std::string error = stack_.StartAgent(options);
    ASSERT_TRUE(error.empty()) << error;
  }

  // Rules have been evaluated for a while over healthy probe data and nothing paged.
  void ExpectQuietBaseline() {
    ASSERT_TRUE(WaitFor(
        [&] {
          const std::string m = stack_.Metrics();
          for (const char* probe :
               {"/shipments", "/bookings", "/purchase_orders", "/invoices", "/products"}) {
            if (MetricValue(m, std::string("flexport_probe_success{kind=\"api\",probe=\"") + probe +
                                   "\"}") != 1) {
              return false;
            }
          }
          return true;
        },
        std::chrono::seconds(30)))
        << "API probes never all succeeded:\n"
        << stack_.Metrics() << stack_.AgentLogs();
    ASSERT_TRUE(stack_.WaitForBaseline()) << stack_.AgentLogs();
    EXPECT_TRUE(stack_.sink().FiredNames().empty()) << "paged while healthy:\n"
                                                    << stack_.sink().Dump();
  }

  // A firing notification for `alertname` with `severity` arrives, and no other rule
  // than those in `also_allowed` has paged.
  void ExpectFires(const std::string& alertname, const std::string& severity,
                   const std::set<std::string>& also_allowed = {}) {
    std::optional<json> alert;
    ASSERT_TRUE(
        WaitFor([&] { return (alert = stack_.sink().Find("firing", alertname)).has_value(); },
                kFireDeadline))
        << alertname << " never fired. Notifications:\n"
        << stack_.sink().Dump() << "\nmetrics:\n"
        << stack_.Metrics() << "\nagent logs:\n"
        << stack_.AgentLogs();
    EXPECT_EQ((*alert)["labels"].value("severity", ""), severity) << alert->dump();
    for (const std::string& name : stack_.sink().FiredNames()) {
      EXPECT_TRUE(name == alertname || also_allowed.count(name) > 0)
          << "unexpected page " << name << "\n"
          << stack_.sink().Dump();
    }
  }

  void ExpectResolves(const std::string& alertname) {
    EXPECT_TRUE(WaitFor([&] { return stack_.sink().Find("resolved", alertname).has_value(); },
                        kFireDeadline))
        << alertname << " never resolved. Notifications:\n"
        << stack_.sink().Dump() << "\nmetrics:\n"
        << stack_.Metrics();
  }

  // Injects a sim scenario and checks the rule fires, then clears it and checks it resolves.
  void ScenarioFiresAndResolves(const std::string& scenario, const std::string& alertname,
                                const std::string& severity,
                                const std::set<std::string>& also_allowed = {}) {
    ASSERT_NO_FATAL_FAILURE(Start());
    ASSERT_NO_FATAL_FAILURE(ExpectQuietBaseline());
    ASSERT_EQ(stack_.Scenario(scenario), 200);
    ASSERT_NO_FATAL_FAILURE(ExpectFires(alertname, severity, also_allowed));
    ASSERT_EQ(stack_.Scenario("healthy"), 200);
    ExpectResolves(alertname);
  }

  Stack stack_;
};

TEST(FastRulesTest, ShortensOnlyHoldTimesAndWindows) {
  const std::string original = ReadFile(std::string(FXAGENT_SOURCE_DIR) + "/rules/default.toml");
  ASSERT_FALSE(original.empty());
  const std::string fast = FastRules(original);
  EXPECT_FALSE(std::regex_search(fast, std::regex(R"(\[\d+[mh]\])"))) << fast;
  EXPECT_FALSE(std::regex_search(fast, std::regex(R"((^|\n)(for|keep_firing_for) = "(?!1s"|3s"))")))
      << fast;
  EXPECT_NE(fast.find("avg_over_time(flexport_probe_success{kind=\"api\"}[2s])"),
            std::string::npos);
  EXPECT_NE(fast.find("max_over_time(flexport_probe_success{kind=\"api\"}[30s])"),
            std::string::npos);
  // Every rule under test is still there, by its shipped name.
  for (const char* name :
       {"FlexportApiDown", "FlexportApiKeyRejected", "FlexportStatusPageCritical",
        "FlexportAgentNetworkDown", "FlexportApiPartialFailure", "FlexportStatusPageMajor",
        "FlexportWebhookGap", "FlexportWebhookDeliveryFailing", "FlexportWebhookSpoolGrowing",
        "FlexportWebhookSignaturesFailing", "FlexportWebhookSubscriptionInactive",
        "FlexportAgentStorageFailing"}) {
    EXPECT_NE(fast.find(std::string("alert = \"") + name + "\""), std::string::npos) << name;
  }
}

TEST_F(E2eAlerts, ApiDown) { ScenarioFiresAndResolves("outage", "FlexportApiDown", "P1"); }

TEST_F(E2eAlerts, ApiKeyRejected) {
  // Every probe fails with 401, so the API outage rule may follow once its (shortened)
  // window is all failures; in production too, both P1s hold after 2 minutes of 401s.
  ScenarioFiresAndResolves("key_rotated", "FlexportApiKeyRejected", "P1", {"FlexportApiDown"});
}

TEST_F(E2eAlerts, StatusPageCritical) {
  ScenarioFiresAndResolves("status_critical", "FlexportStatusPageCritical", "P1");
}

TEST_F(E2eAlerts, ApiPartialFailure) {
  ScenarioFiresAndResolves("partial_outage", "FlexportApiPartialFailure", "P2");
}

TEST_F(E2eAlerts, StatusPageMajor) {
  ScenarioFiresAndResolves("status_major", "FlexportStatusPageMajor", "P2");
}

TEST_F(E2eAlerts, WebhookSubscriptionInactive) {
  ScenarioFiresAndResolves("subscription_inactive", "FlexportWebhookSubscriptionInactive", "P2");
}

TEST_F(E2eAlerts, WebhookGap) {
  AgentOptions options;
  options.webhooks_extra =
      "[[webhooks.expect]]\ntypes = [\"shipment.milestone\"]\nmax_gap = \"2s\"\n";
  ASSERT_NO_FATAL_FAILURE(Start(options));
  ASSERT_NO_FATAL_FAILURE(ExpectQuietBaseline());
  // One event, then silence for longer than max_gap.
  ASSERT_EQ(stack_.SendWebhooks({{"count", 1}}), 202);
  ASSERT_NO_FATAL_FAILURE(ExpectFires("FlexportWebhookGap", "P2"));
  // Events flow again, well within the gap.
  ASSERT_EQ(stack_.SendWebhooks({{"count", 400}, {"rate", 4}}), 202);
  ExpectResolves("FlexportWebhookGap");
}

// Regression: GapTracker once added the expected-gap gauge (value 0) for a type on its
// first event, before any gap was configured or learned (it needs 10 observations), so
// `time() - last > 0` paged FlexportWebhookGap (P2) right after the first event of any
// type without a [[webhooks.expect]].
TEST_F(E2eAlerts, NoGapPageBeforeAGapIsConfiguredOrLearned) {
  ASSERT_NO_FATAL_FAILURE(Start());
  ASSERT_NO_FATAL_FAILURE(ExpectQuietBaseline());
  ASSERT_EQ(stack_.SendWebhooks({{"count", 400}, {"rate", 4}}), 202);
  // Several evaluations over arrivals of a type whose gap nobody knows yet.
  const std::string accepted =
      "flexport_webhook_received_total{outcome=\"accepted\",type=\"shipment.milestone\"}";
  ASSERT_TRUE(WaitFor([&] { return MetricValue(stack_.Metrics(), accepted) >= 8; }))
      << stack_.Metrics();
  EXPECT_FALSE(stack_.AlertState("FlexportWebhookGap")) << stack_.Metrics();
  EXPECT_TRUE(stack_.sink().FiredNames().empty()) << stack_.sink().Dump();
}

TEST_F(E2eAlerts, WebhookDeliveryFailing) {
  AppStub app(500);
  AgentOptions options;
  options.webhooks_extra = "forward_to = \"" + app.Url() + "\"\nmax_attempts = 1\n" + kNoGapPages;
  ASSERT_NO_FATAL_FAILURE(Start(options));
  ASSERT_NO_FATAL_FAILURE(ExpectQuietBaseline());
  ASSERT_EQ(stack_.SendWebhooks({{"count", 400}, {"rate", 4}}), 202);
  ASSERT_NO_FATAL_FAILURE(ExpectFires("FlexportWebhookDeliveryFailing", "P2"));
  EXPECT_GT(app.Requests(), 0);
  app.SetStatus(200);  // the application is back: nothing more is dead-lettered
  ExpectResolves("FlexportWebhookDeliveryFailing");
}

TEST_F(E2eAlerts, WebhookSpoolGrowing) {
  // The application fails every delivery; with the default 12 attempts nothing is
  // dead-lettered yet, events pile up in the spool for retry.
  AppStub app(500);
  AgentOptions options;
  options.webhooks_extra = "forward_to = \"" + app.Url() + "\"\n" + kNoGapPages;
  ASSERT_NO_FATAL_FAILURE(Start(options));
  ASSERT_NO_FATAL_FAILURE(ExpectQuietBaseline());
  ASSERT_EQ(stack_.SendWebhooks({{"count", 400}, {"rate", 4}}), 202);
  ASSERT_NO_FATAL_FAILURE(ExpectFires("FlexportWebhookSpoolGrowing", "P2"));
  app.SetStatus(200);  // deliveries succeed again: the spool stops growing and drains
  ExpectResolves("FlexportWebhookSpoolGrowing");
}

TEST_F(E2eAlerts, WebhookSignaturesFailing) {
  ASSERT_NO_FATAL_FAILURE(Start());
  ASSERT_NO_FATAL_FAILURE(ExpectQuietBaseline());
  ASSERT_EQ(stack_.SendWebhooks({{"count", 400}, {"rate", 4}, {"mis_sign", true}}), 202);
  ASSERT_NO_FATAL_FAILURE(ExpectFires("FlexportWebhookSignaturesFailing", "P2"));
  // The secrets match again: correctly signed events are accepted.
  ASSERT_EQ(stack_.SimPost("webhooks/cancel", json::object()), 200);
  ASSERT_EQ(stack_.SendWebhooks({{"count", 400}, {"rate", 4}}), 202);
  ExpectResolves("FlexportWebhookSignaturesFailing");
}

TEST_F(E2eAlerts, AgentNetworkDown) {
  // Neither Flexport nor the connectivity check answer: the agent's own network is down.
  const int check_port = testing::UnusedPort();
  AgentOptions options;
  options.api_base = "http://127.0.0.1:" + std::to_string(testing::UnusedPort());
  options.probes_extra =
      "connectivity_check = \"http://127.0.0.1:" + std::to_string(check_port) + "/\"\n";
  ASSERT_NO_FATAL_FAILURE(Start(options));
  ASSERT_NO_FATAL_FAILURE(ExpectFires("FlexportAgentNetworkDown", "P2"));
  // After rules have seen a while of failed API probes, the API outage rule stays quiet:
  // the failures are the agent's network, not Flexport.
  ASSERT_TRUE(stack_.WaitForBaseline()) << stack_.AgentLogs();
  EXPECT_FALSE(stack_.AlertState("FlexportApiDown")) << stack_.Metrics();
  EXPECT_EQ(stack_.sink().FiredNames(), std::set<std::string>{"FlexportAgentNetworkDown"})
      << stack_.sink().Dump();

  // The connectivity check answers again (any HTTP answer proves the network).
  httplib::Server check;
  if (!check.bind_to_port("127.0.0.1", check_port)) {
    FXAGENT_SKIP_OR_FAIL_IN_CI() << "port " << check_port
                                 << " was taken meanwhile; cannot clear the fault";
  }
  std::thread serve([&] { check.listen_after_bind(); });
  ExpectResolves("FlexportAgentNetworkDown");
  check.stop();
  serve.join();
}

TEST_F(E2eAlerts, AgentNetworkDownWithoutConnectivityCheck) {
  // The default configuration: no connectivity check. The API and the status page both
  // refuse connections, so the verdict is the agent's network, not a Flexport outage.
  AgentOptions options;
  options.api_base = "http://127.0.0.1:" + std::to_string(testing::UnusedPort());
  options.status_page = "http://127.0.0.1:" + std::to_string(testing::UnusedPort());
  ASSERT_NO_FATAL_FAILURE(Start(options));
  ASSERT_NO_FATAL_FAILURE(ExpectFires("FlexportAgentNetworkDown", "P2"));
  ASSERT_TRUE(stack_.WaitForBaseline()) << stack_.AgentLogs();
  EXPECT_FALSE(stack_.AlertState("FlexportApiDown")) << stack_.Metrics();
  EXPECT_EQ(stack_.sink().FiredNames(), std::set<std::string>{"FlexportAgentNetworkDown"})
      << stack_.sink().Dump();
}

TEST_F(E2eAlerts, ApiUnreachableWithStatusPageUpIsStillAnOutage) {
  AgentOptions options;
  options.api_base = "http://127.0.0.1:" + std::to_string(testing::UnusedPort());
  ASSERT_NO_FATAL_FAILURE(Start(options));
  ASSERT_NO_FATAL_FAILURE(ExpectFires("FlexportApiDown", "P1"));
  EXPECT_FALSE(stack_.AlertState("FlexportAgentNetworkDown")) << stack_.Metrics();
}

}  // namespace
}  // namespace fxagent::e2e
