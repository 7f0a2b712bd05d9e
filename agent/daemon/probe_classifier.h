/// Turns one round of probe results into the severity the runbook's matrix assigns
/// (DOMAIN.md). The single place `check`, /api/v1/status and the demo classify with, until
/// the rule engine replaces it.
///
/// Why it lives beside the rules rather than in them: `check` runs every probe once and
/// must answer at once, but most rules need history (rates, `for:` durations) that one
/// round cannot give; and /api/v1/status reports the latest round, not alert states. It
/// sits in agent/daemon (not probes/) because sources never decide severity. Pure and
/// thread-safe.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <vector>

#include "agent/base/severity.h"
#include "probes/probe_result.h"

namespace fxagent {

struct Finding {
  Severity severity = Severity::kNone;  // kNone = informational
  std::string component;                // api, status_page, subscription, key, ratelimit, network
  std::string summary;
};

struct Classification {
  Severity worst = Severity::kNone;
  std::vector<Finding> findings;
};

struct ClassifierInput {
  std::vector<ProbeResult> results;
  std::optional<std::chrono::system_clock::time_point> key_expires_at;
  std::chrono::system_clock::time_point now = std::chrono::system_clock::now();
  std::chrono::milliseconds slow_threshold{2000};
  std::chrono::hours key_warning{14 * 24};
  double min_headroom = 0.10;
};

Classification ClassifyProbeResults(const ClassifierInput& input);

}  // namespace fxagent
