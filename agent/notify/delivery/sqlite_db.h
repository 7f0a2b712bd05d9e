/// Internal to agent/notify: one SQLite connection (agent/base/sqlite.h) with a mutex,
/// shared by the outbox and the state store. Lock mu() before using statements.
///
/// Writes go through Write(): one that fails for an environmental reason (disk full, I/O
/// error, read-only filesystem, lock timeout) is kept in an in-memory backlog and replayed
/// in order before the next write and by Retry(), so a full disk delays persistence
/// instead of losing it (what is still in the backlog is lost if the process dies). The
/// backlog is bounded; past the bound new writes are dropped (and reported as failed).
#pragma once

#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "agent/base/sqlite.h"

namespace fxagent::detail {

/// A value bound to a backlogged write.
using SqlValue = std::variant<int64_t, std::string>;

class Db {
 public:
  /// Called with the database mutex held: true when a write (and every backlogged one
  /// before it) reached the database, false for each attempt that failed for an
  /// environmental reason (it waits in the backlog, or was dropped when the backlog is
  /// full); `error` is SQLite's generic message for the code (no data).
  using WriteObserver = std::function<void(bool ok, const std::string& error)>;

  Db() = default;
  Db(const Db&) = delete;
  Db& operator=(const Db&) = delete;

  /// Opens or creates `path` in WAL mode. False (with `*error`) on failure.
  bool Open(const std::string& path, std::string* error);
  bool Exec(const char* sql);
  std::mutex& mu() { return mu_; }
  sqlite3* get() const { return conn_.get(); }

  /// Runs one write statement with `args` bound in order (mu() held). False when it did
  /// not reach the database now: it was backlogged for a retry, or dropped when SQLite
  /// rejects it for good (a constraint: not reported to the observer) or the backlog is
  /// full.
  bool Write(const char* sql, std::vector<SqlValue> args);
  /// Replays the backlog (mu() held); true when it is empty afterwards.
  bool Retry();
  /// Writes waiting in the backlog (mu() held).
  size_t Backlog() const { return backlog_.size(); }
  void SetWriteObserver(WriteObserver observer) { observer_ = std::move(observer); }

  static constexpr size_t kMaxBacklog = 10000;
  static constexpr size_t kMaxBacklogBytes = 32u << 20;

 private:
  struct PendingWrite {
    std::string sql;
    std::vector<SqlValue> args;
    size_t bytes = 0;
  };
  /// SQLite's result code for running `w` once.
  int RunOnce(const PendingWrite& w);
  /// Appends to the backlog (or drops when it is full); always false.
  bool Enqueue(PendingWrite w);
  void Notify(bool ok, const std::string& error);

  SqliteDb conn_;
  std::mutex mu_;
  std::deque<PendingWrite> backlog_;
  size_t backlog_bytes_ = 0;
  WriteObserver observer_;
};

}  // namespace fxagent::detail
