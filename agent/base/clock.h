/// The time source for the notifier: group_wait, repeat, escalation and outbox backoff
/// all read Now() from an injected Clock so tests drive time without sleeping.
/// Implementations must be thread-safe.
#pragma once

#include <chrono>

#include "agent/config/units.h"

namespace fxagent {

class Clock {
 public:
  virtual ~Clock() = default;
  virtual TimePoint Now() const = 0;
};

/// Reads std::chrono::system_clock.
class SystemClock final : public Clock {
 public:
  TimePoint Now() const override { return std::chrono::system_clock::now(); }
};

}  // namespace fxagent
