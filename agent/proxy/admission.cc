#include "agent/proxy/admission.h"

#include <prometheus/gauge.h>

#include <algorithm>

#include "agent/proxy/proxy_metrics.h"

namespace fxagent {

ProxyAdmission::ProxyAdmission(const ProxySection& config, ProxyMetrics& metrics,
                               std::shared_ptr<const Clock> clock)
    : queue_on_429_(config.queue_on_429),
      max_concurrency_(std::max(1, config.max_concurrency)),
      slot_wait_(config.timeout),
      metrics_(metrics),
      clock_(clock ? std::move(clock) : MakeSystemClock()),
      gate_(config.queue_max, config.queue_max_wait) {}

void ProxyAdmission::WaitUntil(std::unique_lock<std::mutex>& lock,
                               std::chrono::steady_clock::time_point until) {
  const auto left = until - clock_->SteadyNow();
  if (left > std::chrono::steady_clock::duration::zero()) cv_.wait_for(lock, left);
}

ProxyAdmission::Result ProxyAdmission::WaitForReset(std::unique_lock<std::mutex>& lock) {
  Result r;
  const RateLimitGate::Decision d = gate_.Enter(clock_->SteadyNow());
  switch (d.kind) {
    case RateLimitGate::Kind::kProceed:
      return r;
    case RateLimitGate::Kind::kQueueFull:
    case RateLimitGate::Kind::kWaitTooLong:
      metrics_.CountQueued("rejected");
      r.verdict = Verdict::kRateLimited;
      r.retry_after = d.retry_after;
      r.cause = d.kind == RateLimitGate::Kind::kQueueFull ? "queue_full" : "wait_too_long";
      return r;
    case RateLimitGate::Kind::kQueue:
      break;
  }
  metrics_.queue_depth.Set(gate_.depth());
  for (;;) {
    const auto now = clock_->SteadyNow();
    if (stopping_) {
      r.verdict = Verdict::kStopping;
      break;
    }
    if (!gate_.Blocked(now)) {
      metrics_.CountQueued("released");
      break;
    }
    // A later 429 may push the reset past this request's deadline: give up now.
    if (now >= d.deadline || gate_.blocked_until() > d.deadline) {
      metrics_.CountQueued("timeout");
      r.verdict = Verdict::kRateLimited;
      r.retry_after = RateLimitGate::RetryAfter(gate_.blocked_until(), now);
      r.cause = "queue_timeout";
      break;
    }
    WaitUntil(lock, gate_.blocked_until());
  }
  gate_.Leave();
  metrics_.queue_depth.Set(gate_.depth());
  return r;
}

ProxyAdmission::Result ProxyAdmission::Acquire() {
  std::unique_lock lock(mu_);
  if (stopping_) return {Verdict::kStopping, {}, "shutting_down"};
  if (queue_on_429_) {
    Result r = WaitForReset(lock);
    if (r.verdict != Verdict::kGo) return r;
  }
  const auto deadline = clock_->SteadyNow() + slot_wait_;
  while (in_flight_ >= max_concurrency_ && !stopping_) {
    if (clock_->SteadyNow() >= deadline) return {Verdict::kOverloaded, {}, "max_concurrency"};
    WaitUntil(lock, deadline);
  }
  if (stopping_) return {Verdict::kStopping, {}, "shutting_down"};
  ++in_flight_;
  metrics_.in_flight.Set(in_flight_);
  return {};
}

void ProxyAdmission::Release() {
  {
    std::lock_guard lock(mu_);
    if (in_flight_ > 0) --in_flight_;
    metrics_.in_flight.Set(in_flight_);
  }
  cv_.notify_all();
}

void ProxyAdmission::OnRateLimited(std::chrono::milliseconds retry_after) {
  if (!queue_on_429_) return;
  std::lock_guard lock(mu_);
  gate_.OnRateLimited(retry_after, clock_->SteadyNow());
}

void ProxyAdmission::Stop() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  cv_.notify_all();
}

}  // namespace fxagent
