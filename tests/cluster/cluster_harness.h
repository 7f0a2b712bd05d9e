// Cluster test harness: a PostgreSQL server, flexport-sim, N agent replicas sharing the
// server's database, an app per replica and a round-robin balancer in front of the
// replicas' public listeners (what a Kubernetes Service does to Flexport's webhooks).
#pragma once

#include <httplib.h>

#include <atomic>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "tests/support/postgres_server.h"
#include "tests/support/subprocess.h"

namespace fxagent::cluster {

inline constexpr char kApiKey[] = "fxk_cluster_SECRET_51ab";
inline constexpr char kSecret[] = "whsec_cluster_SECRET_9e0f";
inline constexpr char kStoragePassword[] = "pgpw_cluster_SECRET_c0ffee";

/// An HTTP server on 127.0.0.1:0 running in its own thread.
class LoopbackServer {
 public:
  LoopbackServer();
  ~LoopbackServer();
  httplib::Server& server() { return server_; }
  /// Starts serving; false when it cannot bind.
  bool Start();
  int port() const { return port_; }

 private:
  httplib::Server server_;
  std::thread thread_;
  int port_ = 0;
};

/// The integration's webhook endpoint: counts each event id it receives (all apps share
/// one tally) and answers `status`.
struct Deliveries {
  std::mutex mu;
  std::map<std::string, int> by_id;
  int total = 0;
  size_t Distinct() {
    std::lock_guard<std::mutex> lock(mu);
    return by_id.size();
  }
};

class App {
 public:
  explicit App(Deliveries& tally);
  int port() const { return server_.port(); }
  std::atomic<int> status{200};
  std::atomic<int> delay_ms{0};  // before answering: deliveries stay in flight (leased)
  std::atomic<int> received{0};

 private:
  LoopbackServer server_;
};

/// One agent replica (the real binary).
class Replica {
 public:
  Replica(std::string name, std::string dir, std::string config_path);
  bool Start();
  /// SIGKILL, as a crash or an OOM kill.
  void Kill();
  /// SIGTERM and wait; the exit status.
  std::optional<int> Terminate();
  bool Running();
  int public_port() const { return public_port_; }
  int internal_port() const { return internal_port_; }
  const std::string& name() const { return name_; }
  std::string Stderr() const;
  /// The value of a metric line on /metrics ("" when absent); `selector` is the exact
  /// series text before the value, e.g. `flexport_agent_cluster_leader`.
  std::optional<double> Metric(const std::string& selector);
  /// Sum of every series of a metric family (all label sets); 0 when absent.
  double MetricSum(const std::string& family);
  int Readyz();

 private:
  std::string name_, dir_, config_path_, data_dir_;
  std::unique_ptr<testing::Subprocess> process_;
  int public_port_ = 0, internal_port_ = 0;
};

/// Round-robin balancer: request i goes to replica i mod N (skipping dead ones, as a
/// Service does once the pod is gone).
class Balancer {
 public:
  explicit Balancer(std::vector<Replica*> replicas);
  int port() const { return server_.port(); }
  std::atomic<int> forwarded{0};
  std::atomic<int> non_2xx{0};
  std::atomic<int> unreachable{0};

 private:
  std::vector<Replica*> replicas_;
  std::atomic<uint64_t> next_{0};
  LoopbackServer server_;
};

class Cluster {
 public:
  /// `extra_toml` is appended to every replica's configuration.
  explicit Cluster(int replicas, const std::string& extra_toml = "");
  ~Cluster();
  /// Points replica `i` at another Flexport API (e.g. a dead port: its own network is
  /// cut). Call before Start().
  void OverrideApiBase(int i, std::string url) { api_base_override_[i] = std::move(url); }
  void set_alert_quorum(int quorum) { alert_quorum_ = quorum; }
  /// The sim's base URL (after Start()).
  std::string sim_url() const { return "http://127.0.0.1:" + std::to_string(sim_port_); }
  /// Starts PostgreSQL, the sim and every replica (together); false with a reason.
  bool Start(std::string* error);
  Replica& replica(int i) { return *replicas_[i]; }
  App& app(int i) { return *apps_[i]; }
  int size() const { return static_cast<int>(replicas_.size()); }
  testing::PostgresServer& postgres() { return *pg_; }
  Balancer& balancer() { return *balancer_; }
  Deliveries& deliveries() { return tally_; }
  /// POST to the sim's control API; the response body ("" on failure).
  std::string Sim(const std::string& path, const std::string& body);
  /// Sim counters from /_sim/state's webhooks object (sent, delivered, ...).
  std::optional<int> SimWebhookCounter(const std::string& name);
  std::string AllStderr();
  const std::string& dir() const { return dir_.path(); }

 private:
  testing::TempDir dir_;
  std::string extra_toml_;
  std::unique_ptr<testing::PostgresServer> pg_;
  std::unique_ptr<testing::Subprocess> sim_;
  int sim_port_ = 0;
  Deliveries tally_;
  std::vector<std::unique_ptr<App>> apps_;
  std::vector<std::unique_ptr<Replica>> replicas_;
  std::unique_ptr<Balancer> balancer_;
  std::map<int, std::string> api_base_override_;
  int alert_quorum_ = 1;
};

}  // namespace fxagent::cluster
