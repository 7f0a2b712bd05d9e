#include "agent/notify/delivery/outbox.h"

#include <set>

#include "agent/base/time_ms.h"

namespace fxagent {

Outbox::Outbox(detail::Db& db) : db_(db) {
  std::lock_guard<std::mutex> lock(db_.mu());
  db_.Exec(
      "CREATE TABLE IF NOT EXISTS outbox ("
      " id INTEGER PRIMARY KEY AUTOINCREMENT, lane TEXT NOT NULL, receiver TEXT NOT NULL,"
      " fallback TEXT NOT NULL, on_fallback INTEGER NOT NULL, created_at INTEGER NOT NULL,"
      " next_attempt_at INTEGER NOT NULL, attempts INTEGER NOT NULL, done_parts INTEGER NOT NULL,"
      " kind INTEGER NOT NULL, notification TEXT NOT NULL);"
      "CREATE INDEX IF NOT EXISTS outbox_lane ON outbox(lane, id);");
  detail::SqliteStmt s(
      db_.get(),
      "SELECT id, lane, receiver, fallback, on_fallback, created_at, next_attempt_at,"
      " attempts, done_parts, kind, notification FROM outbox ORDER BY id");
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
    if (std::optional<Notification> n = NotificationFromJson(s.Text(10))) {
      e.notification = std::move(*n);
    } else {
      e.notification.alerts.clear();  // unreadable: the sender expires it
    }
    e.notification.kind = static_cast<NotificationKind>(s.Int(9));
    e.notification.receiver = e.receiver;  // the fallback after a switch
    next_id_ = std::max(next_id_, e.id + 1);
    entries_.emplace(e.id, std::move(e));
  }
  // Ids are never reused, also after the newest entries were delivered and deleted.
  detail::SqliteStmt seq(db_.get(), "SELECT seq FROM sqlite_sequence WHERE name = 'outbox'");
  if (seq.Row()) next_id_ = std::max(next_id_, seq.Int(0) + 1);
}

bool Outbox::Enqueue(const Notification& n, const std::string& fallback, TimePoint now) {
  std::lock_guard<std::mutex> lock(db_.mu());
  OutboxEntry e;
  e.id = next_id_++;
  e.lane = Lane(n.receiver, n.group_key);
  e.receiver = n.receiver;
  e.fallback = fallback;
  e.created_at = now;
  e.next_attempt_at = now;
  e.notification = n;
  const bool durable = db_.Write(
      "INSERT INTO outbox (id, lane, receiver, fallback, on_fallback, created_at,"
      " next_attempt_at, attempts, done_parts, kind, notification)"
      " VALUES (?, ?, ?, ?, 0, ?, ?, 0, 0, ?, ?)",
      {e.id, e.lane, e.receiver, e.fallback, Ms(now), Ms(now), static_cast<int64_t>(n.kind),
       NotificationToJson(n)});
  entries_.emplace(e.id, std::move(e));
  return durable;
}

std::vector<const OutboxEntry*> Outbox::HeadsLocked() const {
  std::vector<const OutboxEntry*> heads;
  std::set<std::string_view> lanes;
  for (const auto& [id, e] : entries_) {
    if (lanes.insert(e.lane).second) heads.push_back(&e);
  }
  return heads;
}

std::vector<OutboxEntry> Outbox::Due(TimePoint now, size_t limit) {
  std::lock_guard<std::mutex> lock(db_.mu());
  std::vector<OutboxEntry> out;
  for (const OutboxEntry* e : HeadsLocked()) {
    if (out.size() >= limit) break;
    if (e->next_attempt_at <= now) out.push_back(*e);
  }
  return out;
}

std::vector<OutboxEntry> Outbox::All() {
  std::lock_guard<std::mutex> lock(db_.mu());
  std::vector<OutboxEntry> out;
  out.reserve(entries_.size());
  for (const auto& [id, e] : entries_) out.push_back(e);
  return out;
}

void Outbox::Remove(int64_t id) {
  std::lock_guard<std::mutex> lock(db_.mu());
  entries_.erase(id);
  db_.Write("DELETE FROM outbox WHERE id = ?", {id});
}

void Outbox::Update(const OutboxEntry& e) {
  std::lock_guard<std::mutex> lock(db_.mu());
  auto it = entries_.find(e.id);
  if (it == entries_.end()) return;
  OutboxEntry& kept = it->second;
  kept.receiver = e.receiver;
  kept.on_fallback = e.on_fallback;
  kept.next_attempt_at = e.next_attempt_at;
  kept.attempts = e.attempts;
  kept.done_parts = e.done_parts;
  kept.notification.receiver = e.receiver;
  db_.Write(
      "UPDATE outbox SET receiver = ?, on_fallback = ?, next_attempt_at = ?,"
      " attempts = ?, done_parts = ? WHERE id = ?",
      {e.receiver, int64_t{e.on_fallback ? 1 : 0}, Ms(e.next_attempt_at), int64_t{e.attempts},
       int64_t{e.done_parts}, e.id});
}

size_t Outbox::Depth() {
  std::lock_guard<std::mutex> lock(db_.mu());
  return entries_.size();
}

std::optional<TimePoint> Outbox::Oldest() {
  std::lock_guard<std::mutex> lock(db_.mu());
  std::optional<TimePoint> oldest;
  for (const auto& [id, e] : entries_) {
    if (!oldest || e.created_at < *oldest) oldest = e.created_at;
  }
  return oldest;
}

bool Outbox::HasPending(const std::string& lane, NotificationKind kind) {
  std::lock_guard<std::mutex> lock(db_.mu());
  for (const auto& [id, e] : entries_) {
    if (e.lane == lane && e.notification.kind == kind) return true;
  }
  return false;
}

}  // namespace fxagent
