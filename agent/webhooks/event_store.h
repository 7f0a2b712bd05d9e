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

namespace fxagent {

using EventTime = std::chrono::system_clock::time_point;

enum class EventState { kPending = 0, kDelivered = 1, kDead = 2 };
enum class EventSource { kReceived = 0, kReconciled = 1 };
const char* ToString(EventState state);    // "pending" | "delivered" | "dead"
const char* ToString(EventSource source);  // "received" | "reconciled"

/// Dead-letter reasons stored in StoredEvent::dead_reason.
inline constexpr char kDeadReasonMalformed[] = "malformed";
inline constexpr char kDeadReasonMaxAttempts[] = "max_attempts";

/// What the receiver hands to Store().
struct NewEvent {
  std::string id;  // dedup key; malformed bodies use "malformed:<sha256>"
  std::string type;
  std::string shipment_key;   // "" = unordered
  std::string body;           // raw bytes
  std::string signature_256;  // X-Hub-Signature-256 as received ("" = absent)
  std::string signature;      // X-Hub-Signature as received ("" = absent)
  std::string content_type;
  EventSource source = EventSource::kReceived;
  EventState state = EventState::kPending;  // kDelivered = record only; kDead = dead letter
  std::string dead_reason;                  // with kDead
  std::string last_error;                   // with kDead, a short reason
  std::string traceparent;                  // W3C traceparent of the receive span ("" = not traced)
};

struct StoredEvent {
  int64_t seq = 0;  // arrival order
  std::string id;
  std::string type;
  std::string shipment_key;
  std::string body;
  std::string signature_256;
  std::string signature;
  std::string content_type;
  EventTime received_at;
  EventState state = EventState::kPending;
  int attempts = 0;
  EventTime next_attempt_at;
  std::string last_error;
  std::string dead_reason;
  EventSource source = EventSource::kReceived;
  std::string traceparent;  // the receive span's: delivery attempts join that trace
};

enum class StoreResult { kStored, kDuplicate, kError };
const char* ToString(StoreResult result);

struct StoreCounts {
  int64_t pending = 0;  // spool depth
  int64_t dead = 0;     // dead letters
};

struct StoreStats {
  uint64_t transactions = 0;  // committed write transactions (one fsync each)
  uint64_t stored = 0;
  uint64_t duplicates = 0;
  uint64_t failed_batches = 0;
  uint64_t pruned = 0;
};

/// The forwarder's verdict on one delivery attempt.
struct DeliveryOutcome {
  enum class Kind { kDelivered, kRetry, kDead };
  std::string id;
  Kind kind = Kind::kDelivered;
  int attempts = 0;           // attempts made so far, including this one
  EventTime next_attempt_at;  // kRetry
  std::string error;          // kRetry / kDead, e.g. "HTTP 500" (no secrets, no body)
};

struct DeadLetterQuery {
  std::string type;                // "" = any
  std::optional<EventTime> since;  // received at or after
  int limit = 100;
  int64_t before_seq = 0;  // page cursor: 0 = newest first page, else next_before_seq
};

struct DeadLetterPage {
  std::vector<StoredEvent> items;  // newest first
  int64_t next_before_seq = 0;     // 0 = no more pages
};

/// Which events go back to pending (attempts reset). Filters combine with AND; an empty
/// request replays every dead letter. Malformed bodies are never replayed.
struct ReplayRequest {
  std::vector<std::string> ids;
  std::string type;
  std::optional<EventTime> since;
  bool include_delivered = false;  // "replay from the last checkpoint"
};

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

class WebhookEventStore {
 public:
  /// Opens (or creates) the database and starts the writer thread. Never throws for I/O:
  /// when the database cannot be opened, writes fail until it can (see Healthy()).
  explicit WebhookEventStore(EventStoreOptions options);
  /// Finishes queued writes, then stops the writer thread.
  ~WebhookEventStore();
  WebhookEventStore(const WebhookEventStore&) = delete;
  WebhookEventStore& operator=(const WebhookEventStore&) = delete;

  /// Blocks until the event is durable (kStored), found to be a duplicate within
  /// dedup_window (kDuplicate) or the write failed (kError → answer 503).
  StoreResult Store(NewEvent event);
  /// Records delivery outcomes in one transaction. False when the write failed.
  bool ApplyOutcomes(std::vector<DeliveryOutcome> outcomes);
  /// Puts matching events back to pending. Returns how many, or nullopt on failure.
  std::optional<int64_t> Replay(const ReplayRequest& request);
  /// Deletes one dead letter. True if it existed, nullopt on failure.
  std::optional<bool> PurgeDeadLetter(const std::string& id);
  /// Requests a prune pass now (it also runs every prune_interval).
  void PruneNow();

  /// Pending events due at `now`, oldest first, that are the earliest pending event of
  /// their shipment. Empty on failure.
  std::vector<StoredEvent> DuePending(EventTime now, size_t limit);
  /// When the earliest shipment-head pending event is due; nullopt = none (or failure).
  std::optional<EventTime> NextDueAt();
  std::optional<DeadLetterPage> DeadLetters(const DeadLetterQuery& query);
  std::optional<StoredEvent> Get(const std::string& id);
  /// Which of `ids` the store holds, in any state and from any source (received or
  /// reconciled); nullopt on failure. Used by the reconciler to find missed events.
  std::optional<std::set<std::string>> KnownIds(const std::vector<std::string>& ids);
  /// Last received_at per event type (for gauges and gap tracking after restart).
  std::map<std::string, EventTime> LastReceivedByType();
  /// Up to `per_type` most recent arrival times per type, oldest first.
  std::map<std::string, std::vector<EventTime>> RecentArrivals(size_t per_type);

  StoreCounts Counts() const;
  StoreStats Stats() const;
  /// False after a failed write or open, until a write (or the recheck) succeeds again.
  bool Healthy() const { return healthy_.load(); }
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
