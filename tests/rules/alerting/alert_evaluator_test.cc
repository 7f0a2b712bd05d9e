#include "rules/alerting/alert_evaluator.h"

#include <gtest/gtest.h>
#include <prometheus/gauge.h>
#include <prometheus/registry.h>
#include <prometheus/text_serializer.h>

#include <filesystem>
#include <fstream>
#include <utility>
#include <vector>

#include "rules/alerting/rule_loader.h"
#include "rules/alerting/self_scraper.h"

namespace fxagent::alerting {
namespace {

constexpr int64_t kMin = 60 * 1000;

RuleSet Rules(const std::string& extra = "") {
  return ParseRules(R"x([[rules]]
alert = "Down"
severity = "P1"
expr = 'up == 0'
for = "2m"
keep_firing_for = "3m"
labels = { component = "api", job = "overridden" }
annotations = { summary = "{{ $labels.instance }} down ({{ $value }})" }
)x" + extra,
                    "r.toml", RuleFormat::kToml);
}

tsdb::Labels Up(const std::string& instance) {
  return tsdb::Labels{{"__name__", "up"}, {"instance", instance}, {"job", "x"}};
}

std::string Metrics(prometheus::Registry& registry) {
  return prometheus::TextSerializer().Serialize(registry.Collect());
}

class EvaluatorTest : public ::testing::Test {
 protected:
  std::vector<AlertState> At(int64_t minute, double value) {
    store_.Append(Up("a"), minute * kMin, value);
    return evaluator_->Evaluate(store_, minute * kMin);
  }
  tsdb::SeriesStore store_;
  prometheus::Registry registry_;
  std::unique_ptr<AlertEvaluator> evaluator_ = std::make_unique<AlertEvaluator>(Rules(), registry_);
};

TEST_F(EvaluatorTest, PendingThenFiringAfterForThenKeepFiringThenResolvedOnce) {
  EXPECT_TRUE(At(0, 1).empty());
  std::vector<AlertState> a = At(1, 0);
  ASSERT_EQ(a.size(), 1u);
  EXPECT_EQ(a[0].state, AlertStatus::kPending);
  EXPECT_EQ(a[0].active_at_ms, 1 * kMin);
  // Rule labels override series labels; alertname and severity are added.
  EXPECT_EQ(a[0].labels(), (std::map<std::string, std::string>{{"alertname", "Down"},
                                                               {"component", "api"},
                                                               {"instance", "a"},
                                                               {"job", "overridden"},
                                                               {"severity", "P1"}}));
  EXPECT_EQ(a[0].annotations().at("summary"), "a down (0)");
  EXPECT_NE(Metrics(registry_).find(
                "flexport_alerts{alertname=\"Down\",alertstate=\"pending\",severity=\"P1\"} 1"),
            std::string::npos)
      << Metrics(registry_);

  EXPECT_EQ(At(2, 0)[0].state, AlertStatus::kPending);
  a = At(3, 0);
  EXPECT_EQ(a[0].state, AlertStatus::kFiring);
  EXPECT_EQ(a[0].fired_at_ms, 3 * kMin);
  EXPECT_NE(Metrics(registry_).find("alertstate=\"firing\",severity=\"P1\"} 1"), std::string::npos);

  // Expression empty: kept firing for keep_firing_for (3m) from the first empty tick.
  a = At(4, 1);
  ASSERT_EQ(a.size(), 1u);
  EXPECT_EQ(a[0].state, AlertStatus::kFiring);
  EXPECT_EQ(a[0].keep_firing_since_ms, 4 * kMin);
  EXPECT_EQ(At(6, 1)[0].state, AlertStatus::kFiring);
  a = At(7, 1);
  ASSERT_EQ(a.size(), 1u);
  EXPECT_EQ(a[0].state, AlertStatus::kResolved);
  EXPECT_EQ(a[0].resolved_at_ms, 7 * kMin);
  EXPECT_EQ(a[0].active_at_ms, 1 * kMin);
  EXPECT_TRUE(At(8, 1).empty());  // reported once, then dropped
  EXPECT_EQ(Metrics(registry_).find("flexport_alerts{"), std::string::npos);
}

TEST_F(EvaluatorTest, PendingThatClearsIsDroppedSilently) {
  At(0, 0);
  EXPECT_TRUE(At(1, 1).empty());
}

TEST_F(EvaluatorTest, ConditionReturningResetsKeepFiring) {
  At(0, 0);
  At(2, 0);  // firing
  EXPECT_TRUE(At(3, 1)[0].keep_firing_since_ms.has_value());
  EXPECT_FALSE(At(4, 0)[0].keep_firing_since_ms.has_value());
  EXPECT_EQ(At(5, 1)[0].state, AlertStatus::kFiring);
}

TEST(AlertPersistence, RestartKeepsFiringAlertAndKeepFiringProgress) {
  auto dir =
      std::filesystem::temp_directory_path() / ("alerting_test_" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  std::string path = (dir / "alerts.json").string();
  tsdb::SeriesStore store;
  {
    prometheus::Registry registry;
    AlertEvaluator ev(Rules(), registry, AlertEvaluatorOptions{path, {}});
    store.Append(Up("a"), 0, 0);
    ev.Evaluate(store, 0);
    store.Append(Up("a"), 2 * kMin, 0);
    ASSERT_EQ(ev.Evaluate(store, 2 * kMin)[0].state, AlertStatus::kFiring);
    store.Append(Up("a"), 3 * kMin, 1);
    ev.Evaluate(store, 3 * kMin);  // keep_firing_for running since 3m
    EXPECT_EQ(ev.last_save_error(), "");
  }
  ASSERT_TRUE(std::filesystem::exists(path));
  EXPECT_FALSE(std::filesystem::exists(path + ".tmp"));
  prometheus::Registry registry;
  AlertEvaluator ev(Rules(), registry, AlertEvaluatorOptions{path, {}});
  std::string error;
  ASSERT_TRUE(ev.RestoreState(&error)) << error;
  std::vector<AlertState> active = ev.ActiveAlerts();
  ASSERT_EQ(active.size(), 1u);
  EXPECT_EQ(active[0].state, AlertStatus::kFiring);
  EXPECT_EQ(active[0].fired_at_ms, 2 * kMin);
  EXPECT_EQ(active[0].keep_firing_since_ms, 3 * kMin);
  // Still firing (not pending again: no re-page), and keep_firing_for ends on time.
  store.Append(Up("a"), 4 * kMin, 1);
  EXPECT_EQ(ev.Evaluate(store, 4 * kMin)[0].state, AlertStatus::kFiring);
  store.Append(Up("a"), 6 * kMin, 1);
  EXPECT_EQ(ev.Evaluate(store, 6 * kMin)[0].state, AlertStatus::kResolved);
  std::filesystem::remove_all(dir);
}

TEST(AlertPersistence, RestoreDropsRemovedRulesAndRejectsGarbage) {
  prometheus::Registry registry;
  AlertEvaluator ev(Rules(), registry);
  std::string error;
  EXPECT_TRUE(ev.LoadStateJson(
      R"x({"version":1,"alerts":[{"rule":"Gone","labels":{"alertname":"Gone"},"state":"firing","active_at_ms":0}]})x",
      &error));
  EXPECT_TRUE(ev.ActiveAlerts().empty());
  EXPECT_FALSE(ev.LoadStateJson("not json", &error));
  EXPECT_FALSE(error.empty());
}

TEST(InstantClassify, IgnoresForAndReportsSeverity) {
  tsdb::SeriesStore store;
  store.Append(Up("a"), 0, 0);
  std::vector<AlertState> alerts = InstantClassify(
      Rules("[[rules]]\nalert = \"Minor\"\nseverity = \"P4\"\nexpr = 'up == 0'\n"), store, 0);
  ASSERT_EQ(alerts.size(), 2u);
  EXPECT_EQ(alerts[0].state, AlertStatus::kFiring);
  EXPECT_EQ(HighestSeverity(alerts), "P1");
  EXPECT_EQ(HighestSeverity({}), "");
}

TEST(EvaluationErrors, AreValuesAndKeepState) {
  tsdb::SeriesStore store;
  store.Append(tsdb::Labels{{"__name__", "x"}, {"a", "1"}}, 0, 1);
  store.Append(tsdb::Labels{{"__name__", "x"}, {"a", "2"}}, 0, 1);
  prometheus::Registry registry;
  // Both series map to the same alert labels once `a` is overridden: an error.
  AlertEvaluator ev(ParseRules("[[rules]]\nalert = \"Dup\"\nseverity = \"P2\"\nexpr = 'x'\n"
                               "labels = { a = \"same\" }\n",
                               "r.toml", RuleFormat::kToml),
                    registry);
  EXPECT_TRUE(ev.Evaluate(store, 0).empty());
  ASSERT_EQ(ev.last_errors().size(), 1u);
  EXPECT_NE(ev.last_errors()[0].find("same labelset"), std::string::npos);
}

TEST(SelfScraper, IngestsRegistryAndSetsRetention) {
  prometheus::Registry registry;
  auto& fam = prometheus::BuildGauge().Name("up").Register(registry);
  fam.Add({{"instance", "a"}}).Set(0);
  tsdb::SeriesStore store;
  RuleSet rules = Rules();
  SelfScraper scraper({&registry}, store, rules);
  EXPECT_EQ(store.retention_ms(), 5 * kMin + kRetentionMarginMs);
  scraper.Scrape(0);
  EXPECT_EQ(InstantClassify(rules, store, 0).size(), 1u);
}

// Fingerprints that Alertmanager itself computed: the first two from Debian's
// prometheus-alertmanager (POST /api/v2/alerts, then GET /api/v2/alerts), the third from
// a webhook payload that an Alertmanager sent (13 labels), the last prometheus/common's own
// test vector (TestMetricToFingerprint).
TEST(Fingerprint, MatchesAlertmanager) {
  const std::vector<std::pair<StringMap, std::string>> known = {
      {{{"alertname", "FlexportApiDown"},
        {"component", "api"},
        {"instance", "flexport-agent"},
        {"severity", "P1"}},
       "d9dbd55fa42d7de2"},
      {{{"alertname", "FlexportAgentStorageFailing"},
        {"component", "agent"},
        {"severity", "P2"},
        {"store", "webhooks"},
        {"unicode", "\xc3\xa9 \xe2\x9c\x93"}},  // "é ✓" in UTF-8
       "e4c80e859079ace6"},
      {{{"alertname", "Deployment"},
        {"app_kubernetes_io_instance", "eric-oss-common-base"},
        {"app_kubernetes_io_managed_by", "Helm"},
        {"app_kubernetes_io_name", "eric-pm-kube-state-metrics"},
        {"app_kubernetes_io_version", "2.1.0_10"},
        {"chart", "eric-pm-kube-state-metrics-2.1.0_10"},
        {"deployment", "eric-log-transformer"},
        {"instance", "192.168.69.53:8080"},
        {"job", "eric-pm-kube-state-metrics"},
        {"kubernetes_name", "eric-pm-kube-state-metrics"},
        {"kubernetes_namespace", "eric-eo-cm-ci406"},
        {"namespace", "eric-eo-cm-ci406"},
        {"severity", "Warning"}},
       "fbab788ec4c1018b"},
      {{{"name", "garland, briggs"}, {"fear", "love is not enough"}}, "507a62d79ee76c9a"},
      {{}, "cbf29ce484222325"},
  };
  for (const auto& [labels, fingerprint] : known) {
    AlertState s;
    s.label_set = std::make_shared<const StringMap>(labels);
    EXPECT_EQ(s.Fingerprint(), fingerprint) << labels.size() << " labels";
  }
}

}  // namespace
}  // namespace fxagent::alerting
