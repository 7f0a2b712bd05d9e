/// `slack` receiver: an incoming-webhook message whose `text` fallback and Block Kit
/// blocks follow the incident communication template of DOMAIN.md, plus the playbook
/// steps and the alert labels. Respects Slack's limits (3000 characters per section,
/// 50 blocks, 150 per header) by cutting cleanly with "…". Immutable.
#pragma once

#include <string>

#include "agent/notify/receivers/receiver.h"

namespace fxagent {

inline constexpr size_t kSlackSectionMax = 3000;
inline constexpr size_t kSlackHeaderMax = 150;
inline constexpr size_t kSlackMaxBlocks = 50;

/// The message body for `n` (pure). `*truncated` (optional) is set when anything was cut.
std::string BuildSlackPayload(const Notification& n, bool* truncated = nullptr);

class SlackReceiver final : public Receiver {
 public:
  SlackReceiver(ReceiverConfig config, ReceiverContext ctx)
      : config_(std::move(config)), ctx_(std::move(ctx)) {}
  const ReceiverConfig& config() const override { return config_; }
  std::vector<NotifyRequest> Build(const Notification& n, TimePoint now) const override;
  Verdict Classify(int http_status) const override;
  std::chrono::milliseconds MinInterval() const override { return std::chrono::seconds(1); }

 private:
  ReceiverConfig config_;
  ReceiverContext ctx_;
};

}  // namespace fxagent
