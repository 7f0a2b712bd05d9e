// Loopback tests of the rate-limit queue and the circuit breaker with its stale cache.
#include <gtest/gtest.h>
#include <httplib.h>

#include <ctime>
#include <filesystem>
#include <fstream>
#include <future>
#include <nlohmann/json.hpp>
#include <vector>

#include "tests/agent/proxy/proxy_test_util.h"

namespace fxagent::testing {
namespace {

using nlohmann::json;
using std::chrono::seconds;

class QueueOn429Test : public ::testing::Test {
 protected:
  QueueOn429Test() {
    upstream_.SetHandler([this](const httplib::Request&, httplib::Response& res) {
      if (limited_.exchange(false)) {
        res.status = 429;
        res.set_header("Retry-After", "1");
        res.set_content("{\"error\":\"rate limited\"}", "application/json");
        return;
      }
      res.set_content("{\"ok\":true}", "application/json");
    });
  }
  static Config QueueConfig(const std::string& base, bool queue) {
    Config c = ProxyConfig(base);
    c.proxy.queue_on_429 = queue;
    c.proxy.queue_max = 2;
    c.proxy.queue_max_wait = seconds(5);
    return c;
  }

  std::atomic<bool> limited_{true};
  Upstream upstream_;
};

TEST_F(QueueOn429Test, HoldsRequestsUntilTheResetAndRejectsBeyondTheBound) {
  ProxyUnderTest proxy(QueueConfig(upstream_.base_url(), true));
  auto first = proxy.Client()->Get("/shipments");
  ASSERT_TRUE(first);
  EXPECT_EQ(first->status, 429) << "the upstream's 429 passes through";
  EXPECT_EQ(first->get_header_value("Retry-After"), "1");
  const auto limited_at = std::chrono::steady_clock::now();
  const int hits = upstream_.hits();

  std::vector<std::future<int>> queued;
  for (int i = 0; i < 2; ++i) {
    queued.push_back(std::async(std::launch::async, [&, i] {
      auto res = proxy.Client()->Get("/shipments/" + std::to_string(100 + i));
      return res ? res->status : -1;
    }));
  }
  ASSERT_TRUE(
      ProxyUnderTest::Eventually([&] { return proxy.Value("flexport_proxy_queue_depth") == 2; }));

  const auto over = proxy.Client()->Get("/shipments/999");
  ASSERT_TRUE(over);
  EXPECT_EQ(over->status, 429);
  EXPECT_EQ(over->get_header_value("Retry-After"), "1");
  EXPECT_EQ(json::parse(over->body)["cause"], "queue_full");
  EXPECT_EQ(upstream_.hits(), hits) << "nothing reaches the upstream before the reset";

  for (auto& f : queued) EXPECT_EQ(f.get(), 200);
  EXPECT_GE(std::chrono::steady_clock::now() - limited_at, std::chrono::milliseconds(900));
  EXPECT_EQ(upstream_.hits(), hits + 2);
  EXPECT_EQ(proxy.Value("flexport_proxy_queued_total", {{"outcome", "released"}}), 2);
  EXPECT_EQ(proxy.Value("flexport_proxy_queued_total", {{"outcome", "rejected"}}), 1);
  EXPECT_EQ(proxy.Value("flexport_proxy_rejected_total", {{"reason", "rate_limited"}}), 1);
  EXPECT_EQ(proxy.Value("flexport_proxy_queue_depth"), 0);
  EXPECT_EQ(proxy.Value("flexport_api_retry_after_seconds"), 1);
}

TEST_F(QueueOn429Test, WithoutQueueingRequestsGoStraightThrough) {
  ProxyUnderTest proxy(QueueConfig(upstream_.base_url(), false));
  auto client = proxy.Client();
  auto res = client->Get("/shipments");
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 429);
  const auto start = std::chrono::steady_clock::now();
  res = client->Get("/shipments");
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 200);
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::milliseconds(900));
}

class RetryAfterFormTest : public QueueOn429Test, public ::testing::WithParamInterface<bool> {};

std::string HttpDateIn(int seconds) {
  const std::time_t t = std::time(nullptr) + seconds;
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[64];
  std::strftime(buf, sizeof(buf), "%a, %d %b %Y %H:%M:%S GMT", &tm);
  return buf;
}

