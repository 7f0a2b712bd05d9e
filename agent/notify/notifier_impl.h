/// Internal to agent/notify: the Notifier's state. Everything below `mu` is guarded by
/// it; the database objects have their own lock (always taken after `mu`, never before).
#pragma once

#include <atomic>
#include <condition_variable>
#include <map>
#include <mutex>
#include <set>
#include <thread>

#include "agent/metrics/storage_health.h"
#include "agent/notify/delivery/outbox.h"
#include "agent/notify/delivery/sender.h"
#include "agent/notify/delivery/sqlite_db.h"
#include "agent/notify/delivery/state_store.h"
#include "agent/notify/dispatch/inhibit.h"
#include "agent/notify/notifier.h"
#include "agent/notify/receivers/receiver.h"

namespace fxagent {

struct Route {
  RouteConfig config;
  LabelMatchers matchers;
};

struct Group {
  std::string key;
  size_t route = 0;
  LabelSet group_labels;
  std::map<std::string, Alert> alerts;   // by fingerprint: firing, or resolved not yet sent
  std::map<std::string, bool> notified;  // fingerprint -> last sent as firing
  std::optional<TimePoint> first_seen;   // first unmuted firing alert of this episode
  std::optional<TimePoint> last_flush;
  std::optional<TimePoint> last_refresh;
  bool escalated = false;
  int64_t incident_id = 0;
  std::string saved_json;  // what the store holds, to skip unchanged writes
};

std::string GroupToJson(const Group& g);
std::optional<Group> GroupFromJson(const std::string& key, const std::string& text);

/// One group's alerts as a dispatch tick sees them (fingerprints).
struct GroupTick {
  std::vector<std::string> active;            // firing, neither silenced nor inhibited
  std::vector<std::string> resolved_pending;  // resolved, and their firing was notified
  std::vector<std::string> any_firing;        // firing, muted or not
};

struct Notifier::Impl {
  Impl(const Config& config, const std::string& data_dir, prometheus::Registry& registry,
       Logger& log, Clock& clock, NotifierOptions options);

  // dispatch.cc (call with mu held)
  void UpdateLocked(const std::vector<Alert>& alerts, TimePoint now);
  void TickLocked(TimePoint now);
  // The steps of TickLocked for one group, in order.
  GroupTick ClassifyGroup(Group& g, const std::vector<const LabelSet*>& firing,
                          TimePoint now) const;
  void TrackIncident(Group& g, const GroupTick& t, TimePoint now);
  void FlushIfDue(Group& g, const RouteConfig& rc, const GroupTick& t, TimePoint now);
  void EscalateIfDue(Group& g, const RouteConfig& rc, const GroupTick& t, TimePoint now);
  void RefreshAlertmanager(Group& g, const RouteConfig& rc, const GroupTick& t, TimePoint now);
  /// Drops delivered resolutions; true when the group is empty and may go.
  bool PruneAndSave(const std::string& key, Group& g, const RouteConfig& rc, TimePoint now);
  bool Muted(const Alert& a, const std::vector<const LabelSet*>& firing, TimePoint now,
             std::vector<std::string>* silenced_by, bool* inhibited) const;
  std::vector<const LabelSet*> FiringLabelSets() const;
  std::vector<size_t> MatchRoutes(const LabelSet& labels) const;
  std::string GroupKey(size_t route, const LabelSet& labels, LabelSet* group_labels) const;
  std::chrono::milliseconds ResponseTime(const std::string& severity) const;
  void Flush(Group& g, NotificationKind kind, const std::vector<std::string>& fps,
             const std::vector<std::string>& receivers, TimePoint now);
  Notification MakeNotification(const Group& g, NotificationKind kind,
                                const std::vector<std::string>& fps, TimePoint now) const;
  void OpenOrUpdateIncident(Group& g, const std::vector<std::string>& active, TimePoint now);
  void AddTimeline(int64_t incident_id, TimePoint at, std::string kind, std::string text);
  void PostIncidentUpdate(const Incident& i, TimePoint now);
  std::chrono::milliseconds RepeatInterval(const Group& g,
                                           const std::vector<std::string>& fps) const;
  bool AllAcked(const std::vector<std::string>& fps) const;
  void WakeSender();

  Config config;
  Logger& log;
  Clock& clock;
  NotifierOptions options;
  std::map<std::string, std::unique_ptr<Receiver>> receivers;
  std::vector<Route> routes;
  std::optional<Inhibitor> inhibitor;

  std::unique_ptr<StorageHealth> storage_health;  // before db: its writes report here
  detail::Db db;
  std::unique_ptr<Outbox> outbox;
  std::unique_ptr<StateStore> store;
  std::shared_ptr<HttpClient> http;
  std::unique_ptr<Sender> sender;
  std::mutex send_mu;  // one delivery pass at a time

  mutable std::mutex mu;
  std::map<std::string, Group> groups;
  std::set<std::string> firing_now;  // fingerprints firing in the last Update
  std::vector<Silence> silences;
  std::map<std::string, fxagent::Ack> acks;
  std::map<int64_t, Incident> incidents;
  bool status_page_unresolved = false;
  std::string impact;
  std::atomic<bool> delivering{true};            // false = standby replica
  Notifier::OperatorListener operator_listener;  // guarded by mu

  std::mutex thread_mu;
  std::condition_variable thread_cv;
  bool stopping = false;
  bool send_wanted = false;
  std::thread dispatch_thread;
  std::thread send_thread;
};

}  // namespace fxagent
