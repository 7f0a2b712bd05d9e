/// The egress proxy's circuit breaker: opens after a run of consecutive failures (5xx or
/// transport errors), lets a single probe request through once `open_duration` has passed
/// (half-open), and closes when that probe succeeds. Time is passed in, so tests drive it
/// without sleeping. Thread-safe (internal mutex); the transition callback runs under it
/// and must not call back into the breaker.
#pragma once

#include <chrono>
#include <functional>
#include <mutex>

namespace fxagent {

enum class BreakerState { kClosed = 0, kOpen = 1, kHalfOpen = 2 };

const char* BreakerStateName(BreakerState s);

class CircuitBreaker {
 public:
  using TimePoint = std::chrono::steady_clock::time_point;
  using Transition = std::function<void(BreakerState from, BreakerState to)>;

  /// How a request was let through (or not).
  enum class Admission {
    kAllow,   // closed: normal request
    kProbe,   // half-open: the single trial request
    kReject,  // open, or half-open with the probe still in flight
  };
  enum class Outcome { kSuccess, kFailure, kAbandoned };

  CircuitBreaker(int failure_threshold, std::chrono::milliseconds open_duration,
                 Transition on_transition = nullptr);

  Admission Admit(TimePoint now);
  /// Reports how an admitted request ended. kAbandoned (never reached the upstream) only
  /// frees the probe slot. Results of kAllow requests that finish after the breaker opened
  /// are ignored: only the probe decides in half-open.
  void Record(Admission admission, Outcome outcome, TimePoint now);

  BreakerState state() const;
  /// While open: time left until half-open; otherwise zero.
  std::chrono::milliseconds RemainingOpen(TimePoint now) const;

 private:
  void MoveTo(BreakerState next);

  const int failure_threshold_;
  const std::chrono::milliseconds open_duration_;
  const Transition on_transition_;

  mutable std::mutex mu_;
  BreakerState state_ = BreakerState::kClosed;
  int consecutive_failures_ = 0;
  TimePoint opened_at_{};
  bool probe_in_flight_ = false;
};

}  // namespace fxagent
