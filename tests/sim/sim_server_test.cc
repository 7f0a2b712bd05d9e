// Loopback tests of the API, status page and control API of an in-process SimServer.
#include "sim/sim_server.h"

#include <gtest/gtest.h>
#include <httplib.h>

#include "sim/scenarios.h"

namespace fxagent::sim {
namespace {

using nlohmann::json;

class SimServerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    options_.latency_ms = 0;
    options_.seed = 42;
  }

  void Start() {
    server_ = std::make_unique<SimServer>(options_);
    const int port = server_->Start("127.0.0.1", 0);
    ASSERT_GT(port, 0);
    client_ = std::make_unique<httplib::Client>("127.0.0.1", port);
    client_->set_read_timeout(std::chrono::seconds(10));
  }

  httplib::Result Api(const std::string& path, const std::string& key = "sim-key",
                      const std::string& version = "2") {
    httplib::Headers headers;
    if (!key.empty()) headers.emplace("Authorization", "Bearer " + key);
    if (!version.empty()) headers.emplace("Flexport-Version", version);
    return client_->Get(path, headers);
  }

  int Status(const std::string& path) {
    auto res = Api(path);
    return res ? res->status : -1;
  }

  json Control(const std::string& path, const std::string& body = "{}", int expect = 200) {
    auto res = client_->Post(path, body, "application/json");
    EXPECT_TRUE(res);
    if (!res) return nullptr;
    EXPECT_EQ(res->status, expect) << path << " " << res->body;
    return json::parse(res->body, nullptr, false);
  }

  json State() { return json::parse(client_->Get("/_sim/state")->body); }

  json StatusDoc(const std::string& doc) {
    auto res = client_->Get("/api/v2/" + doc);
    EXPECT_TRUE(res);
    EXPECT_EQ(res->status, 200);
    return json::parse(res->body);
  }

  SimOptions options_;
  std::unique_ptr<SimServer> server_;
  std::unique_ptr<httplib::Client> client_;
};

TEST_F(SimServerTest, RejectsMissingOrWrongCredentialsAndVersion) {
  Start();
  auto res = Api("/shipments", "");
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 401);
  const json body = json::parse(res->body);
  EXPECT_EQ(body["error"]["code"], "unauthorized");
  EXPECT_EQ(body["_object"], "/api/response");
  EXPECT_EQ(res->body.find("sim-key"), std::string::npos);
  EXPECT_EQ(Api("/shipments", "wrong")->status, 401);
  EXPECT_EQ(Api("/shipments", "sim-key", "")->status, 400);
  EXPECT_EQ(Api("/shipments", "sim-key", "3")->status, 400);
  EXPECT_EQ(Api("/shipments", "sim-key", "2024-01-15")->status, 200);
  // Rate-limit headers are on error responses too.
  EXPECT_TRUE(res->has_header("X-RateLimit-Limit"));
}

TEST_F(SimServerTest, ServesFlexportEnvelopes) {
  Start();
  auto res = Api("/shipments?per=1");
  ASSERT_TRUE(res);
  ASSERT_EQ(res->status, 200);
  EXPECT_EQ(res->get_header_value("Content-Type"), "application/json");
  EXPECT_EQ(res->get_header_value("X-RateLimit-Limit"), "100");
  EXPECT_EQ(res->get_header_value("X-RateLimit-Remaining"), "99");
  EXPECT_TRUE(res->has_header("X-RateLimit-Reset"));
  const json body = json::parse(res->body);
  EXPECT_EQ(body["_object"], "/api/response");
  EXPECT_EQ(body["version"], 2);
  EXPECT_NE(body["self"].get<std::string>().find("/shipments?per=1"), std::string::npos);
  EXPECT_EQ(body["data"]["_object"], "/api/collections/paginated");
  EXPECT_EQ(body["data"]["data"].size(), 1u);
  EXPECT_TRUE(body["data"]["next"].is_string());

  for (const char* path : {"/bookings", "/purchase_orders", "/invoices", "/products"}) {
    EXPECT_EQ(Status(path), 200) << path;
  }
  auto one = Api("/shipments/100001");
  ASSERT_EQ(one->status, 200);
  EXPECT_EQ(json::parse(one->body)["data"]["id"], 100001);
  EXPECT_EQ(Status("/shipments/1"), 404);
  EXPECT_EQ(Status("/nothing_here"), 404);
}

