/// End-to-end alerting harness: the real flexport-sim and flexport-agent binaries over
/// loopback, the agent alerting through a `webhook` receiver into an Alertmanager-format
/// sink in the test. Rules are a test copy of rules/default.toml with only the hold times
/// (`for`, `keep_firing_for`) and range windows shortened (see FastRules). Not
/// thread-safe except AlertSink, whose accessors may be called from any thread.
#pragma once

#include <httplib.h>

#include <atomic>
#include <map>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "tests/support/agent_process.h"
#include "tests/support/loopback_server.h"
#include "tests/support/subprocess.h"

namespace fxagent::e2e {

/// Rewrites the default rule file for a test that must finish in seconds: every
/// `for = "..."` and `keep_firing_for = "..."` becomes "1s", and every range window in
/// minutes or hours becomes seconds: [1m] and [2m] -> [2s], [5m] -> [3s], [10m] -> [3s],
/// [1h] -> [30s] (the 1 h "key worked recently" memory stays longer than a test's
/// baseline). Nothing else in an expression changes. A P4 heartbeat rule that is always
/// true with `for = "3s"` is appended: once it fires, rules have been evaluated for 3 s.
std::string FastRules(const std::string& default_rules);

/// The heartbeat rule's name (P4, never routed to the sink).
inline constexpr const char* kHeartbeat = "E2eBaselineHeartbeat";

/// An HTTP endpoint that records every Alertmanager-format notification POSTed to /alerts.
class AlertSink {
 public:
  AlertSink();
  AlertSink(const AlertSink&) = delete;
  AlertSink& operator=(const AlertSink&) = delete;

  std::string Url() const;
  std::vector<nlohmann::json> Received();
  /// The first alert (labels, status, ...) of a notification whose top-level status is
  /// `status` ("firing" or "resolved") and that carries `alertname` with that status.
  std::optional<nlohmann::json> Find(const std::string& status, const std::string& alertname);
  /// Every alertname that ever arrived in a firing notification.
  std::set<std::string> FiredNames();
  /// All received bodies, for failure messages.
  std::string Dump();

 private:
  std::mutex mu_;
  std::vector<nlohmann::json> received_;
  testing::LoopbackServer server_;  // last: stops before the state its handlers use
};

/// A stand-in for the integration's webhook endpoint answering with a settable status.
/// Counts every request and, per `X-Flexport-Agent-Event-Id`, how often it arrived.
class AppStub {
 public:
  explicit AppStub(int status);
  AppStub(const AppStub&) = delete;
  AppStub& operator=(const AppStub&) = delete;
  std::string Url() const;
  void SetStatus(int status);
  int Requests() const;
  /// Requests per event id that were answered with a 2xx (deliveries).
  std::map<std::string, int> Deliveries();

 private:
  std::atomic<int> status_;
  std::atomic<int> requests_{0};
  std::mutex mu_;
  std::map<std::string, int> deliveries_;
  testing::LoopbackServer server_;  // last: stops before the state its handlers use
};

/// What varies between tests in the agent's configuration.
struct AgentOptions {
  std::string api_base;        // default: the sim
  std::string status_page;     // default: the sim
  std::string probes_extra;    // raw TOML lines appended to [probes]
  std::string webhooks_extra;  // raw TOML appended after [webhooks] secrets (may open tables)
  std::string data_dir;        // default: {dir}/data

  std::vector<std::string> env;  // extra "NAME=value" entries for the agent's environment
};

/// One sim and one agent in a temporary directory.
class Stack {
 public:
  Stack();
  ~Stack();
  /// Starts the agent; returns "" or what went wrong (with the agent's logs).
  std::string StartAgent(const AgentOptions& options);

  /// POST /_sim/<path> with a JSON body; returns the HTTP status (0 = no answer).
  int SimPost(const std::string& path, const nlohmann::json& body);
  int Scenario(const std::string& name) {
    return SimPost("scenario/" + name, nlohmann::json::object());
  }
  /// Queues webhook events from the sim to the agent's public webhook endpoint.
  int SendWebhooks(nlohmann::json job);

  /// The agent's /metrics text ("" when unreachable).
  std::string Metrics();
  /// GET `path` on the agent's internal listener: the status (0 = no answer) and body.
  int InternalGet(const std::string& path, std::string* body = nullptr);
  /// The public listener as "host:port" (after StartAgent).
  const std::string& PublicAddress() const { return public_address_; }
  /// Posts `body` signed with the agent's webhook secret to the public webhook path;
  /// returns the HTTP status (0 = no answer).
  int PostSignedWebhook(const std::string& body);
  bool AgentRunning() { return agent_ && agent_->Running(); }
  /// Whether the agent's flexport_alerts gauge shows `alertname` in `alertstate`
  /// ("pending" or "firing"); an empty state matches either.
  bool AlertState(const std::string& alertname, const std::string& alertstate = "");
  /// Waits until the heartbeat rule fires: rules have seen 3 s of probe data.
  bool WaitForBaseline();

  AlertSink& sink() { return sink_; }
  std::string AgentLogs() const;
  std::string SimBase() const { return "http://127.0.0.1:" + std::to_string(sim_port_); }
  const std::string& dir() const { return dir_.path(); }

 private:
  testing::TempDir dir_;
  AlertSink sink_;
  std::unique_ptr<testing::Subprocess> sim_;
  std::unique_ptr<testing::AgentProcess> agent_;
  int sim_port_ = 0;
  std::unique_ptr<httplib::Client> sim_client_;
  std::unique_ptr<httplib::Client> internal_;
  std::unique_ptr<httplib::Client> public_;
  std::string public_url_;
  std::string public_address_;
};

}  // namespace fxagent::e2e
