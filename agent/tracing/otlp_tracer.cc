#include "agent/tracing/otlp_tracer.h"

#include <prometheus/counter.h>
#include <prometheus/family.h>
#include <prometheus/gauge.h>
#include <prometheus/registry.h>

#include <algorithm>
#include <random>

#include "agent/tracing/export_policy.h"
#include "agent/tracing/otlp_http_sender.h"

namespace fxagent {
namespace {

using SteadyClock = std::chrono::steady_clock;

prometheus::Family<prometheus::Counter>& Counters(prometheus::Registry& registry,
                                                  const std::string& name,
                                                  const std::string& help) {
  return prometheus::BuildCounter().Name(name).Help(help).Register(registry);
}

prometheus::Family<prometheus::Counter>& DroppedFamily(prometheus::Registry& registry) {
  return Counters(registry, "flexport_tracing_spans_dropped_total",
                  "Spans not exported: queue full, export given up, or shutdown.");
}

std::int64_t SteadyNanos(SteadyClock::time_point t) {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(t.time_since_epoch()).count();
}

}  // namespace

OtlpTracer::OtlpTracer(OtlpExporterOptions options, prometheus::Registry& registry)
    : Tracer(true),
      options_(std::move(options)),
      exported_(Counters(registry, "flexport_tracing_spans_exported_total",
                         "Spans accepted by the OTLP collector.")
                    .Add({})),
      dropped_queue_full_(DroppedFamily(registry).Add({{"reason", "queue_full"}})),
      dropped_export_failed_(DroppedFamily(registry).Add({{"reason", "export_failed"}})),
      dropped_shutdown_(DroppedFamily(registry).Add({{"reason", "shutdown"}})),
      export_failures_(Counters(registry, "flexport_tracing_export_failures_total",
                                "OTLP export requests that failed (retried or not).")
                           .Add({})),
      queue_depth_(prometheus::BuildGauge()
                       .Name("flexport_tracing_queue_spans")
                       .Help("Ended spans waiting to be exported.")
                       .Register(registry)
                       .Add({})) {
  thread_ = std::thread([this] { Run(); });
}

OtlpTracer::~OtlpTracer() { Stop(); }

void OtlpTracer::Stop() {
  std::call_once(stop_once_, [this] {
    {
      std::lock_guard<std::mutex> lock(mu_);
      stopping_ = true;
      stop_deadline_ = SteadyClock::now() + options_.shutdown_timeout;
      abort_at_ns_.store(SteadyNanos(stop_deadline_));
    }
    work_cv_.notify_all();
    if (thread_.joinable()) thread_.join();
  });
}

bool OtlpTracer::ForceFlush(std::chrono::milliseconds timeout) {
  std::unique_lock<std::mutex> lock(mu_);
  std::uint64_t target = enqueued_;
  flush_target_ = std::max(flush_target_, target);
  work_cv_.notify_all();
  return done_cv_.wait_for(lock, timeout, [&] { return completed_ >= target; });
}

std::size_t OtlpTracer::QueueDepth() const {
  std::lock_guard<std::mutex> lock(mu_);
  return queue_.size();
}

void OtlpTracer::OnEnd(std::unique_ptr<SpanData> span) {
  std::size_t depth = 0;
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (stopping_) {
      dropped_shutdown_.Increment();
      return;
    }
    if (queue_.size() >= options_.max_queue_size) {
      dropped_queue_full_.Increment();
      return;
    }
    queue_.push_back(std::move(*span));
    ++enqueued_;
    depth = queue_.size();
  }
  queue_depth_.Set(static_cast<double>(depth));
  if (depth >= options_.max_batch_size) work_cv_.notify_one();
}

