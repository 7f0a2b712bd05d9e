/// Internal to agent/notify: a small RAII wrapper around one sqlite3 connection with a
/// mutex, shared by the outbox and the state store. Lock() before using statements.
#pragma once

#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>

struct sqlite3;
struct sqlite3_stmt;

namespace fxagent::detail {

class Stmt {
 public:
  Stmt(sqlite3* db, const char* sql);
  ~Stmt();
  Stmt(const Stmt&) = delete;
  Stmt& operator=(const Stmt&) = delete;

  bool ok() const { return stmt_ != nullptr; }
  Stmt& Bind(int index, int64_t value);
  Stmt& Bind(int index, std::string_view text);
  /// True while a row is available.
  bool Row();
  /// Runs to completion; false on error.
  bool Run();
  int64_t Int(int col) const;
  std::string Text(int col) const;

 private:
  sqlite3_stmt* stmt_ = nullptr;
};

class Db {
 public:
  Db() = default;
  ~Db();
  Db(const Db&) = delete;
  Db& operator=(const Db&) = delete;

  /// Opens or creates `path` in WAL mode. False (with `*error`) on failure.
  bool Open(const std::string& path, std::string* error);
  bool Exec(const char* sql);
  int64_t LastInsertId() const;
  std::mutex& mu() { return mu_; }
  sqlite3* get() const { return db_; }

 private:
  sqlite3* db_ = nullptr;
  std::mutex mu_;
};

}  // namespace fxagent::detail
