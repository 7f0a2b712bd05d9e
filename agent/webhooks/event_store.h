/// Durable webhook event store (SQLite, WAL, synchronous=FULL) in `data_dir/webhooks.db`.
/// Writes from any number of threads are group-committed by one writer thread: each
/// caller blocks until the transaction holding its write is on disk. Reads use their own
/// connection. All methods are thread-safe; I/O failures are returned as values and the
/// store reopens the database by itself once writing works again: while writes fail (a
/// full disk), the writer thread retries a small write every `recheck_interval`, so the
/// store turns healthy again without waiting for traffic.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "agent/base/clock.h"
#include "agent/webhooks/webhook_store.h"

namespace fxagent {

struct EventStoreOptions {
  std::string data_dir;
  std::chrono::milliseconds dedup_window = std::chrono::hours(72);
  std::chrono::milliseconds dead_letter_retention = std::chrono::hours(24 * 14);
  std::chrono::milliseconds prune_interval = std::chrono::minutes(1);
  int prune_batch = 500;
  size_t max_batch = 1024;  // writes per transaction
  // While writes fail, how often the writer thread tries a write of its own.
  std::chrono::milliseconds recheck_interval = std::chrono::seconds(2);
  std::shared_ptr<const Clock> clock = MakeSystemClock();
  /// Called on the writer thread after each write transaction (batch, prune or recheck)
  /// with its outcome and, on failure, SQLite's message (no data). Optional.
  std::function<void(bool ok, const std::string& error)> on_write;
};

class WebhookEventStore final : public WebhookStore {
 public:
  /// Opens (or creates) the database and starts the writer thread. Never throws for I/O:
  /// when the database cannot be opened, writes fail until it can (see Healthy()).
  explicit WebhookEventStore(EventStoreOptions options);
  /// Finishes queued writes, then stops the writer thread.
  ~WebhookEventStore() override;
  WebhookEventStore(const WebhookEventStore&) = delete;
  WebhookEventStore& operator=(const WebhookEventStore&) = delete;

  /// Blocks until the event is durable (kStored), found to be a duplicate within
  /// dedup_window (kDuplicate) or the write failed (kError → answer 503).
  StoreResult Store(NewEvent event) override;
  /// Records delivery outcomes in one transaction. False when the write failed.
  bool ApplyOutcomes(std::vector<DeliveryOutcome> outcomes) override;
  /// Puts matching events back to pending. Returns how many, or nullopt on failure.
  std::optional<int64_t> Replay(const ReplayRequest& request) override;
  /// Deletes one dead letter. True if it existed, nullopt on failure.
  std::optional<bool> PurgeDeadLetter(const std::string& id) override;
  /// Requests a prune pass now (it also runs every prune_interval).
  void PruneNow() override;

  /// Pending events due at `now`, oldest first, that are the earliest pending event of
  /// their shipment. Empty on failure.
  std::vector<StoredEvent> DuePending(EventTime now, size_t limit) override;
  /// When the earliest shipment-head pending event is due; nullopt = none (or failure).
  std::optional<EventTime> NextDueAt() override;
  std::optional<DeadLetterPage> DeadLetters(const DeadLetterQuery& query) override;
  std::optional<StoredEvent> Get(const std::string& id) override;
  /// Which of `ids` the store holds, in any state and from any source (received or
  /// reconciled); nullopt on failure. Used by the reconciler to find missed events.
  std::optional<std::set<std::string>> KnownIds(const std::vector<std::string>& ids) override;
  /// Last received_at per event type (for gauges and gap tracking after restart).
  std::map<std::string, EventTime> LastReceivedByType() override;
  /// Up to `per_type` most recent arrival times per type, oldest first.
  std::map<std::string, std::vector<EventTime>> RecentArrivals(size_t per_type) override;

  StoreCounts Counts() const override;
  StoreStats Stats() const override;
  /// False after a failed write or open, until a write (or the recheck) succeeds again.
  bool Healthy() const override { return healthy_.load(); }
  const std::string& path() const { return path_; }

 private:
  struct Impl;
  struct WriteOp;
  bool Submit(std::shared_ptr<WriteOp> op);
  void WriterLoop();
  void ReportWrite(bool ok, const std::string& error);

  EventStoreOptions options_;
  std::string path_;
  std::unique_ptr<Impl> impl_;
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

}  // namespace fxagent
