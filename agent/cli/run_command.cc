// `flexport-agent run`: the daemon, until SIGTERM or SIGINT.
#include "agent/cli/cli.h"
#include "agent/cli/command.h"
#include "agent/daemon/daemon.h"

namespace fxagent::cli {

Subcommands AddRunCommand(CLI::App& app) {
  auto opts = std::make_shared<CommonOptions>();
  CLI::App* run = app.add_subcommand("run", "run the daemon");
  AddCommon(run, *opts);
  return {{run, [opts] {
             Logger log = MakeLogger(*opts);
             auto config = LoadConfig(*opts);
             if (!config) return kExitConfig;
             return RunDaemonUntilSignal(std::move(*config), log);
           }}};
}

}  // namespace fxagent::cli
