#include "agent/webhooks/forwarder.h"

#include <gtest/gtest.h>
#include <httplib.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <prometheus/registry.h>

#include <functional>
#include <mutex>
#include <nlohmann/json.hpp>
#include <thread>

#include "agent/webhooks/receiver.h"
#include "agent/webhooks/signature.h"
#include "tests/agent/webhooks/test_app.h"
#include "tests/agent/webhooks/webhooks_test_util.h"

namespace fxagent {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;
using testing::AppRequest;
using testing::MetricValue;
using testing::TempDir;
using testing::TestApp;

constexpr char kSecret[] = "s3cret";

std::string EventBody(const std::string& id, const std::string& shipment = "S1") {
  nlohmann::json doc = {{"id", id},
                        {"type", "shipment.milestone"},
                        {"data", {{"shipment_id", shipment}, {"milestone", "departed"}}}};
  return doc.dump();
}

class ForwarderTest : public ::testing::Test {
 protected:
  ForwarderTest() {
    config_.secrets = {kSecret};
    config_.forward_to = app_.Url();
    config_.max_attempts = 3;
    EventStoreOptions o;
    o.data_dir = dir_.path();
    store_ = std::make_unique<WebhookEventStore>(o);
  }
  ~ForwarderTest() override {
    if (forwarder_) forwarder_->Stop();
  }

  void StartForwarder(int max_concurrency = 4) {
    ForwarderOptions options = ForwarderOptions::FromConfig(config_);
    options.max_concurrency = max_concurrency;
    options.backoff_base = milliseconds(20);
    options.backoff_max = milliseconds(100);
    options.timeout = seconds(5);
    forwarder_ = std::make_unique<WebhookForwarder>(options, *store_, registry_);
    receiver_ = std::make_unique<WebhookReceiver>(
        config_, *store_, registry_,
        ReceiverHooks{.on_stored = [f = forwarder_.get()] { f->Wake(); }});
    forwarder_->Start();
  }

  int Post(const std::string& body) {
    std::string sig = SignSha256(body, kSecret);
    WebhookRequest req;
    req.headers = {{"Content-Type", "application/json; charset=utf-8"},
                   {"X-Hub-Signature-256", sig},
                   {"X-Hub-Signature", sig}};
    req.body = body;
    return receiver_->Handle(req).status;
  }

  // Waits until the store has no pending event (deliveries recorded).
  // The forwarder counts an outcome (Stats, metrics) just after the store recorded it, so
  // counts are awaited, not read once the store is idle.
  static bool Eventually(const std::function<bool()>& done) {
    for (int i = 0; i < 1000; ++i) {
      if (done()) return true;
      std::this_thread::sleep_for(milliseconds(10));
    }
    return done();
  }

  bool WaitIdle() {
    for (int i = 0; i < 1000; ++i) {
      if (store_->Counts().pending == 0) return true;
      std::this_thread::sleep_for(milliseconds(10));
    }
    return false;
  }

