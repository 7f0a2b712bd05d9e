// Cluster mode, webhooks: N replicas on one PostgreSQL behave as one relay.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <sstream>
#include <thread>

#include "tests/cluster/cluster_harness.h"
#include "tests/support/webhook_signing.h"

namespace fxagent::cluster {
namespace {

using nlohmann::json;
using std::chrono::seconds;
using testing::WaitFor;

constexpr char kReconcile[] =
    "[webhooks.reconcile]\ninterval = \"2s\"\nlookback = \"1h\"\nsettle = \"1s\"\n";

int Leaders(Cluster& c) {
  int leaders = 0;
  for (int i = 0; i < c.size(); ++i) {
    if (c.replica(i).Running() && c.replica(i).Metric("flexport_agent_cluster_leader") == 1.0) {
      ++leaders;
    }
  }
  return leaders;
}

bool SimDone(Cluster& c) { return c.SimWebhookCounter("queued_events") == 0; }

TEST(ClusterWebhooks, EveryEventReachesAnAppExactlyOnceAndNothingIsMissed) {
  Cluster c(3, kReconcile);
  std::string error;
  ASSERT_TRUE(c.Start(&error)) << error;
  // Started together on an empty database: one replica migrated the schema.
  int migrated = 0;
  for (int i = 0; i < c.size(); ++i) {
    if (c.replica(i).Stderr().find("schema migration applied") != std::string::npos) ++migrated;
  }
  EXPECT_EQ(migrated, 1) << c.AllStderr();
  ASSERT_TRUE(WaitFor([&] { return Leaders(c) == 1; }, seconds(10))) << c.AllStderr();
  for (int i = 0; i < c.size(); ++i) {
    // Each replica counts the others at its next heartbeat (every lease / 3).
    EXPECT_TRUE(WaitFor(
        [&] { return c.replica(i).Metric("flexport_agent_cluster_replicas") == 3.0; }, seconds(5)));
  }

  constexpr int kEvents = 2000;
  ASSERT_FALSE(c.Sim("/_sim/webhooks/send",
                     json{{"count", kEvents}, {"rate", 0}, {"duplicate_ratio", 0.1}}.dump())
                   .empty());
  ASSERT_TRUE(WaitFor([&] { return SimDone(c); }, seconds(240))) << c.AllStderr();
  ASSERT_TRUE(WaitFor([&] { return c.deliveries().Distinct() == kEvents; }, seconds(60)))
      << c.deliveries().Distinct() << " of " << kEvents << " delivered\n"
      << c.AllStderr();

  // A reconciliation run that started after the last event settled compares them all.
  int leader = -1;
  for (int i = 0; i < c.size(); ++i) {
    if (c.replica(i).Metric("flexport_agent_cluster_leader") == 1.0) leader = i;
  }
  ASSERT_GE(leader, 0);
  const double runs = c.replica(leader).MetricSum("flexport_webhook_reconcile_runs_total");
  ASSERT_TRUE(WaitFor(
      [&] {
        return c.replica(leader).MetricSum("flexport_webhook_reconcile_runs_total") >= runs + 2;
      },
      seconds(90)));  // a run pages through GET /events with a pause per page

  const int duplicates_sent = c.SimWebhookCounter("duplicates").value_or(-1);
  EXPECT_GT(duplicates_sent, kEvents / 20);
  double duplicates_seen = 0, missed = 0;
  for (int i = 0; i < c.size(); ++i) {
    missed += c.replica(i).MetricSum("flexport_webhook_missed_total");
  }
  EXPECT_EQ(missed, 0);
  {
    std::lock_guard<std::mutex> lock(c.deliveries().mu);
    EXPECT_EQ(c.deliveries().total, kEvents);
    int repeated = 0;
    for (const auto& [id, n] : c.deliveries().by_id) {
      if (n != 1) ++repeated;
    }
    EXPECT_EQ(repeated, 0);
  }
  // Every replica received a share, and each re-sent event was answered as a duplicate.
  for (int i = 0; i < c.size(); ++i) {
    EXPECT_GT(c.app(i).received, 0) << "replica " << i << " delivered nothing";
    httplib::Client m("127.0.0.1", c.replica(i).internal_port());
    auto res = m.Get("/metrics");
    ASSERT_TRUE(res);
    std::istringstream in(res->body);
    std::string line;
    while (std::getline(in, line)) {
      if (line.starts_with("flexport_webhook_received_total{") &&
          line.find("outcome=\"duplicate\"") != std::string::npos) {
        duplicates_seen += std::stod(line.substr(line.rfind(' ') + 1));
      }
    }
  }
  EXPECT_EQ(duplicates_seen, duplicates_sent);
  EXPECT_EQ(c.balancer().non_2xx, 0);
  // The storage URL's password, the API key and the webhook secret appear nowhere.
  for (int i = 0; i < c.size(); ++i) {
    httplib::Client api("127.0.0.1", c.replica(i).internal_port());
    std::string seen = c.replica(i).Stderr();
    for (const char* path : {"/metrics", "/api/v1/status", "/api/v1/alerts"}) {
      if (auto res = api.Get(path)) seen += res->body;
    }
    for (const char* secret : {kStoragePassword, kApiKey, kSecret}) {
      EXPECT_EQ(seen.find(secret), std::string::npos) << "replica " << i << " shows a secret";
    }
  }
}

TEST(ClusterWebhooks, EventsFlexportRetriesOnAnotherReplicaAreDuplicates) {
  Cluster c(2);
  std::string error;
  ASSERT_TRUE(c.Start(&error)) << error;
  const std::string body = R"({"_object":"/event","id":"evt-retried","type":"shipment.milestone",)"
                           R"("data":{"resource":{"_object":"/shipment","id":"S-1"}}})";
  // Signed as Flexport does; the same delivery lands once on each replica.
  const httplib::Headers h = {{"X-Hub-Signature-256", testing::SignSha256Header(kSecret, body)}};
  std::vector<std::string> outcomes;
  for (int i = 0; i < 2; ++i) {
    httplib::Client cl("127.0.0.1", c.replica(i).public_port());
    auto res = cl.Post("/webhooks/flexport", h, body, "application/json");
    ASSERT_TRUE(res);
    EXPECT_EQ(res->status, 200);
    outcomes.push_back(json::parse(res->body).value("status", ""));
  }
  EXPECT_EQ(outcomes, (std::vector<std::string>{"accepted", "duplicate"}));
  ASSERT_TRUE(WaitFor([&] { return c.deliveries().Distinct() == 1; }, seconds(10)));
  // No second delivery shows up later either (both replicas poll the shared spool).
  const int before = c.app(0).received + c.app(1).received;
  ASSERT_TRUE(WaitFor([&] { return c.replica(1).MetricSum("flexport_webhook_spool_depth") == 0; },
                      seconds(5)));
  EXPECT_EQ(before, 1);
}

TEST(ClusterWebhooks, DeliveriesOfAKilledReplicaAreTakenOver) {
  Cluster c(3);
  std::string error;
  ASSERT_TRUE(c.Start(&error)) << error;
  // Slow apps keep deliveries in flight, i.e. leased to the replica delivering them.
  for (int i = 0; i < c.size(); ++i) c.app(i).delay_ms = 50;
  ASSERT_FALSE(c.Sim("/_sim/webhooks/send", json{{"count", 100000}, {"rate", 100}}.dump()).empty());
  Replica& victim = c.replica(1);
  for (int round = 0; round < 5; ++round) {
    // Wait until the victim delivers, then kill it mid-delivery.
    const int before = c.app(1).received;
    ASSERT_TRUE(WaitFor([&] { return c.app(1).received > before + 5; }, seconds(20)))
        << c.AllStderr();
    victim.Kill();
    ASSERT_TRUE(victim.Start()) << victim.Stderr();
  }
  ASSERT_FALSE(c.Sim("/_sim/webhooks/cancel", "{}").empty());
  ASSERT_TRUE(WaitFor([&] { return SimDone(c); }, seconds(30)));
  const int generated = c.SimWebhookCounter("events").value_or(-1);
  const int acknowledged = c.SimWebhookCounter("delivered").value_or(-1);
  ASSERT_GT(acknowledged, 100);
  // Every event the sim got a 2xx for reaches an app; the sim retried the others (a
  // request cut by the kill may have been stored before its answer was lost).
  ASSERT_TRUE(WaitFor([&] { return static_cast<int>(c.deliveries().Distinct()) >= acknowledged; },
                      seconds(60)))
      << c.deliveries().Distinct() << " delivered, " << acknowledged << " acknowledged\n"
      << c.AllStderr();
  EXPECT_LE(static_cast<int>(c.deliveries().Distinct()), generated);
  std::lock_guard<std::mutex> lock(c.deliveries().mu);
  int repeats = 0;
  for (const auto& [id, n] : c.deliveries().by_id) repeats += n - 1;
  // At most what the killed replica had leased: max_concurrency (8) per kill.
  EXPECT_LE(repeats, 5 * 8);
}

TEST(ClusterWebhooks, DatabaseOutageAnswers503AndLosesNothingAcknowledged) {
  Cluster c(2);
  std::string error;
  ASSERT_TRUE(c.Start(&error)) << error;
  std::atomic<bool> stop{false};
  std::mutex mu;
  std::map<int, std::vector<std::string>> by_status;
  std::thread sender([&] {
    httplib::Client cl("127.0.0.1", c.balancer().port());
    cl.set_read_timeout(seconds(15));
    for (int n = 0; !stop.load(); ++n) {
      const std::string id = "evt-outage-" + std::to_string(n);
      const std::string body =
          R"({"_object":"/event","id":")" + id + R"(","type":"shipment.milestone","data":{}})";
      auto res = cl.Post("/webhooks/flexport",
                         {{"X-Hub-Signature-256", testing::SignSha256Header(kSecret, body)}}, body,
                         "application/json");
      std::lock_guard<std::mutex> lock(mu);
      by_status[res ? res->status : 0].push_back(id);
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
  });
  auto count = [&](int status) {
    std::lock_guard<std::mutex> lock(mu);
    return by_status[status].size();
  };
  ASSERT_TRUE(WaitFor([&] { return count(200) >= 50; }, seconds(20)));
  ASSERT_TRUE(c.postgres().Stop());
  const auto stopped_at = std::chrono::steady_clock::now();
  EXPECT_TRUE(WaitFor([&] { return count(503) >= 20; }, seconds(20)));
  EXPECT_TRUE(WaitFor([&] { return c.replica(0).Readyz() == 503 && c.replica(1).Readyz() == 503; },
                      seconds(10)));
  EXPECT_EQ(c.replica(0).Metric("flexport_agent_storage_healthy{store=\"webhooks\"}"), 0.0);
  // The outage lasts 30 s (its length, not a wait for an event): senders keep getting 503.
  std::this_thread::sleep_until(stopped_at + seconds(30));
  EXPECT_GE(count(503), 100u);
  ASSERT_TRUE(c.postgres().Restart());
  // Back without a restart of any replica.
  EXPECT_TRUE(WaitFor([&] { return c.replica(0).Readyz() == 200 && c.replica(1).Readyz() == 200; },
                      seconds(20)));
  const size_t ok_before = count(200);
  EXPECT_TRUE(WaitFor([&] { return count(200) >= ok_before + 50; }, seconds(20)));
  stop = true;
  sender.join();
  EXPECT_TRUE(c.replica(0).Running());
  EXPECT_TRUE(c.replica(1).Running());
  std::vector<std::string> acked;
  {
    std::lock_guard<std::mutex> lock(mu);
    acked = by_status[200];
    for (const auto& [status, ids] : by_status) {
      EXPECT_TRUE(status == 200 || status == 503) << status << " x" << ids.size();
    }
  }
  ASSERT_TRUE(WaitFor(
      [&] {
        std::lock_guard<std::mutex> lock(c.deliveries().mu);
        for (const std::string& id : acked) {
          if (c.deliveries().by_id.count(id) == 0) return false;
        }
        return true;
      },
      seconds(30)))
      << "an acknowledged event was not delivered";
  EXPECT_EQ(c.replica(0).Metric("flexport_agent_storage_healthy{store=\"webhooks\"}"), 1.0);
}

}  // namespace
}  // namespace fxagent::cluster
