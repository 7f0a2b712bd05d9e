#include "agent/notify/outbox.h"

namespace fxagent {
namespace {

int64_t Ms(TimePoint t) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(t.time_since_epoch()).count();
}
TimePoint FromMs(int64_t ms) { return TimePoint(std::chrono::milliseconds(ms)); }

constexpr const char* kColumns =
    "id, lane, receiver, fallback, on_fallback, created_at, next_attempt_at, attempts, "
    "done_parts, kind, notification";

}  // namespace

Outbox::Outbox(detail::Db& db) : db_(db) {
  std::lock_guard<std::mutex> lock(db_.mu());
  db_.Exec(
      "CREATE TABLE IF NOT EXISTS outbox ("
      " id INTEGER PRIMARY KEY AUTOINCREMENT, lane TEXT NOT NULL, receiver TEXT NOT NULL,"
      " fallback TEXT NOT NULL, on_fallback INTEGER NOT NULL, created_at INTEGER NOT NULL,"
      " next_attempt_at INTEGER NOT NULL, attempts INTEGER NOT NULL, done_parts INTEGER NOT NULL,"
      " kind INTEGER NOT NULL, notification TEXT NOT NULL);"
      "CREATE INDEX IF NOT EXISTS outbox_lane ON outbox(lane, id);");
}

bool Outbox::Enqueue(const Notification& n, const std::string& fallback, TimePoint now) {
  std::lock_guard<std::mutex> lock(db_.mu());
  detail::Stmt s(db_.get(),
                 "INSERT INTO outbox (lane, receiver, fallback, on_fallback, created_at,"
                 " next_attempt_at, attempts, done_parts, kind, notification)"
                 " VALUES (?, ?, ?, 0, ?, ?, 0, 0, ?, ?)");
  s.Bind(1, Lane(n.receiver, n.group_key))
      .Bind(2, n.receiver)
      .Bind(3, fallback)
      .Bind(4, Ms(now))
      .Bind(5, Ms(now))
      .Bind(6, static_cast<int64_t>(n.kind))
      .Bind(7, NotificationToJson(n));
  return s.Run();
}

std::vector<OutboxEntry> Outbox::Select(const char* sql, std::optional<TimePoint> now,
                                        size_t limit) {
  std::vector<OutboxEntry> out;
  std::lock_guard<std::mutex> lock(db_.mu());
  detail::Stmt s(db_.get(), sql);
  if (now) s.Bind(1, Ms(*now)).Bind(2, static_cast<int64_t>(limit));
  while (s.Row()) {
    OutboxEntry e;
    e.id = s.Int(0);
    e.lane = s.Text(1);
    e.receiver = s.Text(2);
    e.fallback = s.Text(3);
    e.on_fallback = s.Int(4) != 0;
    e.created_at = FromMs(s.Int(5));
    e.next_attempt_at = FromMs(s.Int(6));
    e.attempts = static_cast<int>(s.Int(7));
    e.done_parts = static_cast<int>(s.Int(8));
    std::optional<Notification> n = NotificationFromJson(s.Text(10));
    if (n) {
      e.notification = std::move(*n);
      e.notification.receiver = e.receiver;  // the fallback after a switch
    } else {
      e.notification.receiver = e.receiver;  // unreadable: the sender expires it
      e.notification.alerts.clear();
    }
    out.push_back(std::move(e));
  }
  return out;
}

std::vector<OutboxEntry> Outbox::Due(TimePoint now, size_t limit) {
  static const std::string sql = std::string("SELECT ") + kColumns +
                                 " FROM outbox o WHERE id = (SELECT MIN(id) FROM outbox"
                                 " WHERE lane = o.lane) AND next_attempt_at <= ?1"
                                 " ORDER BY id LIMIT ?2";
  return Select(sql.c_str(), now, limit);
}

std::vector<OutboxEntry> Outbox::All() {
  static const std::string sql = std::string("SELECT ") + kColumns + " FROM outbox ORDER BY id";
  return Select(sql.c_str(), std::nullopt, 0);
}

void Outbox::Remove(int64_t id) {
  std::lock_guard<std::mutex> lock(db_.mu());
  detail::Stmt(db_.get(), "DELETE FROM outbox WHERE id = ?").Bind(1, id).Run();
}

void Outbox::Update(const OutboxEntry& e) {
  std::lock_guard<std::mutex> lock(db_.mu());
  detail::Stmt s(db_.get(),
                 "UPDATE outbox SET receiver = ?, on_fallback = ?, next_attempt_at = ?,"
                 " attempts = ?, done_parts = ? WHERE id = ?");
  s.Bind(1, e.receiver)
      .Bind(2, e.on_fallback ? 1 : 0)
      .Bind(3, Ms(e.next_attempt_at))
      .Bind(4, e.attempts)
      .Bind(5, e.done_parts)
      .Bind(6, e.id)
      .Run();
}

size_t Outbox::Depth() {
  std::lock_guard<std::mutex> lock(db_.mu());
  detail::Stmt s(db_.get(), "SELECT COUNT(*) FROM outbox");
  return s.Row() ? static_cast<size_t>(s.Int(0)) : 0;
}

std::optional<TimePoint> Outbox::Oldest() {
  std::lock_guard<std::mutex> lock(db_.mu());
  detail::Stmt s(db_.get(), "SELECT MIN(created_at), COUNT(*) FROM outbox");
  if (!s.Row() || s.Int(1) == 0) return std::nullopt;
  return FromMs(s.Int(0));
}

bool Outbox::HasPending(const std::string& lane, NotificationKind kind) {
  std::lock_guard<std::mutex> lock(db_.mu());
  detail::Stmt s(db_.get(), "SELECT 1 FROM outbox WHERE lane = ? AND kind = ? LIMIT 1");
  s.Bind(1, lane).Bind(2, static_cast<int64_t>(kind));
  return s.Row();
}

std::optional<TimePoint> Outbox::NextAttempt() {
  std::lock_guard<std::mutex> lock(db_.mu());
  detail::Stmt s(db_.get(),
                 "SELECT MIN(next_attempt_at), COUNT(*) FROM outbox o WHERE id = (SELECT MIN(id)"
                 " FROM outbox WHERE lane = o.lane)");
  if (!s.Row() || s.Int(1) == 0) return std::nullopt;
  return FromMs(s.Int(0));
}

}  // namespace fxagent
