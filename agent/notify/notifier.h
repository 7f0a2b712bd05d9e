/// The notifier: turns the rule engine's alerts into notifications. Routing, grouping
/// (group_by, group_wait, group_interval), inhibition, silences, acknowledgements,
/// repeats, escalation, flap damping and incidents; every notification goes through a
/// durable SQLite outbox ({data_dir}/notify.db) and a sender thread delivers it.
///
/// Thread-safety: every public method is safe from any thread. Update() is meant for the
/// rule-evaluation thread, the operator methods for HTTP handler threads; Start() runs a
/// dispatch thread (timers) and a sender thread (HTTP delivery) until Stop().
#pragma once

#include <prometheus/registry.h>

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "agent/base/clock.h"
#include "agent/base/logger.h"
#include "agent/config/config.h"
#include "agent/notify/dispatch/alert.h"
#include "agent/notify/dispatch/notification.h"
#include "agent/notify/dispatch/silence.h"
#include "agent/notify/incidents/incident.h"
#include "agent/notify/operations.h"
#include "agent/notify/receivers/http_client.h"

namespace fxagent {

class Tracer;

struct NotifierOptions {
  std::string external_url;  // Alertmanager's externalURL; e.g. "http://127.0.0.1:9464"
  std::chrono::milliseconds backoff_base{1000};
  std::chrono::milliseconds backoff_max{std::chrono::minutes(5)};
  std::chrono::milliseconds max_age{std::chrono::hours(24)};  // then `expired`
  int fallback_after = 3;  // failed attempts before the route's fallback receiver
  std::chrono::milliseconds poll_interval{200};  // real-time cadence of the threads
  std::shared_ptr<HttpClient> http;              // nullptr = libcurl
};

/// A queued (not yet delivered) notification, for diagnostics and tests.
struct QueuedNotification {
  int64_t id = 0;
  std::string receiver;
  bool on_fallback = false;
  int attempts = 0;
  TimePoint next_attempt_at{};
  Notification notification;
};

class Notifier final : public NotifierOperations {
 public:
  /// Opens {data_dir}/notify.db (WAL) and restores silences, acks, groups, incidents and
  /// the outbox. Throws std::runtime_error at start-up when the database cannot be
  /// opened or a matcher does not compile.
  Notifier(const Config& config, const std::string& data_dir, prometheus::Registry& registry,
           Logger& log, Clock& clock, NotifierOptions options = {});
  ~Notifier() override;
  Notifier(const Notifier&) = delete;
  Notifier& operator=(const Notifier&) = delete;

  /// The current alerts after a rule evaluation: every firing alert and the ones that just
  /// resolved. A previously firing alert missing from the list counts as resolved now.
  void Update(const std::vector<Alert>& alerts, TimePoint now);
  /// Runs the timers (group_wait, group_interval, repeat, escalation, Alertmanager
  /// re-sends). The dispatch thread calls it; tests call it with a fake clock.
  void Tick(TimePoint now);
  /// One synchronous delivery pass over the due outbox entries (tests, or a final flush
  /// after Stop()). Returns the number of attempts.
  size_t DeliverNow();
  void Start();
  void Stop();

  // Operator actions (NotifierOperations): HTTP API, CLI.
  OpResult Ack(const std::string& fingerprint, const std::string& by, const std::string& comment,
               TimePoint now, std::string* error) override;
  std::string AddSilence(Silence silence, TimePoint now) override;
  OpResult ExpireSilence(const std::string& id, TimePoint now) override;
  std::vector<Silence> Silences() const override;
  std::vector<AlertView> Alerts(TimePoint now) const override;
  std::vector<Incident> Incidents() const override;
  std::optional<Incident> GetIncident(int64_t id) const override;
  std::vector<TimelineEntry> Timeline(int64_t id) const override;
  OpResult UpdateIncident(int64_t id, std::optional<IncidentStatus> status,
                          std::optional<std::string> current_action,
                          std::optional<std::string> impact, const std::string& by, TimePoint now,
                          std::string* error) override;
  std::optional<std::string> IncidentReport(int64_t id, TimePoint now) const override;
  const Clock& clock() const override;

  // Inputs from the daemon.
  /// Impact text ("tracking data stale since 12:04 UTC; 14 shipments affected") for the
  /// open incidents; recorded on each and shown in messages and reports.
  void SetImpact(const std::string& impact, TimePoint now);
  /// Whether the Flexport status page lists an unresolved incident; on true, open
  /// incidents still Investigating become Identified.
  void SetStatusPageUnresolved(bool unresolved, TimePoint now);

  // Cluster mode (a shared store).
  /// A standby notifier (false) is fed the same alerts as the leader's and keeps the same
  /// groups and incidents, but enqueues and sends nothing, so the replica that takes over
  /// the lead continues where the last leader stopped. Default true.
  void SetDelivering(bool delivering);
  bool Delivering() const;
  /// Receives each operator change made through this replica (kind "ack", "silence" or
  /// "expire", and its JSON) for replication to the others. Called with the notifier's
  /// lock held: it must only queue, never block.
  using OperatorListener = std::function<void(const std::string& kind, const std::string& json)>;
  void SetOperatorListener(OperatorListener listener);
  /// Applies an operator change replicated from another replica (no listener call).
  /// False when it does not apply here (an unknown kind, or no such alert firing yet).
  bool ApplyReplicated(const std::string& kind, const std::string& json, TimePoint now);

  std::vector<QueuedNotification> Queued() const;
  /// A client span "notify {receiver}" per HTTP request from now on; nullptr (the
  /// default) = no spans. The tracer must outlive the notifier.
  void SetTracer(Tracer* tracer);

  struct Impl;

 private:
  std::unique_ptr<Impl> impl_;
};

}  // namespace fxagent
