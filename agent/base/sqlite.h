/// The one RAII wrapper for sqlite3 handles (the webhook event store, the notifier's
/// outbox and state store). For .cc files and internal headers only. One SqliteDb per
/// thread at a time; statements belong to their connection.
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
  /// Prepares `sql` on `db` (not cached); check ok(), and rc() for why it failed.
  SqliteStmt(sqlite3* db, const char* sql);
  ~SqliteStmt();
  SqliteStmt(const SqliteStmt&) = delete;
  SqliteStmt& operator=(const SqliteStmt&) = delete;
  SqliteStmt(SqliteStmt&& other) noexcept : stmt_(other.stmt_), rc_(other.rc_) {
    other.stmt_ = nullptr;
  }
  SqliteStmt& operator=(SqliteStmt&& other) noexcept;

  sqlite3_stmt* get() const { return stmt_; }
  bool ok() const { return stmt_ != nullptr; }
  SqliteStmt& Bind(int index, int64_t value);
  SqliteStmt& Bind(int index, std::string_view text);
  SqliteStmt& BindBlob(int index, std::string_view bytes);
  /// SQLITE_ROW, SQLITE_DONE or an error code.
  int Step();
  /// Steps once: true while a row is available.
  bool Row();
  /// Steps to completion; false on error.
  bool Run();
  /// The result code of the last Step(), Row() or Run() (or of preparing).
  int rc() const { return rc_; }
  void Reset() { sqlite3_reset(stmt_); }
  int64_t Int(int col) const;
  std::string Text(int col) const;
  std::string Blob(int col) const;

 private:
  sqlite3_stmt* stmt_ = nullptr;
  int rc_ = 0;
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

  /// Opens (creating when `create`) with a 5 s busy timeout. False on failure, with
  /// SQLite's message in `*error` when given.
  bool Open(const std::string& path, bool create, std::string* error = nullptr);
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
