#include "rules/alerting/export.h"

#include <gtest/gtest.h>

#include "rules/alerting/rule_loader.h"

namespace fxagent::alerting {
namespace {

void ExpectSameRules(const RuleSet& a, const RuleSet& b) {
  ASSERT_EQ(a.rules.size(), b.rules.size());
  for (size_t i = 0; i < a.rules.size(); ++i) {
    const Rule& x = a.rules[i];
    const Rule& y = b.rules[i];
    EXPECT_EQ(x.alert, y.alert);
    EXPECT_EQ(x.record, y.record);
    EXPECT_EQ(x.severity, y.severity);
    EXPECT_EQ(x.expr->ToString(), y.expr->ToString()) << x.Name();
    EXPECT_EQ(x.for_ms, y.for_ms);
    EXPECT_EQ(x.keep_firing_for_ms, y.keep_firing_for_ms);
    EXPECT_EQ(x.labels, y.labels);
    EXPECT_EQ(x.annotations, y.annotations);
  }
}

TEST(Export, DefaultRulesRoundTrip) {
  RuleSet rules = DefaultRuleSet();
  std::string yaml = ExportPrometheusRules(rules);
  EXPECT_NE(yaml.find("  - name: flexport-agent\n"), std::string::npos);
  EXPECT_NE(yaml.find("          severity: 'P1'\n"), std::string::npos);
  ExpectSameRules(rules, ParseRules(yaml, "export.yml", RuleFormat::kYaml));
}

TEST(Export, QuotingMultiLineAndRecordingRules) {
  RuleSet rules = ParseRules(R"x([[rules]]
record = "job:up:sum"
expr = "sum by (job) (up)"

[[rules]]
alert = "It's: tricky"
severity = "P2"
expr = '''
job:up:sum
  == 0'''
for = "1h30m"
annotations = { summary = "it's {{ $labels.job }}: 'quoted' # not a comment" }
)x",
                             "r.toml", RuleFormat::kToml);
  std::string yaml = ExportPrometheusRules(rules);
  EXPECT_NE(yaml.find("for: 1h30m"), std::string::npos);
  ExpectSameRules(rules, ParseRules(yaml, "export.yml", RuleFormat::kYaml));
  // An empty rule set still exports a valid (empty) group.
  EXPECT_TRUE(
      ParseRules(ExportPrometheusRules(RuleSet{}), "e.yml", RuleFormat::kYaml).rules.empty());
}

// Names and values that a naive exporter writes as YAML that does not load back, or loads
// back as something else: a trailing ':' (a mapping key), keywords, numbers, control
// characters, white space at line ends and surrounding a value (found by fuzz_rules_toml).
TEST(Export, AwkwardNamesAndValuesLoadBackUnchanged) {
  RuleSet rules = ParseRules(R"x([[rules]]
alert = "FlexportStatusPageMajor:"
severity = "P1"
expr = "up == 0"

[[rules]]
alert = "true"
severity = "P2"
expr = "up == 0"

[[rules]]
alert = "123"
severity = "P3"
expr = "up == 0"

[[rules]]
alert = "- dash"
severity = "P4"
expr = "up == 0"
labels = { team = "  padded  ", empty = "", yes = "no" }
annotations = { bell = "a\u0007b\rc\u000b\u000c\u0001\u007f\u0008", trailing = "line one  \nline two", lead = "  x\ny", nl = "ends\n", tab = "a\tb", quote = "say \"hi\" \\ 'there'" }

[[rules]]
record = "job:up:sum"
expr = "sum by (job) (up)"
)x",
                             "r.toml", RuleFormat::kToml);
  ASSERT_EQ(rules.rules.size(), 5U);
  std::string yaml = ExportPrometheusRules(rules);
  EXPECT_NE(yaml.find("- alert: 'FlexportStatusPageMajor:'\n"), std::string::npos) << yaml;
  EXPECT_NE(yaml.find("- alert: 'true'\n"), std::string::npos) << yaml;
  EXPECT_NE(yaml.find("- record: job:up:sum\n"), std::string::npos) << yaml;
  ExpectSameRules(rules, ParseRules(yaml, "export.yml", RuleFormat::kYaml));
}

}  // namespace
}  // namespace fxagent::alerting
