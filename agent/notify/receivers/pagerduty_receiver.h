/// `pagerduty` receiver: PagerDuty Events API v2, one event per alert (trigger or
/// resolve, dedup_key = the alert's fingerprint). 400 is final, 429 and 5xx retried.
/// Immutable: safe from any thread.
#pragma once

#include <string>
#include <vector>

#include "agent/notify/receivers/receiver.h"

namespace fxagent {

inline constexpr size_t kPagerDutySummaryMax = 1024;

/// "critical", "error", "warning", "info" for P1..P4 (unknown → "warning").
std::string PagerDutySeverity(const std::string& severity);

/// One Events API v2 body per alert (pure).
std::vector<std::string> BuildPagerDutyEvents(const Notification& n, const std::string& routing_key,
                                              const std::string& external_url);

class PagerDutyReceiver final : public Receiver {
 public:
  PagerDutyReceiver(ReceiverConfig config, ReceiverContext ctx)
      : config_(std::move(config)), ctx_(std::move(ctx)) {}
  const ReceiverConfig& config() const override { return config_; }
  std::vector<NotifyRequest> Build(const Notification& n, TimePoint now) const override;
  Verdict Classify(int http_status) const override;
  bool WantsIncidentUpdates() const override { return false; }

 private:
  ReceiverConfig config_;
  ReceiverContext ctx_;
};

}  // namespace fxagent
