/// The tracer used when `[tracing] otlp_endpoint` is set: ended spans go into a bounded
/// in-memory queue (full → the span is dropped and counted, the caller never waits)
/// and a background thread sends them in batches as OTLP/HTTP JSON, retrying 429, 5xx
/// and transport errors with exponential backoff (honouring Retry-After).
/// Metrics: flexport_tracing_spans_exported_total, flexport_tracing_spans_dropped_total
/// {reason=queue_full|export_failed|shutdown}, flexport_tracing_export_failures_total
/// (failed requests, retried or not), flexport_tracing_queue_spans.
/// Thread-safe.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "agent/tracing/otlp_json.h"
#include "agent/tracing/tracer.h"

namespace prometheus {
class Counter;
class Gauge;
class Registry;
}  // namespace prometheus

namespace fxagent {

class OtlpHttpSender;

struct OtlpExporterOptions {
  std::string endpoint;  // the collector's /v1/traces URL
  OtlpResource resource;
  std::size_t max_queue_size = 2048;
  std::size_t max_batch_size = 512;
  std::chrono::milliseconds flush_interval{5000};
  std::chrono::milliseconds export_timeout{10000};
  std::chrono::milliseconds initial_backoff{500};
  std::chrono::milliseconds max_backoff{30000};
  std::chrono::milliseconds max_retry_after{60000};  // a longer Retry-After is cut to this
  int max_attempts = 6;                              // per batch, first try included
  std::chrono::milliseconds shutdown_timeout{2000};
  bool jitter = true;  // backoff × [0.75, 1) so a fleet does not retry in step
};

class OtlpTracer final : public Tracer {
 public:
  /// Starts the export thread. Registers its metrics in `registry`, which must
  /// outlive this tracer.
  OtlpTracer(OtlpExporterOptions options, prometheus::Registry& registry);
  /// Calls Stop().
  ~OtlpTracer() override;

  /// Stops accepting spans, exports what is queued within shutdown_timeout, counts
  /// the rest as dropped (reason "shutdown") and joins the thread. Idempotent.
  void Stop() override;

  /// Asks the export thread to send everything queued now and waits until it has been
  /// exported or given up on, at most `timeout`. True if it all went out or was dropped.
  bool ForceFlush(std::chrono::milliseconds timeout);

  std::size_t QueueDepth() const;

 private:
  void OnEnd(std::unique_ptr<SpanData> span) override;
  void Run();
  /// Sends one batch with retries; called without mu_ held.
  void ExportBatch(const std::vector<SpanData>& batch, OtlpHttpSender& sender);
  /// Waits `delay` unless stopping makes the wait pointless; false = give up retrying.
  bool WaitBeforeRetry(std::chrono::milliseconds delay);
  std::chrono::milliseconds Jittered(std::chrono::milliseconds delay);

  const OtlpExporterOptions options_;
  prometheus::Counter& exported_;
  prometheus::Counter& dropped_queue_full_;
  prometheus::Counter& dropped_export_failed_;
  prometheus::Counter& dropped_shutdown_;
  prometheus::Counter& export_failures_;
  prometheus::Gauge& queue_depth_;

  mutable std::mutex mu_;
  std::condition_variable work_cv_;  // export thread waits for spans, flush or stop
  std::condition_variable done_cv_;  // ForceFlush waits for completed spans
  std::deque<SpanData> queue_;
  std::uint64_t enqueued_ = 0;      // spans ever queued
  std::uint64_t completed_ = 0;     // spans exported or dropped after leaving the queue
  std::uint64_t flush_target_ = 0;  // export without waiting until completed_ reaches it
  bool stopping_ = false;
  std::chrono::steady_clock::time_point stop_deadline_{};
  std::atomic<std::int64_t> abort_at_ns_{0};  // steady ns; aborts an in-flight request
  std::once_flag stop_once_;
  std::thread thread_;
};

}  // namespace fxagent
