/// Test support: a real PostgreSQL server (Debian's `postgresql` package) in a temporary
/// directory on a free loopback port, started with initdb + pg_ctl. PostgreSQL refuses
/// to run as root, so when the test runs as root the server runs as the `postgres`
/// system user the package creates. The data directory is a copy of a template made
/// once per machine (/tmp/fxagent-pg-template-<major>, with a database `agent`). Stopped (immediate
/// mode) and removed on destruction. Not thread-safe.
#pragma once

#include <memory>
#include <string>

namespace fxagent::testing {

class PostgresServer {
 public:
  /// Initialises and starts a server; nullptr with the reason in `*error` when that is
  /// not possible (no PostgreSQL installed, initdb failed, ...). Tests fail on nullptr:
  /// `make test` installs the package.
  static std::unique_ptr<PostgresServer> Start(std::string* error);
  ~PostgresServer();
  PostgresServer(const PostgresServer&) = delete;
  PostgresServer& operator=(const PostgresServer&) = delete;

  /// `postgresql://postgres@127.0.0.1:PORT/DB` (trust authentication on loopback).
  std::string Url(const std::string& db = "postgres") const;
  int port() const { return port_; }
  /// Stops the server (immediate: like a crash or a network cut) and starts it again on
  /// the same port and data; true on success.
  bool Stop();
  bool Restart();
  /// Runs SQL with psql against `db`; returns psql's output (unaligned, tuples only), or
  /// "ERROR: ..." when it failed.
  std::string Query(const std::string& sql, const std::string& db = "postgres") const;
  /// Creates a database and returns its URL ("agent" exists already).
  std::string CreateDatabase(const std::string& name);

 private:
  PostgresServer() = default;
  bool Ctl(const std::string& action, std::string* output) const;

  std::string dir_;
  std::string bin_;
  int port_ = 0;
};

}  // namespace fxagent::testing
