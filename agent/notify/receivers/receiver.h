/// A notification receiver (slack, alertmanager, pagerduty, webhook): turns a
/// Notification into HTTP requests (pure) and classifies the answers the way its API
/// asks. Implementations are immutable after construction: safe from any thread.
#pragma once

#include <chrono>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "agent/config/config.h"
#include "agent/notify/dispatch/notification.h"

namespace fxagent {

struct NotifyRequest {
  std::string url;  // secret: never log it; use RedactUrl
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;
};

enum class Verdict { kSent, kRetry, kFinal };

/// What the payload builders need besides the notification.
struct ReceiverContext {
  std::string external_url;  // the agent's internal URL, Alertmanager's externalURL
};

class Receiver {
 public:
  virtual ~Receiver() = default;
  virtual const ReceiverConfig& config() const = 0;
  /// The requests for one delivery attempt, built at send time (`now`).
  virtual std::vector<NotifyRequest> Build(const Notification& n, TimePoint now) const = 0;
  /// `http_status` 0 means no answer (connect error, timeout).
  virtual Verdict Classify(int http_status) const = 0;
  /// True when one accepted request is enough (an Alertmanager cluster); otherwise
  /// every request must be accepted, in order.
  virtual bool AnyRequestSuffices() const { return false; }
  /// Minimum spacing between two sends to this receiver (Slack: about 1 per second).
  virtual std::chrono::milliseconds MinInterval() const { return std::chrono::milliseconds(0); }
  /// False when incident status updates make no sense for it (PagerDuty, Alertmanager).
  virtual bool WantsIncidentUpdates() const { return true; }
};

/// Builds the receiver for a configured [[receivers]] entry; nullptr for an unknown type.
std::unique_ptr<Receiver> MakeReceiver(const ReceiverConfig& config, const ReceiverContext& ctx);

/// "https://hooks.slack.com/…": scheme and host only, safe to log and show.
std::string RedactUrl(const std::string& url);

/// Cuts `text` to at most `max_chars` UTF-8 characters, ending with "…" when cut.
std::string TruncateText(const std::string& text, size_t max_chars);

}  // namespace fxagent