TEST_F(SimServerTest, RateLimitReturns429WithRetryAfter) {
  options_.rate_limit.capacity = 5;
  options_.rate_limit.refill_per_sec = 0.5;
  Start();
  for (int i = 0; i < 5; ++i) ASSERT_EQ(Status("/shipments"), 200) << i;
  auto res = Api("/shipments");
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 429);
  EXPECT_EQ(res->get_header_value("Retry-After"), "2");
  EXPECT_EQ(res->get_header_value("X-RateLimit-Remaining"), "0");
  EXPECT_EQ(res->get_header_value("X-RateLimit-Limit"), "5");
  EXPECT_EQ(State()["counters"]["api_requests"]["/shipments"]["429"], 1);
}

TEST_F(SimServerTest, HeaderStylesAreSwitchable) {
  Start();
  Control("/_sim/ratelimit", R"({"header_style": "structured", "capacity": 10})");
  auto res = Api("/shipments");
  EXPECT_EQ(res->get_header_value("RateLimit"), "limit=10, remaining=9, reset=1");
  EXPECT_FALSE(res->has_header("X-RateLimit-Limit"));
  Control("/_sim/ratelimit", R"({"header_style": "ietf"})");
  res = Api("/shipments");
  EXPECT_EQ(res->get_header_value("RateLimit-Limit"), "10");
  EXPECT_TRUE(res->has_header("RateLimit-Remaining"));
  Control("/_sim/ratelimit", R"({"header_style": "bogus"})", 400);
  Control("/_sim/ratelimit", R"({"tokens": 0, "refill_per_sec": 0})");
  EXPECT_EQ(Status("/shipments"), 429);
}

TEST_F(SimServerTest, OAuthTokensAreIssuedCountedAndCapped) {
  options_.token_daily_limit = 2;
  Start();
  auto form = client_->Post("/oauth/token",
                            "client_id=abc&client_secret=s3&audience=https%3A%2F%2Fapi.flexport.com"
                            "&grant_type=client_credentials",
                            "application/x-www-form-urlencoded");
  ASSERT_TRUE(form);
  ASSERT_EQ(form->status, 200) << form->body;
  const json token = json::parse(form->body);
  EXPECT_EQ(token["token_type"], "Bearer");
  EXPECT_EQ(token["expires_in"], 86400);
  const std::string access = token["access_token"];
  EXPECT_EQ(Api("/shipments", access)->status, 200);

  auto js =
      client_->Post("/oauth/token",
                    R"({"client_id":"abc","client_secret":"s3","grant_type":"client_credentials"})",
                    "application/json");
  EXPECT_EQ(js->status, 200);
  EXPECT_EQ(client_
                ->Post("/oauth/token", R"({"client_id":"abc","client_secret":"s3",
            "grant_type":"client_credentials"})",
                       "application/json")
                ->status,
            429);
  EXPECT_EQ(
      client_->Post("/oauth/token", R"({"grant_type":"password"})", "application/json")->status,
      400);
  const json state = State();
  EXPECT_EQ(state["counters"]["token_requests"], 3);
  EXPECT_EQ(state["counters"]["token_requests_rejected"], 1);
  // Rotating the key revokes issued tokens.
  Control("/_sim/key", R"({"api_key": "new-key"})");
  EXPECT_EQ(Api("/shipments", access)->status, 401);
}

