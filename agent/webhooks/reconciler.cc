#include "agent/webhooks/reconciler.h"

#include <prometheus/counter.h>
#include <prometheus/gauge.h>
#include <prometheus/registry.h>

#include <algorithm>
#include <set>

#include "agent/webhooks/reconcile_page.h"
#include "agent/webhooks/relay.h"
#include "flexport/http_transport.h"
#include "flexport/ratelimit.h"

namespace fxagent {
namespace {

constexpr int kMaxPer = 100;
constexpr char kStopped[] = "stopped";

double Seconds(std::chrono::system_clock::duration d) {
  return std::chrono::duration<double>(d).count();
}

}  // namespace

const char* ToString(ReconcileOutcome outcome) {
  switch (outcome) {
    case ReconcileOutcome::kOk:
      return "ok";
    case ReconcileOutcome::kError:
      return "error";
    case ReconcileOutcome::kRateLimited:
      return "ratelimited";
  }
  return "error";
}

struct WebhookReconciler::FetchResult {
  HttpResponse response;
  std::string error;  // set when no request could be made (no credential)
};

WebhookReconciler::WebhookReconciler(const FlexportSection& flexport,
                                     const ReconcileSection& reconcile,
                                     const WebhooksSection& webhooks, WebhookRelay& relay,
                                     CredentialSource& credentials, prometheus::Registry& registry,
                                     ReconcileLogSink log, ReconcilerOptions options)
    : flexport_(flexport),
      reconcile_(reconcile),
      webhooks_(webhooks),
      relay_(relay),
      credentials_(credentials),
      log_(std::move(log)),
      options_(std::move(options)),
      missed_(prometheus::BuildCounter()
                  .Name("flexport_webhook_missed_total")
                  .Help("Events listed by Flexport's GET /events that never reached the relay")
                  .Register(registry)),
      oldest_missing_(prometheus::BuildGauge()
                          .Name("flexport_webhook_oldest_missing_age_seconds")
                          .Help("Age of the oldest missed event found by the last "
                                "reconciliation run; 0 when none was missing")
                          .Register(registry)
                          .Add({})),
      runs_(prometheus::BuildCounter()
                .Name("flexport_webhook_reconcile_runs_total")
                .Help("Webhook reconciliation runs, by outcome")
                .Register(registry)),
      transport_(std::make_unique<HttpTransport>()) {
  if (!options_.clock) options_.clock = MakeSystemClock();
  if (!log_) log_ = [](LogLevel, std::string_view, Logger::Fields) {};
  for (ReconcileOutcome o :
       {ReconcileOutcome::kOk, ReconcileOutcome::kError, ReconcileOutcome::kRateLimited}) {
    runs_.Add({{"outcome", ToString(o)}});
  }
}

WebhookReconciler::~WebhookReconciler() { Stop(); }

void WebhookReconciler::Start() {
  if (!reconcile_.enabled) return;
  std::lock_guard<std::mutex> lock(mu_);
  if (thread_.joinable() || stopping_) return;
  thread_ = std::thread([this] { Loop(); });
}

void WebhookReconciler::Stop() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stopping_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
}

bool WebhookReconciler::Sleep(std::chrono::milliseconds d) {
  std::unique_lock<std::mutex> lock(mu_);
  return !cv_.wait_for(lock, d, [this] { return stopping_; });
}

void WebhookReconciler::Loop() {
  std::chrono::milliseconds delay = options_.first_run_delay;
  while (Sleep(delay)) {
    if (options_.active && !options_.active()) {
      // Another replica leads: look again soon, so a new leader reconciles promptly.
      delay = std::min<std::chrono::milliseconds>(reconcile_.interval, std::chrono::seconds(5));
      continue;
    }
    RunOnce();
    delay = std::max<std::chrono::milliseconds>(reconcile_.interval, std::chrono::seconds(1));
  }
}

WebhookReconciler::FetchResult WebhookReconciler::FetchPage(int page, int per) {
  FetchResult result;
  std::string error;
  std::optional<std::string> token = credentials_.BearerToken(&error);
  if (!token) {
    result.error = "no API credential: " + error;
    return result;
  }
  HttpRequest request;
  request.url =
      flexport_.api_base + "/events?per=" + std::to_string(per) + "&page=" + std::to_string(page);
  request.headers = {{"Authorization", "Bearer " + *token},
                     {"Flexport-Version", flexport_.api_version},
                     {"Accept", "application/json"}};
  request.timeout = options_.request_timeout;
  result.response = transport_->FetchAll({request}).front();
  return result;
}

ReconcileReport WebhookReconciler::Finish(ReconcileReport report, ReconcileOutcome outcome,
                                          std::string error) {
  report.outcome = outcome;
  report.error = std::move(error);
  if (report.error == kStopped) return report;  // shutting down: not a failed run
  runs_.Add({{"outcome", ToString(outcome)}}).Increment();
  // An interrupted run still reports what it found; an empty one keeps the last value.
  if (outcome == ReconcileOutcome::kOk || report.missed > 0) {
    oldest_missing_.Set(report.oldest_missing_age_seconds);
  }
  Logger::Fields fields = {{"outcome", ToString(outcome)},
                           {"pages", std::to_string(report.pages)},
                           {"listed", std::to_string(report.listed)},
                           {"missed", std::to_string(report.missed)},
                           {"replayed", std::to_string(report.replayed)},
                           {"error", report.error}};
  if (outcome != ReconcileOutcome::kOk) {
    log_(LogLevel::kWarn, "webhook reconciliation stopped early", fields);
  } else if (report.missed > 0) {
    log_(LogLevel::kInfo, "webhook reconciliation found missed events", fields);
  } else {
    log_(LogLevel::kDebug, "webhook reconciliation found nothing missing", fields);
  }
  return report;
}

