/// Alerting in a cluster (a shared PostgreSQL store). Each replica evaluates the rules
/// over its own view (its network, its probes) and publishes its firing alerts; every
/// replica merges the live replicas' reports the same way — an alert fires once
/// min(alert_quorum, live replicas) replicas report it, annotated with the replicas that
/// saw it — and feeds the merge to its notifier. Only the leader's notifier delivers; the
/// others run on standby with the same groups and incidents, so a new leader neither
/// repeats nor loses what the last one sent (at most one repeat per failover). Operator
/// changes (acks, silences) made through any replica are replicated to all through an
/// operations log. While the database cannot be reached, a replica notifies on its own
/// from its local alerts (one notification per replica then, e.g. for the storage alert).
/// Thread-safe: Exchange() runs on the rule loop's thread; the notifier's operator
/// listener may queue from any thread.
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

#include "agent/notify/dispatch/alert.h"

namespace fxagent {

class Logger;
class Notifier;
class PgConnection;

/// One replica's report of one alert.
struct ReportedAlert {
  std::string instance;
  Alert alert;
};

/// The merge every replica computes: per fingerprint, the alert when at least `quorum`
/// distinct replicas report it firing; starts_at the earliest report, labels and
/// annotations of the first replica by name, annotation `replicas` = "a, b, c".
std::vector<Alert> MergeClusterAlerts(const std::vector<ReportedAlert>& reports, int quorum);

/// Alert <-> the JSON stored per report.
std::string ClusterAlertToJson(const Alert& alert);
std::optional<Alert> ClusterAlertFromJson(const std::string& text);

struct ClusterAlertOptions {
  std::string conninfo;  // secret
  std::string schema;
  std::string instance;
  std::chrono::milliseconds lease = std::chrono::seconds(15);
  int quorum = 1;
  std::function<bool()> is_leader;  // ClusterMembership::IsLeader
};

class ClusterAlertExchange {
 public:
  /// `notifier` and `log` must outlive the exchange. Registers as the notifier's
  /// operator listener.
  ClusterAlertExchange(ClusterAlertOptions options, Notifier& notifier, Logger& log);
  ~ClusterAlertExchange();
  ClusterAlertExchange(const ClusterAlertExchange&) = delete;
  ClusterAlertExchange& operator=(const ClusterAlertExchange&) = delete;

  /// After each rule evaluation, with this replica's firing and just-resolved alerts:
  /// publishes them, applies the other replicas' operator changes, and updates the
  /// notifier with the cluster's merge (or, when the database fails, with `local`).
  void Exchange(const std::vector<Alert>& local, TimePoint now);

 private:
  bool Publish(const std::vector<Alert>& local);
  bool ApplyOperations(TimePoint now);
  std::optional<std::vector<Alert>> Merged();

  ClusterAlertOptions options_;
  Notifier& notifier_;
  Logger& log_;
  std::unique_ptr<PgConnection> db_;
  int64_t applied_seq_ = 0;
  bool isolated_ = false;
  std::mutex outgoing_mu_;
  std::vector<std::pair<std::string, std::string>> outgoing_;  // kind, json
};

}  // namespace fxagent
