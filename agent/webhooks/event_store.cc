#include "agent/webhooks/event_store.h"

#include <algorithm>
#include <filesystem>

#include "agent/webhooks/event_store_impl.h"

namespace fxagent {
namespace {

using detail::SqliteDb;
using detail::SqliteStmt;
using detail::StmtScope;
using detail::ToMillis;

constexpr char kSchema[] = R"sql(
CREATE TABLE IF NOT EXISTS events(
  seq INTEGER PRIMARY KEY AUTOINCREMENT,
  id TEXT NOT NULL UNIQUE,
  type TEXT NOT NULL,
  shipment_key TEXT NOT NULL DEFAULT '',
  body BLOB NOT NULL,
  signature_256 TEXT NOT NULL DEFAULT '',
  signature TEXT NOT NULL DEFAULT '',
  content_type TEXT NOT NULL DEFAULT '',
  received_at INTEGER NOT NULL,
  state INTEGER NOT NULL,
  attempts INTEGER NOT NULL DEFAULT 0,
  next_attempt_at INTEGER NOT NULL,
  last_error TEXT NOT NULL DEFAULT '',
  dead_reason TEXT NOT NULL DEFAULT '',
  source INTEGER NOT NULL DEFAULT 0,
  traceparent TEXT NOT NULL DEFAULT '');
CREATE INDEX IF NOT EXISTS events_state_received ON events(state, received_at);
CREATE INDEX IF NOT EXISTS events_state_due ON events(state, next_attempt_at);
CREATE INDEX IF NOT EXISTS events_shipment ON events(shipment_key, state, seq);
CREATE INDEX IF NOT EXISTS events_type_received ON events(type, received_at);
CREATE TABLE IF NOT EXISTS write_check(id INTEGER PRIMARY KEY CHECK (id = 1), at INTEGER NOT NULL,
  pad BLOB NOT NULL DEFAULT x'');
)sql";

bool StepDone(SqliteStmt* stmt) { return stmt != nullptr && stmt->Step() == SQLITE_DONE; }

// Columns added after the first release, for spools an older agent created.
bool MigrateSchema(SqliteDb& db) {
  SqliteStmt* info =
      db.Prepare("SELECT 1 FROM pragma_table_info('events') WHERE name = 'traceparent'");
  if (info == nullptr) return false;
  StmtScope scope(info);
  const int rc = info->Step();
  if (rc == SQLITE_ROW) return true;
  if (rc != SQLITE_DONE) return false;
  return db.Exec("ALTER TABLE events ADD COLUMN traceparent TEXT NOT NULL DEFAULT ''");
}

int64_t CountState(SqliteDb& db, EventState state) {
  SqliteStmt* stmt = db.Prepare("SELECT COUNT(*) FROM events WHERE state = ?");
  if (stmt == nullptr) return 0;
  StmtScope scope(stmt);
  stmt->Bind(1, static_cast<int64_t>(state));
  return stmt->Step() == SQLITE_ROW ? stmt->Int(0) : 0;
}

}  // namespace

const char* ToString(EventState state) {
  switch (state) {
    case EventState::kPending:
      return "pending";
    case EventState::kDelivered:
      return "delivered";
    case EventState::kDead:
      return "dead";
  }
  return "unknown";
}

const char* ToString(EventSource source) {
  return source == EventSource::kReconciled ? "reconciled" : "received";
}

const char* ToString(StoreResult result) {
  switch (result) {
    case StoreResult::kStored:
      return "stored";
    case StoreResult::kDuplicate:
      return "duplicate";
    case StoreResult::kError:
      return "error";
  }
  return "unknown";
}

