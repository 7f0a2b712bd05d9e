// The webhook sender against a local receiver: signatures, duplicates, mis-signing,
// lost events in /events, retries, pause/resume and the counters in /_sim/state.
#include <gtest/gtest.h>
#include <httplib.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <mutex>
#include <set>
#include <thread>

#include "sim/sim_server.h"

namespace fxagent::sim {
namespace {

using nlohmann::json;

struct Delivery {
  std::string body;
  std::string sig;
  std::string sig256;
  std::string content_type;
};

/// A loopback webhook endpoint that records what it receives.
class Receiver {
 public:
  Receiver() {
    server_.Post("/hook", [this](const httplib::Request& req, httplib::Response& res) {
      std::lock_guard lock(mu_);
      deliveries_.push_back({req.body, req.get_header_value("X-Hub-Signature"),
                             req.get_header_value("X-Hub-Signature-256"),
                             req.get_header_value("Content-Type")});
      res.status = status_;
    });
    port_ = server_.bind_to_any_port("127.0.0.1");
    thread_ = std::thread([this] { server_.listen_after_bind(); });
    while (!server_.is_running()) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  ~Receiver() {
    server_.stop();
    thread_.join();
  }
  std::string url() const { return "http://127.0.0.1:" + std::to_string(port_) + "/hook"; }
  std::vector<Delivery> deliveries() {
    std::lock_guard lock(mu_);
    return deliveries_;
  }
  void set_status(int status) {
    std::lock_guard lock(mu_);
    status_ = status;
  }

 private:
  httplib::Server server_;
  std::thread thread_;
  int port_ = 0;
  std::mutex mu_;
  std::vector<Delivery> deliveries_;
  int status_ = 200;
};

/// Independent of the library's implementation.
std::string ExpectedSignature(const std::string& secret, const std::string& body) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  HMAC(EVP_sha256(), secret.data(), static_cast<int>(secret.size()),
       reinterpret_cast<const unsigned char*>(body.data()), body.size(), digest, &len);
  std::string hex = "sha256=";
  char buf[3];
  for (unsigned int i = 0; i < len; ++i) {
    std::snprintf(buf, sizeof(buf), "%02x", digest[i]);
    hex += buf;
  }
  return hex;
}

class WebhookSenderTest : public ::testing::Test {
 protected:
  void SetUp() override {
    options_.latency_ms = 0;
    options_.webhook_secret = "hook-secret";
    options_.webhook_retry_backoff_ms = 1;
    options_.webhook_max_retries = 2;
    options_.webhook_target = receiver_.url();
    server_ = std::make_unique<SimServer>(options_);
    ASSERT_GT(server_->Start(), 0);
    client_ = std::make_unique<httplib::Client>("127.0.0.1", server_->port());
  }

  void Send(const std::string& body) {
    auto res = client_->Post("/_sim/webhooks/send", body, "application/json");
    ASSERT_TRUE(res);
    ASSERT_EQ(res->status, 202) << res->body;
  }

  void SendAndWait(const std::string& body) {
    Send(body);
    ASSERT_TRUE(server_->sender().WaitIdle(std::chrono::seconds(10)));
  }

  json Counters() { return json::parse(client_->Get("/_sim/state")->body)["webhooks"]["counters"]; }

  json Events(const std::string& query = "") {
    httplib::Headers h = {{"Authorization", "Bearer sim-key"}, {"Flexport-Version", "2"}};
    auto res = client_->Get("/events" + query, h);
    EXPECT_EQ(res->status, 200) << res->body;
    return json::parse(res->body)["data"];
  }

