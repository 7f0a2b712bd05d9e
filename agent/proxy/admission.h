/// Decides when a proxied request may go upstream: first (with `[proxy] queue_on_429`)
/// a bounded wait behind a rate-limit reset, then one of `max_concurrency` slots.
/// Thread-safe; Acquire() blocks the calling server thread for a bounded time and Stop()
/// wakes every waiter.
#pragma once

#include <chrono>
#include <condition_variable>
#include <mutex>
#include <string>

#include "agent/base/clock.h"
#include "agent/config/config.h"
#include "agent/proxy/rate_limit_gate.h"

namespace fxagent {

class ProxyMetrics;

class ProxyAdmission {
 public:
  enum class Verdict { kGo, kRateLimited, kOverloaded, kStopping };
  struct Result {
    Verdict verdict = Verdict::kGo;
    std::chrono::seconds retry_after{0};  // kRateLimited: seconds until the reset
    std::string cause;                    // queue_full, wait_too_long, queue_timeout, ...
  };

  ProxyAdmission(const ProxySection& config, ProxyMetrics& metrics,
                 std::shared_ptr<const Clock> clock);

  /// kGo holds a concurrency slot: call Release() when the upstream call is done.
  Result Acquire();
  void Release();
  /// A 429 from the upstream: with queue_on_429, hold new requests back until the reset.
  void OnRateLimited(std::chrono::milliseconds retry_after);
  void Stop();

 private:
  Result WaitForReset(std::unique_lock<std::mutex>& lock);
  // Waits on the real clock for what the injected clock says is left until `until`.
  void WaitUntil(std::unique_lock<std::mutex>& lock, std::chrono::steady_clock::time_point until);

  const bool queue_on_429_;
  const int max_concurrency_;
  const std::chrono::milliseconds slot_wait_;
  ProxyMetrics& metrics_;
  const std::shared_ptr<const Clock> clock_;

  std::mutex mu_;
  std::condition_variable cv_;
  RateLimitGate gate_;
  int in_flight_ = 0;
  bool stopping_ = false;
};

}  // namespace fxagent