WebhookEventStore::WebhookEventStore(EventStoreOptions options)
    : options_(std::move(options)),
      path_((std::filesystem::path(options_.data_dir) / "webhooks.db").string()),
      impl_(std::make_unique<Impl>()) {
  if (!options_.clock) options_.clock = MakeSystemClock();
  if (options_.max_batch == 0) options_.max_batch = 1;
  writer_ = std::thread([this] { WriterLoop(); });
  // Opening happens on the writer thread; an empty batch waits for it.
  Submit(std::make_shared<WriteOp>(WriteOp{[](SqliteDb&, StoreDelta&) { return true; }, {}}));
}

WebhookEventStore::~WebhookEventStore() {
  {
    std::lock_guard<std::mutex> lock(queue_mu_);
    stopping_ = true;
  }
  queue_cv_.notify_all();
  if (writer_.joinable()) writer_.join();
}

bool WebhookEventStore::Submit(std::shared_ptr<WriteOp> op) {
  std::future<bool> done = op->done.get_future();
  {
    std::lock_guard<std::mutex> lock(queue_mu_);
    if (stopping_) return false;
    queue_.push_back(std::move(op));
  }
  queue_cv_.notify_one();
  return done.get();
}

namespace {

// Opens the writer connection and its schema; false (and closed) on any failure.
bool OpenWriter(SqliteDb& db, const std::string& data_dir, const std::string& path) {
  std::error_code ec;
  std::filesystem::create_directories(data_dir, ec);
  if (!db.Open(path, /*create=*/true)) return false;
  SqliteStmt* wal = db.Prepare("PRAGMA journal_mode=WAL");
  bool ok = wal != nullptr && wal->Step() == SQLITE_ROW && wal->Text(0) == "wal";
  if (wal != nullptr) wal->Reset();
  ok = ok && db.Exec("PRAGMA synchronous=FULL") && db.Exec(kSchema) && MigrateSchema(db);
  if (!ok) db.Close();
  return ok;
}

// Runs `body` in one write transaction. On failure: the SQLite message in `*error`, the
// transaction rolled back and the connection closed (the next write reopens it, so the
// store recovers by itself once the disk has space again).
bool WriteTransaction(SqliteDb& db, const std::function<bool()>& body, std::string* error) {
  bool ok = db.IsOpen() && db.Exec("BEGIN IMMEDIATE") && body() && db.Exec("COMMIT");
  if (!ok) {
    *error = db.IsOpen() ? db.ErrorMessage() : "cannot open the database";
    if (db.IsOpen()) db.Exec("ROLLBACK");
    db.Close();
  }
  return ok;
}

}  // namespace

void WebhookEventStore::ReportWrite(bool ok, const std::string& error) {
  healthy_ = ok;
  if (!ok) {
    std::lock_guard<std::mutex> lock(stats_mu_);
    ++stats_.failed_batches;
  }
  if (options_.on_write) options_.on_write(ok, error);
}