  Receiver receiver_;
  SimOptions options_;
  std::unique_ptr<SimServer> server_;
  std::unique_ptr<httplib::Client> client_;
};

TEST_F(WebhookSenderTest, DeliversSignedEvents) {
  SendAndWait(R"({"count": 5, "rate": 0})");
  const auto got = receiver_.deliveries();
  ASSERT_EQ(got.size(), 5u);
  std::set<std::string> ids;
  for (const auto& d : got) {
    EXPECT_EQ(d.sig, ExpectedSignature("hook-secret", d.body));
    EXPECT_EQ(d.sig256, d.sig);
    EXPECT_EQ(d.content_type, "application/json");
    const json ev = json::parse(d.body);
    EXPECT_EQ(ev["type"], "shipment.milestone");
    ids.insert(ev["id"].get<std::string>());
  }
  EXPECT_EQ(ids.size(), 5u);
  const json c = Counters();
  EXPECT_EQ(c["sent"], 5);
  EXPECT_EQ(c["delivered"], 5);
  EXPECT_EQ(c["failed"], 0);
  EXPECT_EQ(c["by_status"]["200"], 5);
}

TEST_F(WebhookSenderTest, ReferenceEnvelopeTypes) {
  SendAndWait(
      R"({"count": 2, "rate": 0, "types": ["/shipment_leg#departed", "shipment.milestone"]})");
  const auto got = receiver_.deliveries();
  ASSERT_EQ(got.size(), 2u);
  const json first = json::parse(got[0].body);
  EXPECT_EQ(first["_object"], "/event");
  EXPECT_TRUE(first["id"].is_number_integer());
  EXPECT_EQ(json::parse(got[1].body)["type"], "shipment.milestone");
}

TEST_F(WebhookSenderTest, DuplicatesResendTheSameBody) {
  SendAndWait(R"({"count": 3, "rate": 0, "duplicate_ratio": 1.0})");
  const auto got = receiver_.deliveries();
  ASSERT_EQ(got.size(), 6u);
  for (size_t i = 0; i < got.size(); i += 2) {
    EXPECT_EQ(got[i].body, got[i + 1].body);
    EXPECT_EQ(got[i].sig, got[i + 1].sig);
  }
  EXPECT_EQ(Counters()["duplicates"], 3);
  EXPECT_EQ(Events()["data"].size(), 3u);  // /events lists each event once
}

TEST_F(WebhookSenderTest, MisSignUsesAWrongSecret) {
  SendAndWait(R"({"count": 2, "rate": 0, "mis_sign": true})");
  const auto got = receiver_.deliveries();
  ASSERT_EQ(got.size(), 2u);
  for (const auto& d : got) {
    EXPECT_NE(d.sig, ExpectedSignature("hook-secret", d.body));
    EXPECT_EQ(d.sig.rfind("sha256=", 0), 0u);
  }
  EXPECT_EQ(Counters()["mis_signed"], 2);
}

TEST_F(WebhookSenderTest, LostEventsAreListedInEventsButNotDelivered) {
  SendAndWait(R"({"count": 4, "rate": 0, "lose_ratio": 1.0})");
  EXPECT_TRUE(receiver_.deliveries().empty());
  const json c = Counters();
  EXPECT_EQ(c["lost"], 4);
  EXPECT_EQ(c["sent"], 0);
  EXPECT_EQ(c["events"], 4);
  const json events = Events();
  EXPECT_EQ(events["_object"], "/api/collections/paginated");
  ASSERT_EQ(events["data"].size(), 4u);

  SendAndWait(R"({"count": 1, "rate": 0})");
  const auto got = receiver_.deliveries();
  ASSERT_EQ(got.size(), 1u);
  // Newest first, and paginated.
  EXPECT_EQ(Events()["data"][0]["id"], json::parse(got[0].body)["id"]);
  const json page = Events("?per=2&page=1");
  EXPECT_EQ(page["data"].size(), 2u);
  EXPECT_TRUE(page["next"].is_string());
  // A time filter after everything returns nothing; one before returns everything.
  EXPECT_TRUE(Events("?created_at.gt=2999-01-01T00:00:00Z")["data"].empty());
  EXPECT_EQ(Events("?since=2000-01-01T00:00:00Z")["data"].size(), 5u);
}

TEST_F(WebhookSenderTest, RetriesOnServerErrorsThenCountsFailure) {
  receiver_.set_status(500);
  SendAndWait(R"({"count": 1, "rate": 0})");
  EXPECT_EQ(receiver_.deliveries().size(), 3u);  // 1 attempt + 2 retries
  json c = Counters();
  EXPECT_EQ(c["failed"], 1);
  EXPECT_EQ(c["retries"], 2);
  EXPECT_EQ(c["by_status"]["500"], 1);

  receiver_.set_status(400);  // client errors are not retried
  SendAndWait(R"({"count": 1, "rate": 0})");
  EXPECT_EQ(receiver_.deliveries().size(), 4u);
  EXPECT_EQ(Counters()["by_status"]["400"], 1);
}

TEST_F(WebhookSenderTest, PauseHoldsEventsUntilResume) {
  client_->Post("/_sim/webhooks/pause", "{}", "application/json");
  Send(R"({"count": 2, "rate": 0})");
  EXPECT_FALSE(server_->sender().WaitIdle(std::chrono::milliseconds(100)));
  EXPECT_TRUE(receiver_.deliveries().empty());
  const json state = json::parse(client_->Get("/_sim/state")->body)["webhooks"];
  EXPECT_EQ(state["paused"], true);
  EXPECT_EQ(state["queued_events"], 2);
  client_->Post("/_sim/webhooks/resume", "{}", "application/json");
  ASSERT_TRUE(server_->sender().WaitIdle(std::chrono::seconds(10)));
  EXPECT_EQ(receiver_.deliveries().size(), 2u);
}

TEST_F(WebhookSenderTest, SubscriptionShowsTheTarget) {
  httplib::Headers h = {{"Authorization", "Bearer sim-key"}, {"Flexport-Version", "2"}};
  const json sub = json::parse(client_->Get("/webhooks", h)->body)["data"]["data"][0];
  EXPECT_EQ(sub["url"], receiver_.url());
  EXPECT_EQ(sub["active"], true);
  EXPECT_FALSE(sub["events"].empty());
}

TEST_F(WebhookSenderTest, RateIsPaced) {
  const auto start = std::chrono::steady_clock::now();
  SendAndWait(R"({"count": 3, "rate": 20})");
  // Two gaps of 50 ms between three events.
  EXPECT_GE(std::chrono::steady_clock::now() - start, std::chrono::milliseconds(90));
  EXPECT_EQ(receiver_.deliveries().size(), 3u);
}

}  // namespace
}  // namespace fxagent::sim
