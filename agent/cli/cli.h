/// The flexport-agent command line: run, check, validate, rules, webhooks, silence, ack,
/// incident and demo (one file each in agent/cli).
#pragma once

namespace fxagent {

/// Exit status for configuration errors (EX_CONFIG).
inline constexpr int kExitConfig = 78;

int RunCli(int argc, char** argv);

}  // namespace fxagent
