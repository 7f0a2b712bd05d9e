/// Internal to agent/notify: delivers due outbox entries with a receiver's HTTP client,
/// retries with exponential backoff, switches to the route's fallback receiver after
/// repeated failures, expires entries past their max age, and counts every outcome.
/// With SetTracer, each HTTP request is a client span "notify {receiver name}".
/// RunOnce is called from one thread at a time (the Notifier's sender thread, or a test);
/// SetTracer from any thread.
#pragma once

#include <prometheus/counter.h>
#include <prometheus/family.h>
#include <prometheus/gauge.h>

#include <atomic>
#include <chrono>
#include <map>
#include <memory>
#include <string>

#include "agent/base/clock.h"
#include "agent/base/logger.h"
#include "agent/notify/delivery/outbox.h"
#include "agent/notify/receivers/http_client.h"
#include "agent/notify/receivers/receiver.h"

namespace fxagent {

class Tracer;

struct SenderOptions {
  std::chrono::milliseconds backoff_base{1000};
  std::chrono::milliseconds backoff_max{std::chrono::minutes(5)};
  std::chrono::milliseconds max_age{std::chrono::hours(24)};
  int fallback_after = 3;  // failed attempts before switching to the fallback receiver
};

struct SenderMetrics {
  prometheus::Family<prometheus::Counter>* total = nullptr;  // {receiver, outcome}
  prometheus::Gauge* queue_depth = nullptr;
  prometheus::Gauge* oldest_age = nullptr;
};

class Sender {
 public:
  Sender(Outbox& outbox, const std::map<std::string, std::unique_ptr<Receiver>>& receivers,
         HttpClient& http, const Clock& clock, Logger& log, SenderMetrics metrics,
         SenderOptions options);

  /// Attempts every due lane head once. Returns the number of attempts made.
  size_t RunOnce();
  /// Refreshes the queue depth and oldest-age gauges.
  void UpdateGauges();
  /// nullptr (the default) = no spans. The tracer must outlive the sender.
  void SetTracer(Tracer* tracer) { tracer_.store(tracer); }

 private:
  int Post(const OutboxEntry& e, const Receiver& r, const NotifyRequest& request, Verdict* verdict);
  enum class Result { kSent, kRetry, kFinal };
  Result Attempt(OutboxEntry& e, const Receiver& r, TimePoint now);
  void Count(const std::string& receiver, const char* outcome);
  void Fail(OutboxEntry& e, bool final, TimePoint now);

  Outbox& outbox_;
  const std::map<std::string, std::unique_ptr<Receiver>>& receivers_;
  HttpClient& http_;
  const Clock& clock_;
  Logger& log_;
  SenderMetrics metrics_;
  SenderOptions options_;
  std::map<std::string, TimePoint> next_allowed_;  // pacing per receiver
  std::atomic<Tracer*> tracer_{nullptr};
};

}  // namespace fxagent
