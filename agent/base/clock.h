/// The one time source of the agent. Every component that reads time takes a Clock, so
/// tests drive group_wait, repeat, escalation, outbox and forward backoff, webhook gaps,
/// the proxy's breaker and 429 queue without sleeping (tests/support/fake_clock.h).
/// Implementations must be thread-safe.
#pragma once

#include <chrono>
#include <memory>

namespace fxagent {

class Clock {
 public:
  virtual ~Clock() = default;
  /// Wall-clock time: timestamps, alert and incident times, retention.
  virtual std::chrono::system_clock::time_point Now() const = 0;
  /// Monotonic time: timeouts, the circuit breaker, the 429 queue.
  virtual std::chrono::steady_clock::time_point SteadyNow() const = 0;
};

/// Reads std::chrono::system_clock and std::chrono::steady_clock.
class SystemClock final : public Clock {
 public:
  std::chrono::system_clock::time_point Now() const override {
    return std::chrono::system_clock::now();
  }
  std::chrono::steady_clock::time_point SteadyNow() const override {
    return std::chrono::steady_clock::now();
  }
};

/// A shared SystemClock, the default of components that take a shared clock.
inline std::shared_ptr<const Clock> MakeSystemClock() { return std::make_shared<SystemClock>(); }

}  // namespace fxagent