void WebhookEventStore::WriterLoop() {
  SqliteDb& db = impl_->writer;
  using Clock = std::chrono::steady_clock;
  // Any failed write makes the store unhealthy; only a write that needed real space makes
  // it healthy again: an event stored, or the recheck. A failed transaction leaves its WAL
  // pages allocated, so on a full disk small writes (delivery outcomes, pruning, only
  // duplicates) can still succeed while events cannot be stored. The first batch (the
  // open at start-up) counts too.
  bool first_batch = true;
  const auto report = [&](bool ok, bool needed_space, const std::string& error) {
    if (!ok || healthy_ || needed_space || first_batch) ReportWrite(ok, error);
    first_batch = false;
  };
  auto next_prune = Clock::now() + options_.prune_interval;
  auto next_recheck = Clock::now() + options_.recheck_interval;
  bool prune_more = false;
  for (;;) {
    std::vector<std::shared_ptr<WriteOp>> batch;
    bool recheck = false;
    {
      std::unique_lock<std::mutex> lock(queue_mu_);
      auto wake_at = prune_more ? Clock::now() : next_prune;
      if (!healthy_) wake_at = std::min(wake_at, next_recheck);
      queue_cv_.wait_until(lock, wake_at,
                           [&] { return stopping_ || !queue_.empty() || prune_requested_; });
      if (queue_.empty() && stopping_) break;
      while (!queue_.empty() && batch.size() < options_.max_batch) {
        batch.push_back(std::move(queue_.front()));
        queue_.pop_front();
      }
      if (batch.empty() && (prune_requested_ || Clock::now() >= next_prune)) {
        prune_requested_ = false;
        prune_more = true;
      }
      recheck = batch.empty() && !healthy_ && Clock::now() >= next_recheck;
    }
    if (!db.IsOpen()) {
      if (OpenWriter(db, options_.data_dir, path_)) {
        pending_ = CountState(db, EventState::kPending);
        dead_ = CountState(db, EventState::kDead);
      }
    }
    if (!batch.empty()) {
      StoreDelta delta;
      std::string error;
      const bool ok = WriteTransaction(
          db,
          [&] {
            for (auto& op : batch) {
              if (!op->fn(db, delta)) return false;
            }
            return true;
          },
          &error);
      if (ok) {
        pending_ += delta.pending;
        dead_ += delta.dead;
        std::lock_guard<std::mutex> lock(stats_mu_);
        ++stats_.transactions;
        stats_.stored += delta.stored;
        stats_.duplicates += delta.duplicates;
      }
      report(ok, delta.stored > 0, error);
      if (!ok) next_recheck = Clock::now() + options_.recheck_interval;
      for (auto& op : batch) op->done.set_value(ok);
      continue;
    }
    if (recheck) {
      // Nothing to write, but the last write failed: a write of a few events' size tells
      // whether the disk takes writes again (readiness must not wait for a webhook that a
      // not-ready agent may never get).
      std::string error;
      const bool ok = WriteTransaction(
          db,
          [&] {
            SqliteStmt* stmt = db.Prepare(
                "INSERT OR REPLACE INTO write_check(id, at, pad) VALUES(1, ?, zeroblob(65536))");
            if (stmt == nullptr) return false;
            stmt->Bind(1, ToMillis(options_.clock->Now()));
            return StepDone(stmt);
          },
          &error);
      report(ok, /*needed_space=*/true, error);
      next_recheck = Clock::now() + options_.recheck_interval;
      continue;
    }
    if (prune_more) {
      prune_more = false;
      if (!db.IsOpen()) {
        next_prune = Clock::now() + options_.prune_interval;
        continue;
      }
      int64_t now = ToMillis(options_.clock->Now());
      const int64_t cutoffs[] = {now - options_.dedup_window.count(),
                                 now - options_.dead_letter_retention.count()};
      int64_t removed[] = {0, 0};  // delivered, dead
      std::string error;
      const bool ok = WriteTransaction(
          db,
          [&] {
            for (int i = 0; i < 2; ++i) {
              SqliteStmt* stmt = db.Prepare(
                  "DELETE FROM events WHERE seq IN (SELECT seq FROM events WHERE state = ?1 "
                  "AND received_at < ?2 ORDER BY received_at LIMIT ?3)");
              if (stmt == nullptr) return false;
              stmt->Bind(1,
                         static_cast<int64_t>(i == 0 ? EventState::kDelivered : EventState::kDead));
              stmt->Bind(2, cutoffs[i]);
              stmt->Bind(3, static_cast<int64_t>(options_.prune_batch));
              if (!StepDone(stmt)) return false;
              removed[i] = db.Changes();
            }
            return true;
          },
          &error);
      if (ok) {
        dead_ -= removed[1];
        std::lock_guard<std::mutex> lock(stats_mu_);
        stats_.pruned += static_cast<uint64_t>(removed[0] + removed[1]);
      }
      report(ok, /*needed_space=*/false, error);
      if (!ok) next_recheck = Clock::now() + options_.recheck_interval;
      // Small batches: queued writes run between two of them.
      prune_more = ok && std::max(removed[0], removed[1]) >= options_.prune_batch;
      if (!prune_more) next_prune = Clock::now() + options_.prune_interval;
    }
  }
}

