/// Membership of one replica in a cluster of agents sharing a PostgreSQL store: a
/// heartbeat row per replica (`cluster_replicas`) and one leader lease
/// (`cluster_leader`), both timed by the database's clock so replicas' clocks need not
/// agree. A background thread renews both every lease/3; the leader is the replica that
/// holds an unexpired lease, and another takes over within `lease` after it dies. A
/// replica that cannot reach the database steps down once its lease has run out on its
/// own steady clock. Exports `flexport_agent_cluster_leader` and
/// `flexport_agent_cluster_replicas`. Thread-safe.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>

namespace prometheus {
class Registry;
class Gauge;
}  // namespace prometheus

namespace fxagent {

class Logger;
class PgConnection;

struct ClusterOptions {
  std::string conninfo;  // secret
  std::string schema;
  std::string instance;  // [agent] instance: unique per replica
  std::chrono::milliseconds lease = std::chrono::seconds(15);
  Logger* log = nullptr;  // must outlive the membership
};

class ClusterMembership {
 public:
  /// `registry` must outlive this object.
  ClusterMembership(ClusterOptions options, prometheus::Registry& registry);
  ~ClusterMembership();  // Stop()
  ClusterMembership(const ClusterMembership&) = delete;
  ClusterMembership& operator=(const ClusterMembership&) = delete;

  /// Registers this replica. Waits up to 1.5 × lease while another live replica holds
  /// the same instance name (a restarted replica's old heartbeat expires in that time);
  /// returns an error naming both when it is still live, or when the database cannot be
  /// reached. Then starts the heartbeat thread.
  std::optional<std::string> Join();
  /// Gives up the lease and the heartbeat row (so another replica leads at once).
  void Stop();

  bool IsLeader() const { return leader_.load(); }
  int LiveReplicas() const { return replicas_.load(); }

 private:
  void Loop();
  bool Beat();  // one heartbeat + lease round; false when the database failed
  void SetLeader(bool leader);

  ClusterOptions options_;
  std::string boot_id_;
  std::unique_ptr<PgConnection> db_;
  prometheus::Gauge& leader_gauge_;
  prometheus::Gauge& replicas_gauge_;
  std::atomic<bool> leader_{false};
  std::atomic<int> replicas_{0};
  std::chrono::steady_clock::time_point lease_valid_until_{};
  bool heartbeat_failing_ = false;  // heartbeat thread only

  std::mutex mu_;
  std::condition_variable cv_;
  bool stopping_ = false;
  bool started_ = false;
  std::thread thread_;
};

}  // namespace fxagent
