#include "agent/webhooks/receiver.h"

#include <gtest/gtest.h>
#include <prometheus/registry.h>

#include <fstream>
#include <nlohmann/json.hpp>

#include "agent/webhooks/gap_tracker.h"
#include "agent/webhooks/signature.h"
#include "tests/agent/webhooks/webhooks_test_util.h"

namespace fxagent {
namespace {

using testing::FakeClock;
using testing::MetricValue;
using testing::TempDir;

constexpr char kSecret[] = "s3cret";

class ReceiverTest : public ::testing::Test {
 protected:
  ReceiverTest() {
    config_.secrets = {kSecret};
    config_.forward_to = "http://127.0.0.1:9/app";
    config_.max_body = 1024;
  }

  void Open(const std::string& data_dir) {
    EventStoreOptions o;
    o.data_dir = data_dir;
    o.clock = clock_.AsClock();
    store_ = std::make_unique<WebhookEventStore>(o);
    receiver_ = std::make_unique<WebhookReceiver>(
        config_, *store_, registry_,
        ReceiverHooks{
            .on_stored = [this] { ++wakes_; }, .gaps = nullptr, .clock = clock_.AsClock()});
  }

  WebhookResponse Post(const std::string& body, std::optional<std::string> sig = std::nullopt) {
    WebhookRequest req;
    req.path = config_.path;
    req.headers = {{"content-type", "application/json"},
                   {"x-hub-signature-256", sig ? *sig : SignSha256(body, kSecret)}};
    req.body = body;
    req.content_length = body.size();
    return receiver_->Handle(req);
  }

  double Received(const std::string& type, const std::string& outcome) {
    return MetricValue(registry_, "flexport_webhook_received_total",
                       {{"type", type}, {"outcome", outcome}});
  }

