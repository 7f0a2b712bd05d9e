// Spans of the webhook relay: the receiver's server span and its children, one client
// span per forward attempt, traceparent propagation, error status, and no secrets.
#include <gtest/gtest.h>
#include <prometheus/registry.h>

#include <nlohmann/json.hpp>
#include <thread>

#include "agent/tracing/semconv.h"
#include "agent/tracing/tracer.h"
#include "agent/webhooks/relay.h"
#include "agent/webhooks/signature.h"
#include "tests/agent/webhooks/test_app.h"
#include "tests/agent/webhooks/webhooks_test_util.h"
#include "tests/support/span_inspect.h"

namespace fxagent {
namespace {

using testing::Attr;
using testing::IntAttr;
using testing::StrAttr;

using std::chrono::milliseconds;
using testing::AppRequest;
using testing::TempDir;
using testing::TestApp;

constexpr char kSecret[] = "wh-secret-value-123";
constexpr char kForwardToken[] = "fwd-token-456";
constexpr char kCallerTrace[] = "0af7651916cd43dd8448eb211c80319c";
constexpr char kCallerSpan[] = "b7ad6b7169203331";

std::string EventBody(const std::string& id) {
  nlohmann::json doc = {{"id", id},
                        {"type", "shipment.milestone"},
                        {"data", {{"shipment_id", "S1"}, {"milestone", "departed"}}}};
  return doc.dump();
}

// No attribute value, event attribute or status message mentions any of `secrets`.
void ExpectNoSecrets(const std::vector<SpanData>& spans, const std::vector<std::string>& secrets) {
  for (const SpanData& span : spans) {
    std::vector<std::string> texts = {span.name, span.status_message};
    for (const SpanAttribute& a : span.attributes) {
      if (const auto* s = std::get_if<std::string>(&a.value)) texts.push_back(*s);
    }
    for (const SpanEvent& e : span.events) {
      for (const SpanAttribute& a : e.attributes) {
        if (const auto* s = std::get_if<std::string>(&a.value)) texts.push_back(*s);
      }
    }
    for (const std::string& text : texts) {
      for (const std::string& secret : secrets) {
        EXPECT_EQ(text.find(secret), std::string::npos) << span.name << ": " << text;
      }
    }
  }
}

class WebhookTracingTest : public ::testing::Test {
 protected:
  void Start(bool traced, std::string forward_to = "") {
    config_.secrets = {kSecret};
    config_.forward_to =
        forward_to.empty() ? app_.Url() + "?token=" + kForwardToken : std::move(forward_to);
    config_.max_attempts = 3;
    WebhookRelayOptions options;
    options.backoff_base = milliseconds(20);
    options.backoff_max = milliseconds(50);
    options.delivery_timeout = std::chrono::seconds(5);
    relay_ = std::make_unique<WebhookRelay>(config_, dir_.path(), registry_, options);
    if (traced) relay_->SetTracer(&tracer_);
    relay_->Start();
  }

  WebhookResponse Post(const std::string& body, const std::string& signature,
                       const std::string& traceparent = "") {
    WebhookRequest req;
    req.path = config_.path;
    req.headers = {{"Content-Type", "application/json"}, {"X-Hub-Signature-256", signature}};
    if (!traceparent.empty()) req.headers.emplace_back("traceparent", traceparent);
    req.body = body;
    return relay_->receiver().Handle(req);
  }

  // Forward spans end after the app answered: poll for them.
  std::vector<SpanData> WaitForForwardSpans(size_t n) {
    for (int i = 0; i < 1000; ++i) {
      std::vector<SpanData> spans = tracer_.SpansNamed("POST");
      if (spans.size() >= n) return spans;
      std::this_thread::sleep_for(milliseconds(5));
    }
    return tracer_.SpansNamed("POST");
  }

