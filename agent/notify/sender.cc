#include "agent/notify/sender.h"

#include <prometheus/counter.h>
#include <prometheus/family.h>
#include <prometheus/gauge.h>

#include <algorithm>

namespace fxagent {

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

Sender::Result Sender::Attempt(OutboxEntry& e, const Receiver& r, TimePoint now) {
  std::vector<NotifyRequest> requests = r.Build(e.notification, now);
  if (r.AnyRequestSuffices()) {
    bool any = false, final = true;
    for (const NotifyRequest& req : requests) {
      int status = http_.Post(req, r.config().timeout);
      Verdict v = r.Classify(status);
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
    int status = http_.Post(requests[i], r.config().timeout);
    Verdict v = r.Classify(status);
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
