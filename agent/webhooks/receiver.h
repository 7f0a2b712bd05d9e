/// The webhook request handler, independent of any HTTP server: size check, signature,
/// envelope parsing, durable store, metrics, and a wake-up for the forwarder. The HTTP
/// layer translates its request into WebhookRequest and sends back WebhookResponse.
/// Handle() is thread-safe and blocks until the event is durable (group commit).
/// With SetTracer, each request is a server span "POST {path}" (continuing the sender's
/// `traceparent`) with children "webhook verify" and "webhook persist".
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "agent/base/clock.h"
#include "agent/config/config.h"
#include "agent/webhooks/event.h"
#include "agent/webhooks/event_store.h"

namespace prometheus {
class Registry;
class Counter;
class Gauge;
class Histogram;
template <typename T>
class Family;
}  // namespace prometheus

namespace fxagent {

class GapTracker;
class ScopedSpan;
class Tracer;

struct WebhookRequest {
  std::string method = "POST";
  std::string path;
  std::vector<std::pair<std::string, std::string>> headers;
  std::string_view body;                   // raw bytes, exactly as received
  std::optional<uint64_t> content_length;  // from the header, when sent
  /// Case-insensitive header lookup; nullptr when absent.
  const std::string* Header(std::string_view name) const;
};

struct WebhookResponse {
  int status = 200;
  std::string body;  // JSON
  std::string content_type = "application/json";
};

/// Optional collaborators of the receiver.
struct ReceiverHooks {
  std::function<void()> on_stored;  // e.g. WebhookForwarder::Wake
  GapTracker* gaps = nullptr;       // observes accepted events
  std::shared_ptr<const Clock> clock = MakeSystemClock();
};

/// Values of `flexport_webhook_received_total{outcome}`. "error" = the store failed (503).
inline constexpr char kOutcomeAccepted[] = "accepted";
inline constexpr char kOutcomeDuplicate[] = "duplicate";
inline constexpr char kOutcomeBadSignature[] = "bad_signature";
inline constexpr char kOutcomeTooLarge[] = "too_large";
inline constexpr char kOutcomeMalformed[] = "malformed";
inline constexpr char kOutcomeError[] = "error";

class WebhookReceiver {
 public:
  /// `config`, `store` and `registry` must outlive the receiver.
  WebhookReceiver(const WebhooksSection& config, WebhookStore& store,
                  prometheus::Registry& registry, ReceiverHooks hooks = {});

  /// Largest body accepted; the HTTP layer should refuse larger Content-Length values
  /// before reading the body (and call RejectTooLarge()).
  uint64_t MaxBody() const { return config_.max_body; }
  WebhookResponse Handle(const WebhookRequest& request);
  /// 413 for a request refused before its body was read; counts it.
  WebhookResponse RejectTooLarge();
  /// Sets last-received gauges from the store after a restart.
  void SeedLastReceived(const std::map<std::string, EventTime>& last_by_type);
  /// Copies the store's counts into the spool-depth and dead-letter gauges.
  void RefreshStoreGauges();
  /// Spans for each request from now on; nullptr (the default) = no spans. The tracer
  /// must outlive the receiver.
  void SetTracer(Tracer* tracer) { tracer_.store(tracer); }

 private:
  ScopedSpan StartServerSpan(const WebhookRequest* request);
  WebhookResponse Finish(std::chrono::steady_clock::time_point start, const std::string& type,
                         const char* outcome, int status, std::string body, ScopedSpan& span);

  const WebhooksSection& config_;
  WebhookStore& store_;
  ReceiverHooks hooks_;
  TypeLabelLimiter limiter_;
  prometheus::Family<prometheus::Counter>& received_;
  prometheus::Family<prometheus::Gauge>& last_received_;
  prometheus::Histogram& ack_duration_;
  prometheus::Gauge& spool_depth_;
  prometheus::Gauge& dead_letters_;
  std::atomic<Tracer*> tracer_{nullptr};
};

}  // namespace fxagent
