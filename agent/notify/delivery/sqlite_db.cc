#include "agent/notify/delivery/sqlite_db.h"

#include <sqlite3.h>

namespace fxagent::detail {
namespace {

// Failures of the environment rather than of the statement: worth retrying later.
bool Retryable(int rc) {
  switch (rc & 0xff) {
    case SQLITE_FULL:
    case SQLITE_IOERR:
    case SQLITE_CANTOPEN:
    case SQLITE_READONLY:
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
    case SQLITE_PROTOCOL:
    case SQLITE_NOMEM:
      return true;
    default:
      return false;
  }
}

}  // namespace

bool Db::Open(const std::string& path, std::string* error) {
  if (!conn_.Open(path, /*create=*/true, error)) return false;
  if (!Exec("PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;")) {
    if (error != nullptr) *error = conn_.ErrorMessage();
    return false;
  }
  return true;
}

bool Db::Exec(const char* sql) { return conn_.Exec(sql); }

int Db::RunOnce(const PendingWrite& w) {
  SqliteStmt s(conn_.get(), w.sql.c_str());
  if (!s.ok()) return s.rc() == SQLITE_OK ? SQLITE_ERROR : s.rc();
  for (size_t i = 0; i < w.args.size(); ++i) {
    const int index = static_cast<int>(i + 1);
    if (const auto* n = std::get_if<int64_t>(&w.args[i])) {
      s.Bind(index, *n);
    } else {
      s.Bind(index, std::get<std::string>(w.args[i]));
    }
  }
  s.Run();
  return s.rc();
}

void Db::Notify(bool ok, const std::string& error) {
  if (observer_) observer_(ok, error);
}

bool Db::Retry() {
  if (backlog_.empty()) return true;
  while (!backlog_.empty()) {
    const int rc = RunOnce(backlog_.front());
    if (rc != SQLITE_DONE && Retryable(rc)) {
      Notify(false, sqlite3_errstr(rc));
      return false;
    }
    // Done, or rejected for good (it would never succeed): either way it leaves.
    backlog_bytes_ -= backlog_.front().bytes;
    backlog_.pop_front();
  }
  Notify(true, "");
  return true;
}

bool Db::Enqueue(PendingWrite w) {
  if (backlog_.size() >= kMaxBacklog || backlog_bytes_ + w.bytes > kMaxBacklogBytes) {
    Notify(false, "write backlog full; write dropped");
    return false;
  }
  backlog_bytes_ += w.bytes;
  backlog_.push_back(std::move(w));
  return false;
}

bool Db::Write(const char* sql, std::vector<SqlValue> args) {
  PendingWrite w{sql, std::move(args), 0};
  w.bytes = w.sql.size();
  for (const SqlValue& v : w.args) {
    w.bytes += std::holds_alternative<std::string>(v) ? std::get<std::string>(v).size() : 8;
  }
  // Behind a write that still fails: queued after it, so the order on disk stays the same.
  if (!Retry()) return Enqueue(std::move(w));
  const int rc = RunOnce(w);
  if (rc == SQLITE_DONE) {
    Notify(true, "");
    return true;
  }
  if (!Retryable(rc)) return false;  // a bug, not the disk: retrying cannot help
  Notify(false, sqlite3_errstr(rc));
  return Enqueue(std::move(w));
}

}  // namespace fxagent::detail
