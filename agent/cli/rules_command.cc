// `flexport-agent rules export|test`: the rules as a Prometheus rule file, and
// promtool-format rule unit tests.
#include <iostream>

#include "agent/cli/cli.h"
#include "agent/cli/command.h"
#include "rules/alerting/export.h"
#include "rules/alerting/rule_loader.h"
#include "rules/alerting/rule_test_runner.h"

namespace fxagent::cli {
namespace {

int Export(const CommonOptions& opts) {
  // Without -c the built-in rules are exported: no secrets are needed for that.
  std::vector<std::string> files;
  if (!opts.config_file.empty()) {
    auto config = LoadConfig(opts);
    if (!config) return kExitConfig;
    files = config->rules.files;
  }
  try {
    std::cout << alerting::ExportPrometheusRules(alerting::LoadConfiguredRules(files));
  } catch (const alerting::RuleError& e) {
    std::cerr << e.what() << "\n";
    return kExitConfig;
  }
  return 0;
}

}  // namespace

Subcommands AddRulesCommand(CLI::App& app) {
  auto export_opts = std::make_shared<CommonOptions>();
  auto test_files = std::make_shared<std::vector<std::string>>();
  CLI::App* rules = AddGroup(app, "rules", "alert rule tools");
  rules->set_version_flag("--version", VersionText());
  CLI::App* exp = rules->add_subcommand("export", "print the rules as a Prometheus rule file");
  AddCommon(exp, *export_opts);
  CLI::App* test = rules->add_subcommand("test", "run promtool-format rule unit tests");
  test->add_option("files", *test_files, "promtool test files")->required();
  test->set_version_flag("--version", VersionText());
  return {{exp, [export_opts] { return Export(*export_opts); }},
          {test, [test_files] { return alerting::RunRuleTestsCommand(*test_files, std::cout); }}};
}

}  // namespace fxagent::cli
