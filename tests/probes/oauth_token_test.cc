// The agent's own OAuth token cap (probes/oauth_token.cc): at most 10 token requests in any
// 24 h, counted across restarts through the token cache; the 11th is refused without a
// request, with a warning and a counter; once the oldest request is 24 h old, requests go
// out again. A loopback token endpoint counts what really arrives; the clock is injected.
#include "flexport/oauth_token.h"

#include <gtest/gtest.h>
#include <httplib.h>
#include <prometheus/registry.h>

#include <atomic>
#include <chrono>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <thread>
#include <vector>

#include "tests/support/subprocess.h"

namespace fxagent {
namespace {

using std::chrono::hours;
using std::chrono::minutes;
using std::chrono::seconds;
using SysTime = std::chrono::system_clock::time_point;

constexpr char kSecret[] = "oauth-client-secret-do-not-log";

// A token endpoint: 10-minute tokens, numbered, every request counted.
class TokenServer {
 public:
  TokenServer() {
    server_.Post("/oauth/token", [this](const httplib::Request&, httplib::Response& res) {
      const int n = ++requests_;
      res.set_content(
          nlohmann::json{{"access_token", "tok" + std::to_string(n)}, {"expires_in", 600}}.dump(),
          "application/json");
    });
    port_ = server_.bind_to_any_port("127.0.0.1");
    thread_ = std::thread([this] { server_.listen_after_bind(); });
  }
  ~TokenServer() {
    server_.stop();
    thread_.join();
  }
  std::string Url() const { return "http://127.0.0.1:" + std::to_string(port_) + "/oauth/token"; }
  int Requests() const { return requests_; }

 private:
  httplib::Server server_;
  int port_ = 0;
  std::thread thread_;
  std::atomic<int> requests_{0};
};

class OAuthCapTest : public ::testing::Test {
 protected:
  // A new source over the same cache file: what a restarted agent builds.
  std::unique_ptr<OAuthTokenSource> Restart() {
    OAuthOptions o;
    o.token_url = server_.Url();
    o.client_id = "client-1";
    o.client_secret = kSecret;
    o.cache_file = dir_.path() + "/oauth_token.json";
    o.now = [this] { return now_; };
    o.registry = &registry_;
    o.on_warn = [this](const std::string& m) { warnings_.push_back(m); };
    return std::make_unique<OAuthTokenSource>(o);
  }
  double Refused() {
    for (const auto& family : registry_.Collect()) {
      if (family.name == "flexport_oauth_token_requests_refused_total") {
        return family.metric.at(0).counter.value;
      }
    }
    return -1;
  }

  testing::TempDir dir_;
  TokenServer server_;
  prometheus::Registry registry_;
  SysTime now_ = SysTime(seconds(1'800'000'000));
  std::vector<std::string> warnings_;
};

TEST_F(OAuthCapTest, RefusesTheEleventhRequestInADayAcrossRestartsAndRecovers) {
  const SysTime first = now_;
  std::unique_ptr<OAuthTokenSource> source = Restart();
  std::string error;
  // Ten requests in 110 minutes, each after the previous token expired, with a restart
  // after every third: the cache carries the request times over.
  for (int i = 1; i <= 10; ++i) {
    SCOPED_TRACE("request " + std::to_string(i));
    if (i % 3 == 0) source = Restart();
    EXPECT_EQ(source->BearerToken(&error), "tok" + std::to_string(i)) << error;
    EXPECT_EQ(server_.Requests(), i);
    EXPECT_EQ(source->RequestsLastDay(), i);
    now_ += minutes(11);  // the 10-minute token has expired
  }
  EXPECT_TRUE(warnings_.empty());
  EXPECT_EQ(Refused(), 0);

  // The 11th within 24 h: refused without a request, said in a warning and a counter.
  error.clear();
  EXPECT_EQ(source->BearerToken(&error), std::nullopt);
  EXPECT_EQ(server_.Requests(), 10);
  EXPECT_NE(error.find("cap reached"), std::string::npos) << error;
  ASSERT_EQ(warnings_.size(), 1u);
  EXPECT_NE(warnings_[0].find("OAuth token request cap reached (10 per 24 h)"), std::string::npos)
      << warnings_[0];
  EXPECT_EQ(warnings_[0].find(kSecret), std::string::npos);
  EXPECT_EQ(Refused(), 1);

  // A restart does not reset the cap; every refusal counts; the restarted agent warns once.
  source = Restart();
  now_ = first + hours(23);
  EXPECT_EQ(source->BearerToken(&error), std::nullopt);
  EXPECT_EQ(source->BearerToken(&error), std::nullopt);
  EXPECT_EQ(server_.Requests(), 10);
  EXPECT_EQ(Refused(), 3);
  EXPECT_EQ(warnings_.size(), 2u);

  // 24 h after the first request, one slot is free again: the next request goes out.
  now_ = first + hours(24) + seconds(1);
  EXPECT_EQ(source->RequestsLastDay(), 9);
  EXPECT_EQ(source->BearerToken(&error), "tok11") << error;
  EXPECT_EQ(server_.Requests(), 11);
  EXPECT_EQ(Refused(), 3);
  // ...and only one: the second request was made 11 minutes after the first.
  now_ += minutes(10) + seconds(1);  // tok11 expired, the second request not yet 24 h old
  EXPECT_EQ(source->BearerToken(&error), std::nullopt);
  EXPECT_EQ(server_.Requests(), 11);
  EXPECT_EQ(warnings_.size(), 3u);  // a new stretch of refusals is reported again
}

// At the cap, a token that is due for refresh but not yet expired is still served.
TEST_F(OAuthCapTest, AtTheCapAnUnexpiredTokenIsStillUsed) {
  std::unique_ptr<OAuthTokenSource> source = Restart();
  std::string error;
  for (int i = 1; i <= 10; ++i) {
    EXPECT_EQ(source->BearerToken(&error), "tok" + std::to_string(i)) << error;
    now_ += i < 10 ? minutes(11) : minutes(1);
  }
  // tok10 is within the refresh-ahead window (60 min) but valid for 9 more minutes.
  EXPECT_EQ(source->BearerToken(&error), "tok10") << error;
  EXPECT_EQ(server_.Requests(), 10);
  EXPECT_EQ(Refused(), 1);
  EXPECT_EQ(warnings_.size(), 1u);
  const std::string cache = testing::ReadFile(dir_.path() + "/oauth_token.json");
  EXPECT_EQ(cache.find(kSecret), std::string::npos) << "client secret in the token cache";
}

}  // namespace
}  // namespace fxagent
