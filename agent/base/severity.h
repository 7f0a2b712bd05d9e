/// The incident runbook's severities P1 (critical) .. P4 (low), and "none" for healthy.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace fxagent {

enum class Severity { kNone = 0, kP1 = 1, kP2 = 2, kP3 = 3, kP4 = 4 };

/// "P1".."P4", or "none".
std::string SeverityName(Severity s);
std::optional<Severity> ParseSeverity(std::string_view s);
/// The more urgent of two severities (kNone is the least urgent).
Severity MoreUrgent(Severity a, Severity b);
/// Orders `severity` label values by urgency: 1 for "P1" .. 4 for "P4", 5 for anything
/// else (empty or unknown), so the smaller rank is the more urgent.
int SeverityRank(std::string_view label);

}  // namespace fxagent