void OtlpTracer::Run() {
  OtlpHttpSender sender(options_.endpoint);
  std::unique_lock<std::mutex> lock(mu_);
  auto take_batch = [this] {
    std::size_t n = std::min(queue_.size(), std::max<std::size_t>(options_.max_batch_size, 1));
    std::vector<SpanData> batch;
    batch.reserve(n);
    for (std::size_t i = 0; i < n; ++i) {
      batch.push_back(std::move(queue_.front()));
      queue_.pop_front();
    }
    queue_depth_.Set(static_cast<double>(queue_.size()));
    return batch;
  };
  auto export_unlocked = [&](const std::vector<SpanData>& batch) {
    lock.unlock();
    ExportBatch(batch, sender);
    lock.lock();
    completed_ += batch.size();
    done_cv_.notify_all();
  };

  auto next_flush = SteadyClock::now() + options_.flush_interval;
  while (true) {
    work_cv_.wait_until(lock, next_flush, [this] {
      return stopping_ || queue_.size() >= options_.max_batch_size || flush_target_ > completed_;
    });
    if (stopping_) break;
    auto now = SteadyClock::now();
    bool due =
        now >= next_flush || queue_.size() >= options_.max_batch_size || flush_target_ > completed_;
    if (!due) continue;
    if (!queue_.empty()) export_unlocked(take_batch());
    if (queue_.size() < options_.max_batch_size) {
      next_flush = SteadyClock::now() + options_.flush_interval;
    }
  }

  while (!queue_.empty() && SteadyClock::now() < stop_deadline_) export_unlocked(take_batch());
  if (!queue_.empty()) {
    dropped_shutdown_.Increment(static_cast<double>(queue_.size()));
    completed_ += queue_.size();
    queue_.clear();
  }
  queue_depth_.Set(0);
  done_cv_.notify_all();
}

void OtlpTracer::ExportBatch(const std::vector<SpanData>& batch, OtlpHttpSender& sender) {
  const std::string body = EncodeOtlpJson(options_.resource, batch);
  const auto count = static_cast<double>(batch.size());
  for (int attempt = 1;; ++attempt) {
    auto timeout = options_.export_timeout;
    {
      std::lock_guard<std::mutex> lock(mu_);
      if (stopping_) {
        auto left = std::chrono::duration_cast<std::chrono::milliseconds>(stop_deadline_ -
                                                                          SteadyClock::now());
        if (left <= std::chrono::milliseconds(0)) break;
        timeout = std::min(timeout, left);
      }
    }
    ExportResult result = sender.Send(body, timeout, abort_at_ns_);
    if (result.outcome == ExportOutcome::kSuccess) {
      exported_.Increment(count);
      return;
    }
    export_failures_.Increment();
    if (result.outcome == ExportOutcome::kPermanent || attempt >= options_.max_attempts) break;
    auto delay =
        result.retry_after
            ? std::min(*result.retry_after, options_.max_retry_after)
            : Jittered(BackoffDelay(attempt, options_.initial_backoff, options_.max_backoff));
    if (!WaitBeforeRetry(delay)) break;
  }
  std::lock_guard<std::mutex> lock(mu_);
  (stopping_ ? dropped_shutdown_ : dropped_export_failed_).Increment(count);
}

bool OtlpTracer::WaitBeforeRetry(std::chrono::milliseconds delay) {
  std::unique_lock<std::mutex> lock(mu_);
  auto until = SteadyClock::now() + delay;
  work_cv_.wait_until(lock, until, [this] { return stopping_; });
  if (!stopping_) return true;
  if (until > stop_deadline_) return false;
  work_cv_.wait_until(lock, until, [] { return false; });
  return true;
}

std::chrono::milliseconds OtlpTracer::Jittered(std::chrono::milliseconds delay) {
  if (!options_.jitter) return delay;
  thread_local std::minstd_rand gen{std::random_device{}()};
  std::uniform_real_distribution<double> factor(0.75, 1.0);
  return std::chrono::milliseconds(
      static_cast<std::int64_t>(static_cast<double>(delay.count()) * factor(gen)));
}

}  // namespace fxagent