bool WebhookReconciler::CompareAndReplay(const std::vector<const ListedEvent*>& events,
                                         EventTime now, ReconcileReport& report) {
  if (events.empty()) return true;
  std::vector<std::string> ids;
  ids.reserve(events.size());
  for (const ListedEvent* e : events) ids.push_back(e->id);
  std::optional<std::set<std::string>> known = relay_.store().KnownIds(ids);
  if (!known) return false;
  int stored = 0;
  bool ok = true;
  for (const ListedEvent* e : events) {
    if (known->count(e->id) > 0) continue;
    ++report.missed;
    report.missed_ids.push_back(e->id);
    const EventTime created = e->created_at.value_or(now);
    report.oldest_missing_age_seconds =
        std::max(report.oldest_missing_age_seconds, std::max(0.0, Seconds(now - created)));
    if (counted_.emplace(e->id, created).second) {
      missed_.Add({{"type", limiter_.Label(e->type)}}).Increment();
    }
    if (!reconcile_.replay_missed || !ok) continue;
    NewEvent event;
    event.id = e->id;
    event.type = e->type;
    event.shipment_key = e->shipment_key;
    event.body = e->body;
    event.content_type = "application/json";
    event.source = EventSource::kReconciled;
    if (webhooks_.forward_to.empty()) event.state = EventState::kDelivered;  // record only
    switch (relay_.store().Store(std::move(event))) {
      case StoreResult::kStored:
        ++report.replayed;
        ++stored;
        break;
      case StoreResult::kDuplicate:
        break;  // it arrived while we were looking
      case StoreResult::kError:
        ok = false;
        break;
    }
  }
  if (stored > 0) {
    relay_.receiver().RefreshStoreGauges();
    relay_.forwarder().Wake();
  }
  return ok;
}

ReconcileReport WebhookReconciler::RunOnce() {
  std::lock_guard<std::mutex> run_lock(run_mu_);
  ReconcileReport report;
  const EventTime now = options_.clock->Now();
  // Never look further back than the store remembers, or old events would look missed.
  const auto lookback =
      std::min<std::chrono::milliseconds>(reconcile_.lookback, webhooks_.dedup_window);
  const EventTime cutoff = now - lookback;
  const EventTime settled_before = now - options_.settle;
  for (auto it = counted_.begin(); it != counted_.end();) {
    it = it->second < cutoff ? counted_.erase(it) : std::next(it);
  }
  const int per = std::clamp(reconcile_.per, 1, kMaxPer);
  std::set<std::string> seen;  // pages shift while new events arrive
  std::chrono::milliseconds backoff = options_.rate_limit_backoff;
  bool pause = false;
  int page = 1;
  while (true) {
    if (pause && !Sleep(options_.page_delay)) {
      return Finish(report, ReconcileOutcome::kError, kStopped);
    }
    pause = true;
    FetchResult fetched = FetchPage(page, per);
    if (!fetched.error.empty()) return Finish(report, ReconcileOutcome::kError, fetched.error);
    const HttpResponse& res = fetched.response;
    if (res.status == 429) {
      ++report.rate_limited;
      const auto unix_now = std::chrono::system_clock::to_time_t(std::chrono::system_clock::now());
      std::optional<double> retry_after = ParseRetryAfter(res.Header("retry-after"), unix_now);
      std::chrono::milliseconds wait =
          retry_after ? std::chrono::milliseconds(static_cast<int64_t>(*retry_after * 1000))
                      : backoff;
      backoff *= 2;
      if (report.rate_limited > options_.max_rate_limited || wait > options_.max_retry_after) {
        return Finish(report, ReconcileOutcome::kRateLimited,
                      "HTTP 429, retry after " + std::to_string(wait.count()) + " ms");
      }
      if (!Sleep(wait)) return Finish(report, ReconcileOutcome::kError, kStopped);
      pause = false;  // the Retry-After wait already spaced the requests
      continue;
    }
    if (res.status == 401) credentials_.Invalidate();
    if (res.status != 200) {
      std::string why = res.status == 0
                            ? std::string("transport error: ") + TransportErrorName(res.error)
                            : "HTTP " + std::to_string(res.status);
      return Finish(report, ReconcileOutcome::kError, why);
    }
    std::string error;
    std::optional<EventsPage> parsed = ParseEventsPage(res.body, webhooks_.shipment_key, &error);
    if (!parsed) return Finish(report, ReconcileOutcome::kError, error);
    ++report.pages;
    bool past_lookback = false;
    std::vector<const ListedEvent*> candidates;
    for (const ListedEvent& e : parsed->events) {
      if (e.created_at && *e.created_at < cutoff) {
        past_lookback = true;
        continue;
      }
      if (e.created_at && *e.created_at > settled_before) continue;
      if (!seen.insert(e.id).second) continue;
      candidates.push_back(&e);
    }
    report.listed += static_cast<int>(candidates.size());
    if (!CompareAndReplay(candidates, now, report)) {
      return Finish(report, ReconcileOutcome::kError, "webhook store unavailable");
    }
    if (past_lookback || !parsed->has_next || parsed->events.empty()) break;
    if (++page > options_.max_pages) {
      log_(LogLevel::kWarn, "webhook reconciliation reached its page limit",
           {{"max_pages", std::to_string(options_.max_pages)}});
      break;
    }
  }
  return Finish(report, ReconcileOutcome::kOk, "");
}

}  // namespace fxagent
