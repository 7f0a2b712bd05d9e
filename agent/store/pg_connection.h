/// One PostgreSQL connection (libpq) for the shared store: parameterised statements
/// (prepared once per connection and reused), results copied into plain values, errors
/// as values. The connection string is a secret (it may hold a password): it is never
/// logged or put in an error message; LastError() is the server's or libpq's message,
/// which names host, port and user but no password. Not thread-safe: one owner at a time.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace fxagent {

/// One statement parameter, sent as text unless `binary` (bytea bodies).
struct PgParam {
  std::string value;
  bool binary = false;
  bool null = false;

  PgParam(std::string v) : value(std::move(v)) {}   // NOLINT(google-explicit-constructor)
  PgParam(const char* v) : value(v) {}              // NOLINT(google-explicit-constructor)
  PgParam(int64_t v) : value(std::to_string(v)) {}  // NOLINT(google-explicit-constructor)
  PgParam(int v) : value(std::to_string(v)) {}      // NOLINT(google-explicit-constructor)
  static PgParam Bytes(std::string bytes) {
    PgParam p(std::move(bytes));
    p.binary = true;
    return p;
  }
};

/// A statement's result rows, as text (NULL = nullopt).
class PgRows {
 public:
  size_t size() const { return rows_.size(); }
  bool empty() const { return rows_.empty(); }
  bool IsNull(size_t row, size_t col) const { return !rows_[row][col].has_value(); }
  const std::string& Text(size_t row, size_t col) const;  // "" for NULL
  int64_t Int(size_t row, size_t col) const;              // 0 for NULL or non-numbers
  /// A bytea column (text output "\x<hex>") decoded to its bytes.
  std::string Bytes(size_t row, size_t col) const;
  /// Rows changed by an INSERT/UPDATE/DELETE.
  int64_t affected() const { return affected_; }

 private:
  friend class PgConnection;
  std::vector<std::vector<std::optional<std::string>>> rows_;
  int64_t affected_ = 0;
};

class PgConnection {
 public:
  /// `conninfo`: a libpq URI or key=value string. `schema`: set as search_path on
  /// connect (an identifier checked by the config loader); "" = server default.
  PgConnection(std::string conninfo, std::string schema);
  ~PgConnection();
  PgConnection(const PgConnection&) = delete;
  PgConnection& operator=(const PgConnection&) = delete;

  /// Connects (or reconnects) with a `connect_timeout` of a few seconds. False on failure,
  /// with the reason in LastError().
  bool Connect();
  bool IsOpen() const;
  void Close();
  /// Connects when closed; false when that fails.
  bool EnsureOpen() { return IsOpen() || Connect(); }

  /// Runs one parameterised statement. nullopt on failure (LastError()); a failure that
  /// broke the connection closes it, so the next EnsureOpen() reconnects.
  std::optional<PgRows> Exec(std::string_view sql, const std::vector<PgParam>& params = {});
  /// Runs one or more statements without parameters (DDL, BEGIN, COMMIT).
  bool Run(std::string_view sql);
  const std::string& LastError() const { return last_error_; }
  /// SQLSTATE of the last failure ("" when unknown), e.g. "40001".
  const std::string& LastSqlState() const { return last_sqlstate_; }

 private:
  struct Impl;
  bool Fail(const std::string& message);
  std::string conninfo_;
  std::string schema_;
  std::unique_ptr<Impl> impl_;
  std::string last_error_;
  std::string last_sqlstate_;
};

/// Runs `body` between BEGIN and COMMIT on `db` (connecting first); rolls back when it
/// returns false or the commit fails, keeping the first error in LastError(). True when
/// committed.
bool PgTransaction(PgConnection& db, const std::function<bool()>& body);

/// A duration as an `interval` parameter ("1500 milliseconds").
inline std::string PgInterval(std::chrono::milliseconds d) {
  return std::to_string(d.count()) + " milliseconds";
}

}  // namespace fxagent
