#include "agent/notify/incidents/incident_report.h"

#include <algorithm>
#include <cctype>

#include "agent/notify/incidents/playbooks.h"

namespace fxagent {
namespace {

std::string Lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return s;
}

bool Mentions(const Incident& i, std::initializer_list<std::string_view> words) {
  std::vector<std::string> haystack;
  for (const std::string& n : i.alertnames) haystack.push_back(Lower(n));
  for (const std::string& c : i.components) haystack.push_back(Lower(c));
  for (const std::string& h : haystack) {
    for (std::string_view w : words) {
      if (h.find(w) != std::string::npos) return true;
    }
  }
  return false;
}

std::string Since(TimePoint from, std::optional<TimePoint> to) {
  if (!to) return "—";
  return FormatHumanDuration(std::chrono::duration_cast<std::chrono::milliseconds>(*to - from));
}

std::string Opt(const std::optional<TimePoint>& t) { return t ? FormatUtcMinute(*t) : "—"; }

}  // namespace

std::string ProbableRootCause(const Incident& i) {
  std::vector<std::string> causes;
  if (Mentions(i, {"auth", "key", "401", "403", "credential", "token"})) {
    causes.push_back("API key problem (expired, revoked or compromised key)");
  }
  if (Mentions(i, {"webhook", "gap", "subscription", "deadletter", "dead_letter"})) {
    causes.push_back("Webhook endpoint failure (events not arriving or not processed)");
  }
  if (Mentions(i, {"ratelimit", "rate_limit", "429", "throttl"})) {
    causes.push_back("Rate limiting by the Flexport API");
  }
  if (Mentions(i, {"apidown", "outage", "5xx", "statuspage", "status_page", "unavailable",
                   "servererror", "probefail"}) ||
      (causes.empty() && i.components.contains("api"))) {
    causes.push_back("Flexport outage (API or platform unavailable or degraded)");
  }
  if (causes.empty()) return "Undetermined from the alerts; see the timeline";
  std::string out;
  for (const std::string& c : causes) out += (out.empty() ? "" : "; ") + c;
  return out;
}

std::string RenderIncidentReport(const Incident& i, const std::vector<TimelineEntry>& timeline,
                                 TimePoint now) {
  std::string md;
  md += "# Post-incident report: incident #" + std::to_string(i.id) + " — " + i.Title() + " (" +
        i.severity + ")\n\n";
  md += "| | |\n|---|---|\n";
  md += "| Status | " + IncidentStatusName(i.status) + " |\n";
  md += "| Started | " + FormatUtcMinute(i.started_at) + " |\n";
  md += "| Detected (first notification) | " + Opt(i.notified_at) + " |\n";
  md += "| Acknowledged | " + Opt(i.acknowledged_at) + " |\n";
  md += "| Resolved | " + Opt(i.resolved_at) + " |\n";
  md += "| Time to detect | " + Since(i.started_at, i.notified_at) + " |\n";
  md += "| Time to acknowledge | " + Since(i.started_at, i.acknowledged_at) + " |\n";
  md += "| Time to resolve | " + Since(i.started_at, i.resolved_at) + " |\n";
  if (!i.resolved_at) md += "| Open for | " + Since(i.started_at, now) + " |\n";
  std::string alerts, components;
  for (const std::string& a : i.alertnames) alerts += (alerts.empty() ? "" : ", ") + a;
  for (const std::string& c : i.components) components += (components.empty() ? "" : ", ") + c;
  md += "| Alerts | " + (alerts.empty() ? "—" : alerts) + " |\n";
  md += "| Components | " + (components.empty() ? "—" : components) + " |\n\n";

  md += "## Impact\n\n" + (i.impact.empty() ? std::string("Not recorded.") : i.impact) + "\n\n";
  md += "## Probable root cause\n\n" + ProbableRootCause(i) + "\n\n";
  if (!i.current_action.empty()) md += "## Last action\n\n" + i.current_action + "\n\n";
  md += "## Timeline (UTC)\n\n";
  for (const TimelineEntry& e : timeline) {
    std::string at = FormatRfc3339(e.at);
    md +=
        "- " + at.substr(0, 10) + " " + at.substr(11, 8) + " — **" + e.kind + "** " + e.text + "\n";
  }
  if (timeline.empty()) md += "- (no events recorded)\n";
  md += "\n## Post-incident checklist\n\n";
  for (std::string_view step : PostIncidentChecklist()) md += "- [ ] " + std::string(step) + "\n";
  return md;
}

}  // namespace fxagent
