#include "agent/tracing/otlp_json.h"

#include <gtest/gtest.h>

#include <limits>
#include <nlohmann/json.hpp>

namespace fxagent {
namespace {

using nlohmann::json;

SpanData SampleSpan() {
  SpanData s;
  s.trace_id =
      ParseTraceparent("00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01").value().trace_id;
  s.span_id = {0, 0, 0, 0, 0, 0, 0, 0x2a};
  s.parent_span_id = {0xb7, 0xad, 0x6b, 0x71, 0x69, 0x20, 0x33, 0x31};
  s.name = "GET /shipments";
  s.kind = SpanKind::kServer;
  s.start_unix_ns = 1700000000123456789;
  s.end_unix_ns = 1700000000223456789;
  s.attributes = {{"http.request.method", std::string("GET")},
                  {"http.response.status_code", std::int64_t{503}},
                  {"ratio", 0.5},
                  {"cached", false}};
  s.events = {{"retry", 1700000000200000000, {{"attempt", std::int64_t{1}}}}};
  s.status = SpanStatusCode::kError;
  s.status_message = "upstream 503";
  return s;
}

json Encode(const std::vector<SpanData>& spans) {
  OtlpResource resource;
  resource.service_version = "1.2.3";
  resource.service_instance_id = "orders-1";
  return json::parse(EncodeOtlpJson(resource, spans));
}

TEST(OtlpJsonTest, FollowsTheOtlpJsonMapping) {
  json body = Encode({SampleSpan()});
  ASSERT_EQ(body["resourceSpans"].size(), 1u);
  const json& rs = body["resourceSpans"][0];
  EXPECT_EQ(rs["resource"]["attributes"],
            json::parse(R"([{"key":"service.name","value":{"stringValue":"flexport-agent"}},
                            {"key":"service.version","value":{"stringValue":"1.2.3"}},
                            {"key":"service.instance.id","value":{"stringValue":"orders-1"}}])"));
  EXPECT_EQ(rs["scopeSpans"][0]["scope"]["name"], "flexport-agent");
  const json& span = rs["scopeSpans"][0]["spans"][0];
  EXPECT_EQ(span["traceId"], "0af7651916cd43dd8448eb211c80319c");
  EXPECT_EQ(span["spanId"], "000000000000002a");
  EXPECT_EQ(span["parentSpanId"], "b7ad6b7169203331");
  EXPECT_EQ(span["name"], "GET /shipments");
  EXPECT_EQ(span["kind"], 2);
  EXPECT_EQ(span["startTimeUnixNano"], "1700000000123456789");
  EXPECT_EQ(span["endTimeUnixNano"], "1700000000223456789");
  EXPECT_EQ(span["attributes"],
            json::parse(R"([{"key":"http.request.method","value":{"stringValue":"GET"}},
                            {"key":"http.response.status_code","value":{"intValue":"503"}},
                            {"key":"ratio","value":{"doubleValue":0.5}},
                            {"key":"cached","value":{"boolValue":false}}])"));
  EXPECT_EQ(span["events"][0]["timeUnixNano"], "1700000000200000000");
  EXPECT_EQ(span["events"][0]["attributes"][0]["value"]["intValue"], "1");
  EXPECT_EQ(span["status"], json::parse(R"({"code":2,"message":"upstream 503"})"));
}

TEST(OtlpJsonTest, RootSpanHasNoParentAndUnsetStatusHasNoCode) {
  SpanData s = SampleSpan();
  s.parent_span_id = {};
  s.status = SpanStatusCode::kUnset;
  s.status_message.clear();
  s.attributes.clear();
  s.events.clear();
  json span = Encode({s})["resourceSpans"][0]["scopeSpans"][0]["spans"][0];
  EXPECT_FALSE(span.contains("parentSpanId"));
  EXPECT_FALSE(span.contains("attributes"));
  EXPECT_FALSE(span.contains("events"));
  EXPECT_EQ(span["status"], json::object());
}

TEST(OtlpJsonTest, NonFiniteDoublesAndBadUtf8DoNotBreakTheBody) {
  SpanData s = SampleSpan();
  s.name = "bad \xff\xfe utf8";
  s.attributes = {{"nan", std::numeric_limits<double>::quiet_NaN()},
                  {"inf", std::numeric_limits<double>::infinity()},
                  {"ninf", -std::numeric_limits<double>::infinity()},
                  {"user_agent.original", std::string("curl/\xc3")}};
  std::string text = EncodeOtlpJson(OtlpResource{}, {s});
  json span = json::parse(text)["resourceSpans"][0]["scopeSpans"][0]["spans"][0];
  EXPECT_EQ(span["attributes"][0]["value"]["doubleValue"], "NaN");
  EXPECT_EQ(span["attributes"][1]["value"]["doubleValue"], "Infinity");
  EXPECT_EQ(span["attributes"][2]["value"]["doubleValue"], "-Infinity");
  EXPECT_TRUE(span["name"].is_string());
}

TEST(OtlpJsonTest, ManySpansInOneScope) {
  std::vector<SpanData> spans(5, SampleSpan());
  json body = Encode(spans);
  EXPECT_EQ(body["resourceSpans"][0]["scopeSpans"][0]["spans"].size(), 5u);
}

TEST(OtlpJsonTest, NegativeAndLargeIntegersAreExactStrings) {
  SpanData s = SampleSpan();
  s.attributes = {{"min", std::numeric_limits<std::int64_t>::min()},
                  {"max", std::numeric_limits<std::int64_t>::max()}};
  json span = Encode({s})["resourceSpans"][0]["scopeSpans"][0]["spans"][0];
  EXPECT_EQ(span["attributes"][0]["value"]["intValue"], "-9223372036854775808");
  EXPECT_EQ(span["attributes"][1]["value"]["intValue"], "9223372036854775807");
}

}  // namespace
}  // namespace fxagent
