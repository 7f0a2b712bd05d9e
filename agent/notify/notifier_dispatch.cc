// Routing, grouping, muting, flushing and escalation: the Notifier's decisions.
#include <algorithm>
#include <nlohmann/json.hpp>

#include "agent/base/severity.h"
#include "agent/notify/notifier_impl.h"
#include "agent/notify/receivers/alertmanager_receiver.h"

namespace fxagent {
namespace {

std::string MostUrgent(const std::vector<const Alert*>& alerts) {
  std::string best;
  for (const Alert* a : alerts) {
    std::string s = a->Label("severity");
    if (best.empty() || SeverityRank(s) < SeverityRank(best)) best = s;
  }
  return best;
}

std::string Quoted(const std::string& v) {
  nlohmann::json j = v;
  return j.dump();
}

}  // namespace

std::vector<size_t> Notifier::Impl::MatchRoutes(const LabelSet& labels) const {
  std::vector<size_t> out;
  auto sev = labels.find("severity");
  std::string severity = sev == labels.end() ? "" : sev->second;
  for (size_t i = 0; i < routes.size(); ++i) {
    const RouteConfig& c = routes[i].config;
    if (!c.severities.empty() &&
        std::find(c.severities.begin(), c.severities.end(), severity) == c.severities.end()) {
      continue;
    }
    if (!MatchesAll(routes[i].matchers, labels)) continue;
    out.push_back(i);
    if (!c.continue_matching) break;
  }
  return out;
}

std::string Notifier::Impl::GroupKey(size_t route, const LabelSet& labels,
                                     LabelSet* group_labels) const {
  const std::vector<std::string>& by = routes[route].config.group_by;
  bool all = std::find(by.begin(), by.end(), "...") != by.end();
  LabelSet g;
  for (const auto& [k, v] : labels) {
    if (all || std::find(by.begin(), by.end(), k) != by.end()) g[k] = v;
  }
  std::string key = "{}/route" + std::to_string(route) + ":{";
  bool first = true;
  for (const auto& [k, v] : g) {
    key += (first ? "" : ", ") + k + "=" + Quoted(v);
    first = false;
  }
  if (group_labels != nullptr) *group_labels = std::move(g);
  return key + "}";
}

std::chrono::milliseconds Notifier::Impl::ResponseTime(const std::string& severity) const {
  if (severity == "P1") return config.severity.p1;
  if (severity == "P2") return config.severity.p2;
  if (severity == "P3") return config.severity.p3;
  return config.severity.p4;
}

std::vector<const LabelSet*> Notifier::Impl::FiringLabelSets() const {
  std::vector<const LabelSet*> out;
  std::set<std::string> seen;
  for (const auto& [key, g] : groups) {
    for (const auto& [fp, a] : g.alerts) {
      if (a.Firing() && seen.insert(fp).second) out.push_back(&a.labels);
    }
  }
  return out;
}

bool Notifier::Impl::Muted(const Alert& a, const std::vector<const LabelSet*>& firing,
                           TimePoint now, std::vector<std::string>* silenced_by,
                           bool* inhibited) const {
  bool muted = false;
  for (const Silence& s : silences) {
    if (s.Mutes(a.labels, now)) {
      muted = true;
      if (silenced_by != nullptr) silenced_by->push_back(s.id);
    }
  }
  bool inh = inhibitor && inhibitor->Inhibited(a.labels, firing);
  if (inhibited != nullptr) *inhibited = inh;
  return muted || inh;
}

bool Notifier::Impl::AllAcked(const std::vector<std::string>& fps) const {
  for (const std::string& fp : fps) {
    if (!acks.contains(fp)) return false;
  }
  return true;
}

void Notifier::Impl::UpdateLocked(const std::vector<Alert>& input, TimePoint now) {
  std::set<std::string> present;
  for (const Alert& in : input) {
    std::string fp = in.Fingerprint();
    if (in.Firing()) present.insert(fp);
    for (size_t route : MatchRoutes(in.labels)) {
      LabelSet group_labels;
      std::string key = GroupKey(route, in.labels, &group_labels);
      auto git = groups.find(key);
      if (git == groups.end()) {
        if (!in.Firing()) continue;  // resolved before we ever saw it firing
        Group g;
        g.key = key;
        g.route = route;
        g.group_labels = std::move(group_labels);
        git = groups.emplace(key, std::move(g)).first;
      }
      Group& g = git->second;
      auto ait = g.alerts.find(fp);
      bool was_firing = ait != g.alerts.end() && ait->second.Firing();
      if (in.Firing()) {
        if (!was_firing && !firing_now.contains(fp) && acks.erase(fp) > 0) store->DeleteAck(fp);
        if (!was_firing && g.incident_id != 0 && incidents[g.incident_id].Open()) {
          AddTimeline(g.incident_id, now, "fired", in.Label("alertname") + " is firing");
        }
        g.alerts[fp] = in;
      } else if (was_firing) {
        Alert resolved = in;
        if (!resolved.ends_at) resolved.ends_at = now;
        ait->second = std::move(resolved);
      }
    }
  }
  // A firing alert the rule engine no longer reports has resolved.
  for (auto& [key, g] : groups) {
    for (auto& [fp, a] : g.alerts) {
      if (a.Firing() && !present.contains(fp)) {
        a.state = Alert::State::kResolved;
        a.ends_at = now;
      }
    }
  }
  for (const std::string& fp : firing_now) {
    if (!present.contains(fp) && acks.erase(fp) > 0) store->DeleteAck(fp);
  }
  firing_now = std::move(present);
  TickLocked(now);
}

void Notifier::Impl::AddTimeline(int64_t incident_id, TimePoint at, std::string kind,
                                 std::string text) {
  if (incident_id == 0) return;
  store->AddTimeline(incident_id, TimelineEntry{at, std::move(kind), std::move(text)});
}

void Notifier::Impl::OpenOrUpdateIncident(Group& g, const std::vector<std::string>& active,
                                          TimePoint now) {
  const Route& route = routes[g.route];
  Incident* inc = nullptr;
  if (g.incident_id != 0 && incidents.contains(g.incident_id)) inc = &incidents[g.incident_id];
  bool reopened = false;
  if (inc != nullptr && !inc->Open()) {
    // Flap damping: re-firing within group_interval of the resolution continues it.
    if (inc->resolved_at && now - *inc->resolved_at < route.config.group_interval) {
      inc->status = IncidentStatus::kInvestigating;
      inc->resolved_at.reset();
      reopened = true;
      AddTimeline(inc->id, now, "reopened", "alerts fired again within group_interval");
    } else {
      inc = nullptr;
    }
  }
  bool changed = reopened;
  if (inc == nullptr) {
    Incident fresh;
    fresh.group_key = g.key;
    fresh.opened_at = now;
    fresh.started_at = now;
    fresh.impact = impact;
    fresh.receivers = route.config.receivers;
    store->SaveIncident(fresh);
    incidents[fresh.id] = fresh;
    inc = &incidents[fresh.id];
    g.incident_id = fresh.id;
    changed = true;
    for (const std::string& fp : active) {
      const Alert& a = g.alerts.at(fp);
      AddTimeline(inc->id, std::min(a.starts_at, now), "fired",
                  a.Label("alertname") + " is firing" +
                      (a.Annotation("summary").empty() ? "" : ": " + a.Annotation("summary")));
    }
    AddTimeline(inc->id, now, "opened", "incident opened, status Investigating");
    if (status_page_unresolved) {
      inc->status = IncidentStatus::kIdentified;
      AddTimeline(inc->id, now, "status",
                  "Identified: the Flexport status page lists an unresolved incident");
    }
  }
  std::vector<const Alert*> alerts;
  alerts.reserve(active.size());
  for (const std::string& fp : active) alerts.push_back(&g.alerts.at(fp));
  std::string sev = MostUrgent(alerts);
  if (inc->severity.empty() || SeverityRank(sev) < SeverityRank(inc->severity)) {
    inc->severity = sev;
    changed = true;
  }
  for (const Alert* a : alerts) {
    if (a->starts_at < inc->started_at) {
      inc->started_at = a->starts_at;
      changed = true;
    }
    changed |= inc->alertnames.insert(a->Label("alertname")).second;
    if (!a->Label("component").empty()) {
      changed |= inc->components.insert(a->Label("component")).second;
    }
  }
  if (changed) store->SaveIncident(*inc);
}

Notification Notifier::Impl::MakeNotification(const Group& g, NotificationKind kind,
                                              const std::vector<std::string>& fps,
                                              TimePoint now) const {
  Notification n;
  n.kind = kind;
  n.group_key = g.key;
  n.group_labels = g.group_labels;
  n.created_at = now;
  std::vector<const Alert*> ptrs;
  for (const std::string& fp : fps) {
    n.alerts.push_back(g.alerts.at(fp));
    ptrs.push_back(&g.alerts.at(fp));
  }
  n.severity = MostUrgent(ptrs);
  n.response_time = ResponseTime(n.severity);
  auto it = incidents.find(g.incident_id);
  if (it != incidents.end()) {
    const Incident& i = it->second;
    n.incident = IncidentSnapshot{i.id,         IncidentStatusName(i.status),
                                  i.impact,     i.current_action,
                                  i.started_at, i.resolved_at};
  }
  return n;
}

void Notifier::Impl::Flush(Group& g, NotificationKind kind, const std::vector<std::string>& fps,
                           const std::vector<std::string>& to, TimePoint now) {
  const Route& route = routes[g.route];
  Notification n = MakeNotification(g, kind, fps, now);
  // A standby replica queues nothing (the leader sends) but keeps the same timeline, so
  // the incident stays whole on whichever replica leads next.
  for (const std::string& r : to) {
    if (!delivering) break;
    n.receiver = r;
    // Queued in memory even when the database cannot be written (the storage health
    // metric and log report that); persisted once it can.
    outbox->Enqueue(n, route.config.fallback, now);
  }
  std::string list;
  for (const std::string& r : to) list += (list.empty() ? "" : ", ") + r;
  AddTimeline(g.incident_id, now, std::string(NotificationKindName(kind)),
              "sent to " + list + " (" + std::to_string(n.FiringCount()) + " firing, " +
                  std::to_string(n.alerts.size() - n.FiringCount()) + " resolved)");
  auto it = incidents.find(g.incident_id);
  if (it != incidents.end() && !it->second.notified_at) {
    it->second.notified_at = now;
    store->SaveIncident(it->second);
  }
  WakeSender();
}

std::chrono::milliseconds Notifier::Impl::RepeatInterval(
    const Group& g, const std::vector<std::string>& fps) const {
  const RouteConfig& rc = routes[g.route].config;
  if (rc.repeat_interval) return *rc.repeat_interval;
  std::vector<const Alert*> alerts;
  alerts.reserve(fps.size());
  for (const std::string& fp : fps) alerts.push_back(&g.alerts.at(fp));
  return ResponseTime(MostUrgent(alerts));
}

GroupTick Notifier::Impl::ClassifyGroup(Group& g, const std::vector<const LabelSet*>& firing,
                                        TimePoint now) const {
  GroupTick t;
  for (const auto& [fp, a] : g.alerts) {
    if (a.Firing()) {
      t.any_firing.push_back(fp);
      if (!Muted(a, firing, now, nullptr, nullptr)) t.active.push_back(fp);
    } else if (g.notified.contains(fp) && g.notified[fp]) {
      t.resolved_pending.push_back(fp);
    }
  }
  return t;
}

void Notifier::Impl::TrackIncident(Group& g, const GroupTick& t, TimePoint now) {
  if (!t.active.empty()) {
    OpenOrUpdateIncident(g, t.active, now);
    if (!g.first_seen) g.first_seen = now;
  } else {
    g.first_seen.reset();
    g.escalated = false;
  }
  auto inc = incidents.find(g.incident_id);
  if (t.any_firing.empty() && inc != incidents.end() && inc->second.Open()) {
    inc->second.status = IncidentStatus::kResolved;
    inc->second.resolved_at = now;
    store->SaveIncident(inc->second);
    AddTimeline(g.incident_id, now, "resolved", "all alerts resolved");
  }
}

void Notifier::Impl::FlushIfDue(Group& g, const RouteConfig& rc, const GroupTick& t,
                                TimePoint now) {
  const std::vector<std::string>& active = t.active;
  std::vector<std::string> payload = active;
  payload.insert(payload.end(), t.resolved_pending.begin(), t.resolved_pending.end());
  std::sort(payload.begin(), payload.end());
  bool has_new = std::any_of(active.begin(), active.end(), [&g](const std::string& fp) {
    return !g.notified.contains(fp) || !g.notified.at(fp);
  });
  std::optional<NotificationKind> flush;
  if (!g.last_flush) {
    if (!active.empty() && now >= *g.first_seen + rc.group_wait) flush = NotificationKind::kAlert;
  } else if (!t.resolved_pending.empty()) {  // NOLINT(bugprone-branch-clone): separate reasons
    flush = NotificationKind::kAlert;        // resolved goes out promptly
  } else if (has_new && now >= *g.last_flush + rc.group_interval) {
    flush = NotificationKind::kAlert;
  } else if (!active.empty() && !AllAcked(active) &&
             now >= *g.last_flush + RepeatInterval(g, active)) {
    flush = NotificationKind::kRepeat;
  }
  if (flush) {
    Flush(g, *flush, payload, rc.receivers, now);
    for (const std::string& fp : active) g.notified[fp] = true;
    for (const std::string& fp : t.resolved_pending) g.notified[fp] = false;
    g.last_flush = now;
    g.last_refresh = now;
  }
}

void Notifier::Impl::EscalateIfDue(Group& g, const RouteConfig& rc, const GroupTick& t,
                                   TimePoint now) {
  if (g.escalated || rc.escalate_to.empty() || t.active.empty() || !g.last_flush ||
      AllAcked(t.active)) {
    return;
  }
  Notification probe = MakeNotification(g, NotificationKind::kEscalation, t.active, now);
  if (now >= *g.first_seen + probe.response_time) {
    Flush(g, NotificationKind::kEscalation, t.active, rc.escalate_to, now);
    AddTimeline(g.incident_id, now, "escalated",
                "not acknowledged within " + FormatHumanDuration(probe.response_time) + " (" +
                    probe.severity + ")");
    g.escalated = true;
  }
}

void Notifier::Impl::RefreshAlertmanager(Group& g, const RouteConfig& rc, const GroupTick& t,
                                         TimePoint now) {
  if (t.active.empty() || !g.last_refresh || now < *g.last_refresh + kAlertmanagerResend) return;
  std::vector<std::string> am;
  for (const std::string& r : rc.receivers) {
    auto it = receivers.find(r);
    if (it != receivers.end() && it->second->config().type == "alertmanager" &&
        !outbox->HasPending(Outbox::Lane(r, g.key), NotificationKind::kRefresh)) {
      am.push_back(r);
    }
  }
  if (!am.empty() && delivering) {
    Notification n = MakeNotification(g, NotificationKind::kRefresh, t.active, now);
    for (const std::string& r : am) {
      n.receiver = r;
      outbox->Enqueue(n, rc.fallback, now);
    }
    WakeSender();
  }
  g.last_refresh = now;
}

bool Notifier::Impl::PruneAndSave(const std::string& key, Group& g, const RouteConfig& rc,
                                  TimePoint now) {
  // Drop resolved alerts once their resolution was sent (or nobody was told they fired).
  for (auto it = g.alerts.begin(); it != g.alerts.end();) {
    if (!it->second.Firing() && !(g.notified.contains(it->first) && g.notified[it->first])) {
      g.notified.erase(it->first);
      it = g.alerts.erase(it);
    } else {
      ++it;
    }
  }
  bool keep_for_damping = g.last_flush && now < *g.last_flush + rc.group_interval;
  if (g.alerts.empty() && !keep_for_damping) return true;
  if (std::string json = GroupToJson(g); json != g.saved_json) {
    store->SaveGroup(key, json);
    g.saved_json = std::move(json);
  }
  return false;
}

void Notifier::Impl::TickLocked(TimePoint now) {
  std::vector<const LabelSet*> firing = FiringLabelSets();
  std::vector<std::string> empty_groups;
  for (auto& [key, g] : groups) {
    const RouteConfig& rc = routes[g.route].config;
    const GroupTick t = ClassifyGroup(g, firing, now);
    TrackIncident(g, t, now);
    FlushIfDue(g, rc, t, now);
    EscalateIfDue(g, rc, t, now);
    RefreshAlertmanager(g, rc, t, now);
    if (PruneAndSave(key, g, rc, now)) empty_groups.push_back(key);
  }
  for (const std::string& key : empty_groups) {
    groups.erase(key);
    store->DeleteGroup(key);
  }
}

}  // namespace fxagent
