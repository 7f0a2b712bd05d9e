#include "agent/proxy/rate_limit_gate.h"

#include <algorithm>

namespace fxagent {

RateLimitGate::RateLimitGate(int queue_max, std::chrono::milliseconds max_wait)
    : queue_max_(std::max(0, queue_max)), max_wait_(max_wait) {}

RateLimitGate::Decision RateLimitGate::Enter(TimePoint now) {
  Decision d;
  if (!Blocked(now)) return d;
  d.retry_after = RetryAfter(blocked_until_, now);
  if (blocked_until_ - now > max_wait_) {
    d.kind = Kind::kWaitTooLong;
  } else if (depth_ >= queue_max_) {
    d.kind = Kind::kQueueFull;
  } else {
    d.kind = Kind::kQueue;
    d.until = blocked_until_;
    d.deadline = now + max_wait_;
    ++depth_;
  }
  return d;
}

void RateLimitGate::Leave() {
  if (depth_ > 0) --depth_;
}

void RateLimitGate::OnRateLimited(std::chrono::milliseconds retry_after, TimePoint now) {
  if (retry_after <= std::chrono::milliseconds(0)) return;
  blocked_until_ = std::max(blocked_until_, now + retry_after);
}

std::chrono::seconds RateLimitGate::RetryAfter(TimePoint until, TimePoint now) {
  const auto left = std::chrono::ceil<std::chrono::seconds>(until - now);
  return std::max(left, std::chrono::seconds(1));
}

}  // namespace fxagent
