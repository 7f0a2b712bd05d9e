#include "agent/notify/receivers/slack_receiver.h"

#include <algorithm>
#include <nlohmann/json.hpp>
#include <set>

#include "agent/notify/incidents/playbooks.h"

namespace fxagent {
namespace {

using nlohmann::json;

struct Builder {
  json blocks = json::array();
  bool truncated = false;

  std::string Cut(const std::string& text, size_t max) {
    std::string out = TruncateText(text, max);
    if (out.size() != text.size()) truncated = true;
    return out;
  }
  void Header(const std::string& text) {
    blocks.push_back({{"type", "header"},
                      {"text", {{"type", "plain_text"}, {"text", Cut(text, kSlackHeaderMax)}}}});
  }
  void Section(const std::string& mrkdwn) {
    blocks.push_back({{"type", "section"},
                      {"text", {{"type", "mrkdwn"}, {"text", Cut(mrkdwn, kSlackSectionMax)}}}});
  }
  void Context(const std::string& mrkdwn) {
    blocks.push_back({{"type", "context"},
                      {"elements", json::array({{{"type", "mrkdwn"},
                                                 {"text", Cut(mrkdwn, kSlackSectionMax)}}})}});
  }
  void Divider() { blocks.push_back({{"type", "divider"}}); }
};

std::string HourMinute(TimePoint t) {
  std::string s = FormatUtcMinute(t);  // "YYYY-MM-DD HH:MM UTC"
  return s.substr(11);
}

TimePoint StartedAt(const Notification& n) {
  if (n.incident) return n.incident->started_at;
  TimePoint earliest = TimePoint::max();
  for (const Alert& a : n.alerts) earliest = std::min(earliest, a.starts_at);
  return n.alerts.empty() ? n.created_at : earliest;
}

std::string Labels(const Alert& a) {
  std::string out;
  for (const auto& [k, v] : a.labels) {
    if (!out.empty()) out += ", ";
    out += k;
    out += '=';
    out += v;
  }
  return out;
}

std::vector<const Playbook*> Playbooks(const Notification& n) {
  std::vector<const Playbook*> out;
  for (const Alert& a : n.alerts) {
    const Playbook* p = FindPlaybook(a.Annotation("playbook"));
    if (p != nullptr && std::find(out.begin(), out.end(), p) == out.end()) out.push_back(p);
  }
  return out;
}

std::string AlertSection(const Alert& a) {
  std::string out = std::string(a.Firing() ? ":red_circle: " : ":white_check_mark: ") + "*" +
                    a.Label("alertname") + "* (" + a.Label("severity") + ", " +
                    (a.Firing() ? "firing" : "resolved") + ")";
  if (!a.Annotation("summary").empty()) out += "\n" + a.Annotation("summary");
  if (!a.Annotation("description").empty()) out += "\n" + a.Annotation("description");
  if (!a.Annotation("runbook_url").empty()) out += "\nRunbook: " + a.Annotation("runbook_url");
  out += "\n`" + Labels(a) + "`";
  return out;
}

}  // namespace

std::string BuildSlackPayload(const Notification& n, bool* truncated) {
  Builder b;
  bool firing = n.FiringCount() > 0;
  bool outage = n.severity == "P1";
  std::string kind = outage ? "Outage" : "Degradation";
  std::string status = n.incident ? n.incident->status : (firing ? "Investigating" : "Resolved");
  if (!firing) status = "Resolved";
  TimePoint started = StartedAt(n);
  std::vector<const Playbook*> playbooks = Playbooks(n);

  std::string prefix;
  if (n.kind == NotificationKind::kRepeat) prefix = "[Reminder] ";
  if (n.kind == NotificationKind::kEscalation) prefix = "[Escalated] ";
  if (n.kind == NotificationKind::kIncidentUpdate) prefix = "[Update] ";
  std::string title = prefix + (firing ? ":rotating_light: " : ":white_check_mark: ") +
                      "Incident: Flexport Integration " + kind + " (" + n.severity + ")";
  b.Header(title);

  std::string impact = n.incident && !n.incident->impact.empty() ? n.incident->impact : "";
  if (impact.empty()) {
    impact = CommonAnnotations(n.alerts).count("impact") > 0
                 ? CommonAnnotations(n.alerts).at("impact")
                 : "Being assessed";
  }
  std::string action = n.incident ? n.incident->current_action : "";
  if (action.empty() && !playbooks.empty()) action = std::string(playbooks.front()->steps.front());
  if (action.empty()) action = "Investigating";

  std::string tmpl = "*Incident:* Flexport Integration " + kind + " — " + n.severity +
                     "\n*Status:* " + status + "\n*Started:* " + FormatUtcMinute(started) +
                     "\n*Impact:* " + impact;
  if (firing) {
    tmpl += "\n*Current action:* " + action;
    tmpl += "\n*Next update:* " + HourMinute(started + n.response_time);
  } else {
    TimePoint ended = started;
    if (n.incident && n.incident->resolved_at) {
      ended = *n.incident->resolved_at;
    } else {
      for (const Alert& a : n.alerts) ended = std::max(ended, a.ends_at.value_or(n.created_at));
    }
    tmpl += "\n*Resolved:* " + FormatUtcMinute(ended) + " (lasted " +
            FormatHumanDuration(
                std::chrono::duration_cast<std::chrono::milliseconds>(ended - started)) +
            ")";
  }
  b.Section(tmpl);

  // Firing alerts first, then resolved ones.
  std::vector<const Alert*> alerts;
  for (const Alert& a : n.alerts) {
    if (a.Firing()) alerts.push_back(&a);
  }
  for (const Alert& a : n.alerts) {
    if (!a.Firing()) alerts.push_back(&a);
  }

  // Reserve room for the divider, the playbooks and the context block.
  size_t reserved = 1 + (firing ? playbooks.size() : 0) + 1;
  size_t room = kSlackMaxBlocks - b.blocks.size() - reserved;
  size_t shown = std::min(alerts.size(), alerts.size() > room ? room - 1 : room);
  b.Divider();
  for (size_t i = 0; i < shown; ++i) b.Section(AlertSection(*alerts[i]));
  if (shown < alerts.size()) {
    b.truncated = true;
    b.Section("…and " + std::to_string(alerts.size() - shown) + " more alerts");
  }
  if (firing) {
    for (const Playbook* p : playbooks) {
      std::string text = "*Playbook: " + std::string(p->title) + "*";
      for (size_t i = 0; i < p->steps.size(); ++i) {
        text += "\n" + std::to_string(i + 1) + ". " + std::string(p->steps[i]);
      }
      b.Section(text);
    }
  }
  std::string ctx = "flexport-agent · " + std::string(NotificationKindName(n.kind));
  if (n.incident) ctx += " · incident #" + std::to_string(n.incident->id);
  b.Context(ctx);

  std::string text =
      std::string(firing ? "[FIRING:" + std::to_string(n.FiringCount()) + "] " : "[RESOLVED] ") +
      prefix + "Flexport Integration " + kind + " (" + n.severity + ")";
  for (const Alert* a : alerts) {
    text += " · " + a->Label("alertname");
    if (!a->Annotation("summary").empty()) text += ": " + a->Annotation("summary");
  }
  json out = {{"text", b.Cut(text, kSlackSectionMax)}, {"blocks", b.blocks}};
  if (truncated != nullptr) *truncated = b.truncated;
  return out.dump();
}

std::vector<NotifyRequest> SlackReceiver::Build(const Notification& n, TimePoint) const {
  std::vector<NotifyRequest> out;
  std::string body = BuildSlackPayload(n);
  for (const std::string& url : config_.urls) {
    out.push_back({url, body, {{"Content-Type", "application/json"}}});
  }
  return out;
}

Verdict SlackReceiver::Classify(int s) const {
  if (s == 200) return Verdict::kSent;
  if (s == 0 || s == 429 || s >= 500) return Verdict::kRetry;
  return Verdict::kFinal;  // invalid payload, revoked or unknown webhook
}

}  // namespace fxagent
