#include "agent/notify/delivery/sender.h"

#include <prometheus/counter.h>
#include <prometheus/family.h>
#include <prometheus/gauge.h>

#include <algorithm>
#include <set>

#include "agent/tracing/http_attributes.h"
#include "agent/tracing/semconv.h"
#include "agent/tracing/tracer.h"

namespace fxagent {
namespace {

const char* VerdictName(Verdict v) {
  switch (v) {
    case Verdict::kSent:
      return "sent";
    case Verdict::kRetry:
      return "retry";
    case Verdict::kFinal:
      return "rejected";
  }
  return "unknown";
}

// The distinct alert names of a notification, comma-separated in sorted order.
std::string AlertNames(const Notification& n) {
  std::set<std::string> names;
  for (const Alert& a : n.alerts) names.insert(a.Label("alertname"));
  std::string out;
  for (const std::string& name : names) {
    if (!out.empty()) out += ",";
    out += name;
  }
  return out;
}

}  // namespace

Sender::Sender(Outbox& outbox, const std::map<std::string, std::unique_ptr<Receiver>>& receivers,
               HttpClient& http, const Clock& clock, Logger& log, SenderMetrics metrics,
               SenderOptions options)
    : outbox_(outbox),
      receivers_(receivers),
      http_(http),
      clock_(clock),
      log_(log),
      metrics_(metrics),
      options_(options) {}

void Sender::Count(const std::string& receiver, const char* outcome) {
  if (metrics_.total != nullptr) {
    metrics_.total->Add({{"receiver", receiver}, {"outcome", outcome}}).Increment();
  }
}

void Sender::UpdateGauges() {
  if (metrics_.queue_depth != nullptr) {
    metrics_.queue_depth->Set(static_cast<double>(outbox_.Depth()));
  }
  if (metrics_.oldest_age != nullptr) {
    std::optional<TimePoint> oldest = outbox_.Oldest();
    double age = oldest ? std::chrono::duration<double>(clock_.Now() - *oldest).count() : 0.0;
    metrics_.oldest_age->Set(std::max(0.0, age));
  }
}

int Sender::Post(const OutboxEntry& e, const Receiver& r, const NotifyRequest& request,
                 Verdict* verdict) {
  Tracer* tracer = tracer_.load();
  if (tracer == nullptr) {
    int status = http_.Post(request, r.config().timeout);
    *verdict = r.Classify(status);
    return status;
  }
  ScopedSpan span = tracer->StartSpan("notify " + e.receiver, SpanKind::kClient);
  // Slack and webhook URL paths are secrets: the span keeps scheme, host and port only.
  SetHttpClientRequest(span, "POST", request.url, UrlPath::kRedact);
  span.SetAttribute(semconv::kFlexportReceiver, e.receiver);
  span.SetAttribute(semconv::kFlexportReceiverType, r.config().type);
  span.SetAttribute(semconv::kFlexportAlertName, AlertNames(e.notification));
  span.SetAttribute(semconv::kFlexportSeverity, e.notification.severity);
  span.SetAttribute("flexport.notification.kind", NotificationKindName(e.notification.kind));
  if (e.attempts > 0) span.SetAttribute(semconv::kHttpRequestResendCount, e.attempts);
  const int status = http_.Post(request, r.config().timeout);
  *verdict = r.Classify(status);
  span.SetAttribute(semconv::kFlexportNotificationStatus, VerdictName(*verdict));
  if (status == 0) {
    span.SetError(semconv::kErrorOther, "no answer (connect error or timeout)");
  } else {
    SetHttpResponseStatus(span, status);
    if (*verdict != Verdict::kSent && status < 400) span.SetError(std::to_string(status));
  }
  return status;
}

Sender::Result Sender::Attempt(OutboxEntry& e, const Receiver& r, TimePoint now) {
  std::vector<NotifyRequest> requests = r.Build(e.notification, now);
  if (r.AnyRequestSuffices()) {
    bool any = false, final = true;
    for (const NotifyRequest& req : requests) {
      Verdict v;
      int status = Post(e, r, req, &v);
      if (v == Verdict::kSent) any = true;
      if (v == Verdict::kRetry) final = false;
      if (v != Verdict::kSent) {
        log_.Warn("notification attempt failed", {{"receiver", e.receiver},
                                                  {"url", RedactUrl(req.url)},
                                                  {"status", std::to_string(status)}});
      }
    }
    if (any || requests.empty()) return Result::kSent;
    return final ? Result::kFinal : Result::kRetry;
  }
  for (size_t i = static_cast<size_t>(e.done_parts); i < requests.size(); ++i) {
    Verdict v;
    int status = Post(e, r, requests[i], &v);
    if (v != Verdict::kSent) {
      log_.Warn("notification attempt failed", {{"receiver", e.receiver},
                                                {"url", RedactUrl(requests[i].url)},
                                                {"status", std::to_string(status)},
                                                {"attempt", std::to_string(e.attempts + 1)}});
      return v == Verdict::kRetry ? Result::kRetry : Result::kFinal;
    }
    e.done_parts = static_cast<int>(i + 1);
  }
  return Result::kSent;
}

void Sender::Fail(OutboxEntry& e, bool final, TimePoint now) {
  Count(e.receiver, "failed");
  ++e.attempts;
  bool can_fall_back = !e.fallback.empty() && !e.on_fallback && e.fallback != e.receiver &&
                       receivers_.contains(e.fallback);
  if (can_fall_back && (final || e.attempts >= options_.fallback_after)) {
    log_.Warn("switching notification to fallback receiver",
              {{"receiver", e.receiver}, {"fallback", e.fallback}});
    e.receiver = e.fallback;
    e.notification.receiver = e.fallback;
    e.on_fallback = true;
    e.attempts = 0;
    e.done_parts = 0;
    e.next_attempt_at = now;
    outbox_.Update(e);
    return;
  }
  if (final) {
    log_.Error("notification rejected by receiver; not retried",
               {{"receiver", e.receiver},
                {"kind", std::string(NotificationKindName(e.notification.kind))}});
    outbox_.Remove(e.id);
    return;
  }
  auto delay = options_.backoff_base;
  for (int i = 1; i < e.attempts && delay < options_.backoff_max; ++i) delay *= 2;
  e.next_attempt_at = now + std::min(delay, options_.backoff_max);
  outbox_.Update(e);
}

size_t Sender::RunOnce() {
  size_t attempts = 0;
  TimePoint now = clock_.Now();
  for (OutboxEntry& e : outbox_.Due(now, 256)) {
    now = clock_.Now();
    if (now - e.created_at > options_.max_age) {
      log_.Warn("notification expired undelivered",
                {{"receiver", e.receiver},
                 {"age", FormatHumanDuration(std::chrono::duration_cast<std::chrono::milliseconds>(
                             now - e.created_at))}});
      Count(e.receiver, "expired");
      outbox_.Remove(e.id);
      continue;
    }
    auto it = receivers_.find(e.receiver);
    if (it == receivers_.end() || e.notification.alerts.empty()) {
      log_.Warn("notification for an unknown receiver or unreadable; expired",
                {{"receiver", e.receiver}});
      Count(e.receiver, "expired");
      outbox_.Remove(e.id);
      continue;
    }
    const Receiver& r = *it->second;
    auto paced = next_allowed_.find(e.receiver);
    if (paced != next_allowed_.end() && now < paced->second) continue;
    ++attempts;
    Result result = Attempt(e, r, now);
    if (r.MinInterval().count() > 0) next_allowed_[e.receiver] = now + r.MinInterval();
    if (result == Result::kSent) {
      Count(e.receiver, "sent");
      outbox_.Remove(e.id);
    } else {
      Fail(e, result == Result::kFinal, now);
    }
  }
  UpdateGauges();
  return attempts;
}

}  // namespace fxagent