  TempDir dir_;
  TestApp app_;
  WebhooksSection config_;
  prometheus::Registry registry_;
  InMemoryTracer tracer_;
  std::unique_ptr<WebhookRelay> relay_;
};

TEST_F(WebhookTracingTest, ReceiveVerifyPersistAndForwardSpans) {
  Start(true);
  const std::string body = EventBody("evt_1");
  const std::string caller = std::string("00-") + kCallerTrace + "-" + kCallerSpan + "-01";
  ASSERT_EQ(Post(body, SignSha256(body, kSecret), caller).status, 200);

  std::vector<SpanData> servers = tracer_.SpansNamed("POST /webhooks/flexport");
  ASSERT_EQ(servers.size(), 1u);
  const SpanData& server = servers[0];
  EXPECT_EQ(server.kind, SpanKind::kServer);
  EXPECT_EQ(ToHex(server.trace_id), kCallerTrace);
  EXPECT_EQ(ToHex(server.parent_span_id), kCallerSpan);
  EXPECT_EQ(StrAttr(server, semconv::kFlexportWebhookEventType), "shipment.milestone");
  EXPECT_EQ(StrAttr(server, semconv::kFlexportWebhookEventId), "evt_1");
  EXPECT_EQ(StrAttr(server, semconv::kFlexportWebhookOutcome), "accepted");
  EXPECT_EQ(IntAttr(server, semconv::kHttpResponseStatusCode), 200);
  EXPECT_NE(server.status, SpanStatusCode::kError);

  for (const char* name : {"webhook verify", "webhook persist"}) {
    std::vector<SpanData> child = tracer_.SpansNamed(name);
    ASSERT_EQ(child.size(), 1u) << name;
    EXPECT_EQ(child[0].kind, SpanKind::kInternal);
    EXPECT_EQ(child[0].trace_id, server.trace_id);
    EXPECT_EQ(child[0].parent_span_id, server.span_id) << name;
    EXPECT_NE(child[0].status, SpanStatusCode::kError) << name;
  }

  std::vector<SpanData> forwards = WaitForForwardSpans(1);
  ASSERT_EQ(forwards.size(), 1u);
  const SpanData& fwd = forwards[0];
  EXPECT_EQ(fwd.kind, SpanKind::kClient);
  EXPECT_EQ(IntAttr(fwd, semconv::kFlexportWebhookAttempt), 1);
  EXPECT_EQ(StrAttr(fwd, semconv::kFlexportWebhookEventId), "evt_1");
  EXPECT_EQ(StrAttr(fwd, semconv::kFlexportWebhookEventType), "shipment.milestone");
  EXPECT_EQ(IntAttr(fwd, semconv::kHttpResponseStatusCode), 200);
  EXPECT_EQ(StrAttr(fwd, semconv::kUrlFull), app_.Url() + "?token=REDACTED");
  // One trace: the delivery attempt is a child of the request that brought the event in.
  EXPECT_EQ(fwd.trace_id, server.trace_id);
  EXPECT_EQ(fwd.parent_span_id, server.span_id);

  ASSERT_TRUE(app_.WaitForCount(1));
  const AppRequest got = app_.Requests()[0];
  const std::optional<SpanContext> sent = ParseTraceparent(got.Header("traceparent"));
  ASSERT_TRUE(sent.has_value()) << got.Header("traceparent");
  EXPECT_EQ(sent->trace_id, fwd.trace_id);
  EXPECT_EQ(sent->span_id, fwd.span_id);

  ExpectNoSecrets(tracer_.Spans(), {kSecret, kForwardToken, SignSha256(body, kSecret)});
}

TEST_F(WebhookTracingTest, BadSignatureAndMalformedAreErrors) {
  Start(true);
  const std::string body = EventBody("evt_1");
  ASSERT_EQ(Post(body, SignSha256(body, "wrong")).status, 401);
  std::vector<SpanData> servers = tracer_.SpansNamed("POST /webhooks/flexport");
  ASSERT_EQ(servers.size(), 1u);
  EXPECT_EQ(servers[0].status, SpanStatusCode::kError);
  EXPECT_EQ(StrAttr(servers[0], semconv::kFlexportWebhookOutcome), "bad_signature");
  EXPECT_EQ(IntAttr(servers[0], semconv::kHttpResponseStatusCode), 401);
  EXPECT_TRUE(IsZero(servers[0].parent_span_id));  // no traceparent sent: a new trace
  std::vector<SpanData> verify = tracer_.SpansNamed("webhook verify");
  ASSERT_EQ(verify.size(), 1u);
  EXPECT_EQ(verify[0].status, SpanStatusCode::kError);
  EXPECT_TRUE(tracer_.SpansNamed("webhook persist").empty());

  tracer_.Clear();
  const std::string junk = "not json";
  ASSERT_EQ(Post(junk, SignSha256(junk, kSecret)).status, 400);
  servers = tracer_.SpansNamed("POST /webhooks/flexport");
  ASSERT_EQ(servers.size(), 1u);
  EXPECT_EQ(servers[0].status, SpanStatusCode::kError);
  EXPECT_EQ(StrAttr(servers[0], semconv::kFlexportWebhookOutcome), "malformed");

  tracer_.Clear();
  ASSERT_EQ(relay_->receiver().RejectTooLarge().status, 413);
  servers = tracer_.SpansNamed("POST /webhooks/flexport");
  ASSERT_EQ(servers.size(), 1u);
  EXPECT_EQ(servers[0].status, SpanStatusCode::kError);
  EXPECT_EQ(StrAttr(servers[0], semconv::kFlexportWebhookOutcome), "too_large");
  ExpectNoSecrets(tracer_.Spans(), {kSecret});
}

TEST_F(WebhookTracingTest, FailedAttemptIsAnErrorSpanThenRetrySpan) {
  app_.SetResponder([](size_t n, const std::string&) { return n == 0 ? 500 : 200; });
  Start(true);
  const std::string body = EventBody("evt_1");
  ASSERT_EQ(Post(body, SignSha256(body, kSecret)).status, 200);
  std::vector<SpanData> forwards = WaitForForwardSpans(2);
  ASSERT_EQ(forwards.size(), 2u);
  EXPECT_EQ(IntAttr(forwards[0], semconv::kFlexportWebhookAttempt), 1);
  EXPECT_EQ(IntAttr(forwards[0], semconv::kHttpResponseStatusCode), 500);
  EXPECT_EQ(forwards[0].status, SpanStatusCode::kError);
  EXPECT_EQ(IntAttr(forwards[1], semconv::kFlexportWebhookAttempt), 2);
  EXPECT_NE(forwards[1].status, SpanStatusCode::kError);
  EXPECT_NE(forwards[0].span_id, forwards[1].span_id);
  std::vector<SpanData> servers = tracer_.SpansNamed("POST /webhooks/flexport");
  ASSERT_EQ(servers.size(), 1u);
  for (const SpanData& f : forwards) {
    EXPECT_EQ(f.trace_id, servers[0].trace_id);
    EXPECT_EQ(f.parent_span_id, servers[0].span_id);
  }
}

// The receive span's context is stored with the event: an attempt made by the next
// process (after a restart, here a new relay on the same data_dir) joins the same trace.
TEST_F(WebhookTracingTest, AttemptAfterARestartJoinsTheReceiveTrace) {
  app_.SetResponder([](size_t, const std::string&) { return 503; });
  config_.max_attempts = 100;
  Start(true);
  const std::string body = EventBody("evt_restart");
  const std::string caller = std::string("00-") + kCallerTrace + "-" + kCallerSpan + "-01";
  ASSERT_EQ(Post(body, SignSha256(body, kSecret), caller).status, 200);
  ASSERT_FALSE(WaitForForwardSpans(1).empty());
  std::vector<SpanData> servers = tracer_.SpansNamed("POST /webhooks/flexport");
  ASSERT_EQ(servers.size(), 1u);
  const SpanData server = servers[0];
  relay_.reset();

  tracer_.Clear();
  app_.SetResponder([](size_t, const std::string&) { return 200; });
  Start(true);
  ASSERT_TRUE(app_.WaitFor([](const std::vector<AppRequest>& requests) {
    return !requests.empty() && requests.back().status == 200;
  })) << "the spooled event was not delivered after the restart";
  std::vector<SpanData> forwards = WaitForForwardSpans(1);
  ASSERT_FALSE(forwards.empty());
  const SpanData& last = forwards.back();
  EXPECT_EQ(IntAttr(last, semconv::kHttpResponseStatusCode), 200);
  EXPECT_EQ(ToHex(last.trace_id), kCallerTrace);
  EXPECT_EQ(last.parent_span_id, server.span_id);
}

TEST_F(WebhookTracingTest, TransportFailureSetsError) {
  // A port nothing listens on: bind one, then release it.
  int port;
  {
    httplib::Server probe;
    port = probe.bind_to_any_port("127.0.0.1");
  }
  Start(true, "http://127.0.0.1:" + std::to_string(port) + "/app");
  const std::string body = EventBody("evt_1");
  ASSERT_EQ(Post(body, SignSha256(body, kSecret)).status, 200);
  std::vector<SpanData> forwards = WaitForForwardSpans(1);
  ASSERT_GE(forwards.size(), 1u);
  EXPECT_EQ(forwards[0].status, SpanStatusCode::kError);
  EXPECT_FALSE(StrAttr(forwards[0], semconv::kErrorType).empty());
  EXPECT_EQ(IntAttr(forwards[0], semconv::kHttpResponseStatusCode), -1);
}

TEST_F(WebhookTracingTest, NoopTracerSendsNoTraceparent) {
  NoopTracer noop;
  config_.secrets = {kSecret};
  config_.forward_to = app_.Url();
  relay_ = std::make_unique<WebhookRelay>(config_, dir_.path(), registry_);
  relay_->SetTracer(&noop);
  relay_->Start();
  const std::string body = EventBody("evt_1");
  ASSERT_EQ(Post(body, SignSha256(body, kSecret)).status, 200);
  ASSERT_TRUE(app_.WaitForCount(1));
  EXPECT_FALSE(app_.Requests()[0].headers.count("traceparent"));
  relay_.reset();  // stops before `noop` goes away
}

TEST_F(WebhookTracingTest, NoTracerNoSpansNoTraceparent) {
  Start(false);
  const std::string body = EventBody("evt_1");
  ASSERT_EQ(Post(body, SignSha256(body, kSecret)).status, 200);
  ASSERT_TRUE(app_.WaitForCount(1));
  EXPECT_EQ(app_.Requests()[0].Header("traceparent"), "");
  EXPECT_TRUE(tracer_.Spans().empty());
}

}  // namespace
}  // namespace fxagent