  TempDir dir_;
  TestApp app_;
  WebhooksSection config_;
  prometheus::Registry registry_;
  std::unique_ptr<WebhookEventStore> store_;
  std::unique_ptr<WebhookForwarder> forwarder_;
  std::unique_ptr<WebhookReceiver> receiver_;
};

TEST(RetryBackoffTest, DoublesAndCaps) {
  EXPECT_EQ(RetryBackoff(1, seconds(1), std::chrono::minutes(5), 0, 0), seconds(1));
  EXPECT_EQ(RetryBackoff(2, seconds(1), std::chrono::minutes(5), 0, 0), seconds(2));
  EXPECT_EQ(RetryBackoff(9, seconds(1), std::chrono::minutes(5), 0, 0), seconds(256));
  EXPECT_EQ(RetryBackoff(10, seconds(1), std::chrono::minutes(5), 0, 0), seconds(300));
  EXPECT_EQ(RetryBackoff(60, seconds(1), std::chrono::minutes(5), 0, 0), seconds(300));
  EXPECT_EQ(RetryBackoff(1, seconds(1), std::chrono::minutes(5), 0.2, 0.0), milliseconds(800));
  EXPECT_EQ(RetryBackoff(2, seconds(1), std::chrono::minutes(5), 0.2, 0.5), seconds(2));
  EXPECT_LE(RetryBackoff(12, seconds(1), std::chrono::minutes(5), 0.2, 0.99), seconds(300));
}

TEST_F(ForwarderTest, DeliversOnceWithHeaders) {
  StartForwarder();
  std::string body = EventBody("evt_1");
  ASSERT_EQ(Post(body), 200);
  ASSERT_EQ(Post(body), 200);  // duplicate: not forwarded again
  ASSERT_EQ(Post(EventBody("evt_2")), 200);
  ASSERT_TRUE(app_.WaitForCount(2));
  ASSERT_TRUE(WaitIdle());
  std::vector<AppRequest> got = app_.Requests();
  ASSERT_EQ(got.size(), 2u);
  const AppRequest& first = got[0];
  EXPECT_EQ(first.body, body);
  EXPECT_EQ(first.Header("X-Hub-Signature-256"), SignSha256(body, kSecret));
  EXPECT_EQ(first.Header("X-Hub-Signature"), SignSha256(body, kSecret));
  EXPECT_EQ(first.Header("Content-Type"), "application/json; charset=utf-8");
  EXPECT_EQ(first.Header("X-Flexport-Agent-Event-Id"), "evt_1");
  EXPECT_EQ(first.Header("X-Flexport-Agent-Attempt"), "1");
  EXPECT_EQ(first.Header("X-Flexport-Agent-Source"), "");
  EXPECT_EQ(got[1].Header("X-Flexport-Agent-Event-Id"), "evt_2");
  EXPECT_TRUE(Eventually([&] { return forwarder_->Stats().delivered == 2; }))
      << forwarder_->Stats().delivered;
  EXPECT_EQ(MetricValue(registry_, "flexport_webhook_forwarded_total", {{"outcome", "delivered"}}),
            2);
  EXPECT_EQ(store_->Get("evt_1")->state, EventState::kDelivered);
}

TEST_F(ForwarderTest, RetriesThenDelivers) {
  app_.SetResponder([](size_t n, const std::string&) { return n == 0 ? 500 : 200; });
  StartForwarder();
  ASSERT_EQ(Post(EventBody("evt_1")), 200);
  ASSERT_TRUE(app_.WaitForCount(2));
  ASSERT_TRUE(WaitIdle());
  std::vector<AppRequest> got = app_.Requests();
  EXPECT_EQ(got[0].Header("X-Flexport-Agent-Attempt"), "1");
  EXPECT_EQ(got[1].Header("X-Flexport-Agent-Attempt"), "2");
  EXPECT_EQ(got[0].body, got[1].body);
  EXPECT_TRUE(Eventually([&] { return forwarder_->Stats().delivered == 1; }))
      << forwarder_->Stats().delivered;
  EXPECT_EQ(forwarder_->Stats().retried, 1u);
  EXPECT_EQ(store_->Get("evt_1")->attempts, 2);
}

TEST_F(ForwarderTest, DeadLettersAfterMaxAttemptsThenReplayDelivers) {
  std::atomic<bool> healthy{false};
  app_.SetResponder([&](size_t, const std::string&) { return healthy ? 200 : 503; });
  StartForwarder();
  ASSERT_EQ(Post(EventBody("evt_1")), 200);
  ASSERT_TRUE(app_.WaitForCount(3));
  for (int i = 0; i < 500 && store_->Counts().dead == 0; ++i) {
    std::this_thread::sleep_for(milliseconds(10));
  }
  ASSERT_EQ(store_->Counts().dead, 1);
  EXPECT_EQ(store_->Counts().pending, 0);
  std::optional<StoredEvent> dead = store_->Get("evt_1");
  EXPECT_EQ(dead->state, EventState::kDead);
  EXPECT_EQ(dead->attempts, 3);
  EXPECT_EQ(dead->last_error, "HTTP 503");
  EXPECT_TRUE(Eventually([&] { return forwarder_->Stats().dead_lettered == 1; }))
      << forwarder_->Stats().dead_lettered;
  EXPECT_EQ(forwarder_->Stats().retried, 2u);
  EXPECT_TRUE(
      Eventually([&] { return MetricValue(registry_, "flexport_webhook_dead_letters") == 1; }));

  healthy = true;
  ASSERT_EQ(store_->Replay({.ids = {"evt_1"}}), 1);
  forwarder_->Wake();
  ASSERT_TRUE(app_.WaitForCount(4));
  ASSERT_TRUE(WaitIdle());
  EXPECT_EQ(app_.Requests()[3].Header("X-Flexport-Agent-Attempt"), "1");
  EXPECT_EQ(app_.Requests()[3].status, 200);
  EXPECT_EQ(store_->Get("evt_1")->state, EventState::kDelivered);
  EXPECT_EQ(app_.Requests().size(), 4u);
}

TEST_F(ForwarderTest, FailingShipmentDoesNotBlockOthers) {
  app_.SetResponder([](size_t, const std::string& body) {
    return body.find("\"STUCK\"") != std::string::npos ? 500 : 200;
  });
  config_.max_attempts = 1000;
  StartForwarder();
  ASSERT_EQ(Post(EventBody("s1", "STUCK")), 200);
  ASSERT_EQ(Post(EventBody("s2", "STUCK")), 200);
  for (int i = 0; i < 5; ++i) ASSERT_EQ(Post(EventBody("ok" + std::to_string(i), "FINE")), 200);
  ASSERT_TRUE(app_.WaitFor([](const std::vector<AppRequest>& r) {
    size_t ok = 0;
    for (const AppRequest& req : r) ok += req.status == 200;
    return ok == 5;
  }));
  for (int i = 0; i < 500 && store_->Counts().pending > 2; ++i) {
    std::this_thread::sleep_for(milliseconds(10));
  }
  EXPECT_EQ(store_->Counts().pending, 2);
  // The stuck shipment's second event is held back behind its first.
  for (const AppRequest& req : app_.Requests()) {
    EXPECT_NE(req.Header("X-Flexport-Agent-Event-Id"), "s2");
  }
}

TEST_F(ForwarderTest, PerShipmentOrderUnderConcurrentIngest) {
  // Every third request fails, so retries interleave with new arrivals.
  app_.SetResponder([](size_t n, const std::string&) { return n % 3 == 1 ? 500 : 200; });
  config_.max_attempts = 1000;
  StartForwarder(/*max_concurrency=*/8);
  constexpr int kShipments = 6;
  constexpr int kPerShipment = 15;
  std::vector<std::thread> senders;
  for (int s = 0; s < kShipments; ++s) {
    senders.emplace_back([&, s] {
      for (int i = 0; i < kPerShipment; ++i) {
        std::string id = std::to_string(s * 1000 + i);
        EXPECT_EQ(Post(EventBody(id, "SHP" + std::to_string(s))), 200);
      }
    });
  }
  for (auto& t : senders) t.join();
  ASSERT_TRUE(app_.WaitFor([&](const std::vector<AppRequest>& r) {
    size_t ok = 0;
    for (const AppRequest& req : r) ok += req.status == 200;
    return ok == kShipments * kPerShipment;
  }));
  std::map<int, std::vector<int>> delivered;  // shipment -> sequence numbers in app order
  for (const AppRequest& req : app_.Requests()) {
    if (req.status != 200) continue;
    int id = std::stoi(req.Header("X-Flexport-Agent-Event-Id"));
    delivered[id / 1000].push_back(id % 1000);
  }
  ASSERT_EQ(delivered.size(), static_cast<size_t>(kShipments));
  for (const auto& [shipment, seqs] : delivered) {
    std::vector<int> expected(kPerShipment);
    for (int i = 0; i < kPerShipment; ++i) expected[i] = i;
    EXPECT_EQ(seqs, expected) << "shipment " << shipment;
  }
}

TEST_F(ForwarderTest, RecordOnlyMarksDelivered) {
  config_.forward_to = "";
  StartForwarder();
  // An event left pending (e.g. from before forwarding was turned off) is marked too.
  NewEvent leftover;
  leftover.id = "old";
  leftover.type = "x";
  leftover.body = "{}";
  ASSERT_EQ(store_->Store(leftover), StoreResult::kStored);
  forwarder_->Wake();
  ASSERT_EQ(Post(EventBody("evt_1")), 200);
  ASSERT_TRUE(WaitIdle());
  EXPECT_EQ(store_->Get("old")->state, EventState::kDelivered);
  EXPECT_EQ(store_->Get("evt_1")->state, EventState::kDelivered);
  EXPECT_TRUE(app_.Requests().empty());
}

TEST_F(ForwarderTest, ReconciledEventsAreMarked) {
  StartForwarder();
  NewEvent e;
  e.id = "rec1";
  e.type = "x";
  e.body = "{}";
  e.source = EventSource::kReconciled;
  ASSERT_EQ(store_->Store(e), StoreResult::kStored);
  forwarder_->Wake();
  ASSERT_TRUE(app_.WaitForCount(1));
  EXPECT_EQ(app_.Requests()[0].Header("X-Flexport-Agent-Source"), "reconciled");
  EXPECT_EQ(app_.Requests()[0].Header("Content-Type"), "application/json");
}

// The app of Flexport's integration guide: HMAC-SHA256 of the raw body under the secret,
// "sha256=" + hex, compared with X-Hub-Signature in constant time (timingSafeEqual, which
// rejects a length mismatch); 401 otherwise. Its own HMAC, not the agent's signature code.
class GuideApp {
 public:
  explicit GuideApp(std::string secret) : secret_(std::move(secret)) {
    server_.Post("/app", [this](const httplib::Request& req, httplib::Response& res) {
      const bool ok = Verify(req.body, req.get_header_value("X-Hub-Signature"));
      res.status = ok ? 200 : 401;
      std::lock_guard<std::mutex> lock(mu_);
      (ok ? accepted_ : rejected_).push_back(req.get_header_value("X-Flexport-Agent-Source"));
    });
    port_ = server_.bind_to_any_port("127.0.0.1");
    thread_ = std::thread([this] { server_.listen_after_bind(); });
    while (!server_.is_running()) std::this_thread::yield();
  }
  ~GuideApp() {
    server_.stop();
    thread_.join();
  }
  std::string Url() const { return "http://127.0.0.1:" + std::to_string(port_) + "/app"; }
  std::vector<std::string> Accepted() {
    std::lock_guard<std::mutex> lock(mu_);
    return accepted_;
  }
  size_t Rejected() {
    std::lock_guard<std::mutex> lock(mu_);
    return rejected_.size();
  }

