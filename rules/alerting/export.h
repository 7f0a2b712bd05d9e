/// Exports a RuleSet as a Prometheus rule file (YAML): one group `flexport-agent`,
/// severity as a label, `for`, `keep_firing_for`, labels and annotations, so a central
/// Prometheus can evaluate the same rules. Thread-safety: pure function.
#pragma once

#include <string>

#include "rules/alerting/rule.h"

namespace fxagent::alerting {

inline constexpr const char* kExportGroupName = "flexport-agent";

std::string ExportPrometheusRules(const RuleSet& rules);

}  // namespace fxagent::alerting
