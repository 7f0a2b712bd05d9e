#include "agent/store/cluster.h"

#include <openssl/rand.h>
#include <prometheus/gauge.h>
#include <prometheus/registry.h>
#include <unistd.h>

#include <array>
#include <cstdio>

#include "agent/base/logger.h"
#include "agent/store/pg_connection.h"

namespace fxagent {
namespace {

std::string RandomBootId() {
  std::array<unsigned char, 12> bytes{};
  std::string out;
  if (RAND_bytes(bytes.data(), static_cast<int>(bytes.size())) != 1) {
    // Unique enough to tell this process from its predecessor under the same name.
    return std::to_string(getpid()) + "-" +
           std::to_string(std::chrono::system_clock::now().time_since_epoch().count());
  }
  char hex[3];
  for (unsigned char b : bytes) {
    std::snprintf(hex, sizeof(hex), "%02x", b);
    out += hex;
  }
  return out;
}

std::string HostName() {
  char buffer[256] = {};
  if (gethostname(buffer, sizeof(buffer) - 1) != 0) return "unknown";
  return buffer;
}

}  // namespace

ClusterMembership::ClusterMembership(ClusterOptions options, prometheus::Registry& registry)
    : options_(std::move(options)),
      boot_id_(RandomBootId()),
      db_(std::make_unique<PgConnection>(options_.conninfo, options_.schema)),
      leader_gauge_(prometheus::BuildGauge()
                        .Name("flexport_agent_cluster_leader")
                        .Help("1 on the replica that currently leads the cluster, 0 on the others")
                        .Register(registry)
                        .Add({})),
      replicas_gauge_(prometheus::BuildGauge()
                          .Name("flexport_agent_cluster_replicas")
                          .Help("Live replicas of the cluster seen through heartbeats")
                          .Register(registry)
                          .Add({})) {}

ClusterMembership::~ClusterMembership() { Stop(); }

std::optional<std::string> ClusterMembership::Join() {
  const auto deadline = std::chrono::steady_clock::now() + options_.lease * 3 / 2;
  for (;;) {
    if (!db_->EnsureOpen()) return "cannot reach the shared store: " + db_->LastError();
    // Take the row when it is ours, free, or its heartbeat has expired.
    auto rows = db_->Exec(
        "INSERT INTO cluster_replicas(instance, boot_id, host, pid) VALUES($1, $2, $3, $4) "
        "ON CONFLICT (instance) DO UPDATE SET boot_id = EXCLUDED.boot_id, host = EXCLUDED.host, "
        "pid = EXCLUDED.pid, started_at = clock_timestamp(), last_seen = clock_timestamp() "
        "WHERE cluster_replicas.last_seen < clock_timestamp() - $5::interval "
        "RETURNING instance",
        {options_.instance, boot_id_, HostName(), static_cast<int64_t>(getpid()),
         PgInterval(options_.lease)});
    if (!rows) return "cannot register in the shared store: " + db_->LastError();
    if (!rows->empty()) break;
    if (std::chrono::steady_clock::now() >= deadline) {
      auto other = db_->Exec("SELECT host, pid FROM cluster_replicas WHERE instance = $1",
                             {options_.instance});
      std::string who = other && !other->empty()
                            ? "host " + other->Text(0, 0) + " pid " + other->Text(0, 1)
                            : "another process";
      return "[agent] instance \"" + options_.instance + "\" is already used by a live replica (" +
             who + "; this one: host " + HostName() + " pid " + std::to_string(getpid()) +
             "): give every replica its own instance name";
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(500));
  }
  Beat();
  {
    std::lock_guard<std::mutex> lock(mu_);
    started_ = true;
    stopping_ = false;
  }
  thread_ = std::thread([this] { Loop(); });
  return std::nullopt;
}

void ClusterMembership::SetLeader(bool leader) {
  const bool was = leader_.exchange(leader);
  leader_gauge_.Set(leader ? 1 : 0);
  if (was == leader) return;
  if (options_.log != nullptr) {
    if (leader) {
      options_.log->Info("this replica leads the cluster", {{"instance", options_.instance}});
    } else {
      options_.log->Warn("this replica no longer leads the cluster",
                         {{"instance", options_.instance}});
    }
  }
}

bool ClusterMembership::Beat() {
  const auto started = std::chrono::steady_clock::now();
  const std::string lease = PgInterval(options_.lease);
  bool ok = db_->EnsureOpen();
  std::optional<PgRows> won;
  if (ok) {
    ok = db_->Exec(
                "INSERT INTO cluster_replicas(instance, boot_id, host, pid) VALUES($1, $2, $3, $4) "
                "ON CONFLICT (instance) DO UPDATE SET last_seen = clock_timestamp() "
                "WHERE cluster_replicas.boot_id = EXCLUDED.boot_id",
                {options_.instance, boot_id_, HostName(), static_cast<int64_t>(getpid())})
             .has_value();
  }
  if (ok) {
    won = db_->Exec(
        "INSERT INTO cluster_leader(id, instance, boot_id, until) "
        "VALUES(1, $1, $2, clock_timestamp() + $3::interval) "
        "ON CONFLICT (id) DO UPDATE SET instance = EXCLUDED.instance, boot_id = "
        "EXCLUDED.boot_id, until = EXCLUDED.until "
        "WHERE cluster_leader.boot_id = EXCLUDED.boot_id OR cluster_leader.until < "
        "clock_timestamp() RETURNING boot_id",
        {options_.instance, boot_id_, lease});
    ok = won.has_value();
  }
  std::optional<PgRows> live;
  if (ok) {
    live = db_->Exec(
        "SELECT count(*) FROM cluster_replicas WHERE last_seen >= clock_timestamp() - "
        "$1::interval",
        {lease});
    ok = live.has_value();
  }
  if (ok) {
    if (heartbeat_failing_ && options_.log != nullptr) {
      options_.log->Info("cluster heartbeat works again");
    }
    heartbeat_failing_ = false;
    replicas_ = static_cast<int>(live->Int(0, 0));
    replicas_gauge_.Set(replicas_.load());
    if (!won->empty()) {
      // Valid on our clock for the lease minus what this round took.
      lease_valid_until_ = started + options_.lease;
      SetLeader(true);
    } else {
      SetLeader(false);
    }
    return true;
  }
  if (options_.log != nullptr && !heartbeat_failing_) {
    options_.log->Warn("cluster heartbeat failed (logged once until it works again)",
                       {{"error", db_->LastError()}});
  }
  heartbeat_failing_ = true;
  if (leader_ && std::chrono::steady_clock::now() >= lease_valid_until_) SetLeader(false);
  return false;
}

void ClusterMembership::Loop() {
  const auto period = std::max(std::chrono::milliseconds(200), options_.lease / 3);
  std::unique_lock<std::mutex> lock(mu_);
  while (!stopping_) {
    // While leading with the database unreachable, wake in time to step down.
    auto wake = std::chrono::steady_clock::now() + period;
    if (leader_) wake = std::min(wake, lease_valid_until_);
    cv_.wait_until(lock, wake, [&] { return stopping_; });
    if (stopping_) break;
    lock.unlock();
    Beat();
    lock.lock();
  }
}

void ClusterMembership::Stop() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (!started_) return;
    started_ = false;
    stopping_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
  if (db_->EnsureOpen()) {
    db_->Exec("UPDATE cluster_leader SET until = '-infinity' WHERE boot_id = $1", {boot_id_});
    db_->Exec("DELETE FROM cluster_replicas WHERE boot_id = $1", {boot_id_});
  }
  SetLeader(false);
}

}  // namespace fxagent
