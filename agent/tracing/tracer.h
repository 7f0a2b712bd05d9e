/// The tracing API the agent's components call: a Tracer starts spans, a ScopedSpan
/// records attributes, events and status and hands itself to the tracer when it ends
/// (explicitly or on destruction). NoopTracer (tracing disabled) makes every span a
/// non-recording empty object: no allocation, no ids, no locks.
/// Thread-safety: a Tracer is thread-safe and must outlive its spans; a ScopedSpan has
/// one owner (move it between threads, don't share it).
#pragma once

#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

#include "agent/tracing/span_context.h"
#include "agent/tracing/span_data.h"

namespace fxagent {

class Tracer;

class ScopedSpan {
 public:
  /// A non-recording span: every call is a no-op.
  ScopedSpan() = default;
  ScopedSpan(ScopedSpan&& other) noexcept = default;
  /// Ends the span currently held (if any) before taking `other`.
  ScopedSpan& operator=(ScopedSpan&& other) noexcept;
  ScopedSpan(const ScopedSpan&) = delete;
  ScopedSpan& operator=(const ScopedSpan&) = delete;
  ~ScopedSpan() { End(); }

  bool IsRecording() const { return data_ != nullptr; }
  /// Invalid (all-zero) when not recording.
  SpanContext context() const;
  /// W3C `traceparent` naming this span as the parent; "" when not recording.
  std::string Traceparent() const;
  /// kUnspecified when not recording.
  SpanKind kind() const { return data_ ? data_->kind : SpanKind::kUnspecified; }

  /// A span in the same trace with this one as parent; `start_unix_ns` 0 = now.
  ScopedSpan StartChild(std::string_view name, SpanKind kind = SpanKind::kInternal,
                        std::int64_t start_unix_ns = 0) const;

  void SetName(std::string_view name);
  void SetAttribute(std::string_view key, std::string_view value);
  void SetAttribute(std::string_view key, const char* value) {
    SetAttribute(key, std::string_view(value));
  }
  void SetAttribute(std::string_view key, const std::string& value) {
    SetAttribute(key, std::string_view(value));
  }
  void SetAttribute(std::string_view key, bool value);
  void SetAttribute(std::string_view key, double value);
  template <typename T>
  requires(std::is_integral_v<T> &&
           !std::is_same_v<T, bool>) void SetAttribute(std::string_view key, T value) {
    SetIntAttribute(key, static_cast<std::int64_t>(value));
  }

  /// `time_unix_ns` 0 = now.
  void AddEvent(std::string_view name, std::vector<SpanAttribute> attributes = {},
                std::int64_t time_unix_ns = 0);

  /// OpenTelemetry rules: Ok is final; a message is kept only with kError.
  void SetStatus(SpanStatusCode code, std::string_view message = {});
  /// Status error plus the `error.type` attribute (e.g. "timeout", "503", "bad_signature").
  /// Never pass a secret or a request body as `message`.
  void SetError(std::string_view error_type, std::string_view message = {});

  /// Ends the span (idempotent) and hands it to the tracer; `end_unix_ns` 0 = now.
  void End(std::int64_t end_unix_ns = 0);

 private:
  friend class Tracer;
  ScopedSpan(Tracer* tracer, std::unique_ptr<SpanData> data)
      : tracer_(tracer), data_(std::move(data)) {}
  void SetIntAttribute(std::string_view key, std::int64_t value);
  void Set(std::string_view key, AttributeValue value);

  Tracer* tracer_ = nullptr;
  std::unique_ptr<SpanData> data_;
};

class Tracer {
 public:
  virtual ~Tracer() = default;
  Tracer(const Tracer&) = delete;
  Tracer& operator=(const Tracer&) = delete;

  /// Starts a span. With a valid `parent` (e.g. from ParseTraceparent) it joins that
  /// trace, otherwise it starts a new one. `start_unix_ns` 0 = now.
  ScopedSpan StartSpan(std::string_view name, SpanKind kind = SpanKind::kInternal,
                       const SpanContext& parent = {}, std::int64_t start_unix_ns = 0);

  /// False for the no-op tracer: spans do not record.
  bool Enabled() const { return enabled_; }

  /// Flushes what can be flushed within the exporter's shutdown budget and stops
  /// background work. Spans ended afterwards are dropped. Idempotent.
  virtual void Stop() {}

 protected:
  explicit Tracer(bool enabled) : enabled_(enabled) {}
  /// Receives every ended span; must not block.
  virtual void OnEnd(std::unique_ptr<SpanData> span) = 0;

 private:
  friend class ScopedSpan;
  const bool enabled_;
};

/// Tracing disabled (`[tracing] otlp_endpoint = ""`).
class NoopTracer final : public Tracer {
 public:
  NoopTracer() : Tracer(false) {}

 private:
  void OnEnd(std::unique_ptr<SpanData>) override {}
};

/// Keeps ended spans in memory, for tests of instrumented components.
class InMemoryTracer final : public Tracer {
 public:
  InMemoryTracer() : Tracer(true) {}
  std::vector<SpanData> Spans() const;
  /// Ended spans named `name`, in the order they ended.
  std::vector<SpanData> SpansNamed(std::string_view name) const;
  void Clear();

 private:
  void OnEnd(std::unique_ptr<SpanData> span) override;
  mutable std::mutex mu_;
  std::vector<SpanData> spans_;
};

}  // namespace fxagent
