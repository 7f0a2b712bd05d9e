// One PostgreSQL server per test process (ctest runs each test in its own process), and a
// fresh database per test.
#pragma once

#include <gtest/gtest.h>

#include <memory>
#include <string>

#include "tests/support/postgres_server.h"

namespace fxagent::testing {

class PgTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string error;
    server_ = PostgresServer::Start(&error);
    ASSERT_NE(server_, nullptr) << error;
    url_ = server_->CreateDatabase("agent");
  }
  PostgresServer& server() { return *server_; }
  const std::string& url() const { return url_; }
  std::string Query(const std::string& sql) { return server_->Query(sql, "agent"); }

 private:
  std::unique_ptr<PostgresServer> server_;
  std::string url_;
};

}  // namespace fxagent::testing
