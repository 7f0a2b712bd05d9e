// rules_tool: the conformance helper behind ctest.
//   rules_tool export                 prints the default rules as a Prometheus rule file
//   rules_tool check-export FILE      fails when FILE differs from the export
//   rules_tool test FILE...           runs promtool-format rule tests with our engine
#include <fstream>
#include <iostream>
#include <sstream>
#include <string>
#include <vector>

#include "rules/alerting/export.h"
#include "rules/alerting/rule_loader.h"
#include "rules/alerting/rule_test_runner.h"

int main(int argc, char** argv) {
  using namespace fxagent::alerting;
  std::vector<std::string> args(argv + 1, argv + argc);
  try {
    if (args.size() == 1 && args[0] == "export") {
      std::cout << ExportPrometheusRules(DefaultRuleSet());
      return 0;
    }
    if (args.size() == 2 && args[0] == "check-export") {
      std::ifstream in(args[1], std::ios::binary);
      std::ostringstream text;
      text << in.rdbuf();
      if (!in || text.str() != ExportPrometheusRules(DefaultRuleSet())) {
        std::cerr << args[1] << " is stale: regenerate it with `rules_tool export > " << args[1]
                  << "` (or `flexport-agent rules export`)\n";
        return 1;
      }
      std::cout << args[1] << " matches the export of rules/default.toml\n";
      return 0;
    }
    if (args.size() >= 2 && args[0] == "test") {
      return RunRuleTestsCommand(std::vector<std::string>(args.begin() + 1, args.end()), std::cout);
    }
  } catch (const RuleError& e) {
    std::cerr << e.what() << "\n";
    return 1;
  }
  std::cerr << "usage: rules_tool export | check-export FILE | test FILE...\n";
  return 2;
}
