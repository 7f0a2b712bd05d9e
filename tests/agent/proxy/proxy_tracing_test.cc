// Spans of the egress proxy: a server span continuing the caller's trace, a client span
// for the upstream call whose traceparent the upstream sees, error status, no secrets.
#include <gtest/gtest.h>
#include <httplib.h>

#include "agent/tracing/semconv.h"
#include "agent/tracing/tracer.h"
#include "flexport/endpoint_template.h"
#include "tests/agent/proxy/proxy_test_util.h"
#include "tests/support/span_inspect.h"

namespace fxagent::testing {
namespace {

constexpr char kCallerTrace[] = "4bf92f3577b34da6a3ce929d0e0e4736";
constexpr char kCallerSpan[] = "00f067aa0ba902b7";
constexpr char kAuth[] = "Bearer very-secret-api-key";
constexpr char kQueryToken[] = "query-token-789";

void ExpectNoSecrets(const std::vector<SpanData>& spans) {
  for (const SpanData& span : spans) {
    std::vector<std::string> texts = {span.name, span.status_message};
    for (const SpanAttribute& a : span.attributes) {
      if (const auto* s = std::get_if<std::string>(&a.value)) texts.push_back(*s);
    }
    for (const std::string& text : texts) {
      for (const std::string secret : {kAuth, "very-secret-api-key", kQueryToken}) {
        EXPECT_EQ(text.find(secret), std::string::npos) << span.name << ": " << text;
      }
    }
  }
}

// The two spans of one proxied request: {server, client}; client is empty when absent.
struct RequestSpans {
  std::optional<SpanData> server, client;
};
RequestSpans Split(const std::vector<SpanData>& spans) {
  RequestSpans out;
  for (const SpanData& s : spans) {
    if (s.kind == SpanKind::kServer) out.server = s;
    if (s.kind == SpanKind::kClient) out.client = s;
  }
  return out;
}

httplib::Headers CallerHeaders() {
  return {{"Authorization", kAuth},
          {"traceparent", std::string("00-") + kCallerTrace + "-" + kCallerSpan + "-01"}};
}

class ProxyTracingTest : public ::testing::Test {
 protected:
  Upstream upstream_;
  InMemoryTracer tracer_;
};

TEST_F(ProxyTracingTest, ServerAndClientSpansPropagateTheCallersTrace) {
  ProxyUnderTest proxy(ProxyConfig(upstream_.base_url()));
  proxy.proxy().SetTracer(&tracer_);
  const std::string target = std::string("/shipments/123?token=") + kQueryToken;
  auto res = proxy.Client()->Get(target, CallerHeaders());
  ASSERT_TRUE(res);
  ASSERT_EQ(res->status, 200);

  RequestSpans spans = Split(tracer_.Spans());
  ASSERT_TRUE(spans.server && spans.client);
  const SpanData& server = *spans.server;
  const SpanData& client = *spans.client;
  EXPECT_EQ(server.name, "GET " + TemplateEndpoint(target));
  EXPECT_EQ(server.name.find("123"), std::string::npos) << server.name;
  EXPECT_EQ(ToHex(server.trace_id), kCallerTrace);
  EXPECT_EQ(ToHex(server.parent_span_id), kCallerSpan);
  EXPECT_EQ(IntAttr(server, semconv::kHttpResponseStatusCode), 200);
  EXPECT_EQ(StrAttr(server, semconv::kFlexportSource), "proxy");
  EXPECT_EQ(client.name, "GET");
  EXPECT_EQ(client.trace_id, server.trace_id);
  EXPECT_EQ(client.parent_span_id, server.span_id);
  EXPECT_EQ(IntAttr(client, semconv::kHttpResponseStatusCode), 200);
  EXPECT_EQ(StrAttr(client, semconv::kUrlFull),
            upstream_.base_url() + "/shipments/123?token=REDACTED");
  EXPECT_NE(server.status, SpanStatusCode::kError);
  EXPECT_NE(client.status, SpanStatusCode::kError);

  const SeenRequest seen = upstream_.last();
  const auto tp = seen.headers.find("traceparent");
  ASSERT_NE(tp, seen.headers.end());
  EXPECT_EQ(seen.headers.count("traceparent"), 1u);
  const std::optional<SpanContext> sent = ParseTraceparent(tp->second);
  ASSERT_TRUE(sent.has_value()) << tp->second;
  EXPECT_EQ(ToHex(sent->trace_id), kCallerTrace);
  EXPECT_EQ(sent->span_id, client.span_id);
  EXPECT_EQ(seen.headers.find("Authorization")->second, kAuth);  // still forwarded
  ExpectNoSecrets(tracer_.Spans());
}

TEST_F(ProxyTracingTest, NewTraceWithoutACallerTraceparent) {
  ProxyUnderTest proxy(ProxyConfig(upstream_.base_url()));
  proxy.proxy().SetTracer(&tracer_);
  auto res = proxy.Client()->Post("/shipments", "{}", "application/json");
  ASSERT_TRUE(res);
  RequestSpans spans = Split(tracer_.Spans());
  ASSERT_TRUE(spans.server && spans.client);
  EXPECT_TRUE(IsZero(spans.server->parent_span_id));
  const std::optional<SpanContext> sent =
      ParseTraceparent(upstream_.last().headers.find("traceparent")->second);
  ASSERT_TRUE(sent.has_value());
  EXPECT_EQ(sent->trace_id, spans.server->trace_id);
  EXPECT_EQ(sent->span_id, spans.client->span_id);
}

TEST_F(ProxyTracingTest, UpstreamErrorStatusOnBothSpans) {
  upstream_.SetHandler([](const httplib::Request&, httplib::Response& res) {
    res.status = 503;
    res.set_content("{}", "application/json");
  });
  ProxyUnderTest proxy(ProxyConfig(upstream_.base_url()));
  proxy.proxy().SetTracer(&tracer_);
  auto res = proxy.Client()->Get("/shipments", CallerHeaders());
  ASSERT_TRUE(res);
  ASSERT_EQ(res->status, 503);
  RequestSpans spans = Split(tracer_.Spans());
  ASSERT_TRUE(spans.server && spans.client);
  EXPECT_EQ(spans.server->status, SpanStatusCode::kError);
  EXPECT_EQ(spans.client->status, SpanStatusCode::kError);
  EXPECT_EQ(IntAttr(*spans.client, semconv::kHttpResponseStatusCode), 503);
  EXPECT_EQ(StrAttr(*spans.client, semconv::kErrorType), "503");
}

TEST_F(ProxyTracingTest, UpstreamUnreachableSetsErrorOnTheClientSpan) {
  int port;
  {
    httplib::Server probe;
    port = probe.bind_to_any_port("127.0.0.1");
  }
  Config config = ProxyConfig("http://127.0.0.1:" + std::to_string(port));
  config.proxy.timeout = std::chrono::seconds(1);
  ProxyUnderTest proxy(config);
  proxy.proxy().SetTracer(&tracer_);
  auto res = proxy.Client()->Get("/shipments", CallerHeaders());
  ASSERT_TRUE(res);
  // Refused (502), or a timeout (504) if the released port still accepts connections.
  ASSERT_TRUE(res->status == 502 || res->status == 504) << res->status;
  RequestSpans spans = Split(tracer_.Spans());
  ASSERT_TRUE(spans.server && spans.client);
  EXPECT_EQ(spans.client->status, SpanStatusCode::kError);
  EXPECT_FALSE(StrAttr(*spans.client, semconv::kErrorType).empty());
  EXPECT_EQ(IntAttr(*spans.client, semconv::kHttpResponseStatusCode), -1);
  EXPECT_EQ(spans.server->status, SpanStatusCode::kError);
  EXPECT_EQ(IntAttr(*spans.server, semconv::kHttpResponseStatusCode), res->status);
  if (res->status == 504) {
    EXPECT_EQ(StrAttr(*spans.client, semconv::kErrorType), "timeout");
  }
  ExpectNoSecrets(tracer_.Spans());
}

TEST_F(ProxyTracingTest, BreakerOpenIsAnAttributeAndNoClientSpan) {
  upstream_.SetHandler([](const httplib::Request&, httplib::Response& res) { res.status = 500; });
  Config config = ProxyConfig(upstream_.base_url());
  config.proxy.breaker.enabled = true;
  config.proxy.breaker.failure_threshold = 1;
  config.proxy.breaker.open_duration = std::chrono::seconds(30);
  ProxyUnderTest proxy(config);
  proxy.proxy().SetTracer(&tracer_);
  auto first = proxy.Client()->Get("/shipments", CallerHeaders());
  ASSERT_TRUE(first);
  ASSERT_EQ(first->status, 500);
  tracer_.Clear();
  auto second = proxy.Client()->Get("/shipments", CallerHeaders());
  ASSERT_TRUE(second);
  ASSERT_EQ(second->status, 503);
  RequestSpans spans = Split(tracer_.Spans());
  ASSERT_TRUE(spans.server);
  EXPECT_FALSE(spans.client);
  EXPECT_EQ(StrAttr(*spans.server, "flexport.proxy.breaker"), "reject");
  EXPECT_EQ(StrAttr(*spans.server, "flexport.proxy.rejected"), "breaker_open");
  EXPECT_EQ(StrAttr(*spans.server, "flexport.proxy.cache"), "miss");
  EXPECT_EQ(spans.server->status, SpanStatusCode::kError);
  ExpectNoSecrets(tracer_.Spans());
}

TEST_F(ProxyTracingTest, WithoutATracerTheCallersTraceparentIsForwardedAsIs) {
  ProxyUnderTest proxy(ProxyConfig(upstream_.base_url()));
  auto res = proxy.Client()->Get("/shipments", CallerHeaders());
  ASSERT_TRUE(res);
  EXPECT_EQ(upstream_.last().headers.find("traceparent")->second,
            std::string("00-") + kCallerTrace + "-" + kCallerSpan + "-01");
  EXPECT_TRUE(tracer_.Spans().empty());
}

}  // namespace
}  // namespace fxagent::testing
