/// `flexport-agent check`: every probe once, a table (or JSON) and the severity it would
/// page with. Returns the exit status: 0 healthy, 1..4 the most urgent severity found.
#pragma once

#include "agent/base/logger.h"
#include "agent/config/config.h"

namespace fxagent {

int RunCheck(const Config& config, bool json_output, Logger& log);

}  // namespace fxagent
