#include "agent/webhooks/event.h"

#include <gtest/gtest.h>

#include <set>
#include <thread>

namespace fxagent {
namespace {

const std::vector<std::string> kPaths = {"data.shipment_id", "data.resource.shipment.id",
                                         "data.resource.id"};

TEST(EventTest, ReferenceShapeWithNumericId) {
  std::string body = R"({"_object":"/event","id":354987,"version":2,
    "created_at":"2024-01-02T03:04:05Z","occurred_at":"2024-01-02T03:00:00Z",
    "type":"/shipment_leg#departed","data":{"_object":"/shipment_event_data",
    "resource":{"_object":"/shipment_leg","id":77,"shipment":{"id":12345}}}})";
  ParseResult r = ParseEvent(body, kPaths);
  ASSERT_TRUE(r.event) << r.error;
  EXPECT_EQ(r.event->id, "354987");
  EXPECT_TRUE(r.event->id_from_envelope);
  EXPECT_EQ(r.event->type, "/shipment_leg#departed");
  EXPECT_EQ(r.event->shipment_key, "12345");
  EXPECT_EQ(r.event->occurred_at, "2024-01-02T03:00:00Z");
  EXPECT_EQ(r.event->created_at, "2024-01-02T03:04:05Z");
}

TEST(EventTest, GuideShapeWithStringId) {
  std::string body = R"({"id":"evt_abc","type":"shipment.milestone",
    "data":{"shipment_id":"shp_1","milestone":"departed","occurred_at":"2024-05-01T00:00:00Z"}})";
  ParseResult r = ParseEvent(body, kPaths);
  ASSERT_TRUE(r.event) << r.error;
  EXPECT_EQ(r.event->id, "evt_abc");
  EXPECT_EQ(r.event->type, "shipment.milestone");
  EXPECT_EQ(r.event->shipment_key, "shp_1");
  EXPECT_EQ(r.event->occurred_at, "2024-05-01T00:00:00Z");
}

TEST(EventTest, UnknownTypeAccepted) {
  ParseResult r = ParseEvent(R"({"id":"e1","type":"/brand_new#thing"})", kPaths);
  ASSERT_TRUE(r.event);
  EXPECT_EQ(r.event->type, "/brand_new#thing");
  EXPECT_EQ(r.event->shipment_key, "");
}

TEST(EventTest, NoIdFallsBackToBodyHash) {
  std::string body = R"({"type":"shipment.milestone"})";
  ParseResult r = ParseEvent(body, kPaths);
  ASSERT_TRUE(r.event);
  EXPECT_FALSE(r.event->id_from_envelope);
  EXPECT_EQ(r.event->id, BodySha256Hex(body));
  EXPECT_EQ(BodySha256Hex("abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

TEST(EventTest, ResourceIdPathUsedWhenEarlierPathsMissing) {
  ParseResult r =
      ParseEvent(R"({"id":1,"type":"/shipment#x","data":{"resource":{"id":9}}})", kPaths);
  ASSERT_TRUE(r.event);
  EXPECT_EQ(r.event->shipment_key, "9");
}

TEST(EventTest, MalformedBodies) {
  for (const char* body : {"", "not json", "[1,2]", "\"str\"", "{}", R"({"type":1})",
                           R"({"type":""})", R"({"id":"x"})", "{\"type\":\"a\""}) {
    ParseResult r = ParseEvent(body, kPaths);
    EXPECT_FALSE(r.event) << body;
    EXPECT_FALSE(r.error.empty());
  }
}

TEST(TypeLabelLimiterTest, CapsDistinctTypes) {
  TypeLabelLimiter limiter(3);
  EXPECT_EQ(limiter.Label("a"), "a");
  EXPECT_EQ(limiter.Label("b"), "b");
  EXPECT_EQ(limiter.Label("a"), "a");
  EXPECT_EQ(limiter.Label("c"), "c");
  EXPECT_EQ(limiter.Label("d"), "other");
  EXPECT_EQ(limiter.Label("b"), "b");
  EXPECT_EQ(limiter.Label(std::string(500, 'x')), "other");
  EXPECT_EQ(limiter.Size(), 3u);
}

TEST(TypeLabelLimiterTest, ThreadSafeAndExactCap) {
  TypeLabelLimiter limiter;  // 100
  std::vector<std::thread> threads;
  std::mutex mu;
  std::set<std::string> labels;
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 200; ++i) {
        std::string label = limiter.Label("type" + std::to_string((i * 7 + t) % 200));
        std::lock_guard<std::mutex> lock(mu);
        labels.insert(label);
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(limiter.Size(), 100u);
  EXPECT_EQ(labels.size(), 101u);  // 100 names + "other"
}

}  // namespace
}  // namespace fxagent