TEST_P(RetryAfterFormTest, ResetBeyondTheMaxWaitIsRejectedAtOnce) {
  const std::string header = GetParam() ? HttpDateIn(120) : "120";
  upstream_.SetHandler([header](const httplib::Request&, httplib::Response& res) {
    res.status = 429;
    res.set_header("Retry-After", header);
  });
  ProxyUnderTest proxy(QueueConfig(upstream_.base_url(), true));
  auto client = proxy.Client();
  ASSERT_EQ(client->Get("/shipments")->status, 429);
  const int hits = upstream_.hits();
  const auto res = client->Get("/shipments");
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 429);
  const int retry_after = std::stoi(res->get_header_value("Retry-After"));
  EXPECT_GE(retry_after, 118);
  EXPECT_LE(retry_after, 120);
  EXPECT_EQ(json::parse(res->body)["cause"], "wait_too_long");
  EXPECT_EQ(upstream_.hits(), hits);
}

INSTANTIATE_TEST_SUITE_P(SecondsAndHttpDate, RetryAfterFormTest, ::testing::Bool());

// The upstream answers with data naming the credential, or fails while `down_`.
class BreakerTest : public ::testing::Test {
 protected:
  BreakerTest() {
    upstream_.SetHandler([this](const httplib::Request& req, httplib::Response& res) {
      if (block_) upstream_.Block();
      if (down_) {
        res.status = 503;
        res.set_content("{\"error\":\"outage\"}", "application/json");
        return;
      }
      res.set_header("ETag", "\"fresh\"");
      res.set_content("{\"for\":\"" + req.get_header_value("Authorization") + "\",\"path\":\"" +
                          req.path + "\"}",
                      "application/json");
    });
  }
  Config BreakerConfig() {
    Config c = ProxyConfig(upstream_.base_url());
    c.proxy.breaker.enabled = true;
    c.proxy.breaker.failure_threshold = 3;
    c.proxy.breaker.open_duration = seconds(30);
    return c;
  }
  static httplib::Headers Key(const std::string& key) {
    return {{"Authorization", "Bearer " + key}};
  }
  void OpenBreaker(httplib::Client& client) {
    down_ = true;
    for (int i = 0; i < 3; ++i) {
      auto res = client.Get("/shipments/9", Key("key-a"));
      ASSERT_TRUE(res);
      EXPECT_EQ(res->status, 503) << "the upstream's own 503 passes through";
      EXPECT_FALSE(res->has_header("X-Flexport-Agent-Cache"));
    }
    ASSERT_EQ(proxy_.Value("flexport_proxy_breaker_state"), 1);
  }

  std::atomic<bool> down_{false};
  std::atomic<bool> block_{false};
  Upstream upstream_;
  FakeClock clock_;
  ProxyUnderTest proxy_{BreakerConfig(), clock_.AsClock()};
  std::unique_ptr<httplib::Client> client_ = proxy_.Client();
};

TEST_F(BreakerTest, OpenBreakerServesStalePerCredentialAnd503OnMiss) {
  auto a = client_->Get("/shipments/1", Key("key-a"));
  auto b = client_->Get("/shipments/1", Key("key-b"));
  ASSERT_TRUE(a && b);
  OpenBreaker(*client_);
  const int hits = upstream_.hits();

  auto stale_a = client_->Get("/shipments/1", Key("key-a"));
  ASSERT_TRUE(stale_a);
  EXPECT_EQ(stale_a->status, 200);
  EXPECT_EQ(stale_a->body, a->body);
  EXPECT_EQ(json::parse(stale_a->body)["for"], "Bearer key-a");
  EXPECT_EQ(stale_a->get_header_value("Warning"), "110 - \"Response is Stale\"");
  EXPECT_EQ(stale_a->get_header_value("X-Flexport-Agent-Cache"), "stale");
  EXPECT_EQ(stale_a->get_header_value("ETag"), "\"fresh\"");
  EXPECT_EQ(stale_a->get_header_value("Content-Type"), "application/json");
  EXPECT_TRUE(stale_a->has_header("Age"));

  auto stale_b = client_->Get("/shipments/1", Key("key-b"));
  ASSERT_TRUE(stale_b);
  EXPECT_EQ(json::parse(stale_b->body)["for"], "Bearer key-b") << "never shared across keys";

  for (const auto& [path, headers] : std::vector<std::pair<std::string, httplib::Headers>>{
           {"/shipments/1", Key("key-c")}, {"/shipments/1", {}}, {"/shipments/2", Key("key-a")}}) {
    auto miss = client_->Get(path, headers);
    ASSERT_TRUE(miss);
    EXPECT_EQ(miss->status, 503);
    EXPECT_EQ(miss->get_header_value("Content-Type"), "application/json");
    const json body = json::parse(miss->body);
    EXPECT_EQ(body["cause"], "breaker_open");
    EXPECT_EQ(miss->get_header_value("Retry-After"), "30");
  }
  auto post = client_->Post("/shipments", "{}", "application/json");
  ASSERT_TRUE(post);
  EXPECT_EQ(post->status, 503);

  EXPECT_EQ(upstream_.hits(), hits) << "nothing reaches the upstream while open";
  EXPECT_EQ(proxy_.Value("flexport_proxy_served_stale_total"), 2);
  EXPECT_EQ(proxy_.Value("flexport_proxy_rejected_total", {{"reason", "breaker_open"}}), 4);
}

