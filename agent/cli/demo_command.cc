// `flexport-agent demo`: flexport-sim and the agent through incident scenarios.
#include "agent/cli/command.h"
#include "agent/demo/demo.h"

namespace fxagent::cli {

Subcommands AddDemoCommand(CLI::App& app) {
  struct DemoOptions {
    CommonOptions common;
    std::string sim;
    int step_seconds = 0;
  };
  auto o = std::make_shared<DemoOptions>();
  CLI::App* demo =
      app.add_subcommand("demo", "run flexport-sim and the agent through incident scenarios");
  AddCommon(demo, o->common, false);
  demo->add_option("--sim", o->sim, "path to the flexport-sim binary (default: next to this one)");
  demo->add_option("--step-seconds", o->step_seconds, "seconds to show each scenario (default 6)");
  return {{demo, [o] {
             Logger log = MakeLogger(o->common);
             return RunDemo(o->sim, o->step_seconds, log);
           }}};
}

}  // namespace fxagent::cli
