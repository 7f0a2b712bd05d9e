#include "agent/webhooks/receiver.h"

#include <prometheus/counter.h>
#include <prometheus/gauge.h>
#include <prometheus/histogram.h>
#include <prometheus/registry.h>
#include <strings.h>

#include <nlohmann/json.hpp>

#include "agent/tracing/http_attributes.h"
#include "agent/tracing/semconv.h"
#include "agent/tracing/tracer.h"
#include "agent/webhooks/gap_tracker.h"
#include "agent/webhooks/signature.h"
#include "agent/webhooks/store_gauges.h"

namespace fxagent {
namespace {

constexpr char kUnknownType[] = "unknown";

// The store's write wrapped in a "webhook persist" child span.
StoreResult PersistIn(WebhookStore& store, const ScopedSpan& parent, NewEvent event) {
  ScopedSpan persist = parent.StartChild("webhook persist");
  StoreResult stored = store.Store(std::move(event));
  if (stored == StoreResult::kError) persist.SetError("store_unavailable");
  if (stored == StoreResult::kDuplicate) persist.SetAttribute("flexport.webhook.duplicate", true);
  return stored;
}

std::string JsonBody(std::initializer_list<std::pair<const char*, std::string>> fields) {
  nlohmann::json doc = nlohmann::json::object();
  for (const auto& [key, value] : fields) doc[key] = value;
  return doc.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

double Seconds(std::chrono::system_clock::time_point t) {
  return std::chrono::duration<double>(t.time_since_epoch()).count();
}

}  // namespace

const std::string* WebhookRequest::Header(std::string_view name) const {
  for (const auto& [key, value] : headers) {
    if (key.size() == name.size() && strncasecmp(key.data(), name.data(), name.size()) == 0) {
      return &value;
    }
  }
  return nullptr;
}

WebhookReceiver::WebhookReceiver(const WebhooksSection& config, WebhookStore& store,
                                 prometheus::Registry& registry, ReceiverHooks hooks)
    : config_(config),
      store_(store),
      hooks_(std::move(hooks)),
      received_(prometheus::BuildCounter()
                    .Name("flexport_webhook_received_total")
                    .Help("Webhook requests received, by event type and outcome")
                    .Register(registry)),
      last_received_(prometheus::BuildGauge()
                         .Name("flexport_webhook_last_received_timestamp_seconds")
                         .Help("When the last webhook event of a type was received")
                         .Register(registry)),
      ack_duration_(
          prometheus::BuildHistogram()
              .Name("flexport_webhook_ack_duration_seconds")
              .Help("Time from request to acknowledgement, storage included")
              .Register(registry)
              .Add({}, prometheus::Histogram::BucketBoundaries{0.0005, 0.001, 0.0025, 0.005, 0.01,
                                                               0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5,
                                                               5})),
      spool_depth_(detail::SpoolDepthGauge(registry)),
      dead_letters_(detail::DeadLettersGauge(registry)) {
  if (!hooks_.clock) hooks_.clock = MakeSystemClock();
  RefreshStoreGauges();
}

ScopedSpan WebhookReceiver::StartServerSpan(const WebhookRequest* request) {
  Tracer* tracer = tracer_.load();
  if (tracer == nullptr) return ScopedSpan();
  SpanContext parent;
  if (request != nullptr) {
    if (const std::string* tp = request->Header("traceparent")) {
      if (auto parsed = ParseTraceparent(*tp)) parent = *parsed;
    }
  }
  ScopedSpan span = tracer->StartSpan("POST " + config_.path, SpanKind::kServer, parent);
  // The configured path, never the request target: its query may carry a token.
  SetHttpServerRequest(span, "POST", config_.path, config_.path);
  return span;
}

WebhookResponse WebhookReceiver::Finish(std::chrono::steady_clock::time_point start,
                                        const std::string& type, const char* outcome, int status,
                                        std::string body, ScopedSpan& span) {
  received_.Add({{"type", type}, {"outcome", outcome}}).Increment();
  ack_duration_.Observe(
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count());
  if (span.IsRecording()) {
    span.SetAttribute(semconv::kFlexportWebhookOutcome, outcome);
    SetHttpResponseStatus(span, status);
    if (status >= 400 && status < 500) span.SetError(outcome);
    span.End();
  }
  return WebhookResponse{status, std::move(body)};
}

WebhookResponse WebhookReceiver::RejectTooLarge() {
  ScopedSpan span = StartServerSpan(nullptr);
  return Finish(std::chrono::steady_clock::now(), kUnknownType, kOutcomeTooLarge, 413,
                JsonBody({{"error", "body too large"}}), span);
}

WebhookResponse WebhookReceiver::Handle(const WebhookRequest& request) {
  const auto start = std::chrono::steady_clock::now();
  ScopedSpan span = StartServerSpan(&request);
  if (request.method != "POST") {
    SetHttpResponseStatus(span, 405);
    return WebhookResponse{405, JsonBody({{"error", "method not allowed"}})};
  }
  if (!request.path.empty() && request.path != config_.path) {
    SetHttpResponseStatus(span, 404);
    return WebhookResponse{404, JsonBody({{"error", "not found"}})};
  }
  if ((request.content_length && *request.content_length > config_.max_body) ||
      request.body.size() > config_.max_body) {
    return Finish(start, kUnknownType, kOutcomeTooLarge, 413,
                  JsonBody({{"error", "body too large"}}), span);
  }

  ScopedSpan verify = span.StartChild("webhook verify");
  const std::string* sig256 = request.Header("X-Hub-Signature-256");
  const std::string* sig = request.Header("X-Hub-Signature");
  SignatureHeaders headers;
  if (sig256 != nullptr) headers.hub_signature_256 = *sig256;
  if (sig != nullptr) headers.hub_signature = *sig;
  SignatureResult verdict =
      VerifySignature(request.body, headers, config_.secrets, config_.allow_sha1);
  if (verdict != SignatureResult::kOk) {
    verify.SetError(kOutcomeBadSignature, ToString(verdict));
    verify.End();
    return Finish(start, kUnknownType, kOutcomeBadSignature, 401,
                  JsonBody({{"error", std::string("signature ") + ToString(verdict)}}), span);
  }
  verify.End();

  const std::string* content_type = request.Header("Content-Type");
  NewEvent event;
  event.body = std::string(request.body);
  event.signature_256 = sig256 != nullptr ? *sig256 : "";
  event.signature = sig != nullptr ? *sig : "";
  event.content_type = content_type != nullptr ? *content_type : "";
  // Delivery attempts (later, on the forwarder's thread) join this request's trace.
  if (span.IsRecording()) event.traceparent = span.Traceparent();

  ParseResult parsed = ParseEvent(request.body, config_.shipment_key);
  if (!parsed.event) {
    // Kept so nothing Flexport sent is lost; never forwarded.
    event.id = "malformed:" + BodySha256Hex(request.body);
    event.state = EventState::kDead;
    event.dead_reason = kDeadReasonMalformed;
    event.last_error = parsed.error;
    StoreResult stored = PersistIn(store_, span, std::move(event));
    RefreshStoreGauges();
    if (stored == StoreResult::kError) {
      return Finish(start, kUnknownType, kOutcomeError, 503,
                    JsonBody({{"error", "event store unavailable"}}), span);
    }
    return Finish(start, kUnknownType, kOutcomeMalformed, 400,
                  JsonBody({{"error", "not an event: " + parsed.error}}), span);
  }

  const ParsedEvent& parsed_event = *parsed.event;
  const std::string label = limiter_.Label(parsed_event.type);
  event.id = parsed_event.id;
  event.type = parsed_event.type;
  event.shipment_key = parsed_event.shipment_key;
  if (config_.forward_to.empty()) event.state = EventState::kDelivered;  // record only
  span.SetAttribute(semconv::kFlexportWebhookEventId, parsed_event.id);
  span.SetAttribute(semconv::kFlexportWebhookEventType, parsed_event.type);
  StoreResult stored = PersistIn(store_, span, std::move(event));
  RefreshStoreGauges();
  if (stored == StoreResult::kError) {
    return Finish(start, label, kOutcomeError, 503,
                  JsonBody({{"error", "event store unavailable"}}), span);
  }
  const auto now = hooks_.clock->Now();
  last_received_.Add({{"type", label}}).Set(Seconds(now));
  if (stored == StoreResult::kDuplicate) {
    return Finish(start, label, kOutcomeDuplicate, 200,
                  JsonBody({{"status", "duplicate"}, {"id", parsed_event.id}}), span);
  }
  if (hooks_.gaps != nullptr) hooks_.gaps->Observe(parsed_event.type, now);
  if (hooks_.on_stored) hooks_.on_stored();
  return Finish(start, label, kOutcomeAccepted, 200,
                JsonBody({{"status", "accepted"}, {"id", parsed_event.id}}), span);
}

void WebhookReceiver::SeedLastReceived(const std::map<std::string, EventTime>& last_by_type) {
  for (const auto& [type, at] : last_by_type) {
    last_received_.Add({{"type", limiter_.Label(type)}}).Set(Seconds(at));
  }
}

void WebhookReceiver::RefreshStoreGauges() {
  StoreCounts counts = store_.Counts();
  spool_depth_.Set(static_cast<double>(counts.pending));
  dead_letters_.Set(static_cast<double>(counts.dead));
}

}  // namespace fxagent