StoreResult WebhookEventStore::Store(NewEvent event) {
  auto result = std::make_shared<StoreResult>(StoreResult::kError);
  auto ev = std::make_shared<NewEvent>(std::move(event));
  const int64_t window = options_.dedup_window.count();
  std::shared_ptr<const Clock> clock = options_.clock;
  auto op = std::make_shared<WriteOp>();
  op->fn = [result, ev, window, clock](SqliteDb& db, StoreDelta& delta) {
    const int64_t now = ToMillis(clock->Now());
    SqliteStmt* find = db.Prepare("SELECT state, received_at FROM events WHERE id = ?");
    if (find == nullptr) return false;
    StmtScope find_scope(find);
    find->Bind(1, ev->id);
    int rc = find->Step();
    if (rc == SQLITE_ROW) {
      auto state = static_cast<EventState>(find->Int(0));
      int64_t received = find->Int(1);
      find->Reset();
      if (state != EventState::kDelivered || received >= now - window) {
        *result = StoreResult::kDuplicate;
        ++delta.duplicates;
        return true;
      }
      // Seen before the window and not yet pruned: a new delivery of an old id.
      SqliteStmt* del = db.Prepare("DELETE FROM events WHERE id = ?");
      if (del == nullptr) return false;
      del->Bind(1, ev->id);
      if (!StepDone(del)) return false;
    } else if (rc != SQLITE_DONE) {
      return false;
    }
    SqliteStmt* ins = db.Prepare(
        "INSERT INTO events(id, type, shipment_key, body, signature_256, signature, "
        "content_type, received_at, state, attempts, next_attempt_at, last_error, "
        "dead_reason, source, traceparent) VALUES(?,?,?,?,?,?,?,?,?,0,?,?,?,?,?)");
    if (ins == nullptr) return false;
    ins->Bind(1, ev->id);
    ins->Bind(2, ev->type);
    ins->Bind(3, ev->shipment_key);
    ins->BindBlob(4, ev->body);
    ins->Bind(5, ev->signature_256);
    ins->Bind(6, ev->signature);
    ins->Bind(7, ev->content_type);
    ins->Bind(8, now);
    ins->Bind(9, static_cast<int64_t>(ev->state));
    ins->Bind(10, now);
    ins->Bind(11, ev->last_error);
    ins->Bind(12, ev->dead_reason);
    ins->Bind(13, static_cast<int64_t>(ev->source));
    ins->Bind(14, ev->traceparent);
    if (!StepDone(ins)) return false;
    if (ev->state == EventState::kPending) ++delta.pending;
    if (ev->state == EventState::kDead) ++delta.dead;
    ++delta.stored;
    *result = StoreResult::kStored;
    return true;
  };
  if (!Submit(op)) return StoreResult::kError;
  return *result;
}

