#include "agent/tracing/tracer.h"

#include <gtest/gtest.h>

#include <chrono>

#include "agent/tracing/semconv.h"

namespace fxagent {
namespace {

const SpanAttribute* FindAttr(const SpanData& s, std::string_view key) {
  for (const auto& a : s.attributes) {
    if (a.key == key) return &a;
  }
  return nullptr;
}

TEST(NoopTracerTest, SpansDoNotRecordAndCostNothing) {
  NoopTracer tracer;
  EXPECT_FALSE(tracer.Enabled());
  auto span = tracer.StartSpan("probe", SpanKind::kClient);
  EXPECT_FALSE(span.IsRecording());
  EXPECT_FALSE(span.context().IsValid());
  EXPECT_EQ(span.Traceparent(), "");
  span.SetAttribute("k", "v");
  span.SetAttribute("n", 5);
  span.SetError("timeout", "x");
  auto child = span.StartChild("dns");
  EXPECT_FALSE(child.IsRecording());
  span.End();

  // The hot path: a million spans must be far cheaper than real work (no allocation,
  // no ids, no locks). Generous bound so a loaded CI machine does not flake.
  auto start = std::chrono::steady_clock::now();
  for (int i = 0; i < 1000000; ++i) {
    auto s = tracer.StartSpan("hot", SpanKind::kServer);
    s.SetAttribute(semconv::kHttpResponseStatusCode, 200);
  }
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::milliseconds(500));
}

TEST(TracerTest, ChildSpansShareTraceAndPointAtParent) {
  InMemoryTracer tracer;
  SpanContext root_ctx, child_ctx;
  {
    auto root = tracer.StartSpan("probe shipments", SpanKind::kClient);
    root_ctx = root.context();
    auto child = root.StartChild("dns");
    child_ctx = child.context();
    auto grandchild = child.StartChild("inner");
    EXPECT_EQ(grandchild.context().trace_id, root_ctx.trace_id);
  }  // ends grandchild, child, root in that order
  auto spans = tracer.Spans();
  ASSERT_EQ(spans.size(), 3u);
  EXPECT_EQ(spans[0].name, "inner");
  EXPECT_EQ(spans[0].parent_span_id, child_ctx.span_id);
  EXPECT_EQ(spans[1].name, "dns");
  EXPECT_EQ(spans[1].parent_span_id, root_ctx.span_id);
  EXPECT_EQ(spans[1].trace_id, root_ctx.trace_id);
  EXPECT_EQ(spans[2].name, "probe shipments");
  EXPECT_TRUE(IsZero(spans[2].parent_span_id));
  EXPECT_EQ(spans[2].kind, SpanKind::kClient);
  EXPECT_NE(spans[0].span_id, spans[1].span_id);
  EXPECT_NE(spans[1].span_id, spans[2].span_id);
}

TEST(TracerTest, RemoteParentContinuesTheCallersTrace) {
  InMemoryTracer tracer;
  auto parent = ParseTraceparent("00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01");
  ASSERT_TRUE(parent.has_value());
  auto server = tracer.StartSpan("GET /shipments", SpanKind::kServer, *parent);
  auto client = server.StartChild("GET", SpanKind::kClient);
  std::string upstream = client.Traceparent();
  EXPECT_EQ(upstream.substr(0, 36), "00-0af7651916cd43dd8448eb211c80319c-");
  EXPECT_EQ(upstream.substr(36, 16), ToHex(client.context().span_id));
  EXPECT_EQ(upstream.substr(52), "-01");
  client.End();
  server.End();
  auto spans = tracer.Spans();
  ASSERT_EQ(spans.size(), 2u);
  EXPECT_EQ(ToHex(spans[1].parent_span_id), "b7ad6b7169203331");
  EXPECT_EQ(spans[0].parent_span_id, spans[1].span_id);
}

TEST(TracerTest, InvalidParentStartsANewTrace) {
  InMemoryTracer tracer;
  auto span = tracer.StartSpan("x", SpanKind::kServer,
                               ParseTraceparent("not-a-traceparent").value_or(SpanContext{}));
  EXPECT_TRUE(span.context().IsValid());
  span.End();
  EXPECT_TRUE(IsZero(tracer.Spans()[0].parent_span_id));
}

TEST(TracerTest, AttributesOfEveryTypeAndOverwrite) {
  InMemoryTracer tracer;
  {
    auto span = tracer.StartSpan("x");
    span.SetAttribute("s", "text");
    span.SetAttribute("s2", std::string("more"));
    span.SetAttribute("i", 42);
    span.SetAttribute("u", std::size_t{7});
    span.SetAttribute("neg", std::int64_t{-9000000000});
    span.SetAttribute("d", 0.25);
    span.SetAttribute("b", true);
    span.SetAttribute("i", 43);
  }
  auto s = tracer.Spans().at(0);
  EXPECT_EQ(s.attributes.size(), 7u);
  EXPECT_EQ(std::get<std::string>(FindAttr(s, "s")->value), "text");
  EXPECT_EQ(std::get<std::string>(FindAttr(s, "s2")->value), "more");
  EXPECT_EQ(std::get<std::int64_t>(FindAttr(s, "i")->value), 43);
  EXPECT_EQ(std::get<std::int64_t>(FindAttr(s, "u")->value), 7);
  EXPECT_EQ(std::get<std::int64_t>(FindAttr(s, "neg")->value), -9000000000);
  EXPECT_EQ(std::get<double>(FindAttr(s, "d")->value), 0.25);
  EXPECT_EQ(std::get<bool>(FindAttr(s, "b")->value), true);
}

TEST(TracerTest, ExplicitTimesAndIdempotentEnd) {
  InMemoryTracer tracer;
  auto root = tracer.StartSpan("probe", SpanKind::kClient, {}, 1000);
  auto dns = root.StartChild("dns", SpanKind::kInternal, 1000);
  dns.End(1500);
  dns.End(9999);
  root.End(3000);
  auto spans = tracer.Spans();
  ASSERT_EQ(spans.size(), 2u);
  EXPECT_EQ(spans[0].start_unix_ns, 1000);
  EXPECT_EQ(spans[0].end_unix_ns, 1500);
  EXPECT_EQ(spans[1].end_unix_ns, 3000);
}

TEST(TracerTest, EndNeverPrecedesStart) {
  InMemoryTracer tracer;
  tracer.StartSpan("x", SpanKind::kInternal, {}, 5000).End(4000);
  EXPECT_EQ(tracer.Spans().at(0).end_unix_ns, 5000);
}

TEST(TracerTest, StatusRules) {
  InMemoryTracer tracer;
  {
    auto a = tracer.StartSpan("error");
    a.SetError("503", "upstream unavailable");
    auto b = tracer.StartSpan("ok-is-final");
    b.SetStatus(SpanStatusCode::kOk, "ignored message");
    b.SetStatus(SpanStatusCode::kError, "late");
    auto c = tracer.StartSpan("unset-does-not-clear");
    c.SetStatus(SpanStatusCode::kError, "bad");
    c.SetStatus(SpanStatusCode::kUnset);
  }
  auto spans = tracer.Spans();
  ASSERT_EQ(spans.size(), 3u);
  EXPECT_EQ(spans[2].status, SpanStatusCode::kError);
  EXPECT_EQ(spans[2].status_message, "upstream unavailable");
  EXPECT_EQ(std::get<std::string>(FindAttr(spans[2], semconv::kErrorType)->value), "503");
  EXPECT_EQ(spans[1].status, SpanStatusCode::kOk);
  EXPECT_EQ(spans[1].status_message, "");
  EXPECT_EQ(spans[0].status, SpanStatusCode::kError);
  EXPECT_EQ(spans[0].status_message, "bad");
}

TEST(TracerTest, EventsAndRename) {
  InMemoryTracer tracer;
  {
    auto span = tracer.StartSpan("before");
    span.SetName("after");
    span.AddEvent("retry", {{"attempt", std::int64_t{2}}}, 1234);
    span.AddEvent("now");
  }
  auto s = tracer.Spans().at(0);
  EXPECT_EQ(s.name, "after");
  ASSERT_EQ(s.events.size(), 2u);
  EXPECT_EQ(s.events[0].name, "retry");
  EXPECT_EQ(s.events[0].time_unix_ns, 1234);
  EXPECT_EQ(std::get<std::int64_t>(s.events[0].attributes.at(0).value), 2);
  EXPECT_GT(s.events[1].time_unix_ns, 0);
}

TEST(TracerTest, MoveAssignmentEndsTheHeldSpan) {
  InMemoryTracer tracer;
  auto span = tracer.StartSpan("first");
  span = tracer.StartSpan("second");
  EXPECT_EQ(tracer.SpansNamed("first").size(), 1u);
  EXPECT_TRUE(tracer.SpansNamed("second").empty());
  ScopedSpan moved = std::move(span);
  EXPECT_TRUE(moved.IsRecording());
  moved.End();
  EXPECT_EQ(tracer.SpansNamed("second").size(), 1u);
}

}  // namespace
}  // namespace fxagent
