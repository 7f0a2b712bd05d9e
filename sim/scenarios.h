/// The named incident presets of POST /_sim/scenario/{name}: each one a SimConfig derived
/// from the healthy baseline. Pure; thread-safe.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "sim/iso_time.h"
#include "sim/sim_state.h"

namespace fxagent::sim {

const std::vector<std::string>& ScenarioNames();

/// The configuration of scenario `name` starting from `baseline`, or nullopt if unknown.
/// ("rate_limited" also needs the bucket drained; SimState::ApplyScenario does that.)
std::optional<SimConfig> ScenarioConfig(std::string_view name, const SimConfig& baseline,
                                        WallTime now);

}  // namespace fxagent::sim
