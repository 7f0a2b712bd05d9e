/// `alertmanager` receiver: POST {url}/api/v2/alerts with every alert of the group.
/// Firing alerts carry endsAt = send time + kAlertmanagerValidity and are re-sent
/// (NotificationKind::kRefresh) before that lapses. Several URLs are an Alertmanager
/// cluster: every member gets the alerts, one acceptance is enough. Immutable.
#pragma once

#include <chrono>
#include <string>

#include "agent/notify/receivers/receiver.h"

namespace fxagent {

inline constexpr std::chrono::minutes kAlertmanagerValidity{5};
inline constexpr std::chrono::minutes kAlertmanagerResend{1};

/// The JSON array for /api/v2/alerts (pure); `now` is the send time.
std::string BuildAlertmanagerPayload(const Notification& n, TimePoint now);

class AlertmanagerReceiver final : public Receiver {
 public:
  AlertmanagerReceiver(ReceiverConfig config, ReceiverContext ctx)
      : config_(std::move(config)), ctx_(std::move(ctx)) {}
  const ReceiverConfig& config() const override { return config_; }
  std::vector<NotifyRequest> Build(const Notification& n, TimePoint now) const override;
  Verdict Classify(int http_status) const override;
  bool AnyRequestSuffices() const override { return true; }
  bool WantsIncidentUpdates() const override { return false; }

 private:
  ReceiverConfig config_;
  ReceiverContext ctx_;
};

}  // namespace fxagent
