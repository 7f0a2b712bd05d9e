/// Webhook reconciliation (`[webhooks.reconcile]`): every `interval`, pages through
/// Flexport's `GET /events` (newest first, never past `lookback`), compares each listed
/// event with what the relay's store holds, counts the missed ones
/// (`flexport_webhook_missed_total{type}`, `flexport_webhook_oldest_missing_age_seconds`)
/// and, with `replay_missed`, stores each as a `reconciled` event so the forwarder
/// delivers it (header `X-Flexport-Agent-Source: reconciled`), deduplicated like any
/// other event. It shares the integration's API quota: pages are spaced out, a 429 is
/// retried after its Retry-After, and a 401/5xx ends the run
/// (`flexport_webhook_reconcile_runs_total{outcome}`).
/// Threads: one background thread between Start() and Stop(). RunOnce() may be called from
/// any thread; runs never overlap. Thread-safe.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "agent/base/clock.h"
#include "agent/base/logger.h"
#include "agent/config/config.h"
#include "agent/webhooks/event.h"
#include "agent/webhooks/event_store.h"
#include "flexport/credentials.h"

namespace prometheus {
class Registry;
class Counter;
class Gauge;
template <typename T>
class Family;
}  // namespace prometheus

namespace fxagent {

class HttpTransport;
class WebhookRelay;
struct ListedEvent;

/// Knobs beyond the configuration; the defaults suit production, tests shorten them.
struct ReconcilerOptions {
  /// Pause between two page requests of one run (spreads the load on the API quota).
  std::chrono::milliseconds page_delay = std::chrono::milliseconds(500);
  /// Events younger than this are not judged yet: their delivery may still be in flight.
  std::chrono::milliseconds settle = std::chrono::seconds(30);
  /// Delay of the first run after Start(); later runs follow every `interval`.
  std::chrono::milliseconds first_run_delay = std::chrono::seconds(10);
  std::chrono::milliseconds request_timeout = std::chrono::seconds(10);
  /// Wait after a 429 without a usable Retry-After (doubles on each further 429).
  std::chrono::milliseconds rate_limit_backoff = std::chrono::seconds(2);
  /// A 429 asking for a longer wait than this ends the run as `ratelimited`.
  std::chrono::milliseconds max_retry_after = std::chrono::minutes(2);
  /// 429 answers tolerated in one run before it ends as `ratelimited`.
  int max_rate_limited = 3;
  /// Safety net for pages without timestamps.
  int max_pages = 1000;
  std::shared_ptr<const Clock> clock = MakeSystemClock();
  /// Whether this process runs the scheduled reconciliation now; in a cluster only the
  /// leader does (one set of API calls, one verdict on what is missing). Empty = always.
  std::function<bool()> active;
};

enum class ReconcileOutcome { kOk, kError, kRateLimited };
const char* ToString(ReconcileOutcome outcome);  // "ok" | "error" | "ratelimited"

/// What one run did.
struct ReconcileReport {
  ReconcileOutcome outcome = ReconcileOutcome::kOk;
  std::string error;     // why the run stopped early ("HTTP 401", ...); no secrets
  int pages = 0;         // pages fetched successfully
  int listed = 0;        // events within the lookback (and settled) that were compared
  int missed = 0;        // of those, never received by the relay (also when already counted)
  int replayed = 0;      // missed events newly stored as reconciled
  int rate_limited = 0;  // 429 answers seen
  std::vector<std::string> missed_ids;
  double oldest_missing_age_seconds = 0;  // 0 when nothing is missing
};

/// Receives the reconciler's log lines; see the Logger& constructor.
using ReconcileLogSink =
    std::function<void(LogLevel level, std::string_view message, Logger::Fields fields)>;

class WebhookReconciler {
 public:
  /// Every reference must outlive the reconciler. `credentials` supplies the Bearer
  /// token (Invalidate() is called on a 401).
  WebhookReconciler(const FlexportSection& flexport, const ReconcileSection& reconcile,
                    const WebhooksSection& webhooks, WebhookRelay& relay,
                    CredentialSource& credentials, prometheus::Registry& registry,
                    ReconcileLogSink log, ReconcilerOptions options = {});
  /// The daemon's form: log lines go to `logger` (which must outlive the reconciler).
  WebhookReconciler(const FlexportSection& flexport, const ReconcileSection& reconcile,
                    const WebhooksSection& webhooks, WebhookRelay& relay,
                    CredentialSource& credentials, prometheus::Registry& registry, Logger& logger,
                    ReconcilerOptions options = {})
      : WebhookReconciler(
            flexport, reconcile, webhooks, relay, credentials, registry,
            [&logger](LogLevel level, std::string_view message, Logger::Fields fields) {
              logger.Log(level, message, fields);
            },
            std::move(options)) {}
  ~WebhookReconciler();  // Stop()
  WebhookReconciler(const WebhookReconciler&) = delete;
  WebhookReconciler& operator=(const WebhookReconciler&) = delete;

  /// Starts the background thread (first run after first_run_delay, then every
  /// `interval`). Does nothing when `[webhooks.reconcile]` is not enabled, or twice.
  void Start();
  /// Interrupts waits (a request in flight finishes, up to request_timeout) and joins.
  void Stop();
  /// One reconciliation run now, on the calling thread (waits for a run in progress).
  ReconcileReport RunOnce();

 private:
  struct FetchResult;
  FetchResult FetchPage(int page, int per);
  /// Compares one page's settled events with the store; false when the store failed.
  bool CompareAndReplay(const std::vector<const ListedEvent*>& events, EventTime now,
                        ReconcileReport& report);
  ReconcileReport Finish(ReconcileReport report, ReconcileOutcome outcome, std::string error);
  /// Waits `d` unless Stop() is called first; false when stopping.
  bool Sleep(std::chrono::milliseconds d);
  void Loop();

  const FlexportSection& flexport_;
  const ReconcileSection& reconcile_;
  const WebhooksSection& webhooks_;
  WebhookRelay& relay_;
  CredentialSource& credentials_;
  ReconcileLogSink log_;
  ReconcilerOptions options_;
  TypeLabelLimiter limiter_;
  prometheus::Family<prometheus::Counter>& missed_;
  prometheus::Gauge& oldest_missing_;
  prometheus::Family<prometheus::Counter>& runs_;

  std::mutex run_mu_;  // one run at a time; guards transport_ and counted_
  std::unique_ptr<HttpTransport> transport_;
  std::map<std::string, EventTime> counted_;  // missed ids already counted -> created_at

  std::mutex mu_;
  std::condition_variable cv_;
  bool stopping_ = false;
  std::thread thread_;
};

}  // namespace fxagent
