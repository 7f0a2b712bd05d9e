/// Delivers stored webhook events to the application (`forward_to`) in the background:
/// same body and signature headers, plus X-Flexport-Agent-* headers; 2xx = delivered,
/// anything else or a timeout = retry with exponential backoff and jitter, then
/// dead-letter after max_attempts. Per-shipment order, bounded concurrency, keep-alive.
/// With an empty `forward_to` it only marks pending events delivered (record-only).
/// With SetTracer, each delivery attempt is a client span "POST" whose `traceparent`
/// header goes to the application.
/// One thread (libcurl multi); Start/Stop/Wake/SetTracer are thread-safe.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <string>

#include "agent/base/clock.h"
#include "agent/config/config.h"
#include "agent/webhooks/event_store.h"

namespace prometheus {
class Registry;
}  // namespace prometheus

namespace fxagent {

class Tracer;

struct ForwarderOptions {
  std::string forward_to;  // "" = record only
  int max_attempts = 12;
  int max_concurrency = 8;
  std::chrono::milliseconds backoff_base = std::chrono::seconds(1);
  std::chrono::milliseconds backoff_max = std::chrono::minutes(5);
  double jitter = 0.2;  // each delay is scaled by a random factor in [1 - jitter, 1 + jitter]
  std::chrono::milliseconds timeout = std::chrono::seconds(10);  // per delivery
  // Wake() and the next due time end a wait early; this only bounds an idle sleep.
  std::chrono::milliseconds poll_interval = std::chrono::seconds(5);
  std::shared_ptr<const Clock> clock = MakeSystemClock();

  static ForwarderOptions FromConfig(const WebhooksSection& config);
};

/// Delay before attempt `attempt + 1` after `attempt` failures (attempt >= 1):
/// base × 2^(attempt-1), capped at max, scaled by (1 - jitter + 2 × jitter × unit),
/// never above max. `unit` is a random number in [0, 1).
std::chrono::milliseconds RetryBackoff(int attempt, std::chrono::milliseconds base,
                                       std::chrono::milliseconds max, double jitter, double unit);

struct ForwarderStats {
  uint64_t delivered = 0;
  uint64_t retried = 0;
  uint64_t dead_lettered = 0;
};

class WebhookForwarder {
 public:
  /// `store` and `registry` must outlive the forwarder.
  WebhookForwarder(ForwarderOptions options, WebhookStore& store,
                   prometheus::Registry& registry);
  ~WebhookForwarder();  // Stop()
  WebhookForwarder(const WebhookForwarder&) = delete;
  WebhookForwarder& operator=(const WebhookForwarder&) = delete;

  /// Starts the delivery thread (once).
  void Start();
  /// Aborts deliveries in flight (they stay pending and are sent again after a restart)
  /// and joins the thread; returns within about a second.
  void Stop();
  /// Looks for due events now (after a store or a replay).
  void Wake();
  ForwarderStats Stats() const;
  /// A client span per delivery attempt from now on; nullptr (the default) = no spans.
  /// The tracer must outlive the forwarder.
  void SetTracer(Tracer* tracer);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace fxagent
