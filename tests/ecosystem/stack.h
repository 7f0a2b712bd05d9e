/// Ecosystem test support: starts flexport-sim, flexport-agent, a real Prometheus and a
/// real Alertmanager on loopback ports (each with its files in a test directory) and
/// waits for their readiness endpoints; small HTTP and PromQL helpers. Not thread-safe:
/// one owner per process object.
#pragma once

#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "tests/support/subprocess.h"

namespace fxagent::ecosystem {

/// `rel` resolved against the repository root.
std::string SourcePath(const std::string& rel);
/// True when `path` is non-empty and executable (a tool found at configure time).
bool ToolAvailable(const std::string& path);

struct HttpResult {
  int status = 0;  // 0 = no answer
  std::string body;
};
HttpResult HttpGet(const std::string& address, const std::string& path);
HttpResult HttpPost(const std::string& address, const std::string& path, const std::string& body,
                    const std::string& content_type = "application/json");

/// A started process and the `host:port` it serves on.
struct Process {
  std::unique_ptr<testing::Subprocess> proc;
  std::string address;
  std::string Logs() const;
};

/// flexport-sim on 127.0.0.1:0; `error` is set when it does not come up.
Process StartSim(const std::string& dir, const std::string& api_key, std::string* error);
/// Sets a sim scenario (`healthy`, `outage`, ...); false when the sim refuses it.
bool SimScenario(const std::string& sim_address, const std::string& name);

/// Has the sim send `count` signed webhook events of `type` to `target_url`.
bool SimSendWebhooks(const std::string& sim_address, const std::string& target_url, int count,
                     const std::string& type);

struct AgentOptions {
  std::string name = "agent";  // files go to {dir}/{name}/
  std::string instance = "eco";
  std::string sim_address;
  std::string extra_toml;  // appended to the generated configuration
};
struct Agent : Process {
  std::string internal, public_address, egress;
};
/// The agent against the sim, every listener on 127.0.0.1:0, probes every 500 ms;
/// returns once /readyz reports the first probe round done. The API key comes from
/// the environment variable ECO_API_KEY, set from `api_key`.
Agent StartAgent(const std::string& dir, const AgentOptions& options, const std::string& api_key,
                 std::string* error);

/// Prometheus with `config_yaml` as {dir}/prometheus.yml, TSDB in {dir}/tsdb, on a free
/// loopback port; returns once /-/ready answers 200.
Process StartPrometheus(const std::string& dir, const std::string& config_yaml, std::string* error);
/// Alertmanager with `config_yaml`, clustering off, on a free loopback port; returns once
/// /-/ready answers 200.
Process StartAlertmanager(const std::string& dir, const std::string& config_yaml,
                          std::string* error);

/// POST /api/v1/query; the decoded answer, or a discarded json when there is none.
nlohmann::json PromQuery(const std::string& prometheus, const std::string& expr);
/// Number of samples in an instant query's successful answer (0 on error).
size_t ResultCount(const nlohmann::json& answer);

}  // namespace fxagent::ecosystem
