// `flexport-agent validate`: the configuration and every rule file, without starting.
#include <iostream>

#include "agent/cli/cli.h"
#include "agent/cli/command.h"
#include "rules/alerting/rule_loader.h"

namespace fxagent::cli {
namespace {

int Validate(const CommonOptions& opts) {
  const auto errors = opts.config_file.empty()
                          ? ValidateConfigText(DefaultConfigText(), "<default>")
                          : ValidateConfigFile(opts.config_file);
  for (const auto& e : errors) std::cerr << e.what() << "\n";
  if (!errors.empty()) return kExitConfig;
  auto config = LoadConfig(opts);
  if (!config) return kExitConfig;
  const auto rule_errors = alerting::ValidateRuleFiles(config->rules.files);
  for (const auto& e : rule_errors) std::cerr << e.what() << "\n";
  if (!rule_errors.empty()) return kExitConfig;
  std::cout << (opts.config_file.empty() ? "<default>" : opts.config_file)
            << ": configuration is valid\n";
  return 0;
}

}  // namespace

Subcommands AddValidateCommand(CLI::App& app) {
  auto opts = std::make_shared<CommonOptions>();
  CLI::App* validate = app.add_subcommand("validate", "check configuration and rule files");
  AddCommon(validate, *opts);
  return {{validate, [opts] { return Validate(*opts); }}};
}

}  // namespace fxagent::cli
