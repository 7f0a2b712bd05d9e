// Cluster mode, alerting: N replicas page once per alert, with a quorum, and share acks and
// silences; the leader's notifier delivers and a standby takes over without repeating.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <thread>

#include "tests/cluster/cluster_harness.h"

namespace fxagent::cluster {
namespace {

using nlohmann::json;
using std::chrono::milliseconds;
using std::chrono::seconds;
using testing::WaitFor;
using testing::WriteFile;

constexpr char kRule[] = R"(
[[rules]]
alert = "TestFlexportApiDown"
severity = "P1"
expr = 'max(flexport_probe_success{kind="api"}) == 0'
for = "2s"
labels = { component = "api" }
annotations = { summary = "Flexport API down" }
)";

// Alertmanager-format webhook notifications received, by status.
class Pager {
 public:
  Pager() {
    server_.server().Post("/alerts", [this](const httplib::Request& req, httplib::Response& res) {
      const json j = json::parse(req.body, nullptr, false);
      std::lock_guard<std::mutex> lock(mu_);
      if (j.is_object()) received_.push_back(j);
      res.status = 200;
    });
    server_.Start();
  }
  int port() const { return server_.port(); }
  int Count(const std::string& status) {
    std::lock_guard<std::mutex> lock(mu_);
    int n = 0;
    for (const json& j : received_) {
      if (j.value("status", "") == status) ++n;
    }
    return n;
  }
  json Last() {
    std::lock_guard<std::mutex> lock(mu_);
    return received_.empty() ? json() : received_.back();
  }

 private:
  LoopbackServer server_;
  std::mutex mu_;
  std::vector<json> received_;
};

constexpr char kStorageRule[] = R"(
[[rules]]
alert = "TestStorageFailing"
severity = "P2"
expr = 'min_over_time(flexport_agent_storage_healthy[3s]) == 0'
for = "1s"
annotations = { summary = "storage failing" }
)";

std::string AlertingToml(const std::string& dir, int pager_port, const std::string& repeat,
                         const char* rule = kRule) {
  WriteFile(dir + "/rules.toml", rule);
  return "\n[rules]\nfiles = [\"" + dir + "/rules.toml\"]\nevaluation_interval = \"1s\"\n" +
         "[[receivers]]\nname = \"pager\"\ntype = \"webhook\"\nurl = \"http://127.0.0.1:" +
         std::to_string(pager_port) + "/alerts\"\n[[routes]]\nreceivers = [\"pager\"]\n" +
         "group_wait = \"1s\"\ngroup_interval = \"1s\"\nrepeat_interval = \"" + repeat + "\"\n";
}

int LeaderIndex(Cluster& c) {
  for (int i = 0; i < c.size(); ++i) {
    if (c.replica(i).Running() && c.replica(i).Metric("flexport_agent_cluster_leader") == 1.0) {
      return i;
    }
  }
  return -1;
}

void Scenario(Cluster& c, const std::string& name) {
  ASSERT_FALSE(c.Sim("/_sim/scenario/" + name, "{}").empty()) << name;
}

// Nothing to wait for: a window in which something must NOT happen.
void ObserveFor(milliseconds window) { std::this_thread::sleep_for(window); }

TEST(ClusterAlerts, OnePagePerAlertAndNoRepeatAcrossALeaderFailover) {
  Pager pager;
  testing::TempDir rules;
  Cluster c(3, AlertingToml(rules.path(), pager.port(), "1h"));
  std::string error;
  ASSERT_TRUE(c.Start(&error)) << error;
  ASSERT_TRUE(WaitFor([&] { return LeaderIndex(c) >= 0; }, seconds(10)));
  Scenario(c, "outage");
  ASSERT_TRUE(WaitFor([&] { return pager.Count("firing") >= 1; }, seconds(30))) << c.AllStderr();
  ObserveFor(seconds(4));
  EXPECT_EQ(pager.Count("firing"), 1) << "three replicas, one page";
  const json page = pager.Last();
  ASSERT_TRUE(page.contains("alerts"));
  EXPECT_FALSE(page["alerts"][0]["annotations"].value("replicas", "").empty());

  const int leader = LeaderIndex(c);
  ASSERT_GE(leader, 0);
  c.replica(leader).Kill();
  ASSERT_TRUE(WaitFor([&] { return LeaderIndex(c) >= 0; }, seconds(10))) << c.AllStderr();
  ObserveFor(seconds(4));
  EXPECT_LE(pager.Count("firing"), 2) << "at most one repeat per failover";

  Scenario(c, "healthy");
  ASSERT_TRUE(WaitFor([&] { return pager.Count("resolved") >= 1; }, seconds(30))) << c.AllStderr();
  ObserveFor(seconds(3));
  EXPECT_EQ(pager.Count("resolved"), 1);
}

