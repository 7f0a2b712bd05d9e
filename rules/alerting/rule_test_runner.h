/// Runs rule unit tests in promtool's format (`promtool test rules`) with the agent's own
/// engine: rule_files (relative to the test file; TOML or YAML), evaluation_interval,
/// tests[] with interval, input_series (expanding notation), alert_rule_test and
/// promql_expr_test. Backs `flexport-agent rules test FILE...`.
/// Thread-safety: pure functions (file reads only); each run uses its own store.
#pragma once

#include <ostream>
#include <string>
#include <vector>

namespace fxagent::alerting {

struct RuleTestResult {
  std::string file;
  bool ok = false;
  std::vector<std::string> failures;  ///< promtool-style failure descriptions
};

std::vector<RuleTestResult> RunRuleTests(const std::vector<std::string>& test_files);

/// Runs the files and prints promtool's report (`Unit Testing:  FILE` then `  SUCCESS`
/// or `  FAILED:` with details). Returns the exit status: 0 all passed, 1 otherwise.
int RunRuleTestsCommand(const std::vector<std::string>& test_files, std::ostream& out);

}  // namespace fxagent::alerting
