/// Hostile HTTP clients for the public listener, each running on its own thread until
/// stopped: slowloris, idle keep-alive hoarders, oversized headers/bodies, invalid HTTP.
/// Each counts what the agent answered. Start/Stop from one owner thread.
#pragma once

#include <atomic>
#include <chrono>
#include <map>
#include <mutex>
#include <string>
#include <thread>

namespace fxagent::hostile {

enum class Attack { kSlowloris, kIdleKeepAlive, kOversized, kInvalidHttp };
const char* ToString(Attack attack);

class Attacker {
 public:
  /// `connections`: how many sockets slowloris / idle keep-alive hold open at once.
  Attacker(Attack attack, int port, int connections);
  ~Attacker();
  void Stop();
  /// Outcome name -> count, e.g. "413", "closed", "no answer", "connect failed".
  std::map<std::string, int> Outcomes() const;
  /// Connections the attacker held open at the last check (slowloris, idle).
  int Held() const { return held_.load(); }
  /// Requests completed (answered, closed or timed out) by oversized / invalid HTTP.
  int Rounds() const { return rounds_.load(); }
  /// How many distinct requests oversized / invalid HTTP cycle through.
  static int Cases(Attack attack);
  std::string Summary() const;

 private:
  void Run();
  void Slowloris();
  void IdleKeepAlive();
  void Oversized();
  void InvalidHttp();
  void Count(const std::string& outcome);
  /// Counts an answered request and keeps the slowest answer time per outcome.
  void Count(const std::string& outcome, std::chrono::steady_clock::time_point start);

  const Attack attack_;
  const int port_;
  const int connections_;
  std::atomic<bool> stop_{false};
  std::atomic<int> held_{0};
  std::atomic<int> rounds_{0};
  mutable std::mutex mu_;
  std::map<std::string, int> outcomes_;
  std::map<std::string, double> slowest_ms_;
  std::thread thread_;
};

}  // namespace fxagent::hostile
