#include "agent/webhooks/pg_event_store.h"

#include <algorithm>
#include <future>

#include "agent/base/time_ms.h"
#include "agent/store/pg_connection.h"

namespace fxagent {

struct PgEventStore::Delta {
  int64_t pending = 0;
  int64_t dead = 0;
  uint64_t stored = 0;
  uint64_t duplicates = 0;
};

struct PgEventStore::WriteOp {
  std::function<bool(PgConnection&, Delta&)> fn;  // false = database error
  std::promise<bool> done;                        // true = committed
};

namespace {

constexpr char kColumns[] =
    "seq, id, type, shipment_key, body, signature_256, signature, content_type, received_at, "
    "state, attempts, next_attempt_at, last_error, dead_reason, source, traceparent";

StoredEvent ReadEvent(const PgRows& rows, size_t r) {
  StoredEvent e;
  e.seq = rows.Int(r, 0);
  e.id = rows.Text(r, 1);
  e.type = rows.Text(r, 2);
  e.shipment_key = rows.Text(r, 3);
  e.body = rows.Bytes(r, 4);
  e.signature_256 = rows.Text(r, 5);
  e.signature = rows.Text(r, 6);
  e.content_type = rows.Text(r, 7);
  e.received_at = FromMs(rows.Int(r, 8));
  e.state = static_cast<EventState>(rows.Int(r, 9));
  e.attempts = static_cast<int>(rows.Int(r, 10));
  e.next_attempt_at = FromMs(rows.Int(r, 11));
  e.last_error = rows.Text(r, 12);
  e.dead_reason = rows.Text(r, 13);
  e.source = static_cast<EventSource>(rows.Int(r, 14));
  e.traceparent = rows.Text(r, 15);
  return e;
}

std::string Select(const char* tail) {
  return std::string("SELECT ") + kColumns + " FROM webhook_events e " + tail;
}

// The earliest pending event of its shipment (or of no shipment).
constexpr char kShipmentHead[] =
    "(e.shipment_key = '' OR NOT EXISTS (SELECT 1 FROM webhook_events p WHERE p.shipment_key = "
    "e.shipment_key AND p.state = 0 AND p.seq < e.seq))";

// Deadlocks between two replicas' batches (the same ids in another order) and
// serialization failures are retried: the batch is simply run again.
bool Retryable(const std::string& sqlstate) { return sqlstate == "40P01" || sqlstate == "40001"; }

}  // namespace

std::string PgTextArray(const std::vector<std::string>& values) {
  std::string out = "{";
  for (size_t i = 0; i < values.size(); ++i) {
    if (i > 0) out += ',';
    out += '"';
    for (char ch : values[i]) {
      if (ch == '"' || ch == '\\') out += '\\';
      out += ch;
    }
    out += '"';
  }
  out += '}';
  return out;
}

PgEventStore::PgEventStore(PgEventStoreOptions options)
    : options_(std::move(options)),
      writer_db_(std::make_unique<PgConnection>(options_.conninfo, options_.schema)),
      reader_db_(std::make_unique<PgConnection>(options_.conninfo, options_.schema)) {
  if (!options_.clock) options_.clock = MakeSystemClock();
  if (options_.max_batch == 0) options_.max_batch = 1;
  writer_ = std::thread([this] { WriterLoop(); });
  // The first (empty) batch connects and reads the counts; wait for it.
  auto op = std::make_shared<WriteOp>();
  op->fn = [](PgConnection&, Delta&) { return true; };
  Submit(op);
}

PgEventStore::~PgEventStore() {
  {
    std::lock_guard<std::mutex> lock(queue_mu_);
    stopping_ = true;
  }
  queue_cv_.notify_all();
  if (writer_.joinable()) writer_.join();
}

bool PgEventStore::Submit(std::shared_ptr<WriteOp> op) {
  std::future<bool> done = op->done.get_future();
  {
    std::lock_guard<std::mutex> lock(queue_mu_);
    if (stopping_) return false;
    queue_.push_back(std::move(op));
  }
  queue_cv_.notify_one();
  return done.get();
}

void PgEventStore::Report(bool ok, const std::string& error) {
  healthy_ = ok;
  if (!ok) {
    std::lock_guard<std::mutex> lock(stats_mu_);
    ++stats_.failed_batches;
  }
  if (options_.on_write) options_.on_write(ok, error);
}

bool PgEventStore::RunBatch(std::vector<std::shared_ptr<WriteOp>>& batch, std::string* error) {
  PgConnection& db = *writer_db_;
  for (int attempt = 0;; ++attempt) {
    Delta delta;
    const bool ok = PgTransaction(db, [&] {
      for (auto& op : batch) {
        if (!op->fn(db, delta)) return false;
      }
      return true;
    });
    if (ok) {
      pending_ += delta.pending;
      dead_ += delta.dead;
      std::lock_guard<std::mutex> lock(stats_mu_);
      ++stats_.transactions;
      stats_.stored += delta.stored;
      stats_.duplicates += delta.duplicates;
      return true;
    }
    if (attempt < 3 && db.IsOpen() && Retryable(db.LastSqlState())) continue;
    *error = db.LastError();
    return false;
  }
}

bool PgEventStore::RefreshCounts() {
  PgConnection& db = *writer_db_;
  if (!db.EnsureOpen()) return false;
  auto rows = db.Exec(
      "SELECT count(*) FILTER (WHERE state = 0), count(*) FILTER (WHERE state = 2) "
      "FROM webhook_events");
  if (!rows || rows->empty()) return false;
  pending_ = rows->Int(0, 0);
  dead_ = rows->Int(0, 1);
  return true;
}

void PgEventStore::Prune() {
  PgConnection& db = *writer_db_;
  const int64_t now = Ms(options_.clock->Now());
  const int64_t cutoffs[] = {now - options_.dedup_window.count(),
                             now - options_.dead_letter_retention.count()};
  const int states[] = {static_cast<int>(EventState::kDelivered),
                        static_cast<int>(EventState::kDead)};
  uint64_t removed = 0;
  for (int i = 0; i < 2; ++i) {
    for (;;) {
      auto rows = db.Exec(
          "DELETE FROM webhook_events WHERE seq IN (SELECT seq FROM webhook_events WHERE "
          "state = $1 AND received_at < $2 ORDER BY received_at LIMIT $3 FOR UPDATE SKIP "
          "LOCKED)",
          {states[i], cutoffs[i], options_.prune_batch});
      if (!rows) return;
      removed += static_cast<uint64_t>(rows->affected());
      if (rows->affected() < options_.prune_batch) break;
    }
  }
  std::lock_guard<std::mutex> lock(stats_mu_);
  stats_.pruned += removed;
}

void PgEventStore::WriterLoop() {
  using Steady = std::chrono::steady_clock;
  auto next_prune = Steady::now() + options_.prune_interval;
  auto next_counts = Steady::now();
  auto next_recheck = Steady::now();
  bool first = true;
  for (;;) {
    std::vector<std::shared_ptr<WriteOp>> batch;
    bool prune = false;
    {
      std::unique_lock<std::mutex> lock(queue_mu_);
      auto wake_at = std::min(next_prune, next_counts);
      if (!healthy_) wake_at = std::min(wake_at, next_recheck);
      queue_cv_.wait_until(lock, wake_at,
                           [&] { return stopping_ || !queue_.empty() || prune_requested_; });
      if (queue_.empty() && stopping_) break;
      while (!queue_.empty() && batch.size() < options_.max_batch) {
        batch.push_back(std::move(queue_.front()));
        queue_.pop_front();
      }
      if (prune_requested_ || Steady::now() >= next_prune) {
        prune_requested_ = false;
        prune = true;
      }
    }
    if (!batch.empty()) {
      std::string error;
      const bool ok = RunBatch(batch, &error);
      if (ok && first) RefreshCounts();
      if (!ok || !healthy_ || first) Report(ok, error);
      first = false;
      if (!ok) next_recheck = Steady::now() + options_.recheck_interval;
      for (auto& op : batch) op->done.set_value(ok);
      continue;
    }
    if (!healthy_ && Steady::now() >= next_recheck) {
      // Nothing queued but the last write failed: a small write of our own tells when the
      // database takes writes again, so readiness does not wait for traffic.
      const bool ok = PgTransaction(
          *writer_db_, [&] { return writer_db_->Exec("SELECT pg_current_xact_id()").has_value(); });
      Report(ok, ok ? "" : writer_db_->LastError());
      if (ok) RefreshCounts();
      next_recheck = Steady::now() + options_.recheck_interval;
      continue;
    }
    if (prune && healthy_) {
      Prune();
      next_prune = Steady::now() + options_.prune_interval;
    }
    if (Steady::now() >= next_counts) {
      // Also how an idle store notices that the database went away: /readyz and the
      // storage health follow within a second, not at the next webhook.
      if (healthy_ && !RefreshCounts()) {
        Report(false, writer_db_->LastError());
        next_recheck = Steady::now() + options_.recheck_interval;
      }
      next_counts = Steady::now() + options_.counts_interval;
    }
  }
}

StoreResult PgEventStore::Store(NewEvent event) {
  auto result = std::make_shared<StoreResult>(StoreResult::kError);
  auto ev = std::make_shared<NewEvent>(std::move(event));
  const int64_t window = options_.dedup_window.count();
  std::shared_ptr<const Clock> clock = options_.clock;
  const std::string instance = options_.instance;
  auto op = std::make_shared<WriteOp>();
  op->fn = [result, ev, window, clock, instance](PgConnection& db, Delta& delta) {
    const int64_t now = Ms(clock->Now());
    constexpr char kInsert[] =
        "INSERT INTO webhook_events(id, type, shipment_key, body, signature_256, signature, "
        "content_type, received_at, state, attempts, next_attempt_at, last_error, dead_reason, "
        "source, traceparent, received_by) VALUES($1,$2,$3,$4,$5,$6,$7,$8,$9,0,$10,$11,$12,$13,"
        "$14,$15) ON CONFLICT (id) DO NOTHING RETURNING seq";
    const std::vector<PgParam> params = {ev->id,
                                         ev->type,
                                         ev->shipment_key,
                                         PgParam::Bytes(ev->body),
                                         ev->signature_256,
                                         ev->signature,
                                         ev->content_type,
                                         now,
                                         static_cast<int>(ev->state),
                                         now,
                                         ev->last_error,
                                         ev->dead_reason,
                                         static_cast<int>(ev->source),
                                         ev->traceparent,
                                         instance};
    auto inserted = db.Exec(kInsert, params);
    if (!inserted) return false;
    if (inserted->empty()) {
      // Known id. Delivered before the dedup window and not yet pruned: a new delivery of
      // an old id, stored again; anything else is a duplicate.
      auto old =
          db.Exec("DELETE FROM webhook_events WHERE id = $1 AND state = 1 AND received_at < $2",
                  {ev->id, now - window});
      if (!old) return false;
      if (old->affected() == 0) {
        *result = StoreResult::kDuplicate;
        ++delta.duplicates;
        return true;
      }
      inserted = db.Exec(kInsert, params);
      if (!inserted) return false;
      if (inserted->empty()) {  // another replica stored it in between
        *result = StoreResult::kDuplicate;
        ++delta.duplicates;
        return true;
      }
    }
    if (ev->state == EventState::kPending) ++delta.pending;
    if (ev->state == EventState::kDead) ++delta.dead;
    ++delta.stored;
    *result = StoreResult::kStored;
    return true;
  };
  if (!Submit(op)) return StoreResult::kError;
  return *result;
}

bool PgEventStore::ApplyOutcomes(std::vector<DeliveryOutcome> outcomes) {
  auto list = std::make_shared<std::vector<DeliveryOutcome>>(std::move(outcomes));
  auto op = std::make_shared<WriteOp>();
  op->fn = [list](PgConnection& db, Delta& delta) {
    for (const DeliveryOutcome& o : *list) {
      std::optional<PgRows> rows;
      switch (o.kind) {
        case DeliveryOutcome::Kind::kDelivered:
          rows = db.Exec(
              "UPDATE webhook_events SET state = 1, attempts = $2, last_error = '', "
              "lease_owner = '', lease_until = '-infinity' WHERE id = $1 AND state = 0",
              {o.id, o.attempts});
          break;
        case DeliveryOutcome::Kind::kRetry:
          rows = db.Exec(
              "UPDATE webhook_events SET attempts = $2, next_attempt_at = $3, last_error = $4, "
              "lease_owner = '', lease_until = '-infinity' WHERE id = $1 AND state = 0",
              {o.id, o.attempts, Ms(o.next_attempt_at), o.error});
          break;
        case DeliveryOutcome::Kind::kDead:
          rows = db.Exec(
              "UPDATE webhook_events SET state = 2, attempts = $2, last_error = $3, dead_reason "
              "= 'max_attempts', lease_owner = '', lease_until = '-infinity' WHERE id = $1 AND "
              "state = 0",
              {o.id, o.attempts, o.error});
          break;
      }
      if (!rows) return false;
      if (rows->affected() > 0 && o.kind != DeliveryOutcome::Kind::kRetry) {
        --delta.pending;
        if (o.kind == DeliveryOutcome::Kind::kDead) ++delta.dead;
      }
    }
    return true;
  };
  return Submit(op);
}

std::optional<int64_t> PgEventStore::Replay(const ReplayRequest& request) {
  auto req = std::make_shared<ReplayRequest>(request);
  auto changed = std::make_shared<int64_t>(0);
  std::shared_ptr<const Clock> clock = options_.clock;
  auto op = std::make_shared<WriteOp>();
  op->fn = [req, changed, clock](PgConnection& db, Delta& delta) {
    const int64_t now = Ms(clock->Now());
    std::vector<EventState> states = {EventState::kDead};
    if (req->include_delivered) states.push_back(EventState::kDelivered);
    for (EventState state : states) {
      auto rows = db.Exec(
          "UPDATE webhook_events SET state = 0, attempts = 0, next_attempt_at = $1, last_error "
          "= '', dead_reason = '', lease_owner = '', lease_until = '-infinity' WHERE state = $2 "
          "AND dead_reason <> 'malformed' AND ($3 = '' OR type = $3) AND received_at >= $4 AND "
          "(cardinality($5::text[]) = 0 OR id = ANY($5::text[]))",
          {now, static_cast<int>(state), req->type, req->since ? Ms(*req->since) : int64_t{0},
           PgTextArray(req->ids)});
      if (!rows) return false;
      *changed += rows->affected();
      delta.pending += rows->affected();
      if (state == EventState::kDead) delta.dead -= rows->affected();
    }
    return true;
  };
  if (!Submit(op)) return std::nullopt;
  return *changed;
}

std::optional<bool> PgEventStore::PurgeDeadLetter(const std::string& id) {
  auto found = std::make_shared<bool>(false);
  auto op = std::make_shared<WriteOp>();
  op->fn = [found, id](PgConnection& db, Delta& delta) {
    auto rows = db.Exec("DELETE FROM webhook_events WHERE id = $1 AND state = 2", {id});
    if (!rows) return false;
    *found = rows->affected() > 0;
    if (*found) --delta.dead;
    return true;
  };
  if (!Submit(op)) return std::nullopt;
  return *found;
}

void PgEventStore::PruneNow() {
  {
    std::lock_guard<std::mutex> lock(queue_mu_);
    prune_requested_ = true;
  }
  queue_cv_.notify_one();
}

StoreStats PgEventStore::Stats() const {
  std::lock_guard<std::mutex> lock(stats_mu_);
  return stats_;
}

template <typename Fn>
bool PgEventStore::WithReader(Fn&& fn) {
  std::lock_guard<std::mutex> lock(reader_mu_);
  if (!reader_db_->EnsureOpen()) return false;
  return fn(*reader_db_);
}

std::vector<StoredEvent> PgEventStore::DuePending(EventTime now, size_t limit) {
  static const std::string sql =
      std::string(
          "WITH due AS (SELECT e.seq FROM webhook_events e WHERE e.state = 0 AND "
          "e.next_attempt_at <= $1 AND (e.lease_until < clock_timestamp() OR "
          "e.lease_owner = $2) AND ") +
      kShipmentHead +
      " ORDER BY e.seq LIMIT $3 FOR UPDATE OF e SKIP LOCKED) UPDATE webhook_events e SET "
      "lease_owner = $2, lease_until = clock_timestamp() + $4::interval FROM due WHERE e.seq = "
      "due.seq RETURNING e.seq, e.id, e.type, e.shipment_key, e.body, e.signature_256, "
      "e.signature, e.content_type, e.received_at, e.state, e.attempts, e.next_attempt_at, "
      "e.last_error, e.dead_reason, e.source, e.traceparent";
  std::vector<StoredEvent> out;
  WithReader([&](PgConnection& db) {
    auto rows = db.Exec(
        sql, {Ms(now), options_.instance, static_cast<int64_t>(limit), PgInterval(options_.lease)});
    if (!rows) return false;
    for (size_t r = 0; r < rows->size(); ++r) out.push_back(ReadEvent(*rows, r));
    return true;
  });
  std::sort(out.begin(), out.end(),
            [](const StoredEvent& a, const StoredEvent& b) { return a.seq < b.seq; });
  return out;
}

std::optional<EventTime> PgEventStore::NextDueAt() {
  static const std::string sql =
      std::string("SELECT MIN(e.next_attempt_at) FROM webhook_events e WHERE e.state = 0 AND ") +
      kShipmentHead;
  std::optional<EventTime> out;
  WithReader([&](PgConnection& db) {
    auto rows = db.Exec(sql);
    if (!rows) return false;
    if (!rows->empty() && !rows->IsNull(0, 0)) out = FromMs(rows->Int(0, 0));
    return true;
  });
  return out;
}

std::optional<DeadLetterPage> PgEventStore::DeadLetters(const DeadLetterQuery& query) {
  static const std::string sql = Select(
      "WHERE e.state = 2 AND ($1 = '' OR e.type = $1) AND e.received_at >= $2 AND "
      "($3 = 0 OR e.seq < $3) ORDER BY e.seq DESC LIMIT $4");
  DeadLetterPage page;
  const int limit = query.limit <= 0 ? 100 : query.limit;
  const bool ok = WithReader([&](PgConnection& db) {
    auto rows = db.Exec(sql, {query.type, query.since ? Ms(*query.since) : int64_t{0},
                              query.before_seq, static_cast<int64_t>(limit) + 1});
    if (!rows) return false;
    for (size_t r = 0; r < rows->size(); ++r) page.items.push_back(ReadEvent(*rows, r));
    return true;
  });
  if (!ok) return std::nullopt;
  if (page.items.size() > static_cast<size_t>(limit)) {
    page.items.resize(limit);
    page.next_before_seq = page.items.back().seq;
  }
  return page;
}

std::optional<StoredEvent> PgEventStore::Get(const std::string& id) {
  static const std::string sql = Select("WHERE e.id = $1");
  std::optional<StoredEvent> out;
  WithReader([&](PgConnection& db) {
    auto rows = db.Exec(sql, {id});
    if (!rows) return false;
    if (!rows->empty()) out = ReadEvent(*rows, 0);
    return true;
  });
  return out;
}

std::optional<std::set<std::string>> PgEventStore::KnownIds(const std::vector<std::string>& ids) {
  std::set<std::string> out;
  const bool ok = WithReader([&](PgConnection& db) {
    auto rows =
        db.Exec("SELECT id FROM webhook_events WHERE id = ANY($1::text[])", {PgTextArray(ids)});
    if (!rows) return false;
    for (size_t r = 0; r < rows->size(); ++r) out.insert(rows->Text(r, 0));
    return true;
  });
  if (!ok) return std::nullopt;
  return out;
}

std::map<std::string, EventTime> PgEventStore::LastReceivedByType() {
  std::map<std::string, EventTime> out;
  WithReader([&](PgConnection& db) {
    auto rows = db.Exec(
        "SELECT type, MAX(received_at) FROM webhook_events WHERE type <> '' AND dead_reason <> "
        "'malformed' AND source = 0 GROUP BY type");
    if (!rows) return false;
    for (size_t r = 0; r < rows->size(); ++r) out[rows->Text(r, 0)] = FromMs(rows->Int(r, 1));
    return true;
  });
  return out;
}

std::map<std::string, std::vector<EventTime>> PgEventStore::RecentArrivals(size_t per_type) {
  std::map<std::string, std::vector<EventTime>> out;
  WithReader([&](PgConnection& db) {
    auto rows = db.Exec(
        "SELECT type, received_at FROM (SELECT type, received_at, ROW_NUMBER() OVER (PARTITION "
        "BY type ORDER BY received_at DESC) AS rn FROM webhook_events WHERE type <> '' AND "
        "dead_reason <> 'malformed' AND source = 0) t WHERE rn <= $1 ORDER BY type, received_at",
        {static_cast<int64_t>(per_type)});
    if (!rows) return false;
    for (size_t r = 0; r < rows->size(); ++r) {
      out[rows->Text(r, 0)].push_back(FromMs(rows->Int(r, 1)));
    }
    return true;
  });
  return out;
}

std::vector<Arrival> PgEventStore::ArrivalsAfter(int64_t after_seq, size_t limit) {
  std::vector<Arrival> out;
  WithReader([&](PgConnection& db) {
    auto rows = db.Exec(
        "SELECT seq, type, received_at FROM webhook_events WHERE seq > $1 AND type <> '' AND "
        "dead_reason <> 'malformed' AND source = 0 ORDER BY seq LIMIT $2",
        {after_seq, static_cast<int64_t>(limit)});
    if (!rows) return false;
    for (size_t r = 0; r < rows->size(); ++r) {
      out.push_back({rows->Int(r, 0), rows->Text(r, 1), FromMs(rows->Int(r, 2))});
    }
    return true;
  });
  return out;
}

int64_t PgEventStore::MaxArrivalSeq() {
  int64_t out = 0;
  WithReader([&](PgConnection& db) {
    auto rows = db.Exec("SELECT COALESCE(MAX(seq), 0) FROM webhook_events");
    if (!rows) return false;
    out = rows->Int(0, 0);
    return true;
  });
  return out;
}

}  // namespace fxagent