 private:
  bool Verify(const std::string& raw_body, const std::string& signature) const {
    unsigned char mac[EVP_MAX_MD_SIZE];
    unsigned int len = 0;
    HMAC(EVP_sha256(), secret_.data(), static_cast<int>(secret_.size()),
         reinterpret_cast<const unsigned char*>(raw_body.data()), raw_body.size(), mac, &len);
    std::string expected = "sha256=";
    static constexpr char kHex[] = "0123456789abcdef";
    for (unsigned int i = 0; i < len; ++i) {
      expected += kHex[mac[i] >> 4];
      expected += kHex[mac[i] & 0xf];
    }
    return signature.size() == expected.size() &&
           CRYPTO_memcmp(signature.data(), expected.data(), expected.size()) == 0;
  }

  std::string secret_;
  httplib::Server server_;
  int port_ = 0;
  std::thread thread_;
  std::mutex mu_;
  std::vector<std::string> accepted_, rejected_;
};

TEST(GuideAppTest, RejectsUnsignedAndWronglySignedBodies) {
  GuideApp app(kSecret);
  httplib::Client client("127.0.0.1", std::stoi(app.Url().substr(app.Url().rfind(':') + 1)));
  const std::string body = EventBody("evt_1");
  EXPECT_EQ(client.Post("/app", body, "application/json")->status, 401);
  httplib::Headers wrong = {{"X-Hub-Signature", SignSha256(body, "other")}};
  EXPECT_EQ(client.Post("/app", wrong, body, "application/json")->status, 401);
  httplib::Headers right = {{"X-Hub-Signature", SignSha256(body, kSecret)}};
  EXPECT_EQ(client.Post("/app", right, body, "application/json")->status, 200);
}

TEST_F(ForwarderTest, ReconciledEventsAreSignedSoTheGuideAppAcceptsThem) {
  GuideApp guide(kSecret);
  config_.forward_to = guide.Url();
  StartForwarder();
  NewEvent e;
  e.id = "rec1";
  e.type = "shipment.milestone";
  e.body = EventBody("rec1");
  e.source = EventSource::kReconciled;
  ASSERT_EQ(store_->Store(e), StoreResult::kStored);
  forwarder_->Wake();
  ASSERT_TRUE(WaitIdle());
  EXPECT_EQ(store_->Get("rec1")->state, EventState::kDelivered);
  EXPECT_EQ(guide.Rejected(), 0u);
  EXPECT_EQ(guide.Accepted(), std::vector<std::string>{"reconciled"});
  forwarder_.reset();  // closes its keep-alive connection before the app stops
}

TEST_F(ForwarderTest, ReconciledEventsCarryBothSignatureHeaders) {
  StartForwarder();
  NewEvent e;
  e.id = "rec2";
  e.type = "x";
  e.body = "{\"id\":\"rec2\"}";
  e.source = EventSource::kReconciled;
  ASSERT_EQ(store_->Store(e), StoreResult::kStored);
  forwarder_->Wake();
  ASSERT_TRUE(app_.WaitForCount(1));
  const AppRequest got = app_.Requests()[0];
  EXPECT_EQ(got.Header("X-Hub-Signature-256"), SignSha256(e.body, kSecret));
  EXPECT_EQ(got.Header("X-Hub-Signature"), SignSha256(e.body, kSecret));
  EXPECT_EQ(got.Header("X-Flexport-Agent-Source"), "reconciled");
}

TEST_F(ForwarderTest, ReplayAfterSecretRotationIsSignedWithTheNewSecret) {
  // Received and stored under the old secret while the app was down.
  const std::string body = EventBody("evt_old");
  NewEvent e;
  e.id = "evt_old";
  e.type = "shipment.milestone";
  e.body = body;
  e.signature_256 = SignSha256(body, "old-secret");
  e.signature = e.signature_256;
  ASSERT_EQ(store_->Store(e), StoreResult::kStored);
  // Rotated: the new secret first, the old one still accepted from Flexport.
  const std::string rotated = "n3w-secret";
  config_.secrets = {rotated, "old-secret"};
  GuideApp guide(rotated);
  config_.forward_to = guide.Url();
  StartForwarder();
  forwarder_->Wake();
  ASSERT_TRUE(WaitIdle());
  EXPECT_EQ(store_->Get("evt_old")->state, EventState::kDelivered);
  EXPECT_EQ(guide.Rejected(), 0u);
  EXPECT_EQ(guide.Accepted().size(), 1u);
  forwarder_.reset();  // closes its keep-alive connection before the app stops
}

TEST_F(ForwarderTest, StopsQuicklyWithDeliveryInFlight) {
  app_.SetDelay(milliseconds(1500));
  StartForwarder();
  ASSERT_EQ(Post(EventBody("slow")), 200);
  ASSERT_TRUE(app_.WaitForArrivals(1));  // the delivery is in flight
  auto start = std::chrono::steady_clock::now();
  forwarder_->Stop();
  EXPECT_LT(std::chrono::steady_clock::now() - start, seconds(1));
  EXPECT_EQ(store_->Get("slow")->state, EventState::kPending);  // sent again after restart
}

}  // namespace
}  // namespace fxagent
