#include "agent/store/pg_connection.h"

#include <gtest/gtest.h>

#include "tests/agent/store/pg_test_env.h"
#include "tests/support/subprocess.h"

namespace fxagent {
namespace {

using testing::PgTest;

using PgConnectionTest = PgTest;

TEST_F(PgConnectionTest, ParametersAndBytesRoundTrip) {
  PgConnection db(url(), "");
  ASSERT_TRUE(db.Connect()) << db.LastError();
  ASSERT_TRUE(db.Run("CREATE TABLE t(id bigserial, name text, body bytea, n bigint)"));
  const std::string body("a\0b\xff\"'\\", 7);
  auto ins = db.Exec("INSERT INTO t(name, body, n) VALUES($1, $2, $3) RETURNING id",
                     {"it's \"quoted\"", PgParam::Bytes(body), int64_t{-42}});
  ASSERT_TRUE(ins) << db.LastError();
  ASSERT_EQ(ins->size(), 1u);
  auto rows = db.Exec("SELECT name, body, n, NULL FROM t WHERE id = $1", {ins->Int(0, 0)});
  ASSERT_TRUE(rows) << db.LastError();
  ASSERT_EQ(rows->size(), 1u);
  EXPECT_EQ(rows->Text(0, 0), "it's \"quoted\"");
  EXPECT_EQ(rows->Bytes(0, 1), body);
  EXPECT_EQ(rows->Int(0, 2), -42);
  EXPECT_TRUE(rows->IsNull(0, 3));
  auto upd = db.Exec("UPDATE t SET n = n + 1");
  ASSERT_TRUE(upd);
  EXPECT_EQ(upd->affected(), 1);
}

TEST_F(PgConnectionTest, ErrorsAreValuesWithSqlState) {
  PgConnection db(url(), "");
  ASSERT_TRUE(db.Connect());
  EXPECT_FALSE(db.Exec("SELECT * FROM no_such_table"));
  EXPECT_EQ(db.LastSqlState(), "42P01");
  EXPECT_NE(db.LastError().find("no_such_table"), std::string::npos);
  // The connection stays usable after a statement error.
  EXPECT_TRUE(db.Exec("SELECT 1"));
}

TEST_F(PgConnectionTest, TransactionRollsBackWhenTheBodyFails) {
  PgConnection db(url(), "");
  ASSERT_TRUE(db.Connect());
  ASSERT_TRUE(db.Run("CREATE TABLE t(v int)"));
  EXPECT_FALSE(PgTransaction(db, [&] {
    return db.Exec("INSERT INTO t VALUES (1)").has_value() &&
           db.Exec("INSERT INTO t VALUES ('x')").has_value();
  }));
  EXPECT_NE(db.LastError().find("integer"), std::string::npos) << db.LastError();
  EXPECT_EQ(Query("SELECT count(*) FROM t"), "0");
}

TEST_F(PgConnectionTest, ReconnectsAfterTheServerRestarts) {
  PgConnection db(url(), "");
  ASSERT_TRUE(db.Connect());
  ASSERT_TRUE(server().Stop());
  EXPECT_FALSE(db.Exec("SELECT 1"));
  EXPECT_FALSE(db.EnsureOpen());
  ASSERT_TRUE(server().Restart());
  ASSERT_TRUE(db.EnsureOpen()) << db.LastError();
  EXPECT_TRUE(db.Exec("SELECT 1"));
}

TEST(PgConnectionNoServer, ErrorNamesNoPassword) {
  const int port = testing::UnusedPort();
  PgConnection db("postgresql://agent:s3cr3t-pw@127.0.0.1:" + std::to_string(port) + "/x", "");
  EXPECT_FALSE(db.Connect());
  EXPECT_FALSE(db.LastError().empty());
  EXPECT_EQ(db.LastError().find("s3cr3t-pw"), std::string::npos) << db.LastError();
}

}  // namespace
}  // namespace fxagent
