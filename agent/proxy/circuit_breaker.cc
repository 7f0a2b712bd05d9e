#include "agent/proxy/circuit_breaker.h"

#include <algorithm>

namespace fxagent {

const char* BreakerStateName(BreakerState s) {
  switch (s) {
    case BreakerState::kClosed:
      return "closed";
    case BreakerState::kOpen:
      return "open";
    case BreakerState::kHalfOpen:
      return "half_open";
  }
  return "unknown";
}

CircuitBreaker::CircuitBreaker(int failure_threshold, std::chrono::milliseconds open_duration,
                               Transition on_transition)
    : failure_threshold_(std::max(1, failure_threshold)),
      open_duration_(open_duration),
      on_transition_(std::move(on_transition)) {}

void CircuitBreaker::MoveTo(BreakerState next) {
  if (next == state_) return;
  const BreakerState from = state_;
  state_ = next;
  if (on_transition_) on_transition_(from, next);
}

CircuitBreaker::Admission CircuitBreaker::Admit(TimePoint now) {
  std::lock_guard lock(mu_);
  if (state_ == BreakerState::kOpen && now - opened_at_ >= open_duration_) {
    MoveTo(BreakerState::kHalfOpen);
  }
  switch (state_) {
    case BreakerState::kClosed:
      return Admission::kAllow;
    case BreakerState::kHalfOpen:
      if (probe_in_flight_) return Admission::kReject;
      probe_in_flight_ = true;
      return Admission::kProbe;
    case BreakerState::kOpen:
      break;
  }
  return Admission::kReject;
}

void CircuitBreaker::Record(Admission admission, Outcome outcome, TimePoint now) {
  std::lock_guard lock(mu_);
  if (admission == Admission::kProbe) {
    probe_in_flight_ = false;
    if (state_ != BreakerState::kHalfOpen) return;
    if (outcome == Outcome::kSuccess) {
      consecutive_failures_ = 0;
      MoveTo(BreakerState::kClosed);
    } else if (outcome == Outcome::kFailure) {
      opened_at_ = now;
      MoveTo(BreakerState::kOpen);
    }
    return;
  }
  if (admission != Admission::kAllow || state_ != BreakerState::kClosed) return;
  if (outcome == Outcome::kSuccess) {
    consecutive_failures_ = 0;
  } else if (outcome == Outcome::kFailure && ++consecutive_failures_ >= failure_threshold_) {
    consecutive_failures_ = 0;
    opened_at_ = now;
    MoveTo(BreakerState::kOpen);
  }
}

BreakerState CircuitBreaker::state() const {
  std::lock_guard lock(mu_);
  return state_;
}

std::chrono::milliseconds CircuitBreaker::RemainingOpen(TimePoint now) const {
  std::lock_guard lock(mu_);
  if (state_ != BreakerState::kOpen) return std::chrono::milliseconds(0);
  const auto left =
      std::chrono::duration_cast<std::chrono::milliseconds>(opened_at_ + open_duration_ - now);
  return std::max(left, std::chrono::milliseconds(0));
}

}  // namespace fxagent
