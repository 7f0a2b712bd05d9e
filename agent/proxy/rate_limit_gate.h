/// The decision half of `[proxy] queue_on_429`: after the upstream answers 429 with a
/// Retry-After, new requests wait until the reset instead of spending more quota; the
/// queue and the wait are bounded and anything over the bound is rejected at once with
/// the remaining Retry-After. Pure state with time passed in; not thread-safe (the
/// caller's lock also guards the condition variable the waiters sleep on).
#pragma once

#include <chrono>

namespace fxagent {

class RateLimitGate {
 public:
  using TimePoint = std::chrono::steady_clock::time_point;

  enum class Kind {
    kProceed,      // not rate limited
    kQueue,        // wait until `until` (a queue slot is held until Leave())
    kQueueFull,    // queue_max requests already waiting
    kWaitTooLong,  // the reset is further away than queue_max_wait
  };
  struct Decision {
    Kind kind = Kind::kProceed;
    TimePoint until{};                    // the reset, for kQueue
    TimePoint deadline{};                 // give up waiting at this time, for kQueue
    std::chrono::seconds retry_after{0};  // for rejections: seconds until the reset, >= 1
  };

  RateLimitGate(int queue_max, std::chrono::milliseconds max_wait);

  Decision Enter(TimePoint now);
  /// Frees the queue slot of a kQueue decision (released, timed out or shut down).
  void Leave();

  /// Records a 429: requests are held back until now + retry_after (never shortened).
  void OnRateLimited(std::chrono::milliseconds retry_after, TimePoint now);

  bool Blocked(TimePoint now) const { return now < blocked_until_; }
  TimePoint blocked_until() const { return blocked_until_; }
  int depth() const { return depth_; }

  /// Whole seconds until `until`, rounded up, at least 1 (a Retry-After value).
  static std::chrono::seconds RetryAfter(TimePoint until, TimePoint now);

 private:
  const int queue_max_;
  const std::chrono::milliseconds max_wait_;
  TimePoint blocked_until_{};
  int depth_ = 0;
};

}  // namespace fxagent
