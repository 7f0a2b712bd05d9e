#include "agent/webhooks/forwarder.h"

#include <prometheus/counter.h>
#include <prometheus/gauge.h>
#include <prometheus/registry.h>

#include <algorithm>
#include <cmath>
#include <map>
#include <mutex>
#include <random>
#include <set>
#include <thread>
#include <vector>

#include "agent/base/curl_handle.h"
#include "agent/tracing/http_attributes.h"
#include "agent/tracing/semconv.h"
#include "agent/tracing/span_context.h"
#include "agent/tracing/tracer.h"
#include "agent/webhooks/store_gauges.h"

namespace fxagent {

using std::chrono::milliseconds;

ForwarderOptions ForwarderOptions::FromConfig(const WebhooksSection& config) {
  ForwarderOptions options;
  options.forward_to = config.forward_to;
  options.max_attempts = std::max(1, config.max_attempts);
  options.max_concurrency = std::max(1, config.max_concurrency);
  return options;
}

milliseconds RetryBackoff(int attempt, milliseconds base, milliseconds max, double jitter,
                          double unit) {
  double delay = static_cast<double>(base.count());
  for (int i = 1; i < attempt && delay < static_cast<double>(max.count()); ++i) delay *= 2;
  delay = std::min(delay, static_cast<double>(max.count()));
  delay *= 1.0 - jitter + 2.0 * jitter * unit;
  delay = std::clamp(delay, 0.0, static_cast<double>(max.count()));
  return milliseconds(static_cast<int64_t>(delay));
}

namespace {

size_t Discard(char*, size_t size, size_t nmemb, void*) { return size * nmemb; }

// Header values come from the network: no control characters reach the wire.
std::string HeaderSafe(std::string_view value) {
  std::string out(value);
  for (char& c : out) {
    if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) c = '_';
  }
  return out;
}

void AddHeader(CurlSlist& list, const std::string& name, std::string_view value) {
  std::string line = name + ": " + HeaderSafe(value);
  list.reset(curl_slist_append(list.release(), line.c_str()));
}

struct Transfer {
  CurlEasy easy;
  StoredEvent event;
  CurlSlist headers;
  ScopedSpan span;  // recording only with a tracer
};

}  // namespace

struct WebhookForwarder::Impl {
  Impl(ForwarderOptions opts, WebhookStore& s, prometheus::Registry& registry)
      : options(std::move(opts)),
        store(s),
        forwarded(prometheus::BuildCounter()
                      .Name("flexport_webhook_forwarded_total")
                      .Help("Webhook deliveries to the application, by outcome")
                      .Register(registry)),
        delivered(forwarded.Add({{"outcome", "delivered"}})),
        retried(forwarded.Add({{"outcome", "retried"}})),
        dead_lettered(forwarded.Add({{"outcome", "dead_lettered"}})),
        spool_depth(detail::SpoolDepthGauge(registry)),
        dead_letters(detail::DeadLettersGauge(registry)),
        rng(std::random_device{}()) {}

  void Run();
  void StartTransfer(const StoredEvent& event);
  DeliveryOutcome Complete(CURL* easy, CURLcode result);
  void Record(const std::vector<DeliveryOutcome>& outcomes);

  ForwarderOptions options;
  WebhookStore& store;
  prometheus::Family<prometheus::Counter>& forwarded;
  prometheus::Counter& delivered;
  prometheus::Counter& retried;
  prometheus::Counter& dead_lettered;
  prometheus::Gauge& spool_depth;
  prometheus::Gauge& dead_letters;
  std::atomic<uint64_t> n_delivered{0}, n_retried{0}, n_dead{0};

  CurlMulti multi;
  std::vector<CurlEasy> idle;
  std::map<CURL*, std::unique_ptr<Transfer>> in_flight;
  std::set<std::string> in_flight_ids;
  // Outcomes the store could not record yet (a full disk), by event id, retried every
  // second; the newest outcome of an event wins. Until recorded, a delivered or
  // dead-lettered event is not sent again (the app would get it on every pass) and a
  // retried one waits for the backoff recorded here.
  std::map<std::string, DeliveryOutcome> unrecorded;
  std::chrono::steady_clock::time_point next_record_retry{};
  std::mt19937_64 rng;

