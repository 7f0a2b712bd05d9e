/// `webhook` receiver: Alertmanager's webhook JSON (version "4"), so anything that
/// accepts Alertmanager webhooks accepts ours. Immutable: safe from any thread.
#pragma once

#include <string>

#include "agent/notify/receivers/receiver.h"

namespace fxagent {

/// The Alertmanager webhook body for `n` (pure).
std::string BuildWebhookPayload(const Notification& n, const std::string& external_url);

class WebhookReceiver final : public Receiver {
 public:
  WebhookReceiver(ReceiverConfig config, ReceiverContext ctx)
      : config_(std::move(config)), ctx_(std::move(ctx)) {}
  const ReceiverConfig& config() const override { return config_; }
  std::vector<NotifyRequest> Build(const Notification& n, TimePoint now) const override;
  Verdict Classify(int http_status) const override;

 private:
  ReceiverConfig config_;
  ReceiverContext ctx_;
};

/// 2xx sent; no answer, 408, 429 and 5xx retried; other codes final.
Verdict ClassifyGenericHttp(int http_status);

}  // namespace fxagent
