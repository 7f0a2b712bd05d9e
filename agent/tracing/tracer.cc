#include "agent/tracing/tracer.h"

#include <chrono>
#include <utility>

#include "agent/tracing/semconv.h"

namespace fxagent {

std::int64_t NowUnixNanos() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

ScopedSpan& ScopedSpan::operator=(ScopedSpan&& other) noexcept {
  if (this != &other) {
    End();
    tracer_ = std::exchange(other.tracer_, nullptr);
    data_ = std::move(other.data_);
  }
  return *this;
}

SpanContext ScopedSpan::context() const {
  if (!data_) return {};
  return SpanContext{data_->trace_id, data_->span_id, 0x01};
}

std::string ScopedSpan::Traceparent() const { return FormatTraceparent(context()); }

ScopedSpan ScopedSpan::StartChild(std::string_view name, SpanKind kind,
                                  std::int64_t start_unix_ns) const {
  if (!data_) return {};
  return tracer_->StartSpan(name, kind, context(), start_unix_ns);
}

void ScopedSpan::SetName(std::string_view name) {
  if (data_) data_->name.assign(name);
}

void ScopedSpan::Set(std::string_view key, AttributeValue value) {
  for (auto& attr : data_->attributes) {
    if (attr.key == key) {
      attr.value = std::move(value);
      return;
    }
  }
  data_->attributes.push_back(SpanAttribute{std::string(key), std::move(value)});
}

void ScopedSpan::SetAttribute(std::string_view key, std::string_view value) {
  if (data_) Set(key, std::string(value));
}

void ScopedSpan::SetAttribute(std::string_view key, bool value) {
  if (data_) Set(key, value);
}

void ScopedSpan::SetAttribute(std::string_view key, double value) {
  if (data_) Set(key, value);
}

void ScopedSpan::SetIntAttribute(std::string_view key, std::int64_t value) {
  if (data_) Set(key, value);
}

void ScopedSpan::AddEvent(std::string_view name, std::vector<SpanAttribute> attributes,
                          std::int64_t time_unix_ns) {
  if (!data_) return;
  data_->events.push_back(SpanEvent{
      std::string(name), time_unix_ns != 0 ? time_unix_ns : NowUnixNanos(), std::move(attributes)});
}

void ScopedSpan::SetStatus(SpanStatusCode code, std::string_view message) {
  if (!data_ || data_->status == SpanStatusCode::kOk || code == SpanStatusCode::kUnset) return;
  data_->status = code;
  if (code == SpanStatusCode::kError) {
    data_->status_message.assign(message);
  } else {
    data_->status_message.clear();
  }
}

void ScopedSpan::SetError(std::string_view error_type, std::string_view message) {
  if (!data_) return;
  SetAttribute(semconv::kErrorType, error_type);
  SetStatus(SpanStatusCode::kError, message);
}

void ScopedSpan::End(std::int64_t end_unix_ns) {
  if (!data_) return;
  data_->end_unix_ns = end_unix_ns != 0 ? end_unix_ns : NowUnixNanos();
  if (data_->end_unix_ns < data_->start_unix_ns) data_->end_unix_ns = data_->start_unix_ns;
  Tracer* tracer = std::exchange(tracer_, nullptr);
  tracer->OnEnd(std::move(data_));
}

ScopedSpan Tracer::StartSpan(std::string_view name, SpanKind kind, const SpanContext& parent,
                             std::int64_t start_unix_ns) {
  if (!enabled_) return {};
  auto data = std::make_unique<SpanData>();
  if (parent.IsValid()) {
    data->trace_id = parent.trace_id;
    data->parent_span_id = parent.span_id;
  } else {
    data->trace_id = NewTraceId();
  }
  data->span_id = NewSpanId();
  data->name.assign(name);
  data->kind = kind;
  data->start_unix_ns = start_unix_ns != 0 ? start_unix_ns : NowUnixNanos();
  return ScopedSpan(this, std::move(data));
}

std::vector<SpanData> InMemoryTracer::Spans() const {
  std::lock_guard<std::mutex> lock(mu_);
  return spans_;
}

std::vector<SpanData> InMemoryTracer::SpansNamed(std::string_view name) const {
  std::lock_guard<std::mutex> lock(mu_);
  std::vector<SpanData> out;
  for (const auto& s : spans_) {
    if (s.name == name) out.push_back(s);
  }
  return out;
}

void InMemoryTracer::Clear() {
  std::lock_guard<std::mutex> lock(mu_);
  spans_.clear();
}

void InMemoryTracer::OnEnd(std::unique_ptr<SpanData> span) {
  std::lock_guard<std::mutex> lock(mu_);
  spans_.push_back(std::move(*span));
}

}  // namespace fxagent
