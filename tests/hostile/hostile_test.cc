// Hostile clients against the real flexport-agent binary (issue 8): slowloris, idle
// keep-alive hoarders, oversized headers and bodies, invalid HTTP, on the public
// listener, while a legitimate sender keeps posting signed webhooks that must each get a
// 200 within a bounded latency; afterwards the agent is alive and /healthz answers.
// Also: the internal listener binds loopback by default, and admin_token protects the
// mutating /api/v1 calls.
//
// Slowloris and idle keep-alive starvation were found here and fixed in agent/daemon.cc
// (an elastic public pool up to 1024 threads, a 1 s keep-alive timeout, 5 s reads, a
// listen backlog above httplib's 5); these tests guard that.
#include <gtest/gtest.h>
#include <httplib.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <iostream>
#include <memory>
#include <optional>
#include <thread>
#include <vector>

#include "agent/config/config.h"
#include "tests/hostile/attackers.h"
#include "tests/hostile/hostile_util.h"

namespace fxagent::hostile {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;

// The bound on a legitimate webhook's p99 latency while the listener is under attack: a
// small multiple of the p99 that the same sender gets from the same agent without attackers,
// measured at the start of each test, so that a regression shows whatever the machine's
// speed; the floor keeps a very fast baseline from failing on scheduling noise.
constexpr double kMaxP99OverBaseline = 5;
constexpr double kMinP99BoundMs = 50;
constexpr milliseconds kBaselineDuration(3000);
// Client-side timeout of one legitimate POST (a failure, counted, when it passes).
constexpr milliseconds kLegitTimeout(5000);

// Connection counts; the environment may override them for experiments.
int EnvInt(const char* name, int fallback) {
  const char* v = std::getenv(name);
  return v != nullptr && std::atoi(v) > 0 ? std::atoi(v) : fallback;
}
// Slowloris connections of the combined tests (the dedicated one below holds 300).
std::vector<int> SlowlorisConnections() {
  const int n = EnvInt("FXAGENT_HOSTILE_SLOWLORIS_CONNS", 0);
  return n > 0 ? std::vector<int>{n} : std::vector<int>{64};
}
int IdleConnections() { return EnvInt("FXAGENT_HOSTILE_IDLE_CONNS", 200); }

struct AttackPlan {
  Attack attack;
  int connections;
};

class HostileClientTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(agent_.Start()) << agent_.Stderr();
    // The legitimate sender alone first: its p99 sets this test's bound.
    LegitSender sender(agent_.public_port(), "baseline", kLegitTimeout);
    std::this_thread::sleep_for(kBaselineDuration);  // the measuring window, not a wait
    sender.Stop();
    baseline_ = sender.Report();
    ASSERT_GE(baseline_.requests, 10u) << baseline_.ToString();
    ASSERT_EQ(baseline_.ok, baseline_.requests) << baseline_.ToString();
    bound_ms_ = std::max(kMaxP99OverBaseline * baseline_.p99_ms, kMinP99BoundMs);
    std::cout << "[ hostile  ] " << baseline_.ToString() << "; p99 bound under attack " << bound_ms_
              << " ms" << std::endl;
  }

  void TearDown() override {
    // Whatever happened, the agent must still be there and answer its health checks.
    EXPECT_TRUE(agent_.Running()) << agent_.Stderr();
    EXPECT_TRUE(testing::WaitFor([&] { return agent_.Healthy(); }, seconds(15)))
        << "/healthz does not answer after the attack";
  }

  // Runs the attacks, lets them settle for `warmup`, then sends legitimate webhooks for
  // `duration` while they go on. Prints and returns the legitimate sender's figures.
  LatencyReport UnderAttack(const std::vector<AttackPlan>& plans, milliseconds warmup,
                            milliseconds duration) {
    std::vector<std::unique_ptr<Attacker>> attackers;
    for (const AttackPlan& p : plans) {
      attackers.push_back(
          std::make_unique<Attacker>(p.attack, agent_.public_port(), p.connections));
    }
    // The attack is on only once every connection is held: otherwise a listener that
    // is slow to accept would only face part of it and pass for the wrong reason.
    for (size_t i = 0; i < plans.size(); ++i) {
      if (plans[i].attack != Attack::kSlowloris && plans[i].attack != Attack::kIdleKeepAlive) {
        continue;
      }
      Attacker& a = *attackers[i];
      EXPECT_TRUE(testing::WaitFor([&] { return a.Held() >= plans[i].connections; }, seconds(30)))
          << ToString(plans[i].attack) << " holds only " << a.Held() << " of "
          << plans[i].connections << " connections";
    }
    std::this_thread::sleep_for(warmup);  // pacing the load, not waiting for readiness
    LegitSender sender(agent_.public_port(), "legit", kLegitTimeout);
    std::this_thread::sleep_for(duration);
    sender.Stop();
    const LatencyReport report = sender.Report();
    for (auto& a : attackers) {
      std::cout << "[ hostile  ] " << a->Summary() << " (holding " << a->Held() << ")\n";
      a->Stop();
    }
    std::cout << "[ hostile  ] " << report.ToString() << std::endl;
    return report;
  }

  void ExpectBounded(const LatencyReport& r) const {
    EXPECT_GE(r.requests, 10u) << r.ToString();
    EXPECT_EQ(r.failed, 0u) << r.ToString();
    EXPECT_EQ(r.ok, r.requests) << r.ToString();
    EXPECT_LT(r.p99_ms, bound_ms_)
        << r.ToString() << "; without attackers " << baseline_.ToString();
  }

  AgentUnderTest agent_;
  LatencyReport baseline_;
  double bound_ms_ = kMinP99BoundMs;
};

