/// The live state of the fake Flexport: injected faults, status page, rate-limit bucket,
/// accepted credentials, subscription, and the counters /_sim/state reports. Every
/// request handler asks it what to do (DecideApi) and tells it what happened
/// (RecordApi). Thread-safe: one mutex guards everything.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <map>
#include <mutex>
#include <nlohmann/json.hpp>
#include <random>
#include <string>
#include <string_view>

#include "sim/fault_state.h"
#include "sim/iso_time.h"
#include "sim/rate_limiter.h"
#include "sim/sim_options.h"
#include "sim/status_page.h"

namespace fxagent::sim {

/// Everything a scenario or the control API can change.
struct SimConfig {
  std::string scenario = "healthy";
  FaultTable faults;
  int base_latency_ms = 2;
  StatusPageState status_page = DefaultStatusPage();
  RateLimitConfig rate_limit;
  std::string api_key;  // the accepted key
  bool subscription_active = true;
  int token_daily_limit = 10;
};

/// What an API request gets.
struct ApiDecision {
  int status = 200;  // 200 = serve the resource; otherwise answer with this error
  std::string code;
  std::string message;
  int latency_ms = 0;
  RateDecision rate;
  RateLimitHeaderStyle header_style = RateLimitHeaderStyle::kXRateLimit;
};

struct TokenGrant {
  int status = 200;
  std::string access_token;  // when status == 200
  int expires_in = 86400;
  std::string error;  // OAuth error code otherwise
};

class SimState {
 public:
  explicit SimState(const SimOptions& options);

  /// The configuration start-up options give (scenario "healthy").
  SimConfig Baseline() const;

  ApiDecision DecideApi(std::string_view path, std::string_view authorization,
                        std::string_view flexport_version);
  void RecordApi(std::string_view path, int status);

  TokenGrant IssueToken(std::string_view client_id);

  StatusPageState StatusPage();  // counts a status page request
  bool SubscriptionActive() const;

  /// Replaces the configuration with a preset; false for an unknown name.
  bool ApplyScenario(std::string_view name);
  /// Back to the baseline with zeroed counters and no issued tokens.
  void Reset();

  bool SetFaults(const nlohmann::json& in, std::string* error);
  bool UpdateStatusPage(const nlohmann::json& in, std::string* error);
  bool UpdateRateLimit(const nlohmann::json& in, std::string* error);
  void SetApiKey(std::string key);  // also revokes issued tokens
  void SetSubscriptionActive(bool active);

  SimConfig Config() const;
  /// Faults, status page, rate limit, counters; never the key or secrets.
  nlohmann::json Snapshot() const;

  /// Sleeps unless Shutdown() is called first; false when interrupted.
  bool SleepFor(std::chrono::milliseconds duration);
  void Shutdown();
  bool shutting_down() const;

 private:
  bool AuthorizedLocked(std::string_view authorization);
  void ApplyConfigLocked(SimConfig config);

  const SimOptions options_;
  mutable std::mutex mu_;
  std::condition_variable cv_;
  bool shutdown_ = false;
  SimConfig config_;
  TokenBucket bucket_;
  std::mt19937_64 rng_;
  std::map<std::string, std::chrono::steady_clock::time_point> tokens_;
  std::chrono::steady_clock::time_point token_window_start_;
  int tokens_in_window_ = 0;
  // Counters.
  std::map<std::string, std::map<std::string, uint64_t>> api_requests_;  // endpoint -> code
  uint64_t api_total_ = 0;
  uint64_t token_requests_ = 0;
  uint64_t token_rejected_ = 0;
  uint64_t statuspage_requests_ = 0;
};

}  // namespace fxagent::sim
