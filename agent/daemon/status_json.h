/// JSON renderings of probe results and classifications, shared by /api/v1/status and
/// `check --json`. Pure.
#pragma once

#include <nlohmann/json.hpp>
#include <vector>

#include "agent/daemon/probe_classifier.h"
#include "probes/probe_result.h"

namespace fxagent {

nlohmann::json ProbeResultJson(const ProbeResult& r);
nlohmann::json ClassificationJson(const Classification& c);
/// probes, status_page, subscription, ratelimit, key expiry and the classification.
nlohmann::json ProbeOverviewJson(const std::vector<ProbeResult>& results,
                                 const ClassifierInput& input, const Classification& c);

}  // namespace fxagent
