/// Support for the hostile-client tests: the real flexport-agent started on loopback
/// ports with a known webhook secret, raw TCP connections for attackers that speak bad
/// HTTP on purpose, and a legitimate webhook sender that records its latencies.
/// AgentUnderTest and RawConnection are not thread-safe (one owner each);
/// LegitSender runs its own thread and is safe to Stop() from the owner.
#pragma once

#include <atomic>
#include <chrono>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "tests/support/subprocess.h"

namespace fxagent::hostile {

inline constexpr char kSecret[] = "whsec_hostile_test_secret";
inline constexpr char kWebhookPath[] = "/webhooks/flexport";

/// The agent binary on 127.0.0.1:0 with a temp data_dir and nothing else reachable.
class AgentUnderTest {
 public:
  /// `extra_toml` is appended to the [listen] table (e.g. admin_token).
  explicit AgentUnderTest(const std::string& extra_listen_toml = "");
  ~AgentUnderTest();
  /// Starts the agent and waits for listen.json and /readyz; false on failure.
  bool Start();
  bool Running();
  int public_port() const { return public_port_; }
  int internal_port() const { return internal_port_; }
  /// GET /healthz on the public and the internal listener both answer 200 within 2 s.
  bool Healthy();
  std::string Stderr() const;

 private:
  testing::TempDir dir_;
  std::string data_dir_, config_path_;
  std::unique_ptr<testing::Subprocess> process_;
  int public_port_ = 0, internal_port_ = 0;
};

/// A blocking TCP connection to 127.0.0.1:port, closed on destruction.
class RawConnection {
 public:
  explicit RawConnection(int port);
  ~RawConnection();
  RawConnection(const RawConnection&) = delete;
  RawConnection& operator=(const RawConnection&) = delete;
  bool ok() const { return fd_ >= 0; }
  /// Sends everything; false when the peer closed or reset the connection.
  bool Send(std::string_view data);
  /// Reads until the peer closes, `timeout` passes or `max` bytes arrived.
  std::string Receive(std::chrono::milliseconds timeout, size_t max = 1 << 20);
  /// The status code of the first HTTP response read within `timeout`; 0 = the peer
  /// closed without answering, -1 = no answer within `timeout`.
  int ReadStatus(std::chrono::milliseconds timeout);
  /// Drains whatever has arrived without blocking; false once the peer has closed.
  bool Alive();

 private:
  int fd_ = -1;
};

/// Latency figures of a run of requests.
struct LatencyReport {
  size_t requests = 0;
  size_t ok = 0;  // answered 200
  size_t failed = 0;
  double p50_ms = 0, p99_ms = 0, max_ms = 0;
  std::string ToString() const;
};

/// Posts distinct signed events one after another, each on a fresh connection (as a
/// webhook sender that is not already holding a connection would), until Stop().
class LegitSender {
 public:
  LegitSender(int port, std::string name, std::chrono::milliseconds timeout);
  ~LegitSender();
  void Stop();
  LatencyReport Report() const;

 private:
  void Run();
  const int port_;
  const std::string name_;
  const std::chrono::milliseconds timeout_;
  std::atomic<bool> stop_{false};
  mutable std::mutex mu_;
  std::vector<double> latencies_ms_;
  size_t ok_ = 0, failed_ = 0;
  std::thread thread_;
};

}  // namespace fxagent::hostile
