/// The Markdown post-incident report (GET /api/v1/incidents/{id}/report): timeline, time
/// to detect / acknowledge / resolve, impact, probable root cause and the runbook's
/// post-incident checklist. Pure functions.
#pragma once

#include <string>
#include <vector>

#include "agent/notify/incidents/incident.h"

namespace fxagent {

/// "Flexport outage", "API key problem", "Webhook endpoint failure", "Rate limiting"
/// (several joined by "; "), from the incident's alert names and components.
std::string ProbableRootCause(const Incident& incident);

/// `now` is used for the durations of an incident that is still open.
std::string RenderIncidentReport(const Incident& incident,
                                 const std::vector<TimelineEntry>& timeline, TimePoint now);

}  // namespace fxagent
