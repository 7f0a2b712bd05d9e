// Static checks of the Grafana dashboards: structure, template variables, the instance
// selector in every query, thresholds equal to the exported rules', and that the
// committed JSON is what dashboards/generate.py produces.
#include "tests/ecosystem/dashboard_queries.h"

#include <gtest/gtest.h>

#include <regex>
#include <set>

#include "tests/ecosystem/stack.h"

namespace fxagent::ecosystem {
namespace {

using testing::ReadFile;

const std::vector<std::string> kDashboards = {"flexport-overview.json", "flexport-webhooks.json"};

nlohmann::json LoadDashboard(const std::string& name) {
  return nlohmann::json::parse(ReadFile(SourcePath("dashboards/" + name)), nullptr, false);
}

TEST(DashboardQueries, SubstitutesGrafanaVariables) {
  Variables v;
  v.instance = PromQLRegexEscape("127.0.0.1:9464");
  EXPECT_EQ(Substitute(R"(rate(x{instance=~"$instance"}[$__rate_interval]))", v),
            R"(rate(x{instance=~"127\\.0\\.0\\.1:9464"}[1m]))");
  EXPECT_EQ(Substitute("a[${__interval}] b[[[__range]]] c[$__range]", v), "a[15s] b[5m] c[5m]");
  // A longer name sharing the prefix is not a substitution.
  EXPECT_EQ(Substitute("$__interval_ms", v), "$__interval_ms");
  EXPECT_EQ(Unresolved(Substitute("x[$__interval_ms] $instance", v)),
            std::vector<std::string>{"$__interval_ms"});
  EXPECT_EQ(Substitute("${unknown} $instance", v), "${unknown} " + v.instance);
}

TEST(DashboardQueries, ExtractsNestedPanels) {
  auto d = nlohmann::json::parse(R"({"panels": [
      {"type": "row", "panels": [{"type": "stat", "title": "in row",
                                  "targets": [{"refId": "A", "expr": "up"}]}]},
      {"type": "timeseries", "title": "top", "targets": [{"refId": "A", "expr": "a"},
                                                         {"refId": "B", "expr": "b"}]}]})");
  auto q = ExtractQueries(d);
  ASSERT_EQ(q.size(), 3u);
  EXPECT_EQ(q[0].panel, "in row");
  EXPECT_EQ(q[2].ref_id, "B");
}

class DashboardFile : public ::testing::TestWithParam<std::string> {};

TEST_P(DashboardFile, HasTemplateVariablesAndSchema) {
  auto d = LoadDashboard(GetParam());
  ASSERT_FALSE(d.is_discarded()) << GetParam() << " is not JSON";
  EXPECT_GE(d.value("schemaVersion", 0), 36);
  EXPECT_LE(d.value("schemaVersion", 0), 39);
  EXPECT_FALSE(d.value("uid", "").empty());
  EXPECT_FALSE(d.value("title", "").empty());
  std::map<std::string, nlohmann::json> vars;
  for (const auto& v : d["templating"]["list"]) vars[v.value("name", "")] = v;
  ASSERT_TRUE(vars.count("datasource"));
  EXPECT_EQ(vars["datasource"]["type"], "datasource");
  EXPECT_EQ(vars["datasource"]["query"], "prometheus");
  ASSERT_TRUE(vars.count("instance"));
  EXPECT_EQ(vars["instance"]["type"], "query");
  EXPECT_EQ(vars["instance"]["datasource"]["uid"], "${datasource}");
  EXPECT_EQ(vars["instance"]["definition"], "label_values(flexport_agent_build_info, instance)");
  EXPECT_EQ(vars["instance"]["query"]["query"],
            "label_values(flexport_agent_build_info, instance)");
}

