/// Fills the prober table's options from the agent's [flexport] and [probes] sections, so
/// probes/ takes its own options and never includes agent/config. Pure.
#pragma once

#include "agent/config/config.h"
#include "probes/prober.h"

namespace fxagent {

ProberTableOptions ProberOptionsFromConfig(const Config& config);

}  // namespace fxagent
