// The Notifier's operator actions and daemon inputs: acks, silences, incidents.
#include <algorithm>
#include <nlohmann/json.hpp>
#include <random>

#include "agent/config/units.h"
#include "agent/notify/incidents/incident_report.h"
#include "agent/notify/notifier_impl.h"

namespace fxagent {
namespace {

std::string NewId() {
  static std::mutex mu;
  static std::mt19937_64 rng{std::random_device{}()};
  std::lock_guard<std::mutex> lock(mu);
  char buf[40];
  std::snprintf(buf, sizeof(buf), "%016llx%016llx", static_cast<unsigned long long>(rng()),
                static_cast<unsigned long long>(rng()));
  return buf;
}

}  // namespace

void Notifier::Impl::PostIncidentUpdate(const Incident& i, TimePoint now) {
  auto git = groups.find(i.group_key);
  if (git == groups.end()) return;
  Group& g = git->second;
  std::vector<std::string> fps;
  for (const auto& [fp, a] : g.alerts) {
    if (a.Firing()) fps.push_back(fp);
  }
  if (fps.empty()) return;
  std::vector<std::string> to;
  for (const std::string& r : routes[g.route].config.receivers) {
    auto it = receivers.find(r);
    if (it != receivers.end() && it->second->WantsIncidentUpdates()) to.push_back(r);
  }
  if (!to.empty()) Flush(g, NotificationKind::kIncidentUpdate, fps, to, now);
}

OpResult Notifier::Ack(const std::string& fingerprint, const std::string& by,
                       const std::string& comment, TimePoint now, std::string* error) {
  Impl& d = *impl_;
  std::lock_guard<std::mutex> lock(d.mu);
  std::vector<Group*> holders;
  std::string alertname;
  for (auto& [key, g] : d.groups) {
    auto it = g.alerts.find(fingerprint);
    if (it != g.alerts.end() && it->second.Firing()) {
      holders.push_back(&g);
      alertname = it->second.Label("alertname");
    }
  }
  if (holders.empty()) {
    if (error != nullptr) *error = "no firing alert with fingerprint " + fingerprint;
    return OpResult::kNotFound;
  }
  fxagent::Ack ack{now, by.empty() ? "operator" : by, comment};
  d.acks[fingerprint] = ack;
  d.store->SaveAck(fingerprint, ack);
  std::set<int64_t> done;
  for (Group* g : holders) {
    auto it = d.incidents.find(g->incident_id);
    if (it == d.incidents.end() || !done.insert(g->incident_id).second) continue;
    if (!it->second.acknowledged_at) {
      it->second.acknowledged_at = now;
      d.store->SaveIncident(it->second);
    }
    d.AddTimeline(
        g->incident_id, now, "acknowledged",
        alertname + " acknowledged by " + ack.by + (comment.empty() ? "" : ": " + comment));
  }
  d.log.Info("alert acknowledged", {{"fingerprint", fingerprint}, {"by", ack.by}});
  if (d.operator_listener) {
    d.operator_listener("ack", nlohmann::json{{"fingerprint", fingerprint},
                                              {"by", ack.by},
                                              {"comment", comment},
                                              {"at", FormatRfc3339(now)}}
                                   .dump());
  }
  return OpResult::kOk;
}

std::string Notifier::AddSilence(Silence silence, TimePoint now) {
  Impl& d = *impl_;
  std::lock_guard<std::mutex> lock(d.mu);
  silence.id = NewId();
  silence.updated_at = now;
  d.store->SaveSilence(silence);
  d.silences.push_back(silence);
  d.log.Info("silence created", {{"id", silence.id}, {"by", silence.created_by}});
  if (d.operator_listener) d.operator_listener("silence", SilenceToJson(silence, now));
  return silence.id;
}

OpResult Notifier::ExpireSilence(const std::string& id, TimePoint now) {
  Impl& d = *impl_;
  std::lock_guard<std::mutex> lock(d.mu);
  for (Silence& s : d.silences) {
    if (s.id != id) continue;
    if (s.ends_at > now) {
      if (s.starts_at > now) s.starts_at = now;
      s.ends_at = now;
      s.updated_at = now;
      d.store->SaveSilence(s);
    }
    if (d.operator_listener) {
      d.operator_listener("expire", nlohmann::json{{"id", id}, {"at", FormatRfc3339(now)}}.dump());
    }
    return OpResult::kOk;
  }
  return OpResult::kNotFound;
}

void Notifier::SetDelivering(bool delivering) {
  if (impl_->delivering.exchange(delivering) != delivering) {
    impl_->log.Info(delivering ? "notifier delivering (this replica leads)"
                               : "notifier on standby (another replica leads)");
    if (delivering) impl_->WakeSender();
  }
}

bool Notifier::Delivering() const { return impl_->delivering; }

void Notifier::SetOperatorListener(OperatorListener listener) {
  std::lock_guard<std::mutex> lock(impl_->mu);
  impl_->operator_listener = std::move(listener);
}

bool Notifier::ApplyReplicated(const std::string& kind, const std::string& text, TimePoint now) {
  const nlohmann::json j = nlohmann::json::parse(text, nullptr, false);
  if (!j.is_object()) return false;
  OperatorListener listener;
  {
    // Applied as this replica's own change, without echoing it back.
    std::lock_guard<std::mutex> lock(impl_->mu);
    listener = std::move(impl_->operator_listener);
    impl_->operator_listener = nullptr;
  }
  bool applied = false;
  const TimePoint at = ParseRfc3339(j.value("at", "")).value_or(now);
  if (kind == "ack") {
    applied = Ack(j.value("fingerprint", ""), j.value("by", ""), j.value("comment", ""), at,
                  nullptr) == OpResult::kOk;
  } else if (kind == "incident") {
    int64_t id = 0;
    {
      std::lock_guard<std::mutex> lock(impl_->mu);
      for (const auto& [iid, inc] : impl_->incidents) {
        if (inc.group_key == j.value("group_key", "") && inc.Open()) id = iid;
      }
    }
    std::optional<IncidentStatus> status;
    if (j.contains("status")) status = ParseIncidentStatus(j.value("status", ""));
    std::optional<std::string> action, impact;
    if (j.contains("current_action")) action = j.value("current_action", "");
    if (j.contains("impact")) impact = j.value("impact", "");
    applied =
        id != 0 && (!j.contains("status") || status) &&
        UpdateIncident(id, status, action, impact, j.value("by", ""), at, nullptr) == OpResult::kOk;
  } else if (kind == "expire") {
    applied = ExpireSilence(j.value("id", ""), at) == OpResult::kOk;
  } else if (kind == "silence") {
    std::string error;
    std::optional<Silence> s = SilenceFromJson(text, now, &error);
    if (s) {
      s->id = j.value("id", "");
      s->created_by = j.value("createdBy", "");
      s->updated_at = now;
      Impl& d = *impl_;
      std::lock_guard<std::mutex> lock(d.mu);
      auto it = std::find_if(d.silences.begin(), d.silences.end(),
                             [&](const Silence& x) { return x.id == s->id; });
      if (it == d.silences.end()) {
        d.silences.push_back(*s);
      } else {
        *it = *s;
      }
      d.store->SaveSilence(*s);
      applied = true;
    }
  }
  std::lock_guard<std::mutex> lock(impl_->mu);
  impl_->operator_listener = std::move(listener);
  return applied;
}

std::vector<Silence> Notifier::Silences() const {
  std::lock_guard<std::mutex> lock(impl_->mu);
  return impl_->silences;
}

std::vector<AlertView> Notifier::Alerts(TimePoint now) const {
  const Impl& d = *impl_;
  std::lock_guard<std::mutex> lock(d.mu);
  std::vector<const LabelSet*> firing = d.FiringLabelSets();
  std::map<std::string, AlertView> views;
  for (const auto& [key, g] : d.groups) {
    for (const auto& [fp, a] : g.alerts) {
      auto [it, inserted] = views.try_emplace(fp);
      AlertView& v = it->second;
      if (inserted) {
        v.alert = a;
        v.fingerprint = fp;
        bool muted = d.Muted(a, firing, now, &v.silenced_by, &v.inhibited);
        v.state = !a.Firing() ? "resolved" : (muted ? "suppressed" : "active");
        auto ack = d.acks.find(fp);
        if (ack != d.acks.end()) {
          v.acknowledged_at = ack->second.at;
          v.acknowledged_by = ack->second.by;
        }
      }
      for (const std::string& r : d.routes[g.route].config.receivers) v.receivers.push_back(r);
    }
  }
  std::vector<AlertView> out;
  out.reserve(out.size() + views.size());
  for (auto& [fp, v] : views) out.push_back(std::move(v));
  return out;
}

std::vector<Incident> Notifier::Incidents() const {
  std::lock_guard<std::mutex> lock(impl_->mu);
  std::vector<Incident> out;
  for (const auto& [id, i] : impl_->incidents) out.push_back(i);
  return out;
}

std::optional<Incident> Notifier::GetIncident(int64_t id) const {
  std::lock_guard<std::mutex> lock(impl_->mu);
  auto it = impl_->incidents.find(id);
  if (it == impl_->incidents.end()) return std::nullopt;
  return it->second;
}

std::vector<TimelineEntry> Notifier::Timeline(int64_t id) const {
  return impl_->store->Timeline(id);
}

OpResult Notifier::UpdateIncident(int64_t id, std::optional<IncidentStatus> status,
                                  std::optional<std::string> current_action,
                                  std::optional<std::string> impact, const std::string& by,
                                  TimePoint now, std::string* error) {
  Impl& d = *impl_;
  std::lock_guard<std::mutex> lock(d.mu);
  auto it = d.incidents.find(id);
  if (it == d.incidents.end()) {
    if (error != nullptr) *error = "no incident " + std::to_string(id);
    return OpResult::kNotFound;
  }
  Incident& i = it->second;
  if (!i.Open()) {
    if (error != nullptr) *error = "incident " + std::to_string(id) + " is resolved";
    return OpResult::kBadRequest;
  }
  if (status == IncidentStatus::kResolved) {
    if (error != nullptr) *error = "status Resolved is set automatically when all alerts resolve";
    return OpResult::kBadRequest;
  }
  std::string who = by.empty() ? "operator" : by;
  bool changed = false;
  if (status && *status != i.status) {
    i.status = *status;
    d.AddTimeline(id, now, "status", IncidentStatusName(i.status) + " (set by " + who + ")");
    changed = true;
  }
  if (current_action && *current_action != i.current_action) {
    i.current_action = *current_action;
    d.AddTimeline(id, now, "action", "current action: " + i.current_action + " (" + who + ")");
    changed = true;
  }
  if (impact && *impact != i.impact) {
    i.impact = *impact;
    d.AddTimeline(id, now, "impact", i.impact);
    changed = true;
  }
  if (changed) {
    d.store->SaveIncident(i);
    d.PostIncidentUpdate(i, now);
    if (d.operator_listener) {
      // Replicas number incidents on their own; the group key names the same incident.
      nlohmann::json j = {{"group_key", i.group_key}, {"by", who}, {"at", FormatRfc3339(now)}};
      if (status) j["status"] = IncidentStatusName(*status);
      if (current_action) j["current_action"] = *current_action;
      if (impact) j["impact"] = *impact;
      d.operator_listener("incident", j.dump());
    }
  }
  return OpResult::kOk;
}

std::optional<std::string> Notifier::IncidentReport(int64_t id, TimePoint now) const {
  std::optional<Incident> i = GetIncident(id);
  if (!i) return std::nullopt;
  return RenderIncidentReport(*i, Timeline(id), now);
}

void Notifier::SetImpact(const std::string& impact, TimePoint now) {
  Impl& d = *impl_;
  std::lock_guard<std::mutex> lock(d.mu);
  d.impact = impact;
  for (auto& [id, i] : d.incidents) {
    if (i.Open() && i.impact != impact) {
      i.impact = impact;
      d.store->SaveIncident(i);
      d.AddTimeline(id, now, "impact", impact);
    }
  }
}

void Notifier::SetStatusPageUnresolved(bool unresolved, TimePoint now) {
  Impl& d = *impl_;
  std::lock_guard<std::mutex> lock(d.mu);
  if (unresolved == d.status_page_unresolved) return;
  d.status_page_unresolved = unresolved;
  for (auto& [id, i] : d.incidents) {
    if (!i.Open()) continue;
    d.AddTimeline(id, now, "statuspage",
                  unresolved ? "the Flexport status page lists an unresolved incident"
                             : "the Flexport status page no longer lists an unresolved incident");
    if (unresolved && i.status == IncidentStatus::kInvestigating) {
      i.status = IncidentStatus::kIdentified;
      d.store->SaveIncident(i);
      d.AddTimeline(id, now, "status", "Identified (Flexport status page)");
      d.PostIncidentUpdate(i, now);
    }
  }
}

}  // namespace fxagent
