// Pure pieces: signatures, event envelopes, API envelopes, time parsing, fault tables.
#include <gtest/gtest.h>

#include "sim/fault_state.h"
#include "sim/iso_time.h"
#include "sim/records.h"
#include "sim/signature.h"
#include "sim/webhook_event.h"

namespace fxagent::sim {
namespace {

using nlohmann::json;

TEST(SignatureTest, MatchesRfc4231Vector) {
  // RFC 4231 test case 2.
  EXPECT_EQ(HmacSha256Hex("Jefe", "what do ya want for nothing?"),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
  EXPECT_EQ(SignatureHeaderValue("Jefe", "what do ya want for nothing?"),
            "sha256=5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
  EXPECT_NE(SignatureHeaderValue("Jefe", "what do ya want for nothing!"),
            SignatureHeaderValue("Jefe", "what do ya want for nothing?"));
}

TEST(WebhookEventTest, GuideShape) {
  std::mt19937_64 rng(7);
  const auto now = WallTime(std::chrono::seconds(1714564800));
  const WebhookEvent ev = BuildEvent("shipment.milestone", 1, now, rng);
  EXPECT_EQ(ev.id.rfind("evt_", 0), 0u);
  const json j = json::parse(ev.body);
  EXPECT_EQ(j, ev.json);
  EXPECT_EQ(j["id"], ev.id);
  EXPECT_EQ(j["type"], "shipment.milestone");
  EXPECT_EQ(j["data"]["milestone"], "departed");
  EXPECT_TRUE(j["data"]["shipment_id"].is_string());
  EXPECT_EQ(j["data"]["occurred_at"], "2024-05-01T12:00:00.000Z");
}

TEST(WebhookEventTest, ReferenceShapeHasNumericId) {
  std::mt19937_64 rng(7);
  const WebhookEvent ev =
      BuildEvent("/shipment_leg#departed", 0, std::chrono::system_clock::now(), rng);
  const json j = json::parse(ev.body);
  EXPECT_EQ(j["_object"], "/event");
  EXPECT_TRUE(j["id"].is_number_integer());
  EXPECT_EQ(ev.id, std::to_string(j["id"].get<int64_t>()));
  EXPECT_EQ(j["version"], 2);
  EXPECT_EQ(j["type"], "/shipment_leg#departed");
  EXPECT_EQ(j["data"]["_object"], "/shipment_event_data");
  EXPECT_EQ(j["data"]["resource"]["_object"], "/shipment_leg");
  EXPECT_TRUE(j["data"]["resource"]["shipment"]["id"].is_number_integer());
  EXPECT_TRUE(j.contains("created_at"));
  EXPECT_TRUE(j.contains("occurred_at"));
}

TEST(RecordsTest, ResponseEnvelopeAndPagination) {
  const auto* shipments = CollectionRecords("/shipments");
  ASSERT_NE(shipments, nullptr);
  ASSERT_GT(shipments->size(), 20u);
  const json page1 = ResponseEnvelope(
      "http://h/shipments", PaginatedCollection(*shipments, 1, 20, "http://h", "/shipments"));
  EXPECT_EQ(page1["_object"], "/api/response");
  EXPECT_EQ(page1["version"], 2);
  EXPECT_EQ(page1["self"], "http://h/shipments");
  const json& coll = page1["data"];
  EXPECT_EQ(coll["_object"], "/api/collections/paginated");
  EXPECT_TRUE(coll["prev"].is_null());
  EXPECT_EQ(coll["next"], "http://h/shipments?page=2&per=20");
  EXPECT_EQ(coll["data"].size(), 20u);
  EXPECT_EQ(coll["data"][0]["_object"], "/shipment");

  const json last = PaginatedCollection(*shipments, 3, 20, "http://h", "/shipments");
  EXPECT_EQ(last["prev"], "http://h/shipments?page=2&per=20");
  EXPECT_TRUE(last["next"].is_null());
  EXPECT_EQ(last["data"].size(), shipments->size() - 40);
  EXPECT_EQ(PaginatedCollection(*shipments, 1, 1000, "", "/s")["data"].size(),
            std::min<size_t>(shipments->size(), kMaxPer));
  EXPECT_EQ(PaginatedCollection(*shipments, 99, 20, "", "/s")["data"].size(), 0u);
}

TEST(RecordsTest, FindRecordAndCollections) {
  for (const char* path :
       {"/shipments", "/bookings", "/purchase_orders", "/invoices", "/products"}) {
    ASSERT_NE(CollectionRecords(path), nullptr) << path;
    EXPECT_FALSE(CollectionRecords(path)->empty());
  }
  EXPECT_EQ(CollectionRecords("/nope"), nullptr);
  auto r = FindRecord("/shipments", "100003");
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ((*r)["id"], 100003);
  EXPECT_FALSE(FindRecord("/shipments", "1").has_value());
  const json err = ErrorEnvelope("s", 401, "unauthorized", "no");
  EXPECT_TRUE(err["data"].is_null());
  EXPECT_EQ(err["error"]["status"], 401);
}

TEST(IsoTimeTest, FormatAndParse) {
  const auto t = WallTime(std::chrono::milliseconds(1714564800123));
  EXPECT_EQ(FormatIso8601(t), "2024-05-01T12:00:00.123Z");
  EXPECT_EQ(ParseIso8601("2024-05-01T12:00:00.123Z"), t);
  EXPECT_EQ(ParseIso8601("2024-05-01T14:00:00.123+02:00"), t);
  EXPECT_EQ(ParseIso8601("1714564800"), WallTime(std::chrono::seconds(1714564800)));
  EXPECT_EQ(ParseIso8601("2024-05-01"), WallTime(std::chrono::seconds(1714521600)));
  EXPECT_FALSE(ParseIso8601("yesterday").has_value());
  EXPECT_FALSE(ParseIso8601("2024-05-01T12:00").has_value());
  EXPECT_FALSE(ParseIso8601("").has_value());
  EXPECT_EQ(ParseIso8601("2999-01-01T00:00:00Z"), WallTime::max());
}

TEST(FaultTableTest, MatchesFirstSegmentAndDefault) {
  FaultTable table;
  std::string error;
  ASSERT_TRUE(ParseFaultTable(
      json::parse(
          R"({"endpoints": {"/shipments": {"status": 503}}, "default": {"latency_ms": 5}})"),
      &table, &error))
      << error;
  ASSERT_NE(table.Find("/shipments/123"), nullptr);
  EXPECT_EQ(table.Find("/shipments/123")->status, 503);
  EXPECT_EQ(table.Find("/shipments?per=1")->status, 503);
  ASSERT_NE(table.Find("/invoices"), nullptr);
  EXPECT_EQ(table.Find("/invoices")->status, 0);
  EXPECT_EQ(table.Find("/invoices")->latency_ms, 5);
  EXPECT_EQ(EndpointTemplate("/shipments/123"), "/shipments/:id");
  EXPECT_EQ(EndpointTemplate("/shipments?per=1"), "/shipments");

  EXPECT_FALSE(
      ParseFaultTable(json::parse(R"({"endpoints": {"/x": {"status": 999}}})"), &table, &error));
  EXPECT_FALSE(
      ParseFaultTable(json::parse(R"({"endpoints": {"/x": {"error_ratio": 2}}})"), &table, &error));
  EXPECT_FALSE(ParseFaultTable(json::parse(R"({"bogus": 1})"), &table, &error));
  EXPECT_NE(error.find("bogus"), std::string::npos);
}

}  // namespace
}  // namespace fxagent::sim
