#include "agent/webhooks/relay.h"

#include <gtest/gtest.h>
#include <prometheus/registry.h>

#include <nlohmann/json.hpp>
#include <thread>

#include "agent/webhooks/api_json.h"
#include "agent/webhooks/signature.h"
#include "tests/agent/webhooks/test_app.h"
#include "tests/agent/webhooks/webhooks_test_util.h"

namespace fxagent {
namespace {

using std::chrono::milliseconds;
using testing::MetricValue;
using testing::TempDir;
using testing::TestApp;

WebhookRequest Signed(const std::string& body, const std::string& secret) {
  WebhookRequest req;
  req.path = "/webhooks/flexport";
  req.headers = {{"X-Hub-Signature-256", SignSha256(body, secret)}};
  req.body = body;
  return req;
}

TEST(WebhookRelayTest, EndToEndAndRestartSeedsState) {
  TempDir dir;
  TestApp app;
  WebhooksSection config;
  config.secrets = {"k"};
  config.forward_to = app.Url();
  config.expect = {{.types = {"shipment.milestone"}, .max_gap = std::chrono::minutes(30)}};
  std::string body = R"({"id":"e1","type":"shipment.milestone","data":{"shipment_id":"S"}})";
  {
    prometheus::Registry registry;
    WebhookRelay relay(config, dir.path(), registry, {.backoff_base = milliseconds(10)});
    relay.Start();
    EXPECT_TRUE(relay.Ready());
    WebhookRequest req = Signed(body, "k");
    EXPECT_EQ(relay.receiver().Handle(req).status, 200);
    ASSERT_TRUE(app.WaitForCount(1));
    for (int i = 0; i < 500 && relay.store().Counts().pending > 0; ++i) {
      std::this_thread::sleep_for(milliseconds(10));  // the outcome is recorded after the 200
    }
    ASSERT_EQ(relay.store().Counts().pending, 0);
    relay.Stop();
  }
  prometheus::Registry registry;
  WebhookRelay relay(config, dir.path(), registry);
  relay.Start();
  // Restart: last arrival and gap state come back from the store; dedup still holds.
  EXPECT_GT(MetricValue(registry, "flexport_webhook_last_received_timestamp_seconds",
                        {{"type", "shipment.milestone"}}),
            0);
  EXPECT_EQ(MetricValue(registry, "flexport_webhook_expected_gap_seconds",
                        {{"type", "shipment.milestone"}}),
            1800);
  auto snapshot = relay.gaps().Snapshot();
  ASSERT_EQ(snapshot.size(), 1u);
  EXPECT_TRUE(snapshot[0].last_arrival);
  nlohmann::json gaps = nlohmann::json::parse(GapSnapshotJson(snapshot));
  EXPECT_EQ(gaps[0]["expected_gap_seconds"], 1800.0);
  WebhookRequest req = Signed(body, "k");
  EXPECT_EQ(nlohmann::json::parse(relay.receiver().Handle(req).body)["status"], "duplicate");
  EXPECT_EQ(relay.PurgeDeadLetter("e1"), false);
  EXPECT_EQ(relay.Replay({.ids = {"e1"}, .include_delivered = true}), 1);
  ASSERT_TRUE(app.WaitForCount(2));
  EXPECT_EQ(app.Requests().size(), 2u);
}

TEST(ApiJsonTest, ReplayRequestParsing) {
  std::string error;
  auto r = ParseReplayRequest(
      R"({"ids":["a","b"],"type":"x","since":"2024-01-02T03:04:05Z","include_delivered":true})",
      &error);
  ASSERT_TRUE(r) << error;
  EXPECT_EQ(r->ids, (std::vector<std::string>{"a", "b"}));
  EXPECT_EQ(r->type, "x");
  EXPECT_EQ(FormatEventTime(*r->since), "2024-01-02T03:04:05Z");
  EXPECT_TRUE(r->include_delivered);
  EXPECT_TRUE(ParseReplayRequest("{}", &error));
  EXPECT_FALSE(ParseReplayRequest(R"({"idz":[]})", &error));
  EXPECT_FALSE(ParseReplayRequest(R"({"since":"yesterday"})", &error));
  EXPECT_FALSE(ParseReplayRequest("[]", &error));
  EXPECT_FALSE(error.empty());
}

TEST(ApiJsonTest, Rfc3339) {
  auto t = ParseRfc3339("2024-01-02T05:04:05.123+02:00");
  ASSERT_TRUE(t);
  EXPECT_EQ(FormatEventTime(*t), "2024-01-02T03:04:05Z");
  EXPECT_FALSE(ParseRfc3339("2024-01-02"));
  EXPECT_FALSE(ParseRfc3339("2024-01-02T03:04:05Zjunk"));
}

TEST(ApiJsonTest, DeadLetterPageWithBinaryBody) {
  DeadLetterPage page;
  StoredEvent e;
  e.seq = 7;
  e.id = "malformed:1";
  e.body = std::string("\xff\xfe not utf8", 11);
  e.dead_reason = kDeadReasonMalformed;
  e.signature_256 = "sha256=secretish";
  page.items.push_back(e);
  page.next_before_seq = 7;
  std::string json = DeadLetterPageJson(page);
  nlohmann::json doc = nlohmann::json::parse(json);
  EXPECT_EQ(doc["items"][0]["reason"], "malformed");
  EXPECT_EQ(doc["next_before"], 7);
  EXPECT_EQ(json.find("sha256="), std::string::npos);
}

}  // namespace
}  // namespace fxagent
