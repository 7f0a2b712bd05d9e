#include "rules/alerting/rule_loader.h"

#include <gtest/gtest.h>

#include <set>

namespace fxagent::alerting {
namespace {

std::vector<std::string> Errors(std::string_view text, RuleFormat format) {
  std::vector<std::string> out;
  for (const RuleError& e : ParseRulesAll(text, "r.toml", format, nullptr)) out.push_back(e.what());
  return out;
}

TEST(TomlRules, ParsesSpecExample) {
  RuleSet rs = ParseRules(R"x(
[[rules]]
alert = "FlexportApiDown"
severity = "P1"
expr = 'max(avg_over_time(flexport_probe_success{kind="api"}[2m])) == 0'
for = "1m"
keep_firing_for = "2m"
labels = { component = "api" }
annotations = { summary = "down", playbook = "api-outage" }
)x",
                          "r.toml", RuleFormat::kToml);
  ASSERT_EQ(rs.rules.size(), 1u);
  const Rule& r = rs.rules[0];
  EXPECT_EQ(r.alert, "FlexportApiDown");
  EXPECT_EQ(r.severity, "P1");
  EXPECT_EQ(r.for_ms, 60000);
  EXPECT_EQ(r.keep_firing_for_ms, 120000);
  EXPECT_EQ(r.labels.at("component"), "api");
  EXPECT_EQ(r.annotations.at("playbook"), "api-outage");
  EXPECT_EQ(r.line, 2);
  ASSERT_NE(r.expr, nullptr);
  EXPECT_EQ(rs.MaxLookbackMs(), 120000);
}

TEST(TomlRules, SeverityFromLabel) {
  RuleSet rs =
      ParseRules("[[rules]]\nalert = \"A\"\nexpr = \"up == 0\"\nlabels = { severity = \"P3\" }\n",
                 "r.toml", RuleFormat::kToml);
  EXPECT_EQ(rs.rules[0].severity, "P3");
  EXPECT_EQ(rs.rules[0].labels.count("severity"), 0u);
}

TEST(TomlRules, ExactErrorPositions) {
  EXPECT_EQ(Errors("[[rules]]\nalert = \"A\"\nseverity = \"P1\"\nexpr = \"up\"\nfour = \"1m\"\n",
                   RuleFormat::kToml),
            std::vector<std::string>{
                "r.toml:5:1: unknown key \"four\" in [[rules]] (expected alert, record, severity, "
                "expr, for, keep_firing_for, labels, annotations)"});
  EXPECT_EQ(
      Errors("[[rules]]\nalert = \"A\"\nseverity = \"P5\"\nexpr = \"up\"\n", RuleFormat::kToml),
      std::vector<std::string>{
          "r.toml:1:1: alert \"A\": severity must be one of P1, P2, P3, P4, got \"P5\""});
  EXPECT_EQ(Errors("[[rules]]\nalert = \"A\"\nexpr = \"up\"\n", RuleFormat::kToml),
            std::vector<std::string>{"r.toml:1:1: alert \"A\" has no severity (set severity or a "
                                     "severity label to P1..P4)"});
  EXPECT_EQ(Errors("[[rules]]\nalert = \"A\"\nseverity = \"P1\"\nexpr = \"up\"\nfor = \"5 min\"\n",
                   RuleFormat::kToml),
            std::vector<std::string>{"r.toml:5:7: for: invalid duration \"5 min\" (expected e.g. "
                                     "\"30s\", \"5m\", \"1h30m\")"});
  EXPECT_EQ(Errors("alerts = 1\n", RuleFormat::kToml),
            std::vector<std::string>{
                "r.toml:1:1: unknown key \"alerts\" (a rule file holds [[rules]] only)"});
}

TEST(TomlRules, PromqlErrorPointsIntoTheExpression) {
  // File column = column of the value + quote + column inside the expression.
  std::vector<std::string> errors = Errors(
      "[[rules]]\nalert = \"A\"\nseverity = \"P1\"\nexpr = 'up == == 1'\n", RuleFormat::kToml);
  ASSERT_EQ(errors.size(), 1u);
  EXPECT_TRUE(errors[0].starts_with("r.toml:4:15: parse error in expr at 1:7: ")) << errors[0];

  errors = Errors("[[rules]]\nalert = \"A\"\nseverity = \"P1\"\nexpr = '''\nup\n  and foo(\n'''\n",
                  RuleFormat::kToml);
  ASSERT_EQ(errors.size(), 1u);
  EXPECT_TRUE(errors[0].starts_with("r.toml:6:7: parse error in expr at 2:7: ")) << errors[0];
}

TEST(TomlRules, SyntaxErrorHasPosition) {
  std::vector<std::string> errors = Errors("[[rules]]\nalert = \n", RuleFormat::kToml);
  ASSERT_EQ(errors.size(), 1u);
  EXPECT_TRUE(errors[0].starts_with("r.toml:2:")) << errors[0];
}

TEST(YamlRules, ParsesPrometheusRuleFile) {
  RuleSet rs = ParseRules(R"x(groups:
  - name: g
    interval: 30s
    rules:
      - record: job:up:sum
        expr: sum by (job) (up)
      - alert: Down
        expr: job:up:sum == 0
        for: 5m
        keep_firing_for: 1m
        labels:
          severity: P2
          team: sre
        annotations:
          summary: "{{ $labels.job }} down"
)x",
                          "r.yml", RuleFormat::kYaml);
  ASSERT_EQ(rs.rules.size(), 2u);
  EXPECT_EQ(rs.rules[0].record, "job:up:sum");
  EXPECT_EQ(rs.rules[1].alert, "Down");
  EXPECT_EQ(rs.rules[1].severity, "P2");
  EXPECT_EQ(rs.rules[1].labels.at("team"), "sre");
  EXPECT_EQ(rs.rules[1].group, "g");
  EXPECT_EQ(rs.rules[1].for_ms, 300000);
  EXPECT_EQ(rs.AlertCount(), 1u);
}