  TempDir dir_;
  FakeClock clock_;
  WebhooksSection config_;
  prometheus::Registry registry_;
  std::unique_ptr<WebhookEventStore> store_;
  std::unique_ptr<WebhookReceiver> receiver_;
  int wakes_ = 0;
};

TEST_F(ReceiverTest, AcceptsThenCountsDuplicate) {
  Open(dir_.path());
  std::string body = R"({"id":"evt_1","type":"shipment.milestone","data":{"shipment_id":"S1"}})";
  WebhookResponse r = Post(body);
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(nlohmann::json::parse(r.body)["status"], "accepted");
  EXPECT_EQ(wakes_, 1);
  r = Post(body);
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(nlohmann::json::parse(r.body)["status"], "duplicate");
  EXPECT_EQ(wakes_, 1);
  EXPECT_EQ(Received("shipment.milestone", "accepted"), 1);
  EXPECT_EQ(Received("shipment.milestone", "duplicate"), 1);
  EXPECT_EQ(MetricValue(registry_, "flexport_webhook_ack_duration_seconds"), 2);
  EXPECT_EQ(MetricValue(registry_, "flexport_webhook_spool_depth"), 1);
  EXPECT_EQ(MetricValue(registry_, "flexport_webhook_last_received_timestamp_seconds",
                        {{"type", "shipment.milestone"}}),
            std::chrono::duration<double>(clock_.Now().time_since_epoch()).count());
  std::optional<StoredEvent> e = store_->Get("evt_1");
  ASSERT_TRUE(e);
  EXPECT_EQ(e->shipment_key, "S1");
  EXPECT_EQ(e->body, body);
  EXPECT_EQ(e->signature_256, SignSha256(body, kSecret));
  EXPECT_EQ(e->content_type, "application/json");
}

TEST_F(ReceiverTest, RejectsBadSignatures) {
  Open(dir_.path());
  std::string body = R"({"id":"evt_1","type":"x"})";
  EXPECT_EQ(Post(body, SignSha256(body, "wrong")).status, 401);
  EXPECT_EQ(Post(body, "garbage").status, 401);
  WebhookRequest unsigned_req;
  unsigned_req.body = body;
  WebhookResponse r = receiver_->Handle(unsigned_req);
  EXPECT_EQ(r.status, 401);
  EXPECT_EQ(r.body.find(kSecret), std::string::npos);
  EXPECT_EQ(Received("unknown", "bad_signature"), 3);
  EXPECT_FALSE(store_->Get("evt_1"));
}

TEST_F(ReceiverTest, TooLarge) {
  Open(dir_.path());
  std::string big(2000, ' ');
  EXPECT_EQ(Post(big).status, 413);
  WebhookRequest announced;
  announced.content_length = 5000;  // refused on the header alone
  EXPECT_EQ(receiver_->Handle(announced).status, 413);
  EXPECT_EQ(receiver_->RejectTooLarge().status, 413);
  EXPECT_EQ(receiver_->MaxBody(), 1024u);
  EXPECT_EQ(Received("unknown", "too_large"), 3);
}

TEST_F(ReceiverTest, MalformedIsDeadLettered) {
  Open(dir_.path());
  WebhookResponse r = Post("[1,2,3]");
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(Received("unknown", "malformed"), 1);
  auto page = store_->DeadLetters({});
  ASSERT_TRUE(page);
  ASSERT_EQ(page->items.size(), 1u);
  EXPECT_EQ(page->items[0].body, "[1,2,3]");
  EXPECT_EQ(page->items[0].dead_reason, kDeadReasonMalformed);
  EXPECT_EQ(MetricValue(registry_, "flexport_webhook_dead_letters"), 1);
  EXPECT_EQ(wakes_, 0);
}

TEST_F(ReceiverTest, UnwritableStoreIs503) {
  std::string blocker = dir_.path() + "/file";
  std::ofstream(blocker) << "x";
  Open(blocker + "/data");
  std::string body = R"({"id":7,"type":"x"})";
  EXPECT_EQ(Post(body).status, 503);
  EXPECT_EQ(Post("not json").status, 503);
  EXPECT_EQ(Received("x", "error"), 1);
  std::filesystem::remove(blocker);
  EXPECT_EQ(Post(body).status, 200);
}

TEST_F(ReceiverTest, RecordOnlyStoresDelivered) {
  config_.forward_to = "";
  Open(dir_.path());
  EXPECT_EQ(Post(R"({"id":1,"type":"x"})").status, 200);
  std::optional<StoredEvent> e = store_->Get("1");
  ASSERT_TRUE(e);
  EXPECT_EQ(e->state, EventState::kDelivered);
  EXPECT_EQ(store_->Counts().pending, 0);
}

TEST_F(ReceiverTest, WrongMethodOrPath) {
  Open(dir_.path());
  WebhookRequest get;
  get.method = "GET";
  EXPECT_EQ(receiver_->Handle(get).status, 405);
  WebhookRequest other;
  other.path = "/elsewhere";
  EXPECT_EQ(receiver_->Handle(other).status, 404);
}

TEST_F(ReceiverTest, FeedsGapTracker) {
  EventStoreOptions o;
  o.data_dir = dir_.path();
  o.clock = clock_.AsClock();
  WebhookEventStore store(o);
  GapTracker gaps({.clock = clock_.AsClock()}, registry_);
  WebhookReceiver receiver(config_, store, registry_, {.gaps = &gaps, .clock = clock_.AsClock()});
  WebhookRequest req;
  std::string body = R"({"id":1,"type":"x"})";
  std::string sig = SignSha256(body, kSecret);
  req.headers = {{"X-Hub-Signature", sig}};
  req.body = body;
  EXPECT_EQ(receiver.Handle(req).status, 200);
  auto snapshot = gaps.Snapshot();
  ASSERT_EQ(snapshot.size(), 1u);
  EXPECT_EQ(snapshot[0].type, "x");
  EXPECT_EQ(snapshot[0].last_arrival, clock_.Now());
}

}  // namespace
}  // namespace fxagent
