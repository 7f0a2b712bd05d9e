/// Internal to agent/notify: the durable outbox. Every notification is written here
/// (SQLite, WAL, table `outbox`) before any attempt to send it. Entries of one lane
/// (receiver + group) are delivered strictly in order: only a lane's oldest entry is due.
/// The entries are also held in memory, which answers every read: when the database
/// cannot be written (a full disk), changes wait in the database's write backlog and
/// delivery goes on from memory (an alert about the full disk must still reach someone).
/// Thread-safe (serialised on the database mutex).
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "agent/notify/delivery/sqlite_db.h"
#include "agent/notify/dispatch/notification.h"

namespace fxagent {

struct OutboxEntry {
  int64_t id = 0;
  std::string lane;      // original receiver + "\n" + group key
  std::string receiver;  // current receiver (the fallback after a switch)
  std::string fallback;  // "" = none
  bool on_fallback = false;
  TimePoint created_at{};
  TimePoint next_attempt_at{};
  int attempts = 0;
  int done_parts = 0;  // requests already accepted (PagerDuty: one per alert)
  Notification notification;
};

class Outbox {
 public:
  /// Creates the table when missing and loads its entries. `db` must be open and outlive
  /// the outbox.
  explicit Outbox(detail::Db& db);

  /// Queues `n`; false when it is queued in memory only for now (not yet durable).
  bool Enqueue(const Notification& n, const std::string& fallback, TimePoint now);
  /// The oldest entry of every lane whose next attempt is due, oldest first.
  std::vector<OutboxEntry> Due(TimePoint now, size_t limit);
  /// Every entry, oldest first (diagnostics and tests).
  std::vector<OutboxEntry> All();
  void Remove(int64_t id);
  void Update(const OutboxEntry& e);
  size_t Depth();
  std::optional<TimePoint> Oldest();
  /// True when `lane` still holds an undelivered entry of `kind`.
  bool HasPending(const std::string& lane, NotificationKind kind);
  /// The earliest next_attempt_at of any lane head, for the sender's sleep.

  static std::string Lane(const std::string& receiver, const std::string& group_key) {
    return receiver + "\n" + group_key;
  }

 private:
  /// The first entry of each lane, oldest first (db mutex held).
  std::vector<const OutboxEntry*> HeadsLocked() const;

  detail::Db& db_;
  std::map<int64_t, OutboxEntry> entries_;  // by id = queue order
  int64_t next_id_ = 1;
};

}  // namespace fxagent
