// Spans of notification delivery: one client span per HTTP request with the receiver,
// alert names and severity, error status on failure, and no receiver URL secrets.
#include <gtest/gtest.h>

#include "agent/tracing/semconv.h"
#include "agent/tracing/tracer.h"
#include "tests/agent/notify/notify_test_util.h"
#include "tests/support/span_inspect.h"

namespace fxagent {
namespace {

using testing::Attr;
using testing::IntAttr;
using testing::StrAttr;

using namespace std::chrono_literals;
using testing::Harness;
using testing::MakeAlert;

constexpr char kPathSecret[] = "T000-B000-path-secret";
constexpr char kQueryToken[] = "query-token-321";

std::string SecretUrl() {
  return std::string("http://127.0.0.1:9/services/") + kPathSecret + "?token=" + kQueryToken;
}

void ExpectNoSecrets(const std::vector<SpanData>& spans) {
  for (const SpanData& span : spans) {
    std::vector<std::string> texts = {span.name, span.status_message};
    for (const SpanAttribute& a : span.attributes) {
      if (const auto* s = std::get_if<std::string>(&a.value)) texts.push_back(*s);
    }
    for (const std::string& text : texts) {
      for (const std::string secret : {kPathSecret, kQueryToken, "/services/"}) {
        EXPECT_EQ(text.find(secret), std::string::npos) << span.name << ": " << text;
      }
    }
  }
}

Config OneReceiver(const std::string& type) {
  Config c;
  c.receivers = {testing::Receiver("ops", type, SecretUrl())};
  c.routes = {testing::Route({"ops"})};
  return c;
}

class NotifyTracingTest : public ::testing::TestWithParam<std::string> {
 protected:
  InMemoryTracer tracer_;
};

TEST_P(NotifyTracingTest, ClientSpanPerRequestWithoutSecrets) {
  Harness h(OneReceiver(GetParam()), "trace_ok");
  h.notifier->SetTracer(&tracer_);
  h.notifier->Update({MakeAlert("FlexportApiDown", "P1", "api")}, h.clock.Now());
  h.Step(10s);
  ASSERT_EQ(h.notifier->DeliverNow(), 1u);
  ASSERT_EQ(h.http->Calls().size(), 1u);

  std::vector<SpanData> spans = tracer_.SpansNamed("notify ops");
  ASSERT_EQ(spans.size(), 1u);
  const SpanData& span = spans[0];
  EXPECT_EQ(span.kind, SpanKind::kClient);
  EXPECT_TRUE(IsZero(span.parent_span_id));
  EXPECT_EQ(StrAttr(span, semconv::kFlexportReceiver), "ops");
  EXPECT_EQ(StrAttr(span, semconv::kFlexportReceiverType), GetParam());
  EXPECT_EQ(StrAttr(span, semconv::kFlexportAlertName), "FlexportApiDown");
  EXPECT_EQ(StrAttr(span, semconv::kFlexportSeverity), "P1");
  EXPECT_EQ(StrAttr(span, semconv::kFlexportNotificationStatus), "sent");
  EXPECT_EQ(StrAttr(span, semconv::kHttpRequestMethod), "POST");
  EXPECT_EQ(StrAttr(span, semconv::kServerAddress), "127.0.0.1");
  EXPECT_EQ(IntAttr(span, semconv::kHttpResponseStatusCode), 200);
  EXPECT_NE(span.status, SpanStatusCode::kError);
  EXPECT_EQ(Attr(span, semconv::kUrlPath), nullptr);
  ExpectNoSecrets(tracer_.Spans());
}

INSTANTIATE_TEST_SUITE_P(Receivers, NotifyTracingTest,
                         ::testing::Values("webhook", "slack", "alertmanager"));

TEST(NotifyTracingFailureTest, ErrorStatusOnRejectionAndNoAnswer) {
  InMemoryTracer tracer;
  Config config = OneReceiver("webhook");
  config.routes[0].group_by = {"severity"};  // both alerts in one notification
  Harness h(config, "trace_fail");
  h.notifier->SetTracer(&tracer);
  h.http->SetScript([](const std::string&, size_t n) { return n == 0 ? 503 : 0; });
  h.notifier->Update({MakeAlert("FlexportApiDown", "P1", "api"),
                      MakeAlert("FlexportWebhooksSilent", "P1", "webhooks")},
                     h.clock.Now());
  h.Step(10s);
  ASSERT_EQ(h.notifier->DeliverNow(), 1u);
  h.clock.Advance(5s);
  ASSERT_EQ(h.notifier->DeliverNow(), 1u);

  std::vector<SpanData> spans = tracer.SpansNamed("notify ops");
  ASSERT_EQ(spans.size(), 2u);
  EXPECT_EQ(spans[0].status, SpanStatusCode::kError);
  EXPECT_EQ(IntAttr(spans[0], semconv::kHttpResponseStatusCode), 503);
  EXPECT_EQ(StrAttr(spans[0], semconv::kFlexportNotificationStatus), "retry");
  EXPECT_EQ(StrAttr(spans[0], semconv::kFlexportAlertName),
            "FlexportApiDown,FlexportWebhooksSilent");
  EXPECT_EQ(spans[1].status, SpanStatusCode::kError);
  EXPECT_EQ(IntAttr(spans[1], semconv::kHttpResponseStatusCode), -1);
  EXPECT_EQ(StrAttr(spans[1], semconv::kErrorType), semconv::kErrorOther);
  EXPECT_EQ(IntAttr(spans[1], semconv::kHttpRequestResendCount), 1);
  ExpectNoSecrets(tracer.Spans());
}

TEST(NotifyTracingFailureTest, NoTracerNoSpans) {
  InMemoryTracer tracer;
  Harness h(OneReceiver("webhook"), "trace_none");
  h.notifier->SetTracer(&tracer);
  h.notifier->SetTracer(nullptr);
  h.notifier->Update({MakeAlert("FlexportApiDown", "P1", "api")}, h.clock.Now());
  h.Step(10s);
  ASSERT_EQ(h.notifier->DeliverNow(), 1u);
  EXPECT_EQ(h.http->Calls().size(), 1u);
  EXPECT_TRUE(tracer.Spans().empty());
}

}  // namespace
}  // namespace fxagent
