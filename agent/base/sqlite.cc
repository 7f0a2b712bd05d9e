#include "agent/base/sqlite.h"

namespace fxagent::detail {

SqliteStmt::SqliteStmt(sqlite3* db, const char* sql) {
  if (db == nullptr) {
    rc_ = SQLITE_MISUSE;
  } else if ((rc_ = sqlite3_prepare_v2(db, sql, -1, &stmt_, nullptr)) != SQLITE_OK) {
    sqlite3_finalize(stmt_);
    stmt_ = nullptr;
  }
}

SqliteStmt::~SqliteStmt() {
  if (stmt_ != nullptr) sqlite3_finalize(stmt_);
}

SqliteStmt& SqliteStmt::operator=(SqliteStmt&& other) noexcept {
  if (this != &other) {
    if (stmt_ != nullptr) sqlite3_finalize(stmt_);
    stmt_ = other.stmt_;
    rc_ = other.rc_;
    other.stmt_ = nullptr;
  }
  return *this;
}

SqliteStmt& SqliteStmt::Bind(int index, int64_t value) {
  if (stmt_ != nullptr) sqlite3_bind_int64(stmt_, index, value);
  return *this;
}

SqliteStmt& SqliteStmt::Bind(int index, std::string_view text) {
  if (stmt_ != nullptr) {
    sqlite3_bind_text(stmt_, index, text.data(), static_cast<int>(text.size()), SQLITE_TRANSIENT);
  }
  return *this;
}

SqliteStmt& SqliteStmt::BindBlob(int index, std::string_view bytes) {
  if (stmt_ != nullptr) {
    sqlite3_bind_blob(stmt_, index, bytes.data(), static_cast<int>(bytes.size()), SQLITE_TRANSIENT);
  }
  return *this;
}

int SqliteStmt::Step() { return rc_ = sqlite3_step(stmt_); }

bool SqliteStmt::Row() {
  if (stmt_ == nullptr) return false;
  return Step() == SQLITE_ROW;
}

bool SqliteStmt::Run() {
  if (stmt_ == nullptr) return false;
  while (Step() == SQLITE_ROW) {
  }
  return rc_ == SQLITE_DONE;
}

int64_t SqliteStmt::Int(int col) const { return sqlite3_column_int64(stmt_, col); }

std::string SqliteStmt::Text(int col) const {
  const unsigned char* text = sqlite3_column_text(stmt_, col);
  int len = sqlite3_column_bytes(stmt_, col);
  return text == nullptr ? std::string() : std::string(reinterpret_cast<const char*>(text), len);
}

std::string SqliteStmt::Blob(int col) const {
  const void* data = sqlite3_column_blob(stmt_, col);
  int len = sqlite3_column_bytes(stmt_, col);
  return data == nullptr ? std::string() : std::string(static_cast<const char*>(data), len);
}

SqliteDb::~SqliteDb() { Close(); }

bool SqliteDb::Open(const std::string& path, bool create, std::string* error) {
  Close();
  int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX | (create ? SQLITE_OPEN_CREATE : 0);
  sqlite3* db = nullptr;
  if (sqlite3_open_v2(path.c_str(), &db, flags, nullptr) != SQLITE_OK) {
    if (error != nullptr) *error = db != nullptr ? sqlite3_errmsg(db) : "cannot open";
    if (db != nullptr) sqlite3_close(db);
    return false;
  }
  db_ = db;
  sqlite3_busy_timeout(db_, 5000);
  return true;
}

void SqliteDb::Close() {
  cache_.clear();  // statements must be finalized before the connection closes
  if (db_ != nullptr) {
    sqlite3_close(db_);
    db_ = nullptr;
  }
}

bool SqliteDb::Exec(const char* sql) {
  return db_ != nullptr && sqlite3_exec(db_, sql, nullptr, nullptr, nullptr) == SQLITE_OK;
}

SqliteStmt* SqliteDb::Prepare(const char* sql) {
  if (db_ == nullptr) return nullptr;
  auto it = cache_.find(sql);
  if (it == cache_.end()) {
    sqlite3_stmt* stmt = nullptr;
    if (sqlite3_prepare_v3(db_, sql, -1, SQLITE_PREPARE_PERSISTENT, &stmt, nullptr) != SQLITE_OK) {
      if (stmt != nullptr) sqlite3_finalize(stmt);
      return nullptr;
    }
    it = cache_.emplace(sql, std::make_unique<SqliteStmt>(stmt)).first;
  }
  sqlite3_reset(it->second->get());
  sqlite3_clear_bindings(it->second->get());
  return it->second.get();
}

int64_t SqliteDb::Changes() const { return db_ == nullptr ? 0 : sqlite3_changes64(db_); }

std::string SqliteDb::ErrorMessage() const {
  return db_ == nullptr ? std::string("database not open") : std::string(sqlite3_errmsg(db_));
}

}  // namespace fxagent::detail
