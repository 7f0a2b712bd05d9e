#include "agent/cli/cli.h"

#include "agent/cli/command.h"

namespace fxagent {

int RunCli(int argc, char** argv) {
  CLI::App app{"flexport-agent: watches a Flexport integration and pages the right person"};
  app.set_version_flag("--version", cli::VersionText());
  app.require_subcommand(1);

  // In the order `--help` lists them.
  cli::Subcommands leaves;
  for (auto add : {cli::AddRunCommand, cli::AddCheckCommand, cli::AddValidateCommand,
                   cli::AddRulesCommand, cli::AddWebhooksCommand, cli::AddSilenceCommand,
                   cli::AddAckCommand, cli::AddIncidentCommand, cli::AddDemoCommand}) {
    for (cli::Subcommand& leaf : add(app)) leaves.push_back(std::move(leaf));
  }

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e);
  }
  for (const cli::Subcommand& leaf : leaves) {
    if (*leaf.app) return leaf.run();
  }
  return 0;
}

}  // namespace fxagent
