/// `flexport-agent demo`: starts flexport-sim and the agent wired to it, walks the
/// simulator through incident scenarios and prints what the agent sees for each.
#pragma once

#include <string>

#include "agent/base/logger.h"

namespace fxagent {

int RunDemo(const std::string& sim_path, int step_seconds, Logger& log);

}  // namespace fxagent
