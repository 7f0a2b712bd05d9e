// The read side of WebhookEventStore: one reader connection, serialised by a mutex. WAL
// lets it read while the writer commits.
#include <string>

#include "agent/webhooks/event_store.h"
#include "agent/webhooks/event_store_impl.h"

namespace fxagent {

using detail::FromMillis;
using detail::SqliteDb;
using detail::SqliteStmt;
using detail::StmtScope;
using detail::ToMillis;

namespace detail {

StoredEvent ReadEventRow(const SqliteStmt& stmt) {
  StoredEvent e;
  e.seq = stmt.Int(0);
  e.id = stmt.Text(1);
  e.type = stmt.Text(2);
  e.shipment_key = stmt.Text(3);
  e.body = stmt.Blob(4);
  e.signature_256 = stmt.Text(5);
  e.signature = stmt.Text(6);
  e.content_type = stmt.Text(7);
  e.received_at = FromMillis(stmt.Int(8));
  e.state = static_cast<EventState>(stmt.Int(9));
  e.attempts = static_cast<int>(stmt.Int(10));
  e.next_attempt_at = FromMillis(stmt.Int(11));
  e.last_error = stmt.Text(12);
  e.dead_reason = stmt.Text(13);
  e.source = static_cast<EventSource>(stmt.Int(14));
  e.traceparent = stmt.Text(15);
  return e;
}

}  // namespace detail

namespace {

// Runs `fn` on the open reader connection; closes it on failure so the next call
// reopens. Returns fn's result, or false when the database cannot be opened.
template <typename Fn>
bool WithReader(std::mutex& mu, SqliteDb& db, const std::string& path, Fn&& fn) {
  std::lock_guard<std::mutex> lock(mu);
  if (!db.IsOpen() && !db.Open(path, /*create=*/false)) return false;
  bool ok = fn(db);
  if (!ok) db.Close();
  return ok;
}

std::string SelectEvents(const char* tail) {
  return std::string("SELECT ") + detail::kEventColumns + " FROM events e " + tail;
}

}  // namespace

std::vector<StoredEvent> WebhookEventStore::DuePending(EventTime now, size_t limit) {
  static const std::string sql = SelectEvents(
      "WHERE e.state = 0 AND e.next_attempt_at <= ?1 AND (e.shipment_key = '' OR NOT "
      "EXISTS (SELECT 1 FROM events p WHERE p.shipment_key = e.shipment_key AND "
      "p.state = 0 AND p.seq < e.seq)) ORDER BY e.seq LIMIT ?2");
  std::vector<StoredEvent> out;
  bool ok = WithReader(impl_->reader_mu, impl_->reader, path_, [&](SqliteDb& db) {
    SqliteStmt* stmt = db.Prepare(sql.c_str());
    if (stmt == nullptr) return false;
    StmtScope scope(stmt);
    stmt->Bind(1, ToMillis(now));
    stmt->Bind(2, static_cast<int64_t>(limit));
    int rc;
    while ((rc = stmt->Step()) == SQLITE_ROW) out.push_back(detail::ReadEventRow(*stmt));
    return rc == SQLITE_DONE;
  });
  if (!ok) out.clear();
  return out;
}

std::optional<EventTime> WebhookEventStore::NextDueAt() {
  std::optional<EventTime> out;
  WithReader(impl_->reader_mu, impl_->reader, path_, [&](SqliteDb& db) {
    SqliteStmt* stmt = db.Prepare(
        "SELECT MIN(e.next_attempt_at) FROM events e WHERE e.state = 0 AND (e.shipment_key = "
        "'' OR NOT EXISTS (SELECT 1 FROM events p WHERE p.shipment_key = e.shipment_key AND "
        "p.state = 0 AND p.seq < e.seq))");
    if (stmt == nullptr) return false;
    StmtScope scope(stmt);
    if (stmt->Step() != SQLITE_ROW) return false;
    if (sqlite3_column_type(stmt->get(), 0) != SQLITE_NULL) out = FromMillis(stmt->Int(0));
    return true;
  });
  return out;
}

std::optional<DeadLetterPage> WebhookEventStore::DeadLetters(const DeadLetterQuery& query) {
  static const std::string sql = SelectEvents(
      "WHERE e.state = 2 AND (?1 = '' OR e.type = ?1) AND e.received_at >= ?2 AND "
      "(?3 = 0 OR e.seq < ?3) ORDER BY e.seq DESC LIMIT ?4");
  DeadLetterPage page;
  const int limit = query.limit <= 0 ? 100 : query.limit;
  bool ok = WithReader(impl_->reader_mu, impl_->reader, path_, [&](SqliteDb& db) {
    SqliteStmt* stmt = db.Prepare(sql.c_str());
    if (stmt == nullptr) return false;
    StmtScope scope(stmt);
    stmt->Bind(1, query.type);
    stmt->Bind(2, query.since ? ToMillis(*query.since) : int64_t{0});
    stmt->Bind(3, query.before_seq);
    stmt->Bind(4, static_cast<int64_t>(limit) + 1);  // one more tells whether a page follows
    int rc;
    while ((rc = stmt->Step()) == SQLITE_ROW) page.items.push_back(detail::ReadEventRow(*stmt));
    return rc == SQLITE_DONE;
  });
  if (!ok) return std::nullopt;
  if (page.items.size() > static_cast<size_t>(limit)) {
    page.items.resize(limit);
    page.next_before_seq = page.items.back().seq;
  }
  return page;
}

std::optional<StoredEvent> WebhookEventStore::Get(const std::string& id) {
  static const std::string sql = SelectEvents("WHERE e.id = ?1");
  std::optional<StoredEvent> out;
  WithReader(impl_->reader_mu, impl_->reader, path_, [&](SqliteDb& db) {
    SqliteStmt* stmt = db.Prepare(sql.c_str());
    if (stmt == nullptr) return false;
    StmtScope scope(stmt);
    stmt->Bind(1, id);
    int rc = stmt->Step();
    if (rc == SQLITE_ROW) out = detail::ReadEventRow(*stmt);
    return rc == SQLITE_ROW || rc == SQLITE_DONE;
  });
  return out;
}

std::optional<std::set<std::string>> WebhookEventStore::KnownIds(
    const std::vector<std::string>& ids) {
  std::set<std::string> out;
  bool ok = WithReader(impl_->reader_mu, impl_->reader, path_, [&](SqliteDb& db) {
    SqliteStmt* stmt = db.Prepare("SELECT 1 FROM events WHERE id = ?1");
    if (stmt == nullptr) return false;
    for (const std::string& id : ids) {
      StmtScope scope(stmt);
      stmt->Bind(1, id);
      int rc = stmt->Step();
      if (rc == SQLITE_ROW) {
        out.insert(id);
      } else if (rc != SQLITE_DONE) {
        return false;
      }
    }
    return true;
  });
  if (!ok) return std::nullopt;
  return out;
}

std::map<std::string, EventTime> WebhookEventStore::LastReceivedByType() {
  std::map<std::string, EventTime> out;
  WithReader(impl_->reader_mu, impl_->reader, path_, [&](SqliteDb& db) {
    SqliteStmt* stmt = db.Prepare(
        "SELECT type, MAX(received_at) FROM events WHERE type <> '' AND dead_reason <> "
        "'malformed' AND source = 0 GROUP BY type");
    if (stmt == nullptr) return false;
    StmtScope scope(stmt);
    int rc;
    while ((rc = stmt->Step()) == SQLITE_ROW) out[stmt->Text(0)] = FromMillis(stmt->Int(1));
    return rc == SQLITE_DONE;
  });
  return out;
}

std::map<std::string, std::vector<EventTime>> WebhookEventStore::RecentArrivals(size_t per_type) {
  std::map<std::string, std::vector<EventTime>> out;
  WithReader(impl_->reader_mu, impl_->reader, path_, [&](SqliteDb& db) {
    SqliteStmt* stmt = db.Prepare(
        "SELECT type, received_at FROM (SELECT type, received_at, ROW_NUMBER() OVER "
        "(PARTITION BY type ORDER BY received_at DESC) AS rn FROM events WHERE type <> '' "
        "AND dead_reason <> 'malformed' AND source = 0) WHERE rn <= ?1 "
        "ORDER BY type, received_at");
    if (stmt == nullptr) return false;
    StmtScope scope(stmt);
    stmt->Bind(1, static_cast<int64_t>(per_type));
    int rc;
    while ((rc = stmt->Step()) == SQLITE_ROW) {
      out[stmt->Text(0)].push_back(FromMillis(stmt->Int(1)));
    }
    return rc == SQLITE_DONE;
  });
  return out;
}

}  // namespace fxagent