TEST_F(HostileClientTest, BaselineSignedWebhooksWithoutAttack) {
  ExpectBounded(UnderAttack({}, milliseconds(0), seconds(3)));
}

// Runs `attack` (one request at a time) until it has gone through all its cases
// `cycles` times, with a legitimate sender alongside; returns the sender's figures.
LatencyReport CycleThrough(int port, Attacker& attacker, Attack attack, int cycles) {
  LegitSender sender(port, "legit", kLegitTimeout);
  const bool done = testing::WaitFor(
      [&] { return attacker.Rounds() >= cycles * Attacker::Cases(attack); }, seconds(90));
  sender.Stop();
  attacker.Stop();
  const LatencyReport report = sender.Report();
  std::cout << "[ hostile  ] " << attacker.Summary() << "\n[ hostile  ] " << report.ToString()
            << std::endl;
  EXPECT_TRUE(done) << "only " << attacker.Rounds() << " requests answered";
  // Nothing hostile is ever accepted, and everything is answered or closed in time.
  for (const auto& [outcome, count] : attacker.Outcomes()) {
    EXPECT_EQ(outcome.find("-> 200"), std::string::npos) << outcome;
    EXPECT_EQ(outcome.find("no answer"), std::string::npos) << outcome;
  }
  return report;
}

TEST_F(HostileClientTest, OversizedHeadersAndBodiesAreRefused) {
  Attacker attacker(Attack::kOversized, agent_.public_port(), 1);
  ExpectBounded(CycleThrough(agent_.public_port(), attacker, Attack::kOversized, 1));
  const auto outcomes = attacker.Outcomes();
  EXPECT_EQ(outcomes.count("256KiB body with Content-Length -> 413"), 1u);
  EXPECT_EQ(outcomes.count("256KiB chunked body -> 413"), 1u);
  EXPECT_EQ(outcomes.count("64KiB header -> 400"), 1u);
}

TEST_F(HostileClientTest, InvalidHttpIsRefused) {
  Attacker attacker(Attack::kInvalidHttp, agent_.public_port(), 1);
  ExpectBounded(CycleThrough(agent_.public_port(), attacker, Attack::kInvalidHttp, 1));
}

TEST_F(HostileClientTest, SlowlorisDoesNotStarveSignedWebhooks) {
  for (int n : SlowlorisConnections()) {
    SCOPED_TRACE(std::to_string(n) + " slowloris connections");
    ExpectBounded(UnderAttack({{Attack::kSlowloris, n}}, seconds(2), seconds(15)));
    EXPECT_TRUE(testing::WaitFor([&] { return agent_.Healthy(); }, seconds(15)));
  }
}

// More slowloris connections than the old fixed pool of 128 threads: each holds a thread
// for the whole trickle (httplib's timeouts are per read), so the pool must grow past
// them. The limit is the pool's cap (1024 threads, see agent/daemon.cc); past it a
// per-request deadline or a buffering proxy in front is needed.
TEST_F(HostileClientTest, ThreeHundredSlowlorisConnectionsDoNotStarveSignedWebhooks) {
  ExpectBounded(UnderAttack({{Attack::kSlowloris, 300}}, seconds(2), seconds(15)));
}