TEST_P(DashboardFile, EveryPanelUsesTheDatasourceVariableAndTheInstanceSelector) {
  auto d = LoadDashboard(GetParam());
  ASSERT_FALSE(d.is_discarded());
  std::set<int> ids;
  // Every metric selector: a name followed by its braces.
  static const std::regex kMetric(R"(\b((?:flexport|process)_[a-z0-9_]+)(\{[^}]*\})?)");
  for (const auto& p : Panels(d)) {
    const std::string title = p.value("title", "");
    SCOPED_TRACE(GetParam() + ": " + title);
    EXPECT_TRUE(ids.insert(p.value("id", -1)).second) << "duplicate panel id";
    EXPECT_EQ(p["datasource"]["uid"], "${datasource}");
    EXPECT_EQ(p["datasource"]["type"], "prometheus");
    const auto& pos = p["gridPos"];
    EXPECT_LE(pos.value("x", 0) + pos.value("w", 0), 24);
    ASSERT_TRUE(p.contains("targets") && !p["targets"].empty()) << "panel without a query";
    for (const auto& t : p["targets"]) {
      EXPECT_EQ(t["datasource"]["uid"], "${datasource}");
      const std::string expr = t.value("expr", "");
      ASSERT_FALSE(expr.empty());
      size_t selectors = 0;
      for (auto it = std::sregex_iterator(expr.begin(), expr.end(), kMetric);
           it != std::sregex_iterator(); ++it) {
        ++selectors;
        EXPECT_NE((*it)[2].str().find(R"(instance=~"$instance")"), std::string::npos)
            << (*it)[1] << " without the instance selector in: " << expr;
      }
      EXPECT_GT(selectors, 0u) << expr;
    }
  }
}

TEST_P(DashboardFile, IsWhatTheGeneratorProduces) {
  testing::TempDir dir;
  auto r = testing::RunCommand(
      dir.path(), {FXAGENT_PYTHON3_BIN, SourcePath("dashboards/generate.py"), dir.path()});
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_EQ(ReadFile(dir.path() + "/" + GetParam()),
            ReadFile(SourcePath("dashboards/" + GetParam())))
      << "dashboards/" << GetParam() << " is stale: run python3 dashboards/generate.py";
}

INSTANTIATE_TEST_SUITE_P(Dashboards, DashboardFile, ::testing::ValuesIn(kDashboards),
                         [](const auto& info) {
                           std::string n = info.param.substr(0, info.param.find('.'));
                           std::replace(n.begin(), n.end(), '-', '_');
                           return n;
                         });

// The panel thresholds are the numbers the exported rules alert on.
double FirstThreshold(const nlohmann::json& panel) {
  const auto& s = panel["fieldConfig"]["defaults"]["thresholds"]["steps"];
  return s.size() > 1 ? s[1]["value"].get<double>() : -1;
}

TEST(DashboardThresholds, MatchTheExportedRules) {
  const std::string rules = ReadFile(SourcePath("rules/prometheus/flexport.rules.yml"));
  ASSERT_FALSE(rules.empty()) << "rules/prometheus/flexport.rules.yml is missing (`flexport-agent "
                                 "rules export` writes it)";
  auto d = LoadDashboard("flexport-overview.json");
  ASSERT_FALSE(d.is_discarded());
  std::map<std::string, nlohmann::json> by_title;
  for (const auto& p : Panels(d)) by_title[p.value("title", "")] = p;
  struct Case {
    std::string panel, alert, rule_text;
  };
  for (const Case& c :
       std::vector<Case>{{"429 ratio (probe vs proxy)", "FlexportApiRateLimited", "> 0.05"},
                         {"Rate-limit headroom", "FlexportRateLimitHeadroomLow", "< 0.1"},
                         {"API latency p95 by endpoint", "FlexportApiLatencyHigh", "> 2"},
                         {"Probe total latency", "FlexportApiLatencyHigh", "> 2"}}) {
    SCOPED_TRACE(c.panel);
    ASSERT_TRUE(by_title.count(c.panel));
    const size_t at = rules.find("alert: " + c.alert);
    ASSERT_NE(at, std::string::npos);
    const std::string rule = rules.substr(at, rules.find("- alert:", at + 1) - at);
    EXPECT_NE(rule.find(c.rule_text), std::string::npos) << rule;
    const std::string number = c.rule_text.substr(2);
    EXPECT_DOUBLE_EQ(FirstThreshold(by_title[c.panel]), std::stod(number));
  }
}

}  // namespace
}  // namespace fxagent::ecosystem
