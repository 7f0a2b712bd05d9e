#include "agent/store/cluster.h"

#include <gtest/gtest.h>
#include <prometheus/registry.h>

#include "agent/store/pg_connection.h"
#include "agent/store/schema.h"
#include "tests/agent/store/pg_test_env.h"
#include "tests/support/subprocess.h"

namespace fxagent {
namespace {

using std::chrono::milliseconds;
using testing::WaitFor;

class ClusterTest : public testing::PgTest {
 protected:
  void SetUp() override {
    PgTest::SetUp();
    if (HasFatalFailure()) return;
    PgConnection db(url(), "");
    ASSERT_TRUE(db.Connect());
    ASSERT_TRUE(MigrateSchema(db, "flexport_agent").ok);
  }
  ClusterOptions Options(const std::string& instance, milliseconds lease = milliseconds(1500)) {
    return {.conninfo = url(), .schema = "flexport_agent", .instance = instance, .lease = lease};
  }
};

TEST_F(ClusterTest, OneLeaderAndTheOtherTakesOverWhenItStops) {
  prometheus::Registry r1, r2;
  ClusterMembership a(Options("a"), r1);
  ASSERT_EQ(a.Join(), std::nullopt);
  ClusterMembership b(Options("b"), r2);
  ASSERT_EQ(b.Join(), std::nullopt);
  ASSERT_TRUE(WaitFor([&] { return a.LiveReplicas() == 2 && b.LiveReplicas() == 2; }));
  EXPECT_TRUE(a.IsLeader());
  EXPECT_FALSE(b.IsLeader());
  a.Stop();  // hands the lease over
  EXPECT_TRUE(WaitFor([&] { return b.IsLeader(); }, milliseconds(3000)));
  EXPECT_TRUE(WaitFor([&] { return b.LiveReplicas() == 1; }, milliseconds(3000)));
}

TEST_F(ClusterTest, LeaseOfAVanishedLeaderExpires) {
  prometheus::Registry r1, r2;
  ClusterMembership b(Options("b"), r2);
  // A leader that died without a word: its lease row stays until it expires.
  Query(
      "INSERT INTO flexport_agent.cluster_leader VALUES (1, 'dead', 'x', clock_timestamp() + "
      "interval '1 second')");
  ASSERT_EQ(b.Join(), std::nullopt);
  EXPECT_FALSE(b.IsLeader());
  const auto start = std::chrono::steady_clock::now();
  ASSERT_TRUE(WaitFor([&] { return b.IsLeader(); }, milliseconds(5000)));
  // Within the dead lease plus about one more lease (renewals every lease / 3; slack for a
  // loaded or sanitized run), far below what waiting for a restart would take.
  EXPECT_LT(std::chrono::steady_clock::now() - start, milliseconds(1000 + 2500));
}

TEST_F(ClusterTest, ADuplicateInstanceNameIsRefusedNamingBoth) {
  prometheus::Registry r1, r2;
  ClusterMembership a(Options("orders-1", milliseconds(1000)), r1);
  ASSERT_EQ(a.Join(), std::nullopt);
  ClusterMembership b(Options("orders-1", milliseconds(1000)), r2);
  std::optional<std::string> error = b.Join();
  ASSERT_TRUE(error.has_value());
  EXPECT_NE(error->find("orders-1"), std::string::npos) << *error;
  EXPECT_NE(error->find("pid"), std::string::npos) << *error;
}

TEST_F(ClusterTest, ARestartedReplicaReusesItsNameOnceTheOldHeartbeatExpires) {
  prometheus::Registry r1;
  // The previous process of this replica was killed: its row is fresh but nobody renews it.
  Query(
      "INSERT INTO flexport_agent.cluster_replicas(instance, boot_id, host, pid) VALUES "
      "('orders-1', 'old', 'h', 1)");
  ClusterMembership a(Options("orders-1", milliseconds(1000)), r1);
  EXPECT_EQ(a.Join(), std::nullopt);
}

TEST_F(ClusterTest, StepsDownWhenTheDatabaseIsGoneForALease) {
  prometheus::Registry r1;
  ClusterMembership a(Options("a", milliseconds(1500)), r1);
  ASSERT_EQ(a.Join(), std::nullopt);
  ASSERT_TRUE(a.IsLeader());
  ASSERT_TRUE(server().Stop());
  EXPECT_TRUE(WaitFor([&] { return !a.IsLeader(); }, milliseconds(3000)));
  ASSERT_TRUE(server().Restart());
  EXPECT_TRUE(WaitFor([&] { return a.IsLeader(); }, milliseconds(5000)));
}

}  // namespace
}  // namespace fxagent
