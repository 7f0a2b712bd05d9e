/// The flexport-sim command line: parses flags, runs a SimServer until SIGTERM/SIGINT.
/// Call once from main(); it blocks those signals in the calling thread.
#pragma once

namespace fxagent::sim {

/// Returns the process exit status: 0 on clean shutdown, 2 on a usage error, 1 when
/// the listener cannot be bound or the port file cannot be written.
int SimMain(int argc, char** argv);

}  // namespace fxagent::sim
