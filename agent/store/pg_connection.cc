#include "agent/store/pg_connection.h"

#include <libpq-fe.h>

#include <charconv>
#include <map>

namespace fxagent {

struct PgConnection::Impl {
  PGconn* conn = nullptr;
  std::map<std::string, std::string, std::less<>> prepared;  // sql -> statement name
  ~Impl() {
    if (conn != nullptr) PQfinish(conn);
  }
};

namespace {

struct ResultDeleter {
  void operator()(PGresult* r) const { PQclear(r); }
};
using ResultPtr = std::unique_ptr<PGresult, ResultDeleter>;

std::string Trimmed(const char* message) {
  std::string s = message == nullptr ? "" : message;
  while (!s.empty() && (s.back() == '\n' || s.back() == ' ')) s.pop_back();
  // libpq's multi-line messages (DETAIL, HINT) become one log-friendly line.
  for (char& ch : s) {
    if (ch == '\n') ch = ' ';
  }
  return s;
}

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

}  // namespace

const std::string& PgRows::Text(size_t row, size_t col) const {
  static const std::string kEmpty;
  const auto& v = rows_[row][col];
  return v ? *v : kEmpty;
}

int64_t PgRows::Int(size_t row, size_t col) const {
  const std::string& s = Text(row, col);
  int64_t out = 0;
  std::from_chars(s.data(), s.data() + s.size(), out);
  return out;
}

std::string PgRows::Bytes(size_t row, size_t col) const {
  const std::string& s = Text(row, col);
  if (s.size() < 2 || s[0] != '\\' || s[1] != 'x') return s;
  std::string out;
  out.reserve((s.size() - 2) / 2);
  for (size_t i = 2; i + 1 < s.size(); i += 2) {
    int hi = HexValue(s[i]);
    int lo = HexValue(s[i + 1]);
    if (hi < 0 || lo < 0) break;
    out.push_back(static_cast<char>(hi * 16 + lo));
  }
  return out;
}

PgConnection::PgConnection(std::string conninfo, std::string schema)
    : conninfo_(std::move(conninfo)), schema_(std::move(schema)), impl_(std::make_unique<Impl>()) {}

PgConnection::~PgConnection() = default;

bool PgConnection::Fail(const std::string& message) {
  last_error_ = message;
  if (impl_->conn != nullptr && PQstatus(impl_->conn) != CONNECTION_OK) Close();
  return false;
}

bool PgConnection::Connect() {
  Close();
  // connect_timeout bounds a dead host; keepalives notice a vanished server mid-query.
  const char* keys[] = {"dbname", "connect_timeout", "keepalives_idle", "application_name",
                        nullptr};
  const char* values[] = {conninfo_.c_str(), "5", "10", "flexport-agent", nullptr};
  impl_->conn = PQconnectdbParams(keys, values, /*expand_dbname=*/1);
  if (impl_->conn == nullptr) return Fail("out of memory");
  if (PQstatus(impl_->conn) != CONNECTION_OK) {
    std::string message = Trimmed(PQerrorMessage(impl_->conn));
    Close();
    return Fail(message.empty() ? "cannot connect to PostgreSQL" : message);
  }
  if (!Run("SET synchronous_commit = on")) return false;
  if (!schema_.empty() && !Run("SET search_path = " + schema_ + ", public")) return false;
  return true;
}

bool PgConnection::IsOpen() const {
  return impl_->conn != nullptr && PQstatus(impl_->conn) == CONNECTION_OK;
}

void PgConnection::Close() {
  if (impl_->conn != nullptr) PQfinish(impl_->conn);
  impl_->conn = nullptr;
  impl_->prepared.clear();
}

bool PgConnection::Run(std::string_view sql) {
  if (!IsOpen()) return Fail("not connected to PostgreSQL");
  ResultPtr res(PQexec(impl_->conn, std::string(sql).c_str()));
  ExecStatusType status = res ? PQresultStatus(res.get()) : PGRES_FATAL_ERROR;
  if (status == PGRES_COMMAND_OK || status == PGRES_TUPLES_OK) return true;
  const char* state = res ? PQresultErrorField(res.get(), PG_DIAG_SQLSTATE) : nullptr;
  last_sqlstate_ = state == nullptr ? "" : state;
  return Fail(Trimmed(res ? PQresultErrorMessage(res.get()) : PQerrorMessage(impl_->conn)));
}

std::optional<PgRows> PgConnection::Exec(std::string_view sql, const std::vector<PgParam>& params) {
  if (!IsOpen()) {
    Fail("not connected to PostgreSQL");
    return std::nullopt;
  }
  auto it = impl_->prepared.find(sql);
  if (it == impl_->prepared.end()) {
    std::string name = "s" + std::to_string(impl_->prepared.size());
    ResultPtr prep(PQprepare(impl_->conn, name.c_str(), std::string(sql).c_str(), 0, nullptr));
    if (!prep || PQresultStatus(prep.get()) != PGRES_COMMAND_OK) {
      const char* state = prep ? PQresultErrorField(prep.get(), PG_DIAG_SQLSTATE) : nullptr;
      last_sqlstate_ = state == nullptr ? "" : state;
      Fail(Trimmed(prep ? PQresultErrorMessage(prep.get()) : PQerrorMessage(impl_->conn)));
      return std::nullopt;
    }
    it = impl_->prepared.emplace(std::string(sql), std::move(name)).first;
  }
  std::vector<const char*> values(params.size());
  std::vector<int> lengths(params.size());
  std::vector<int> formats(params.size());
  for (size_t i = 0; i < params.size(); ++i) {
    values[i] = params[i].null ? nullptr : params[i].value.data();
    lengths[i] = static_cast<int>(params[i].value.size());
    formats[i] = params[i].binary ? 1 : 0;
  }
  ResultPtr res(PQexecPrepared(impl_->conn, it->second.c_str(), static_cast<int>(params.size()),
                               values.data(), lengths.data(), formats.data(), 0));
  ExecStatusType status = res ? PQresultStatus(res.get()) : PGRES_FATAL_ERROR;
  if (status != PGRES_COMMAND_OK && status != PGRES_TUPLES_OK) {
    const char* state = res ? PQresultErrorField(res.get(), PG_DIAG_SQLSTATE) : nullptr;
    last_sqlstate_ = state == nullptr ? "" : state;
    Fail(Trimmed(res ? PQresultErrorMessage(res.get()) : PQerrorMessage(impl_->conn)));
    return std::nullopt;
  }
  PgRows rows;
  const int n = PQntuples(res.get());
  const int cols = PQnfields(res.get());
  rows.rows_.resize(n);
  for (int r = 0; r < n; ++r) {
    auto& row = rows.rows_[r];
    row.resize(cols);
    for (int c = 0; c < cols; ++c) {
      if (!PQgetisnull(res.get(), r, c)) {
        row[c] = std::string(PQgetvalue(res.get(), r, c), PQgetlength(res.get(), r, c));
      }
    }
  }
  const char* affected = PQcmdTuples(res.get());
  if (affected != nullptr && *affected != '\0') {
    std::from_chars(affected, affected + std::char_traits<char>::length(affected), rows.affected_);
  }
  return rows;
}

bool PgTransaction(PgConnection& db, const std::function<bool()>& body) {
  if (!db.EnsureOpen()) return false;
  if (!db.Run("BEGIN")) return false;
  if (body() && db.Run("COMMIT")) return true;
  // A successful ROLLBACK leaves LastError() as the failure that caused it.
  if (db.IsOpen()) db.Run("ROLLBACK");
  return false;
}

}  // namespace fxagent