TEST(YamlRules, ExactErrorPositions) {
  const char* text = R"x(groups:
  - name: g
    rules:
      - alert: A
        expr: up == == 1
        labels: {severity: P1}
        bogus: 1
      - alert: B
        expr: "rate(up)"
        labels: {severity: P9}
)x";
  std::vector<std::string> errors = Errors(text, RuleFormat::kYaml);
  ASSERT_EQ(errors.size(), 4u) << ::testing::PrintToString(errors);
  EXPECT_EQ(errors[0],
            "r.toml:7:9: unknown key \"bogus\" in rule (expected alert, record, expr, for, "
            "keep_firing_for, labels, annotations)");
  EXPECT_TRUE(errors[1].starts_with("r.toml:5:21: parse error in expr at 1:7: ")) << errors[1];
  EXPECT_EQ(errors[2],
            "r.toml:8:9: alert \"B\": severity must be one of P1, P2, P3, P4, got \"P9\"");
  EXPECT_TRUE(errors[3].starts_with("r.toml:9:21: parse error in expr at 1:6: ")) << errors[3];
}

TEST(YamlRules, BlockScalarExprPosition) {
  const char* text =
      "groups:\n  - name: g\n    rules:\n      - alert: A\n        labels: {severity: "
      "P1}\n        expr: |\n          up\n            and (\n";
  std::vector<std::string> errors = Errors(text, RuleFormat::kYaml);
  ASSERT_EQ(errors.size(), 1u);
  EXPECT_TRUE(errors[0].starts_with("r.toml:8:")) << errors[0];
}

TEST(YamlRules, UnknownTopLevelAndGroupKeys) {
  std::vector<std::string> errors =
      Errors("groups:\n  - name: g\n    rulez: []\nextra: 1\n", RuleFormat::kYaml);
  ASSERT_EQ(errors.size(), 2u);
  EXPECT_EQ(errors[0],
            "r.toml:3:5: unknown key \"rulez\" in group (expected name, interval, limit, rules)");
  EXPECT_EQ(errors[1], "r.toml:4:1: unknown key \"extra\" (expected groups)");
}

TEST(RuleFiles, LoadThrowsFirstErrorAndValidateReturnsAll) {
  EXPECT_THROW(LoadRuleFiles({"/nonexistent/rules.toml"}), RuleError);
  std::vector<RuleError> errors = ValidateRuleFiles({"/nonexistent/a.toml", "/nonexistent/b.yml"});
  EXPECT_EQ(errors.size(), 2u);
}

TEST(DefaultRules, ParseAndCoverEverySeverity) {
  RuleSet rs = DefaultRuleSet();
  EXPECT_GE(rs.AlertCount(), 14u);
  std::set<std::string> severities;
  for (const Rule& r : rs.rules) {
    severities.insert(r.severity);
    EXPECT_TRUE(r.annotations.count("summary")) << r.alert;
    EXPECT_TRUE(r.annotations.count("playbook")) << r.alert;
    EXPECT_TRUE(r.annotations.count("runbook_url")) << r.alert;
    EXPECT_TRUE(r.labels.count("component")) << r.alert;
  }
  EXPECT_EQ(severities, (std::set<std::string>{"P1", "P2", "P3", "P4"}));
  EXPECT_EQ(LoadConfiguredRules({}).rules.size(), rs.rules.size());
}

TEST(Durations, ParseAndFormat) {
  EXPECT_EQ(ParseRuleDuration("1h30m"), 5400000);
  EXPECT_EQ(ParseRuleDuration("250ms"), 250);
  EXPECT_EQ(ParseRuleDuration("0"), 0);
  EXPECT_EQ(ParseRuleDuration("30m1h"), -1);
  EXPECT_EQ(ParseRuleDuration("5"), -1);
  EXPECT_EQ(FormatRuleDuration(5400000), "1h30m");
  EXPECT_EQ(FormatRuleDuration(14 * 86400000LL), "2w");
  EXPECT_EQ(FormatRuleDuration(0), "0s");
}

}  // namespace
}  // namespace fxagent::alerting
