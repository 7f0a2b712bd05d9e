/// The webhook spool in PostgreSQL, shared by the replicas of a cluster (`[storage] url`).
/// Dedup is cluster-wide (one row per event id, `ON CONFLICT DO NOTHING`); a write is
/// acknowledged only after its transaction committed with `synchronous_commit = on`, and
/// concurrent writes are group-committed by one writer thread (one commit per batch).
/// Deliveries are leased: DuePending() claims due shipment-head events for this replica
/// until `lease` (database clock) with `FOR UPDATE SKIP LOCKED`, so each event is
/// delivered by one replica at a time and the events of a replica that died are taken
/// over once their lease expires. Counts are the cluster's. Thread-safe; failures are
/// values, and the store reconnects by itself when the database is back.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "agent/base/clock.h"
#include "agent/webhooks/webhook_store.h"

namespace fxagent {

class PgConnection;

struct PgEventStoreOptions {
  std::string conninfo;  // secret
  std::string schema = "flexport_agent";
  std::string instance;  // lease owner and received_by
  std::chrono::milliseconds lease = std::chrono::seconds(15);
  std::chrono::milliseconds dedup_window = std::chrono::hours(72);
  std::chrono::milliseconds dead_letter_retention = std::chrono::hours(24 * 14);
  std::chrono::milliseconds prune_interval = std::chrono::minutes(1);
  int prune_batch = 500;
  size_t max_batch = 1024;  // writes per transaction
  std::chrono::milliseconds recheck_interval = std::chrono::seconds(2);
  std::chrono::milliseconds counts_interval = std::chrono::seconds(1);
  std::shared_ptr<const Clock> clock = MakeSystemClock();
  /// Called on the writer thread after each write transaction with its outcome and, on
  /// failure, PostgreSQL's message (no data, no secrets). Optional.
  std::function<void(bool ok, const std::string& error)> on_write;
};

/// One arrival seen by any replica, for cluster-wide gap tracking.
struct Arrival {
  int64_t seq = 0;
  std::string type;
  EventTime received_at;
};

class PgEventStore final : public WebhookStore {
 public:
  /// Starts the writer thread; connects lazily (a database that is down makes writes
  /// fail until it is back). The schema must have been migrated (MigrateSchema).
  explicit PgEventStore(PgEventStoreOptions options);
  ~PgEventStore() override;
  PgEventStore(const PgEventStore&) = delete;
  PgEventStore& operator=(const PgEventStore&) = delete;

  StoreResult Store(NewEvent event) override;
  bool ApplyOutcomes(std::vector<DeliveryOutcome> outcomes) override;
  std::optional<int64_t> Replay(const ReplayRequest& request) override;
  std::optional<bool> PurgeDeadLetter(const std::string& id) override;
  void PruneNow() override;
  std::vector<StoredEvent> DuePending(EventTime now, size_t limit) override;
  std::optional<EventTime> NextDueAt() override;
  std::optional<DeadLetterPage> DeadLetters(const DeadLetterQuery& query) override;
  std::optional<StoredEvent> Get(const std::string& id) override;
  std::optional<std::set<std::string>> KnownIds(const std::vector<std::string>& ids) override;
  std::map<std::string, EventTime> LastReceivedByType() override;
  std::map<std::string, std::vector<EventTime>> RecentArrivals(size_t per_type) override;
  StoreCounts Counts() const override { return {pending_.load(), dead_.load()}; }
  StoreStats Stats() const override;
  bool Healthy() const override { return healthy_.load(); }

  /// Received (not reconciled, not malformed) arrivals with seq > `after_seq`, oldest
  /// first; empty on failure.
  std::vector<Arrival> ArrivalsAfter(int64_t after_seq, size_t limit);
  /// The newest seq of any event (0 when none or on failure).
  int64_t MaxArrivalSeq();

 private:
  struct WriteOp;
  struct Delta;
  bool Submit(std::shared_ptr<WriteOp> op);
  void WriterLoop();
  bool RunBatch(std::vector<std::shared_ptr<WriteOp>>& batch, std::string* error);
  bool RefreshCounts();
  void Prune();
  void Report(bool ok, const std::string& error);
  template <typename Fn>
  bool WithReader(Fn&& fn);

  PgEventStoreOptions options_;
  std::unique_ptr<PgConnection> writer_db_;  // writer thread only
  std::mutex reader_mu_;
  std::unique_ptr<PgConnection> reader_db_;
  std::atomic<bool> healthy_{false};
  std::atomic<int64_t> pending_{0};
  std::atomic<int64_t> dead_{0};

  mutable std::mutex stats_mu_;
  StoreStats stats_;

  std::mutex queue_mu_;
  std::condition_variable queue_cv_;
  std::deque<std::shared_ptr<WriteOp>> queue_;
  bool stopping_ = false;
  bool prune_requested_ = false;
  std::thread writer_;
};

/// `{"a","b"}`: a PostgreSQL text[] literal for a parameter.
std::string PgTextArray(const std::vector<std::string>& values);

}  // namespace fxagent
