#include "agent/store/pg_token_cache.h"

#include <gtest/gtest.h>
#include <httplib.h>

#include <atomic>
#include <thread>

#include "agent/store/pg_connection.h"
#include "agent/store/schema.h"
#include "tests/agent/store/pg_test_env.h"

namespace fxagent {
namespace {

using Clock = std::chrono::system_clock;

// A token endpoint that counts requests and hands out tok-1, tok-2, ...
class TokenServer {
 public:
  TokenServer() {
    server_.Post("/oauth/token", [this](const httplib::Request&, httplib::Response& res) {
      const int n = ++requests;
      res.set_content("{\"access_token\":\"tok-" + std::to_string(n) +
                          "\",\"token_type\":\"Bearer\",\"expires_in\":86400}",
                      "application/json");
    });
    port_ = server_.bind_to_any_port("127.0.0.1");
    thread_ = std::thread([this] { server_.listen_after_bind(); });
    while (!server_.is_running()) std::this_thread::yield();
  }
  ~TokenServer() {
    server_.stop();
    thread_.join();
  }
  std::string Url() const { return "http://127.0.0.1:" + std::to_string(port_) + "/oauth/token"; }
  std::atomic<int> requests{0};

 private:
  httplib::Server server_;
  std::thread thread_;
  int port_ = 0;
};

class PgTokenCacheTest : public testing::PgTest {
 protected:
  void SetUp() override {
    PgTest::SetUp();
    if (HasFatalFailure()) return;
    PgConnection db(url(), "");
    ASSERT_TRUE(db.Connect());
    ASSERT_TRUE(MigrateSchema(db, "flexport_agent").ok);
  }
  // One replica's token source, as the daemon builds it in cluster mode.
  std::unique_ptr<OAuthTokenSource> Replica(int cap = 10) {
    OAuthOptions o;
    o.token_url = tokens_.Url();
    o.client_id = "client-1";
    o.client_secret = "s3cret";
    o.max_requests_per_day = cap;
    o.now = [this] { return now_.load(); };
    o.shared_cache = std::make_shared<PgTokenCache>(url(), "flexport_agent", "client-1");
    return std::make_unique<OAuthTokenSource>(std::move(o));
  }
  TokenServer tokens_;
  std::atomic<Clock::time_point> now_{Clock::now()};
};

TEST_F(PgTokenCacheTest, ThreeReplicasRestartedFiveTimesRequestOneToken) {
  for (int restart = 0; restart < 5; ++restart) {
    std::vector<std::unique_ptr<OAuthTokenSource>> replicas;
    for (int i = 0; i < 3; ++i) replicas.push_back(Replica());
    std::vector<std::string> got(3);
    std::vector<std::thread> threads;
    for (int i = 0; i < 3; ++i) {
      threads.emplace_back([&, i] {
        std::string error;
        got[i] = replicas[i]->BearerToken(&error).value_or("error: " + error);
      });
    }
    for (auto& t : threads) t.join();
    for (const std::string& token : got) EXPECT_EQ(token, "tok-1");
  }
  EXPECT_EQ(tokens_.requests, 1);
  // A day later the token is due: one replica refreshes it for all.
  now_ = now_.load() + std::chrono::hours(24);
  auto a = Replica();
  auto b = Replica();
  std::string error;
  EXPECT_EQ(a->BearerToken(&error).value_or(error), "tok-2");
  EXPECT_EQ(b->BearerToken(&error).value_or(error), "tok-2");
  EXPECT_EQ(tokens_.requests, 2);
  // The secret never lands in the shared row, only the token and its bookkeeping.
  EXPECT_EQ(Query("SELECT count(*) FROM flexport_agent.oauth_token WHERE cache LIKE '%s3cret%'"),
            "0");
}

TEST_F(PgTokenCacheTest, ARevokedTokenIsReplacedOnceAndTheDailyCapIsTheClusters) {
  auto a = Replica(/*cap=*/2);
  auto b = Replica(/*cap=*/2);
  std::string error;
  ASSERT_EQ(a->BearerToken(&error).value_or(error), "tok-1");
  // Two hours later a gets a 401: it replaces the token for everyone.
  now_ = now_.load() + std::chrono::hours(2);
  a->Invalidate();
  ASSERT_EQ(a->BearerToken(&error).value_or(error), "tok-2");
  EXPECT_EQ(b->BearerToken(&error).value_or(error), "tok-2") << "b finds a's new token";
  EXPECT_EQ(tokens_.requests, 2);
  // Revoked again: the cluster has used its two requests of the day, so b is refused.
  now_ = now_.load() + std::chrono::hours(2);
  b->Invalidate();
  EXPECT_FALSE(b->BearerToken(&error));
  EXPECT_NE(error.find("cap"), std::string::npos) << error;
  a->Invalidate();
  EXPECT_FALSE(a->BearerToken(&error));
  EXPECT_EQ(tokens_.requests, 2);
  // After the day has passed, one request again.
  now_ = now_.load() + std::chrono::hours(24);
  EXPECT_EQ(a->BearerToken(&error).value_or(error), "tok-3");
  EXPECT_EQ(tokens_.requests, 3);
}

}  // namespace
}  // namespace fxagent
