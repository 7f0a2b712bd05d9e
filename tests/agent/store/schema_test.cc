#include "agent/store/schema.h"

#include <gtest/gtest.h>

#include <thread>
#include <vector>

#include "agent/store/pg_connection.h"
#include "tests/agent/store/pg_test_env.h"

namespace fxagent {
namespace {

using SchemaTest = testing::PgTest;

TEST_F(SchemaTest, CreatesTheSchemaAndIsIdempotent) {
  PgConnection db(url(), "");
  ASSERT_TRUE(db.Connect());
  MigrationOutcome first = MigrateSchema(db, "fx_one");
  ASSERT_TRUE(first.ok) << first.error;
  EXPECT_EQ(first.version, LatestSchemaVersion());
  EXPECT_EQ(first.applied.size(), static_cast<size_t>(LatestSchemaVersion()));
  MigrationOutcome again = MigrateSchema(db, "fx_one");
  ASSERT_TRUE(again.ok) << again.error;
  EXPECT_TRUE(again.applied.empty());
  EXPECT_EQ(Query("SELECT count(*) FROM fx_one.webhook_events"), "0");
  // Another schema in the same database is another cluster.
  ASSERT_TRUE(MigrateSchema(db, "fx_two").ok);
  EXPECT_EQ(Query("SELECT count(*) FROM information_schema.tables WHERE table_schema = 'fx_two' "
                  "AND table_name = 'cluster_leader'"),
            "1");
}

TEST_F(SchemaTest, ReplicasStartingTogetherMigrateOnce) {
  constexpr int kReplicas = 3;
  std::vector<MigrationOutcome> outcomes(kReplicas);
  std::vector<std::thread> threads;
  for (int i = 0; i < kReplicas; ++i) {
    threads.emplace_back([&, i] {
      PgConnection db(url(), "");
      if (db.Connect()) outcomes[i] = MigrateSchema(db, "flexport_agent");
    });
  }
  for (auto& t : threads) t.join();
  int applied_by = 0;
  for (const auto& o : outcomes) {
    ASSERT_TRUE(o.ok) << o.error;
    EXPECT_EQ(o.version, LatestSchemaVersion());
    if (!o.applied.empty()) ++applied_by;
  }
  EXPECT_EQ(applied_by, 1);
  EXPECT_EQ(Query("SELECT count(*) FROM flexport_agent.schema_migrations"),
            std::to_string(LatestSchemaVersion()));
}

TEST_F(SchemaTest, RefusesASchemaNewerThanItKnows) {
  PgConnection db(url(), "");
  ASSERT_TRUE(db.Connect());
  ASSERT_TRUE(MigrateSchema(db, "flexport_agent").ok);
  Query("INSERT INTO flexport_agent.schema_migrations(version) VALUES (9999)");
  MigrationOutcome o = MigrateSchema(db, "flexport_agent");
  EXPECT_FALSE(o.ok);
  EXPECT_NE(o.error.find("9999"), std::string::npos) << o.error;
}

}  // namespace
}  // namespace fxagent
