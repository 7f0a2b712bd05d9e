/// Internal to agent/webhooks (not a public header): RAII wrappers for sqlite3 handles.
/// One SqliteDb per thread at a time; statements belong to their connection.
#pragma once

#include <sqlite3.h>

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <string_view>

namespace fxagent::detail {

class SqliteStmt {
 public:
  SqliteStmt() = default;
  explicit SqliteStmt(sqlite3_stmt* stmt) : stmt_(stmt) {}
  ~SqliteStmt();
  SqliteStmt(const SqliteStmt&) = delete;
  SqliteStmt& operator=(const SqliteStmt&) = delete;
  SqliteStmt(SqliteStmt&& other) noexcept : stmt_(other.stmt_) { other.stmt_ = nullptr; }
  SqliteStmt& operator=(SqliteStmt&& other) noexcept;

  sqlite3_stmt* get() const { return stmt_; }
  void Bind(int index, int64_t value);
  void Bind(int index, std::string_view text);
  void BindBlob(int index, std::string_view bytes);
  /// SQLITE_ROW, SQLITE_DONE or an error code.
  int Step();
  void Reset() { sqlite3_reset(stmt_); }
  int64_t Int(int col) const;
  std::string Text(int col) const;
  std::string Blob(int col) const;

 private:
  sqlite3_stmt* stmt_ = nullptr;
};

/// Resets a cached statement when leaving scope, so no read transaction stays open.
class StmtScope {
 public:
  explicit StmtScope(SqliteStmt* stmt) : stmt_(stmt) {}
  ~StmtScope() {
    if (stmt_ != nullptr) stmt_->Reset();
  }
  StmtScope(const StmtScope&) = delete;
  StmtScope& operator=(const StmtScope&) = delete;

 private:
  SqliteStmt* stmt_;
};

class SqliteDb {
 public:
  SqliteDb() = default;
  ~SqliteDb();
  SqliteDb(const SqliteDb&) = delete;
  SqliteDb& operator=(const SqliteDb&) = delete;

  /// Opens (creating when `create`) with the given busy timeout. False on failure.
  bool Open(const std::string& path, bool create);
  void Close();
  bool IsOpen() const { return db_ != nullptr; }
  sqlite3* get() const { return db_; }
  /// Runs statements without results. False on failure.
  bool Exec(const char* sql);
  /// A cached prepared statement, reset and with bindings cleared; nullptr on failure.
  SqliteStmt* Prepare(const char* sql);
  int64_t Changes() const;
  std::string ErrorMessage() const;

 private:
  sqlite3* db_ = nullptr;
  std::map<std::string, std::unique_ptr<SqliteStmt>> cache_;
};

}  // namespace fxagent::detail