TEST_F(SimServerTest, ScenarioPresetsHaveTheirEffect) {
  Start();
  Control("/_sim/scenario/outage");
  for (const char* path : {"/shipments", "/bookings", "/invoices", "/webhooks"}) {
    EXPECT_EQ(Status(path), 503) << path;
  }
  EXPECT_EQ(StatusDoc("status.json")["status"]["indicator"], "none");

  Control("/_sim/scenario/one_endpoint_failing");
  EXPECT_EQ(Status("/invoices"), 500);
  EXPECT_EQ(Status("/invoices/9100"), 500);
  EXPECT_EQ(Status("/shipments"), 200);

  Control("/_sim/scenario/partial_outage");
  EXPECT_EQ(Status("/shipments"), 502);
  EXPECT_EQ(Status("/bookings"), 502);
  EXPECT_EQ(Status("/invoices"), 200);

  Control("/_sim/scenario/status_major");
  EXPECT_EQ(Status("/shipments"), 200);
  EXPECT_EQ(StatusDoc("status.json")["status"]["indicator"], "major");
  EXPECT_EQ(StatusDoc("components.json")["components"][0]["status"], "major_outage");
  EXPECT_EQ(StatusDoc("incidents/unresolved.json")["incidents"].size(), 1u);

  Control("/_sim/scenario/status_critical");
  EXPECT_EQ(StatusDoc("status.json")["status"]["indicator"], "critical");
  Control("/_sim/scenario/status_minor");
  EXPECT_EQ(StatusDoc("status.json")["status"]["indicator"], "minor");

  Control("/_sim/scenario/rate_limited");
  auto limited = Api("/shipments");
  EXPECT_EQ(limited->status, 429);
  EXPECT_TRUE(limited->has_header("Retry-After"));
  EXPECT_EQ(Status("/bookings"), 429);

  Control("/_sim/scenario/key_rotated");
  EXPECT_EQ(Status("/shipments"), 401);

  Control("/_sim/scenario/forbidden");
  EXPECT_EQ(Status("/purchase_orders"), 403);
  EXPECT_EQ(Status("/shipments"), 200);

  Control("/_sim/scenario/subscription_inactive");
  auto hooks = Api("/webhooks");
  ASSERT_EQ(hooks->status, 200);
  const json sub = json::parse(hooks->body)["data"]["data"][0];
  EXPECT_EQ(sub["_object"], "/webhook");
  EXPECT_EQ(sub["active"], false);

  Control("/_sim/scenario/statuspage_down");
  auto page = client_->Get("/api/v2/status.json");
  EXPECT_EQ(page->status, 503);
  EXPECT_NE(page->get_header_value("Content-Type").find("text/html"), std::string::npos);

  Control("/_sim/scenario/healthy");
  for (const char* path : {"/shipments", "/bookings", "/purchase_orders", "/invoices"}) {
    EXPECT_EQ(Status(path), 200) << path;
  }
  EXPECT_EQ(json::parse(Api("/webhooks")->body)["data"]["data"][0]["active"], true);
  EXPECT_EQ(State()["scenario"], "healthy");
}

TEST_F(SimServerTest, SlowScenarioDelaysAndStopInterruptsIt) {
  Start();
  Control("/_sim/scenario/slow");
  client_->set_read_timeout(std::chrono::milliseconds(500));
  const auto start = std::chrono::steady_clock::now();
  auto res = Api("/shipments");
  EXPECT_FALSE(res);  // timed out: the answer takes 3 s
  EXPECT_GE(std::chrono::steady_clock::now() - start, std::chrono::milliseconds(450));
  const auto stop_start = std::chrono::steady_clock::now();
  server_->Stop();
  EXPECT_LT(std::chrono::steady_clock::now() - stop_start, std::chrono::seconds(3));
}

TEST_F(SimServerTest, StatusPageIsValidJsonInEveryScenario) {
  Start();
  for (const auto& name : ScenarioNames()) {
    SCOPED_TRACE(name);
    Control("/_sim/scenario/" + name);
    for (const char* doc : {"status.json", "summary.json", "components.json",
                            "incidents/unresolved.json", "scheduled-maintenances/active.json"}) {
      auto res = client_->Get(std::string("/api/v2/") + doc);
      ASSERT_TRUE(res);
      if (name == "statuspage_down") {
        EXPECT_EQ(res->status, 503);
        continue;
      }
      ASSERT_EQ(res->status, 200) << doc;
      const json body = json::parse(res->body, nullptr, false);
      ASSERT_FALSE(body.is_discarded()) << doc;
      EXPECT_TRUE(body["page"].is_object()) << doc;
    }
  }
}

TEST_F(SimServerTest, StatusPageFaultModes) {
  Start();
  Control("/_sim/statuspage", R"({"mode": "invalid_json"})");
  auto res = client_->Get("/api/v2/status.json");
  EXPECT_EQ(res->status, 200);
  EXPECT_TRUE(json::parse(res->body, nullptr, false).is_discarded());
  Control("/_sim/statuspage", R"({"mode": "not_found"})");
  EXPECT_EQ(client_->Get("/api/v2/status.json")->status, 404);
  Control("/_sim/statuspage", R"({"mode": "hang", "hang_ms": 5000})");
  client_->set_read_timeout(std::chrono::milliseconds(200));
  EXPECT_FALSE(client_->Get("/api/v2/status.json"));
  client_->set_read_timeout(std::chrono::seconds(5));
  Control("/_sim/statuspage",
          R"({"mode": "ok", "indicator": "major", "components": {"Webhooks": "partial_outage"}})");
  EXPECT_EQ(StatusDoc("status.json")["status"]["description"], "Partial System Outage");
  EXPECT_EQ(StatusDoc("components.json")["components"][1]["status"], "partial_outage");
}