  std::mutex lifecycle_mu;
  std::thread thread;
  std::atomic<bool> stop{false};
  std::atomic<Tracer*> tracer{nullptr};
};

void WebhookForwarder::Impl::StartTransfer(const StoredEvent& event) {
  auto transfer = std::make_unique<Transfer>();
  if (!idle.empty()) {
    transfer->easy = std::move(idle.back());
    idle.pop_back();
    curl_easy_reset(transfer->easy.get());
  } else {
    transfer->easy.reset(curl_easy_init());
  }
  if (!transfer->easy) return;  // retried on the next pass
  transfer->event = event;
  const StoredEvent& e = transfer->event;
  CURL* easy = transfer->easy.get();
  AddHeader(transfer->headers, "Content-Type",
            e.content_type.empty() ? "application/json" : e.content_type);
  if (!e.signature_256.empty()) {
    AddHeader(transfer->headers, "X-Hub-Signature-256", e.signature_256);
  }
  if (!e.signature.empty()) AddHeader(transfer->headers, "X-Hub-Signature", e.signature);
  AddHeader(transfer->headers, "X-Flexport-Agent-Event-Id", e.id);
  AddHeader(transfer->headers, "X-Flexport-Agent-Attempt", std::to_string(e.attempts + 1));
  if (e.source == EventSource::kReconciled) {
    AddHeader(transfer->headers, "X-Flexport-Agent-Source", "reconciled");
  }
  if (Tracer* tracer = this->tracer.load()) {
    ScopedSpan& span = transfer->span;
    // A child of the request that brought the event in, so one trace shows the receive,
    // the persist and every delivery attempt (also after a restart or a replay).
    SpanContext received;
    if (auto parsed = ParseTraceparent(e.traceparent)) received = *parsed;
    span = tracer->StartSpan("POST", SpanKind::kClient, received);
    SetHttpClientRequest(span, "POST", options.forward_to);
    span.SetAttribute(semconv::kFlexportWebhookAttempt, e.attempts + 1);
    span.SetAttribute(semconv::kFlexportWebhookEventId, e.id);
    span.SetAttribute(semconv::kFlexportWebhookEventType, e.type);
    if (e.attempts > 0) span.SetAttribute(semconv::kHttpRequestResendCount, e.attempts);
    // A no-op tracer's span has no context: then no header, as without a tracer.
    if (span.IsRecording()) AddHeader(transfer->headers, "traceparent", span.Traceparent());
  }
  transfer->headers.reset(curl_slist_append(transfer->headers.release(), "Expect:"));
  curl_easy_setopt(easy, CURLOPT_URL, options.forward_to.c_str());
  curl_easy_setopt(easy, CURLOPT_POST, 1L);
  curl_easy_setopt(easy, CURLOPT_POSTFIELDS, e.body.data());
  curl_easy_setopt(easy, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(e.body.size()));
  curl_easy_setopt(easy, CURLOPT_HTTPHEADER, transfer->headers.get());
  curl_easy_setopt(easy, CURLOPT_WRITEFUNCTION, Discard);
  curl_easy_setopt(easy, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(easy, CURLOPT_TIMEOUT_MS, static_cast<long>(options.timeout.count()));
  curl_easy_setopt(easy, CURLOPT_CONNECTTIMEOUT_MS,
                   static_cast<long>(std::min<int64_t>(options.timeout.count(), 5000)));
  curl_easy_setopt(easy, CURLOPT_USERAGENT, "flexport-agent");
  if (curl_multi_add_handle(multi.get(), easy) != CURLM_OK) {
    idle.push_back(std::move(transfer->easy));
    return;
  }
  in_flight_ids.insert(e.id);
  in_flight.emplace(easy, std::move(transfer));
}

DeliveryOutcome WebhookForwarder::Impl::Complete(CURL* easy, CURLcode result) {
  auto it = in_flight.find(easy);
  std::unique_ptr<Transfer> transfer = std::move(it->second);
  in_flight.erase(it);
  curl_multi_remove_handle(multi.get(), easy);
  in_flight_ids.erase(transfer->event.id);

  DeliveryOutcome outcome;
  outcome.id = transfer->event.id;
  outcome.attempts = transfer->event.attempts + 1;
  long code = 0;
  if (result == CURLE_OK) curl_easy_getinfo(easy, CURLINFO_RESPONSE_CODE, &code);
  idle.push_back(std::move(transfer->easy));
  if (transfer->span.IsRecording()) {
    if (result == CURLE_OK) {
      SetHttpResponseStatus(transfer->span, static_cast<int>(code));
      // A 1xx/3xx answer is not a delivery either.
      if (code < 200 || (code >= 300 && code < 400)) transfer->span.SetError(std::to_string(code));
    } else {
      transfer->span.SetError(
          result == CURLE_OPERATION_TIMEDOUT ? semconv::kErrorTimeout : semconv::kErrorOther,
          curl_easy_strerror(result));
    }
    transfer->span.End();
  }
  if (result == CURLE_OK && code >= 200 && code < 300) {
    outcome.kind = DeliveryOutcome::Kind::kDelivered;
    return outcome;
  }
  outcome.error =
      result == CURLE_OK ? "HTTP " + std::to_string(code) : std::string(curl_easy_strerror(result));
  if (outcome.attempts >= options.max_attempts) {
    outcome.kind = DeliveryOutcome::Kind::kDead;
  } else {
    outcome.kind = DeliveryOutcome::Kind::kRetry;
    double unit = std::uniform_real_distribution<double>(0.0, 1.0)(rng);
    outcome.next_attempt_at =
        options.clock->Now() + RetryBackoff(outcome.attempts, options.backoff_base,
                                            options.backoff_max, options.jitter, unit);
  }
  return outcome;
}

void WebhookForwarder::Impl::Record(const std::vector<DeliveryOutcome>& outcomes) {
  for (const DeliveryOutcome& o : outcomes) {
    switch (o.kind) {
      case DeliveryOutcome::Kind::kDelivered:
        delivered.Increment();
        ++n_delivered;
        break;
      case DeliveryOutcome::Kind::kRetry:
        retried.Increment();
        ++n_retried;
        break;
      case DeliveryOutcome::Kind::kDead:
        dead_lettered.Increment();
        ++n_dead;
        break;
    }
  }
  StoreCounts counts = store.Counts();
  spool_depth.Set(static_cast<double>(counts.pending));
  dead_letters.Set(static_cast<double>(counts.dead));
}

void WebhookForwarder::Impl::Run() {
  const bool record_only = options.forward_to.empty();
  const auto max_in_flight = static_cast<size_t>(std::max(1, options.max_concurrency));
  while (!stop.load()) {
    std::vector<DeliveryOutcome> outcomes;
    const auto now = options.clock->Now();
    bool more = false;  // more work may be due right away
    if (record_only) {
      constexpr size_t kBatch = 256;
      std::vector<StoredEvent> due = store.DuePending(now, kBatch);
      for (const StoredEvent& e : due) {
        outcomes.push_back(
            {.id = e.id, .kind = DeliveryOutcome::Kind::kDelivered, .attempts = e.attempts});
      }
      more = due.size() == kBatch;
    } else if (in_flight.size() < max_in_flight) {
      size_t slots = max_in_flight - in_flight.size();
      for (StoredEvent& e : store.DuePending(now, slots + in_flight.size() + unrecorded.size())) {
        if (slots == 0) break;
        if (in_flight_ids.count(e.id) > 0) continue;
        if (auto u = unrecorded.find(e.id); u != unrecorded.end()) {
          const DeliveryOutcome& o = u->second;
          if (o.kind != DeliveryOutcome::Kind::kRetry || now < o.next_attempt_at) continue;
          e.attempts = o.attempts;  // attempts the store has not seen yet
        }
        StartTransfer(e);
        --slots;
      }
    }
    if (!in_flight.empty()) {
      int running = 0;
      curl_multi_perform(multi.get(), &running);
      int queued = 0;
      while (CURLMsg* msg = curl_multi_info_read(multi.get(), &queued)) {
        if (msg->msg == CURLMSG_DONE) {
          outcomes.push_back(Complete(msg->easy_handle, msg->data.result));
        }
      }
    }
    bool recorded = true;
    if (!unrecorded.empty() &&
        (!outcomes.empty() || std::chrono::steady_clock::now() >= next_record_retry)) {
      for (DeliveryOutcome& o : outcomes) unrecorded[o.id] = std::move(o);
      outcomes.clear();
      for (auto& [id, o] : unrecorded) outcomes.push_back(std::move(o));
      unrecorded.clear();
    }
    if (!outcomes.empty()) {
      recorded = store.ApplyOutcomes(outcomes);
      if (recorded) {
        Record(outcomes);
        continue;  // shipments whose head just finished may have a next event due
      }
      if (!record_only) {  // record-only outcomes are simply found due again
        for (DeliveryOutcome& o : outcomes) unrecorded[o.id] = std::move(o);
      }
      next_record_retry = std::chrono::steady_clock::now() + std::chrono::seconds(1);
    }
    int timeout_ms = static_cast<int>(options.poll_interval.count());
    if (!recorded || !unrecorded.empty()) {
      // The store cannot be written: try again within a second, never in a tight loop.
      timeout_ms = std::min(timeout_ms, 1000);
    } else if (more) {
      timeout_ms = 0;
    } else if (std::optional<EventTime> next = store.NextDueAt();
               next && *next > options.clock->Now()) {
      auto wait = std::chrono::duration_cast<milliseconds>(*next - options.clock->Now()).count();
      timeout_ms = static_cast<int>(std::clamp<int64_t>(wait + 1, 1, timeout_ms));
    }
    // Returns early on socket activity of transfers in flight and on Wake()/Stop().
    curl_multi_poll(multi.get(), nullptr, 0, timeout_ms, nullptr);
  }
  for (auto& [easy, transfer] : in_flight) {
    curl_multi_remove_handle(multi.get(), easy);
    transfer->span.SetError("aborted", "forwarder stopped");
  }
  in_flight.clear();
  in_flight_ids.clear();
  // A last try; what still fails is delivered again after a restart (at least once).
  std::vector<DeliveryOutcome> last;
  for (auto& [id, o] : unrecorded) last.push_back(std::move(o));
  unrecorded.clear();
  if (!last.empty() && store.ApplyOutcomes(last)) Record(last);
}

WebhookForwarder::WebhookForwarder(ForwarderOptions options, WebhookStore& store,
                                   prometheus::Registry& registry) {
  static std::once_flag curl_init;
  std::call_once(curl_init, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
  if (!options.clock) options.clock = MakeSystemClock();
  impl_ = std::make_unique<Impl>(std::move(options), store, registry);
  impl_->multi.reset(curl_multi_init());
  curl_multi_setopt(impl_->multi.get(), CURLMOPT_MAX_HOST_CONNECTIONS,
                    static_cast<long>(std::max(1, impl_->options.max_concurrency)));
}

WebhookForwarder::~WebhookForwarder() { Stop(); }

void WebhookForwarder::Start() {
  std::lock_guard<std::mutex> lock(impl_->lifecycle_mu);
  if (impl_->thread.joinable() || !impl_->multi) return;
  impl_->stop = false;
  impl_->thread = std::thread([impl = impl_.get()] { impl->Run(); });
}

void WebhookForwarder::Stop() {
  std::lock_guard<std::mutex> lock(impl_->lifecycle_mu);
  if (!impl_->thread.joinable()) return;
  impl_->stop = true;
  curl_multi_wakeup(impl_->multi.get());
  impl_->thread.join();
}

void WebhookForwarder::Wake() {
  if (impl_->multi) curl_multi_wakeup(impl_->multi.get());
}

void WebhookForwarder::SetTracer(Tracer* tracer) { impl_->tracer.store(tracer); }

ForwarderStats WebhookForwarder::Stats() const {
  return {impl_->n_delivered.load(), impl_->n_retried.load(), impl_->n_dead.load()};
}

}  // namespace fxagent
