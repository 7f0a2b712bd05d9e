#include "agent/tracing/otlp_tracer.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "agent/tracing/make_tracer.h"
#include "tests/agent/tracing/fake_collector.h"
#include "tests/agent/tracing/metrics_util.h"
#include "tests/support/subprocess.h"

namespace fxagent {
namespace {

using fxagent::testing::CollectorResponse;
using fxagent::testing::FakeCollector;
using fxagent::testing::MetricValue;
using std::chrono::milliseconds;

constexpr auto kWait = milliseconds(10000);

OtlpExporterOptions FastOptions(const std::string& endpoint) {
  OtlpExporterOptions o;
  o.endpoint = endpoint;
  o.resource.service_version = "test";
  o.resource.service_instance_id = "unit";
  o.flush_interval = milliseconds(60000);  // tests flush explicitly unless they say otherwise
  o.initial_backoff = milliseconds(20);
  o.max_backoff = milliseconds(200);
  o.export_timeout = milliseconds(5000);
  o.shutdown_timeout = milliseconds(2000);
  o.jitter = false;
  return o;
}

std::size_t SpanCount(const std::string& body) {
  auto j = nlohmann::json::parse(body);
  return j["resourceSpans"][0]["scopeSpans"][0]["spans"].size();
}

void EndSpans(Tracer& tracer, int n, const std::string& name = "span") {
  for (int i = 0; i < n; ++i) tracer.StartSpan(name).End();
}

TEST(OtlpTracerTest, ExportsAsJsonPost) {
  FakeCollector collector;
  prometheus::Registry registry;
  OtlpTracer tracer(FastOptions(collector.Url()), registry);
  EXPECT_TRUE(tracer.Enabled());
  EndSpans(tracer, 3);
  ASSERT_TRUE(tracer.ForceFlush(kWait));
  auto requests = collector.Requests();
  ASSERT_EQ(requests.size(), 1u);
  EXPECT_EQ(requests[0].content_type, "application/json");
  EXPECT_EQ(SpanCount(requests[0].body), 3u);
  EXPECT_EQ(MetricValue(registry, "flexport_tracing_spans_exported_total"), 3);
  EXPECT_EQ(MetricValue(registry, "flexport_tracing_export_failures_total"), 0);
}

TEST(OtlpTracerTest, RetriesA503WithBackoffThenSucceeds) {
  FakeCollector collector;
  collector.Script({{503, ""}, {200, ""}});
  prometheus::Registry registry;
  OtlpTracer tracer(FastOptions(collector.Url()), registry);
  EndSpans(tracer, 1);
  ASSERT_TRUE(tracer.ForceFlush(kWait));
  auto requests = collector.Requests();
  ASSERT_EQ(requests.size(), 2u);
  EXPECT_EQ(requests[0].body, requests[1].body);
  EXPECT_GE(requests[1].at - requests[0].at, milliseconds(20));
  EXPECT_EQ(MetricValue(registry, "flexport_tracing_export_failures_total"), 1);
  EXPECT_EQ(MetricValue(registry, "flexport_tracing_spans_exported_total"), 1);
  EXPECT_EQ(
      MetricValue(registry, "flexport_tracing_spans_dropped_total", "reason", "export_failed"), 0);
}

TEST(OtlpTracerTest, BackoffGrowsExponentially) {
  FakeCollector collector;
  collector.Script({{500, ""}, {502, ""}, {504, ""}, {200, ""}});
  prometheus::Registry registry;
  auto options = FastOptions(collector.Url());
  options.initial_backoff = milliseconds(40);
  OtlpTracer tracer(options, registry);
  EndSpans(tracer, 1);
  ASSERT_TRUE(tracer.ForceFlush(kWait));
  auto r = collector.Requests();
  ASSERT_EQ(r.size(), 4u);
  EXPECT_GE(r[1].at - r[0].at, milliseconds(40));
  EXPECT_GE(r[2].at - r[1].at, milliseconds(80));
  EXPECT_GE(r[3].at - r[2].at, milliseconds(160));
  EXPECT_EQ(MetricValue(registry, "flexport_tracing_export_failures_total"), 3);
}

TEST(OtlpTracerTest, HonoursRetryAfterOn429) {
  FakeCollector collector;
  collector.Script({{429, "1"}, {200, ""}});
  prometheus::Registry registry;
  auto options = FastOptions(collector.Url());
  options.initial_backoff = milliseconds(1);
  OtlpTracer tracer(options, registry);
  EndSpans(tracer, 1);
  ASSERT_TRUE(tracer.ForceFlush(kWait));
  auto r = collector.Requests();
  ASSERT_EQ(r.size(), 2u);
  EXPECT_GE(r[1].at - r[0].at, milliseconds(950));
}

TEST(OtlpTracerTest, PermanentErrorIsNotRetried) {
  FakeCollector collector;
  collector.Script({{400, ""}});
  prometheus::Registry registry;
  OtlpTracer tracer(FastOptions(collector.Url()), registry);
  EndSpans(tracer, 2);
  ASSERT_TRUE(tracer.ForceFlush(kWait));
  EXPECT_EQ(collector.Requests().size(), 1u);
  EXPECT_EQ(MetricValue(registry, "flexport_tracing_export_failures_total"), 1);
  EXPECT_EQ(
      MetricValue(registry, "flexport_tracing_spans_dropped_total", "reason", "export_failed"), 2);
  EXPECT_EQ(MetricValue(registry, "flexport_tracing_spans_exported_total"), 0);
}

TEST(OtlpTracerTest, GivesUpAfterMaxAttempts) {
  FakeCollector collector;
  collector.Script({{503, ""}, {503, ""}, {503, ""}, {503, ""}, {503, ""}});
  prometheus::Registry registry;
  auto options = FastOptions(collector.Url());
  options.max_attempts = 3;
  OtlpTracer tracer(options, registry);
  EndSpans(tracer, 1);
  ASSERT_TRUE(tracer.ForceFlush(kWait));
  EXPECT_EQ(collector.Requests().size(), 3u);
  EXPECT_EQ(MetricValue(registry, "flexport_tracing_export_failures_total"), 3);
  EXPECT_EQ(
      MetricValue(registry, "flexport_tracing_spans_dropped_total", "reason", "export_failed"), 1);
}

TEST(OtlpTracerTest, TransportErrorsAreRetriedAndCounted) {
  prometheus::Registry registry;
  auto options =
      FastOptions("http://127.0.0.1:" + std::to_string(testing::UnusedPort()) + "/v1/traces");
  options.max_attempts = 2;
  OtlpTracer tracer(options, registry);
  EndSpans(tracer, 4);
  ASSERT_TRUE(tracer.ForceFlush(kWait));
  EXPECT_EQ(MetricValue(registry, "flexport_tracing_export_failures_total"), 2);
  EXPECT_EQ(
      MetricValue(registry, "flexport_tracing_spans_dropped_total", "reason", "export_failed"), 4);
}

TEST(OtlpTracerTest, BatchesByMaxBatchSize) {
  FakeCollector collector;
  prometheus::Registry registry;
  auto options = FastOptions(collector.Url());
  options.max_batch_size = 3;
  OtlpTracer tracer(options, registry);
  EndSpans(tracer, 7);
  // Two full batches go out without a flush; the seventh span waits for the timer.
  ASSERT_TRUE(collector.WaitForRequests(2, kWait));
  EXPECT_EQ(SpanCount(collector.Requests()[0].body), 3u);
  EXPECT_EQ(SpanCount(collector.Requests()[1].body), 3u);
  EXPECT_EQ(tracer.QueueDepth(), 1u);
  ASSERT_TRUE(tracer.ForceFlush(kWait));
  auto r = collector.Requests();
  ASSERT_EQ(r.size(), 3u);
  EXPECT_EQ(SpanCount(r[2].body), 1u);
  EXPECT_EQ(MetricValue(registry, "flexport_tracing_spans_exported_total"), 7);
}

TEST(OtlpTracerTest, FlushIntervalSendsAPartialBatch) {
  FakeCollector collector;
  prometheus::Registry registry;
  auto options = FastOptions(collector.Url());
  options.flush_interval = milliseconds(50);
  OtlpTracer tracer(options, registry);
  EndSpans(tracer, 1);
  ASSERT_TRUE(collector.WaitForRequests(1, kWait));
  EXPECT_EQ(SpanCount(collector.Requests()[0].body), 1u);
}

TEST(OtlpTracerTest, FullQueueDropsAndCountsWithoutBlocking) {
  FakeCollector collector;
  collector.Hold();
  prometheus::Registry registry;
  auto options = FastOptions(collector.Url());
  options.max_batch_size = 5;
  options.max_queue_size = 10;
  OtlpTracer tracer(options, registry);
  EndSpans(tracer, 5);  // a full batch: the exporter takes it and blocks on the collector
  ASSERT_TRUE(collector.WaitForRequests(1, kWait));

  auto start = std::chrono::steady_clock::now();
  EndSpans(tracer, 100);
  auto took = std::chrono::steady_clock::now() - start;
  EXPECT_LT(took, milliseconds(500)) << "ending spans must never wait for the exporter";
  EXPECT_EQ(tracer.QueueDepth(), 10u);
  EXPECT_EQ(MetricValue(registry, "flexport_tracing_spans_dropped_total", "reason", "queue_full"),
            90);
  EXPECT_EQ(MetricValue(registry, "flexport_tracing_queue_spans"), 10);

  collector.Release();
  ASSERT_TRUE(tracer.ForceFlush(kWait));
  EXPECT_EQ(MetricValue(registry, "flexport_tracing_spans_exported_total"), 15);
}

TEST(OtlpTracerTest, StopFlushesWhatIsQueued) {
  FakeCollector collector;
  prometheus::Registry registry;
  OtlpTracer tracer(FastOptions(collector.Url()), registry);
  EndSpans(tracer, 4);
  tracer.Stop();
  EXPECT_EQ(MetricValue(registry, "flexport_tracing_spans_exported_total"), 4);
  ASSERT_EQ(collector.Requests().size(), 1u);
  // After Stop, spans are dropped, not queued.
  EndSpans(tracer, 1);
  EXPECT_EQ(MetricValue(registry, "flexport_tracing_spans_dropped_total", "reason", "shutdown"), 1);
  tracer.Stop();  // idempotent
}

TEST(OtlpTracerTest, StopIsBoundedWhenTheCollectorHangs) {
  FakeCollector collector;
  collector.Hold();
  prometheus::Registry registry;
  auto options = FastOptions(collector.Url());
  options.max_batch_size = 2;
  options.shutdown_timeout = milliseconds(300);
  OtlpTracer tracer(options, registry);
  EndSpans(tracer, 2);
  ASSERT_TRUE(collector.WaitForRequests(1, kWait));
  EndSpans(tracer, 1);
  auto start = std::chrono::steady_clock::now();
  tracer.Stop();
  // The budget plus libcurl's progress-callback granularity (about a second).
  EXPECT_LT(std::chrono::steady_clock::now() - start, milliseconds(2500));
  EXPECT_EQ(MetricValue(registry, "flexport_tracing_spans_dropped_total", "reason", "shutdown"), 3);
  EXPECT_EQ(MetricValue(registry, "flexport_tracing_spans_exported_total"), 0);
}

TEST(MakeTracerTest, EmptyEndpointIsNoop) {
  prometheus::Registry registry;
  auto tracer = MakeTracer(TracingSection{}, "i", "v", registry);
  EXPECT_FALSE(tracer->Enabled());
  EXPECT_FALSE(tracer->StartSpan("x").IsRecording());
  tracer->Stop();
}

TEST(MakeTracerTest, EndpointGivesOtlpWithResource) {
  FakeCollector collector;
  prometheus::Registry registry;
  TracingSection section;
  section.otlp_endpoint = collector.Url();
  auto tracer = MakeTracer(section, "orders-integration-1", "9.9.9", registry);
  ASSERT_TRUE(tracer->Enabled());
  tracer->StartSpan("x").End();
  tracer->Stop();
  ASSERT_EQ(collector.Requests().size(), 1u);
  auto body = nlohmann::json::parse(collector.Requests()[0].body);
  auto attrs = body["resourceSpans"][0]["resource"]["attributes"];
  EXPECT_EQ(attrs[1]["key"], "service.version");
  EXPECT_EQ(attrs[1]["value"]["stringValue"], "9.9.9");
  EXPECT_EQ(attrs[2]["key"], "service.instance.id");
  EXPECT_EQ(attrs[2]["value"]["stringValue"], "orders-integration-1");
}

}  // namespace
}  // namespace fxagent
