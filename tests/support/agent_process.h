/// Test support: the flexport-agent binary as a child process, and the addresses it
/// bound. Every listener is configured on port 0; the agent writes the bound addresses to
/// {data_dir}/listen.json once it listens. Not thread-safe; one owner per AgentProcess.
#pragma once

#include <chrono>
#include <nlohmann/json.hpp>
#include <string>
#include <utility>
#include <vector>

#include "tests/support/subprocess.h"

namespace fxagent::testing {

/// {data_dir}/listen.json ({"public": "host:port", "internal": ..., "egress": ...}); an
/// empty object while it is missing or incomplete.
nlohmann::json ListenAddresses(const std::string& data_dir);

/// "host:port" split at the last colon; port 0 when there is none.
std::pair<std::string, int> HostPort(const std::string& address);

class AgentProcess : public Subprocess {
 public:
  /// Removes a stale {data_dir}/listen.json, then starts `argv` (the agent binary and
  /// its arguments) as Subprocess does.
  AgentProcess(const std::string& dir, const std::string& name, std::vector<std::string> argv,
               std::vector<std::string> extra_env, std::string data_dir);

  /// Waits until listen.json names `listener` ("public", "internal" or "egress").
  bool WaitListening(const std::string& listener = "internal",
                     std::chrono::milliseconds timeout = std::chrono::seconds(10));
  /// Waits until GET /readyz on the internal listener answers 200 (and, when
  /// `first_probe_round`, reports the first probe round done). Call after WaitListening.
  bool WaitReady(bool first_probe_round = false,
                 std::chrono::milliseconds timeout = std::chrono::seconds(10));
  /// The "host:port" of `listener` from listen.json; "" until it is written.
  std::string Address(const std::string& listener) const;
  /// stdout and stderr, for failure messages.
  std::string Logs() const;

 private:
  std::string data_dir_;
};

}  // namespace fxagent::testing