TEST(ClusterAlerts, QuorumKeepsOneReplicasOwnNetworkFailureFromPaging) {
  Pager pager;
  testing::TempDir rules;
  Cluster c(3, AlertingToml(rules.path(), pager.port(), "1h"));
  c.set_alert_quorum(2);
  // Replica 3's network is cut: its API probes fail, the others' succeed.
  c.OverrideApiBase(2, "http://127.0.0.1:" + std::to_string(testing::UnusedPort()));
  std::string error;
  ASSERT_TRUE(c.Start(&error)) << error;
  ASSERT_TRUE(WaitFor([&] { return c.replica(2).MetricSum("flexport_alerts") >= 1; }, seconds(30)))
      << "replica 3 should see its own API failures as an alert";
  ObserveFor(seconds(4));
  EXPECT_EQ(pager.Count("firing"), 0) << "one replica of three is below the quorum of 2";

  Scenario(c, "outage");  // now every replica sees it
  ASSERT_TRUE(WaitFor([&] { return pager.Count("firing") >= 1; }, seconds(30))) << c.AllStderr();
  const std::string replicas = pager.Last()["alerts"][0]["annotations"].value("replicas", "");
  EXPECT_NE(replicas.find(","), std::string::npos) << replicas;
}

TEST(ClusterAlerts, AnAckOrASilenceThroughAnyReplicaHoldsForAll) {
  Pager pager;
  testing::TempDir rules;
  Cluster c(3, AlertingToml(rules.path(), pager.port(), "2s"));
  std::string error;
  ASSERT_TRUE(c.Start(&error)) << error;
  ASSERT_TRUE(WaitFor([&] { return LeaderIndex(c) >= 0; }, seconds(10)));
  const int leader = LeaderIndex(c);
  const int follower = (leader + 1) % c.size();
  Scenario(c, "outage");
  // Repeats every 2 s while unacknowledged.
  ASSERT_TRUE(WaitFor([&] { return pager.Count("firing") >= 2; }, seconds(40))) << c.AllStderr();
  const std::string fingerprint = pager.Last()["alerts"][0].value("fingerprint", "");
  ASSERT_FALSE(fingerprint.empty());
  httplib::Client api("127.0.0.1", c.replica(follower).internal_port());
  auto ack = api.Post("/api/v1/alerts/" + fingerprint + "/ack",
                      R"({"by":"oncall","comment":"looking"})", "application/json");
  ASSERT_TRUE(ack);
  ASSERT_EQ(ack->status, 200) << ack->body;
  ObserveFor(seconds(4));  // the ack reaches the leader within an evaluation or two
  const int after_ack = pager.Count("firing");
  ObserveFor(seconds(6));  // three repeat intervals
  EXPECT_EQ(pager.Count("firing"), after_ack) << "the leader kept repeating an acked alert";

  // A silence created through a replica mutes the alert everywhere.
  Scenario(c, "healthy");
  ASSERT_TRUE(WaitFor([&] { return pager.Count("resolved") >= 1; }, seconds(30)));
  httplib::Client third("127.0.0.1", c.replica((leader + 2) % c.size()).internal_port());
  auto silence = third.Post("/api/v1/silences",
                            R"({"matchers":["alertname=\"TestFlexportApiDown\""],)"
                            R"("endsAt":"2099-01-01T00:00:00Z","comment":"maintenance",)"
                            R"("createdBy":"oncall"})",
                            "application/json");
  ASSERT_TRUE(silence);
  ASSERT_EQ(silence->status / 100, 2) << silence->body;
  for (int i = 0; i < c.size(); ++i) {
    httplib::Client cl("127.0.0.1", c.replica(i).internal_port());
    EXPECT_TRUE(WaitFor(
        [&] {
          auto res = cl.Get("/api/v1/silences");
          return res && res->body.find("maintenance") != std::string::npos;
        },
        seconds(10)))
        << "replica " << i << " does not know the silence";
  }
  const int before = pager.Count("firing");
  Scenario(c, "outage");
  ObserveFor(seconds(10));
  EXPECT_EQ(pager.Count("firing"), before) << "a silenced alert was paged";
}

TEST(ClusterAlerts, StorageAlertIsSentFromMemoryWhileTheDatabaseIsDownAndResolvesAfter) {
  Pager pager;
  testing::TempDir rules;
  Cluster c(2, AlertingToml(rules.path(), pager.port(), "1h", kStorageRule));
  std::string error;
  ASSERT_TRUE(c.Start(&error)) << error;
  ASSERT_TRUE(WaitFor([&] { return LeaderIndex(c) >= 0; }, seconds(10)));
  ASSERT_TRUE(c.postgres().Stop());
  // Writes fail (the stores' own rechecks find out without traffic); each replica, cut off
  // from the cluster, notifies on its own.
  ASSERT_TRUE(WaitFor([&] { return pager.Count("firing") >= 1; }, seconds(40))) << c.AllStderr();
  EXPECT_EQ(pager.Last()["alerts"][0]["labels"].value("alertname", ""), "TestStorageFailing");
  ASSERT_TRUE(c.postgres().Restart());
  ASSERT_TRUE(WaitFor([&] { return pager.Count("resolved") >= 1; }, seconds(40))) << c.AllStderr();
  EXPECT_LE(pager.Count("firing"), c.size()) << "at most one page per replica";
  EXPECT_TRUE(c.replica(0).Running());
  EXPECT_TRUE(c.replica(1).Running());
}

}  // namespace
}  // namespace fxagent::cluster