TEST_F(SimServerTest, CustomFaultsMatchFirstSegment) {
  Start();
  Control("/_sim/faults", R"({"endpoints": {"/shipments": {"status": 503}}})");
  EXPECT_EQ(Status("/shipments"), 503);
  EXPECT_EQ(Status("/shipments/100001"), 503);
  EXPECT_EQ(Status("/bookings"), 200);
  Control("/_sim/faults", R"({"default": {"status": 500, "error_ratio": 0.5}})");
  int errors = 0;
  for (int i = 0; i < 40; ++i) errors += Status("/bookings") == 500 ? 1 : 0;
  EXPECT_GT(errors, 5);
  EXPECT_LT(errors, 35);
  EXPECT_EQ(State()["scenario"], "custom");
}

TEST_F(SimServerTest, ControlApiRejectsBadInput) {
  Start();
  json err = Control("/_sim/faults", "{not json", 400);
  EXPECT_TRUE(err["error"].is_string());
  err = Control("/_sim/faults", R"({"endpoints": {"/x": {"status": "oops"}}})", 400);
  EXPECT_NE(err["error"].get<std::string>().find("status"), std::string::npos);
  err = Control("/_sim/scenario/nope", "{}", 404);
  EXPECT_EQ(err["scenarios"].size(), ScenarioNames().size());
  Control("/_sim/key", R"({"key": 1})", 400);
  Control("/_sim/subscription", R"({"active": "no"})", 400);
  Control("/_sim/webhooks/send", R"({"count": 1})", 400);  // no target configured
  Control("/_sim/webhooks/send", R"({"target": "ftp://x", "count": 1})", 400);
  Control("/_sim/nope", "{}", 404);
}

TEST_F(SimServerTest, KeyAndSubscriptionControls) {
  Start();
  Control("/_sim/key", R"({"api_key": "rotated"})");
  EXPECT_EQ(Status("/shipments"), 401);
  EXPECT_EQ(Api("/shipments", "rotated")->status, 200);
  EXPECT_EQ(State()["auth"]["key_rotated"], true);
  Control("/_sim/subscription", R"({"active": false})");
  EXPECT_EQ(json::parse(Api("/webhooks", "rotated")->body)["data"]["data"][0]["active"], false);
}

TEST_F(SimServerTest, StateCountsRequestsAndResetClears) {
  options_.api_key = "super-secret-key";
  options_.webhook_secret = "super-secret-hook";
  Start();
  for (int i = 0; i < 3; ++i) EXPECT_EQ(Api("/shipments", "super-secret-key")->status, 200);
  EXPECT_EQ(Api("/shipments/100002", "super-secret-key")->status, 200);
  EXPECT_EQ(Api("/shipments", "bad")->status, 401);
  StatusDoc("status.json");
  const auto raw = client_->Get("/_sim/state")->body;
  EXPECT_EQ(raw.find("super-secret"), std::string::npos);
  json state = json::parse(raw);
  EXPECT_EQ(state["counters"]["api_requests"]["/shipments"]["200"], 3);
  EXPECT_EQ(state["counters"]["api_requests"]["/shipments"]["401"], 1);
  EXPECT_EQ(state["counters"]["api_requests"]["/shipments/:id"]["200"], 1);
  EXPECT_EQ(state["counters"]["api_requests_total"], 5);
  EXPECT_EQ(state["counters"]["statuspage_requests"], 1);
  EXPECT_EQ(state["rate_limit"]["remaining"], 96);
  EXPECT_TRUE(state["webhooks"]["counters"].is_object());

  Control("/_sim/scenario/key_rotated");
  state = Control("/_sim/reset");
  EXPECT_EQ(state["counters"]["api_requests_total"], 0);
  EXPECT_EQ(state["scenario"], "healthy");
  EXPECT_EQ(state["rate_limit"]["remaining"], 100);
  EXPECT_EQ(Api("/shipments", "super-secret-key")->status, 200);
}

}  // namespace
}  // namespace fxagent::sim
