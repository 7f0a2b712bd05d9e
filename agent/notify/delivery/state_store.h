/// Internal to agent/notify: what survives a restart besides the outbox — silences,
/// acknowledgements, incidents with their timelines, and per-group notification state
/// (opaque JSON). SQLite tables in notify.db; writes that fail (a full disk) wait in the
/// database's write backlog (sqlite_db.h). Thread-safe (database mutex).
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "agent/notify/delivery/sqlite_db.h"
#include "agent/notify/dispatch/silence.h"
#include "agent/notify/incidents/incident.h"

namespace fxagent {

struct Ack {
  TimePoint at{};
  std::string by;
  std::string comment;
};

class StateStore {
 public:
  explicit StateStore(detail::Db& db);

  void SaveSilence(const Silence& s);
  std::vector<Silence> LoadSilences();

  void SaveAck(const std::string& fingerprint, const Ack& ack);
  void DeleteAck(const std::string& fingerprint);
  std::map<std::string, Ack> LoadAcks();

  /// Inserts when id == 0 (assigning a new id, also when the write has to wait), else
  /// updates.
  void SaveIncident(Incident& incident);
  std::vector<Incident> LoadIncidents();
  void AddTimeline(int64_t incident_id, const TimelineEntry& e);
  std::vector<TimelineEntry> Timeline(int64_t incident_id);

  void SaveGroup(const std::string& key, const std::string& state_json);
  void DeleteGroup(const std::string& key);
  std::map<std::string, std::string> LoadGroups();

 private:
  detail::Db& db_;
  int64_t next_incident_id_ = 1;  // guarded by the database mutex
};

}  // namespace fxagent