// httplib parses a Range header with std::regex before any handler runs, recursing per
// character (~5 MiB of stack at the 8 KiB header-line limit): with too small a thread
// stack one request crashes the agent. Every variant must be answered (any status).
TEST_F(HostileClientTest, MaxLengthRangeHeadersDoNotCrashTheAgent) {
  const std::vector<std::pair<std::string, std::string>> variants = {
      {"bytes=0-1", ",0-1"}, {"bytes=0-1", ", 0-1"}, {"bytes=", "1"}, {"bytes=0-1,", " "}};
  for (const auto& [head, unit] : variants) {
    std::string range = head;
    while (range.size() + unit.size() <= 8100) range += unit;
    for (const std::string& path : {std::string("/healthz"), std::string(kWebhookPath)}) {
      SCOPED_TRACE(path + " Range: " + range.substr(0, 24) + "... (" +
                   std::to_string(range.size()) + " bytes)");
      RawConnection c(agent_.public_port());
      ASSERT_TRUE(c.ok());
      ASSERT_TRUE(c.Send("GET " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\nRange: " + range +
                         "\r\nConnection: close\r\n\r\n"));
      EXPECT_GT(c.ReadStatus(milliseconds(10000)), 0) << "no answer";
      ASSERT_TRUE(agent_.Running()) << agent_.Stderr();
    }
  }
}

TEST_F(HostileClientTest, IdleKeepAliveConnectionsDoNotStarveSignedWebhooks) {
  ExpectBounded(
      UnderAttack({{Attack::kIdleKeepAlive, IdleConnections()}}, seconds(2), seconds(12)));
}

TEST_F(HostileClientTest, AllAttacksAtOnce) {
  ExpectBounded(UnderAttack({{Attack::kSlowloris, SlowlorisConnections().back()},
                             {Attack::kIdleKeepAlive, IdleConnections()},
                             {Attack::kOversized, 1},
                             {Attack::kInvalidHttp, 1}},
                            seconds(2), seconds(15)));
}

// The embedded default configuration keeps the internal and egress listeners on
// loopback; only the webhook receiver faces the network.
TEST(DefaultConfigTest, InternalAndEgressListenersBindLoopback) {
  const Config config =
      LoadConfigText(DefaultConfigText(), "<default>", [](const std::string& name) {
        return std::optional<std::string>(name == "FLEXPORT_API_KEY" ? "k" : "");
      });
  EXPECT_EQ(config.listen.internal.host, "127.0.0.1");
  EXPECT_EQ(config.listen.egress.host, "127.0.0.1");
  EXPECT_TRUE(config.listen.admin_token.empty());
}

class AdminTokenTest : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_TRUE(agent_.Start()) << agent_.Stderr(); }

  int Call(const std::string& method, const std::string& path, const std::string& body,
           const std::optional<std::string>& authorization) {
    httplib::Client c("127.0.0.1", agent_.internal_port());
    c.set_connection_timeout(seconds(2));
    c.set_read_timeout(seconds(5));
    httplib::Headers headers;
    if (authorization) headers.emplace("Authorization", *authorization);
    httplib::Result res = method == "POST"     ? c.Post(path, headers, body, "application/json")
                          : method == "DELETE" ? c.Delete(path, headers)
                                               : c.Get(path, headers);
    return res ? res->status : -1;
  }

  static constexpr char kToken[] = "adm_hostile_token_123";
  AgentUnderTest agent_{std::string("admin_token = \"") + kToken + "\""};
};

TEST_F(AdminTokenTest, MutatingCallsNeedTheToken) {
  const std::string silence =
      R"({"matchers":[{"name":"alertname","value":"X","isRegex":false}],)"
      R"("startsAt":"2024-01-01T00:00:00Z","endsAt":"2099-01-01T00:00:00Z",)"
      R"("createdBy":"hostile","comment":"test"})";
  const std::string bearer = std::string("Bearer ") + kToken;
  for (const std::optional<std::string>& auth :
       {std::optional<std::string>(), std::optional<std::string>("Bearer wrong"),
        std::optional<std::string>(std::string("Bearer ") + kToken + "x"),
        std::optional<std::string>(kToken), std::optional<std::string>("Basic " + bearer)}) {
    SCOPED_TRACE(auth ? "Authorization: " + *auth : "no Authorization");
    EXPECT_EQ(Call("POST", "/api/v1/webhooks/replay", "{}", auth), 401);
    EXPECT_EQ(Call("POST", "/api/v1/silences", silence, auth), 401);
    EXPECT_EQ(Call("DELETE", "/api/v1/webhooks/dead-letters/evt_1", "", auth), 401);
  }
  // Reads stay open; with the token the mutating calls go through.
  EXPECT_EQ(Call("GET", "/api/v1/status", "", std::nullopt), 200);
  EXPECT_EQ(Call("POST", "/api/v1/webhooks/replay", "{}", bearer), 200);
  const int created = Call("POST", "/api/v1/silences", silence, bearer);
  EXPECT_TRUE(created == 200 || created == 201) << created;
  EXPECT_NE(agent_.Stderr().find("listening"), std::string::npos);
  EXPECT_EQ(agent_.Stderr().find(kToken), std::string::npos) << "admin token in the log";
}

}  // namespace
}  // namespace fxagent::hostile