bool WebhookEventStore::ApplyOutcomes(std::vector<DeliveryOutcome> outcomes) {
  auto list = std::make_shared<std::vector<DeliveryOutcome>>(std::move(outcomes));
  auto op = std::make_shared<WriteOp>();
  op->fn = [list](SqliteDb& db, StoreDelta& delta) {
    for (const DeliveryOutcome& o : *list) {
      SqliteStmt* stmt = nullptr;
      switch (o.kind) {
        case DeliveryOutcome::Kind::kDelivered:
          stmt = db.Prepare(
              "UPDATE events SET state = 1, attempts = ?2, last_error = '' "
              "WHERE id = ?1 AND state = 0");
          break;
        case DeliveryOutcome::Kind::kRetry:
          stmt = db.Prepare(
              "UPDATE events SET attempts = ?2, next_attempt_at = ?3, last_error = ?4 "
              "WHERE id = ?1 AND state = 0");
          break;
        case DeliveryOutcome::Kind::kDead:
          stmt = db.Prepare(
              "UPDATE events SET state = 2, attempts = ?2, last_error = ?4, "
              "dead_reason = 'max_attempts' WHERE id = ?1 AND state = 0");
          break;
      }
      if (stmt == nullptr) return false;
      stmt->Bind(1, o.id);
      stmt->Bind(2, static_cast<int64_t>(o.attempts));
      if (o.kind == DeliveryOutcome::Kind::kRetry) stmt->Bind(3, ToMillis(o.next_attempt_at));
      if (o.kind != DeliveryOutcome::Kind::kDelivered) stmt->Bind(4, o.error);
      if (!StepDone(stmt)) return false;
      if (db.Changes() > 0 && o.kind != DeliveryOutcome::Kind::kRetry) {
        --delta.pending;
        if (o.kind == DeliveryOutcome::Kind::kDead) ++delta.dead;
      }
    }
    return true;
  };
  return Submit(op);
}

std::optional<int64_t> WebhookEventStore::Replay(const ReplayRequest& request) {
  auto req = std::make_shared<ReplayRequest>(request);
  auto changed = std::make_shared<int64_t>(0);
  std::shared_ptr<const Clock> clock = options_.clock;
  auto op = std::make_shared<WriteOp>();
  op->fn = [req, changed, clock](SqliteDb& db, StoreDelta& delta) {
    const int64_t now = ToMillis(clock->Now());
    std::vector<std::string> ids = req->ids;
    if (ids.empty()) ids.push_back("");  // "" = any id
    std::vector<EventState> states = {EventState::kDead};
    if (req->include_delivered) states.push_back(EventState::kDelivered);
    for (EventState state : states) {
      for (const std::string& id : ids) {
        SqliteStmt* stmt = db.Prepare(
            "UPDATE events SET state = 0, attempts = 0, next_attempt_at = ?1, last_error = '', "
            "dead_reason = '' WHERE state = ?2 AND dead_reason <> 'malformed' "
            "AND (?3 = '' OR type = ?3) AND received_at >= ?4 AND (?5 = '' OR id = ?5)");
        if (stmt == nullptr) return false;
        stmt->Bind(1, now);
        stmt->Bind(2, static_cast<int64_t>(state));
        stmt->Bind(3, req->type);
        stmt->Bind(4, req->since ? ToMillis(*req->since) : int64_t{0});
        stmt->Bind(5, id);
        if (!StepDone(stmt)) return false;
        int64_t n = db.Changes();
        *changed += n;
        delta.pending += n;
        if (state == EventState::kDead) delta.dead -= n;
      }
    }
    return true;
  };
  if (!Submit(op)) return std::nullopt;
  return *changed;
}

std::optional<bool> WebhookEventStore::PurgeDeadLetter(const std::string& id) {
  auto found = std::make_shared<bool>(false);
  auto op = std::make_shared<WriteOp>();
  op->fn = [found, id](SqliteDb& db, StoreDelta& delta) {
    SqliteStmt* stmt = db.Prepare("DELETE FROM events WHERE id = ? AND state = 2");
    if (stmt == nullptr) return false;
    stmt->Bind(1, id);
    if (!StepDone(stmt)) return false;
    *found = db.Changes() > 0;
    if (*found) --delta.dead;
    return true;
  };
  if (!Submit(op)) return std::nullopt;
  return *found;
}

void WebhookEventStore::PruneNow() {
  {
    std::lock_guard<std::mutex> lock(queue_mu_);
    prune_requested_ = true;
  }
  queue_cv_.notify_one();
}

StoreCounts WebhookEventStore::Counts() const { return {pending_.load(), dead_.load()}; }

StoreStats WebhookEventStore::Stats() const {
  std::lock_guard<std::mutex> lock(stats_mu_);
  return stats_;
}

}  // namespace fxagent