TEST_F(BreakerTest, HalfOpenSendsOneProbeAndClosesOnSuccess) {
  ASSERT_TRUE(client_->Get("/shipments/1", Key("key-a")));
  OpenBreaker(*client_);
  clock_.Advance(seconds(30));
  down_ = false;
  block_ = true;
  const int hits = upstream_.hits();
  auto probe = std::async(std::launch::async, [&] {
    auto res = proxy_.Client()->Get("/shipments/5", Key("key-a"));
    return res ? res->status : -1;
  });
  ASSERT_TRUE(ProxyUnderTest::Eventually([&] { return upstream_.hits() == hits + 1; }));
  EXPECT_EQ(proxy_.Value("flexport_proxy_breaker_state"), 2);

  // While the probe is in flight, everything else is still answered by the agent.
  auto other = client_->Get("/shipments/1", Key("key-a"));
  ASSERT_TRUE(other);
  EXPECT_EQ(other->get_header_value("X-Flexport-Agent-Cache"), "stale");
  EXPECT_EQ(upstream_.hits(), hits + 1);

  upstream_.Release();
  EXPECT_EQ(probe.get(), 200);
  EXPECT_EQ(proxy_.Value("flexport_proxy_breaker_state"), 0);
  block_ = false;
  auto fresh = client_->Get("/shipments/1", Key("key-a"));
  ASSERT_TRUE(fresh);
  EXPECT_EQ(fresh->status, 200);
  EXPECT_FALSE(fresh->has_header("X-Flexport-Agent-Cache"));
  EXPECT_FALSE(fresh->has_header("Warning"));
  EXPECT_EQ(upstream_.hits(), hits + 2);
}

TEST_F(BreakerTest, FailedProbeReopens) {
  OpenBreaker(*client_);
  clock_.Advance(seconds(30));
  auto probe = client_->Get("/shipments/1", Key("key-a"));
  ASSERT_TRUE(probe);
  EXPECT_EQ(probe->status, 503);
  EXPECT_FALSE(probe->has_header("X-Flexport-Agent-Cache")) << "the probe reached the upstream";
  EXPECT_EQ(proxy_.Value("flexport_proxy_breaker_state"), 1);
  const int hits = upstream_.hits();
  clock_.Advance(seconds(29));
  auto again = client_->Get("/shipments/1", Key("key-a"));
  ASSERT_TRUE(again);
  EXPECT_EQ(again->status, 503);
  EXPECT_EQ(again->get_header_value("X-Flexport-Agent-Cache"), "miss");
  EXPECT_EQ(upstream_.hits(), hits);
}

TEST_F(BreakerTest, TransportErrorsCountAsFailures) {
  Config c = ProxyConfig(upstream_.base_url());
  c.proxy.breaker.enabled = true;
  c.proxy.breaker.failure_threshold = 2;
  c.proxy.timeout = std::chrono::milliseconds(200);
  ProxyUnderTest proxy(c, clock_.AsClock());
  block_ = true;
  for (int i = 0; i < 2; ++i) EXPECT_EQ(proxy.Client()->Get("/shipments")->status, 504);
  EXPECT_EQ(proxy.Value("flexport_proxy_breaker_state"), 1);
  upstream_.Release();
}

