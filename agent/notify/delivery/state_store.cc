#include "agent/notify/delivery/state_store.h"

#include <algorithm>
#include <nlohmann/json.hpp>

#include "agent/notify/dispatch/json_time.h"

namespace fxagent {
namespace {

using nlohmann::json;

std::string IncidentData(const Incident& i) {
  json j = {{"group_key", i.group_key},
            {"severity", i.severity},
            {"status", static_cast<int>(i.status)},
            {"current_action", i.current_action},
            {"impact", i.impact},
            {"started_at", Ms(i.started_at)},
            {"opened_at", Ms(i.opened_at)},
            {"notified_at", OptMs(i.notified_at)},
            {"acknowledged_at", OptMs(i.acknowledged_at)},
            {"resolved_at", OptMs(i.resolved_at)},
            {"receivers", i.receivers},
            {"alertnames", i.alertnames},
            {"components", i.components}};
  return j.dump();
}

std::optional<Incident> IncidentFrom(int64_t id, const std::string& text) {
  json j = json::parse(text, nullptr, false);
  if (!j.is_object()) return std::nullopt;
  try {
    Incident i;
    i.id = id;
    i.group_key = j.at("group_key").get<std::string>();
    i.severity = j.at("severity").get<std::string>();
    int status = j.at("status").get<int>();
    if (status < 0 || status > 3) return std::nullopt;
    i.status = static_cast<IncidentStatus>(status);
    i.current_action = j.at("current_action").get<std::string>();
    i.impact = j.at("impact").get<std::string>();
    i.started_at = FromMs(j.at("started_at").get<int64_t>());
    i.opened_at = FromMs(j.at("opened_at").get<int64_t>());
    i.notified_at = OptFrom(j.at("notified_at"));
    i.acknowledged_at = OptFrom(j.at("acknowledged_at"));
    i.resolved_at = OptFrom(j.at("resolved_at"));
    i.receivers = j.at("receivers").get<std::vector<std::string>>();
    i.alertnames = j.at("alertnames").get<std::set<std::string>>();
    i.components = j.at("components").get<std::set<std::string>>();
    return i;
  } catch (const json::exception&) {
    return std::nullopt;
  }
}

}  // namespace

StateStore::StateStore(detail::Db& db) : db_(db) {
  std::lock_guard<std::mutex> lock(db_.mu());
  db_.Exec(
      "CREATE TABLE IF NOT EXISTS silences (id TEXT PRIMARY KEY, data TEXT NOT NULL);"
      "CREATE TABLE IF NOT EXISTS acks (fingerprint TEXT PRIMARY KEY, at INTEGER NOT NULL,"
      " by TEXT NOT NULL, comment TEXT NOT NULL);"
      "CREATE TABLE IF NOT EXISTS incidents (id INTEGER PRIMARY KEY AUTOINCREMENT,"
      " data TEXT NOT NULL);"
      "CREATE TABLE IF NOT EXISTS timeline (incident_id INTEGER NOT NULL, at INTEGER NOT NULL,"
      " kind TEXT NOT NULL, text TEXT NOT NULL);"
      "CREATE INDEX IF NOT EXISTS timeline_incident ON timeline(incident_id, at);"
      "CREATE TABLE IF NOT EXISTS groups (key TEXT PRIMARY KEY, state TEXT NOT NULL);");
  detail::SqliteStmt newest(db_.get(), "SELECT MAX(id) FROM incidents");
  if (newest.Row()) next_incident_id_ = newest.Int(0) + 1;
  detail::SqliteStmt seq(db_.get(), "SELECT seq FROM sqlite_sequence WHERE name = 'incidents'");
  if (seq.Row()) next_incident_id_ = std::max(next_incident_id_, seq.Int(0) + 1);
}

void StateStore::SaveSilence(const Silence& s) {
  json j = {{"matchers", s.matchers},     {"starts_at", Ms(s.starts_at)},
            {"ends_at", Ms(s.ends_at)},   {"comment", s.comment},
            {"created_by", s.created_by}, {"updated_at", Ms(s.updated_at)}};
  std::lock_guard<std::mutex> lock(db_.mu());
  db_.Write("INSERT OR REPLACE INTO silences (id, data) VALUES (?, ?)", {s.id, j.dump()});
}

std::vector<Silence> StateStore::LoadSilences() {
  std::vector<Silence> out;
  std::lock_guard<std::mutex> lock(db_.mu());
  detail::SqliteStmt s(db_.get(), "SELECT id, data FROM silences ORDER BY rowid");
  while (s.Row()) {
    json j = json::parse(s.Text(1), nullptr, false);
    if (!j.is_object()) continue;
    try {
      Silence sil;
      sil.id = s.Text(0);
      sil.matchers = j.at("matchers").get<std::vector<std::string>>();
      std::optional<LabelMatchers> compiled = ParseMatchers(sil.matchers, nullptr);
      if (!compiled) continue;
      sil.compiled = std::move(*compiled);
      sil.starts_at = FromMs(j.at("starts_at").get<int64_t>());
      sil.ends_at = FromMs(j.at("ends_at").get<int64_t>());
      sil.comment = j.at("comment").get<std::string>();
      sil.created_by = j.at("created_by").get<std::string>();
      sil.updated_at = FromMs(j.at("updated_at").get<int64_t>());
      out.push_back(std::move(sil));
    } catch (const json::exception&) {
    }
  }
  return out;
}

void StateStore::SaveAck(const std::string& fingerprint, const Ack& ack) {
  std::lock_guard<std::mutex> lock(db_.mu());
  db_.Write("INSERT OR REPLACE INTO acks (fingerprint, at, by, comment) VALUES (?, ?, ?, ?)",
            {fingerprint, Ms(ack.at), ack.by, ack.comment});
}

void StateStore::DeleteAck(const std::string& fingerprint) {
  std::lock_guard<std::mutex> lock(db_.mu());
  db_.Write("DELETE FROM acks WHERE fingerprint = ?", {fingerprint});
}

std::map<std::string, Ack> StateStore::LoadAcks() {
  std::map<std::string, Ack> out;
  std::lock_guard<std::mutex> lock(db_.mu());
  detail::SqliteStmt s(db_.get(), "SELECT fingerprint, at, by, comment FROM acks");
  while (s.Row()) out[s.Text(0)] = Ack{FromMs(s.Int(1)), s.Text(2), s.Text(3)};
  return out;
}

void StateStore::SaveIncident(Incident& incident) {
  std::lock_guard<std::mutex> lock(db_.mu());
  if (incident.id == 0) {
    // Assigned here, not by SQLite: the id must exist even while the insert waits in the
    // write backlog (a full disk).
    incident.id = next_incident_id_++;
    db_.Write("INSERT INTO incidents (id, data) VALUES (?, ?)",
              {incident.id, IncidentData(incident)});
  } else {
    db_.Write("UPDATE incidents SET data = ? WHERE id = ?", {IncidentData(incident), incident.id});
  }
}

std::vector<Incident> StateStore::LoadIncidents() {
  std::vector<Incident> out;
  std::lock_guard<std::mutex> lock(db_.mu());
  detail::SqliteStmt s(db_.get(), "SELECT id, data FROM incidents ORDER BY id");
  while (s.Row()) {
    std::optional<Incident> i = IncidentFrom(s.Int(0), s.Text(1));
    if (i) out.push_back(std::move(*i));
  }
  return out;
}

void StateStore::AddTimeline(int64_t incident_id, const TimelineEntry& e) {
  std::lock_guard<std::mutex> lock(db_.mu());
  db_.Write("INSERT INTO timeline (incident_id, at, kind, text) VALUES (?, ?, ?, ?)",
            {incident_id, Ms(e.at), e.kind, e.text});
}

std::vector<TimelineEntry> StateStore::Timeline(int64_t incident_id) {
  std::vector<TimelineEntry> out;
  std::lock_guard<std::mutex> lock(db_.mu());
  detail::SqliteStmt s(
      db_.get(), "SELECT at, kind, text FROM timeline WHERE incident_id = ? ORDER BY at, rowid");
  s.Bind(1, incident_id);
  while (s.Row()) out.push_back({FromMs(s.Int(0)), s.Text(1), s.Text(2)});
  return out;
}

void StateStore::SaveGroup(const std::string& key, const std::string& state_json) {
  std::lock_guard<std::mutex> lock(db_.mu());
  db_.Write("INSERT OR REPLACE INTO groups (key, state) VALUES (?, ?)", {key, state_json});
}

void StateStore::DeleteGroup(const std::string& key) {
  std::lock_guard<std::mutex> lock(db_.mu());
  db_.Write("DELETE FROM groups WHERE key = ?", {key});
}

std::map<std::string, std::string> StateStore::LoadGroups() {
  std::map<std::string, std::string> out;
  std::lock_guard<std::mutex> lock(db_.mu());
  detail::SqliteStmt s(db_.get(), "SELECT key, state FROM groups");
  while (s.Row()) out[s.Text(0)] = s.Text(1);
  return out;
}

}  // namespace fxagent