TEST(EgressProxyShutdown, StopReturnsQuicklyWithRequestsInFlightAndQueued) {
  Upstream upstream;
  upstream.SetHandler([&](const httplib::Request& req, httplib::Response& res) {
    if (req.path == "/limit") {
      res.status = 429;
      res.set_header("Retry-After", "20");
      return;
    }
    upstream.Block();
    res.set_content("late", "text/plain");
  });
  Config c = ProxyConfig(upstream.base_url());
  c.proxy.timeout = seconds(30);
  c.proxy.queue_on_429 = true;
  c.proxy.queue_max_wait = seconds(30);
  auto proxy = std::make_unique<ProxyUnderTest>(c);
  auto slow = std::async(std::launch::async, [&] {
    auto res = proxy->Client()->Get("/slow");
    return res ? res->status : -1;
  });
  ASSERT_TRUE(ProxyUnderTest::Eventually([&] { return upstream.hits() == 1; }));
  ASSERT_EQ(proxy->Client()->Get("/limit")->status, 429);
  auto queued = std::async(std::launch::async, [&] {
    auto res = proxy->Client()->Get("/queued");
    return res ? res->status : -1;
  });
  ASSERT_TRUE(
      ProxyUnderTest::Eventually([&] { return proxy->Value("flexport_proxy_queue_depth") == 1; }));

  const auto start = std::chrono::steady_clock::now();
  proxy->proxy().Stop();
  EXPECT_LT(std::chrono::steady_clock::now() - start, seconds(3));
  const int slow_status = slow.get();
  const int queued_status = queued.get();
  EXPECT_TRUE(slow_status == 503 || slow_status == -1) << slow_status;
  EXPECT_TRUE(queued_status == 503 || queued_status == -1) << queued_status;
  upstream.Release();
}

// Threads of this process with the given name (the proxy runs in the test process).
int ThreadsNamed(const std::string& name) {
  int n = 0;
  for (const auto& task : std::filesystem::directory_iterator("/proc/self/task")) {
    std::ifstream comm(task.path() / "comm");
    std::string line;
    if (std::getline(comm, line) && line == name) ++n;
  }
  return n;
}

// The proxy's threads follow its concurrency: a burst of held requests gets a thread each,
// and once they are answered the surplus threads exit (after the 5 s idle timeout), so a
// quiet proxy does not keep a touched stack and a malloc cache per past connection.
TEST(EgressProxyThreads, GrowForABurstAndShrinkWhenIdle) {
  Upstream upstream;
  upstream.SetHandler([&](const httplib::Request& req, httplib::Response& res) {
    if (req.path == "/hold") upstream.Block();
    // The fixture's upstream has 8 threads, each held by a keep-alive connection: close
    // it, so the requests queued behind the held ones get a thread at once.
    res.set_header("Connection", "close");
    res.set_content("ok", "text/plain");
  });
  ProxyUnderTest proxy(ProxyConfig(upstream.base_url()));
  constexpr int kBurst = 16;
  std::vector<std::future<int>> calls;
  calls.reserve(kBurst);
  for (int i = 0; i < kBurst; ++i) {
    calls.push_back(std::async(std::launch::async, [&] {
      auto res = proxy.Client()->Get("/hold");
      return res ? res->status : -1;
    }));
  }
  EXPECT_TRUE(ProxyUnderTest::Eventually([] { return ThreadsNamed("fxa-egress") >= kBurst; }))
      << ThreadsNamed("fxa-egress") << " egress threads for " << kBurst << " held requests";
  upstream.Release();
  for (auto& c : calls) EXPECT_EQ(c.get(), 200);

  const auto deadline = std::chrono::steady_clock::now() + seconds(15);
  while (ThreadsNamed("fxa-egress") > 4 && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  EXPECT_LE(ThreadsNamed("fxa-egress"), 4) << "surplus egress threads did not exit when idle";
  EXPECT_EQ(proxy.Client()->Get("/after")->status, 200);
}

}  // namespace
}  // namespace fxagent::testing
