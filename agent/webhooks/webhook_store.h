/// The webhook spool's interface: durable events, dedup, delivery state, dead letters
/// and replay. Two implementations: WebhookEventStore (embedded SQLite in data_dir, one
/// process) and PgEventStore (PostgreSQL shared by the replicas of a cluster, with
/// delivery leases so that each event is delivered by one replica). Every method is
/// thread-safe; I/O failures are returned as values.
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

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

class WebhookStore {
 public:
  virtual ~WebhookStore() = default;

  /// Blocks until the event is durable (kStored), found to be a duplicate within the
  /// dedup window (kDuplicate) or the write failed (kError → answer 503).
  virtual StoreResult Store(NewEvent event) = 0;
  /// Records delivery outcomes in one transaction (and releases their delivery leases).
  /// False when the write failed.
  virtual bool ApplyOutcomes(std::vector<DeliveryOutcome> outcomes) = 0;
  /// Puts matching events back to pending. Returns how many, or nullopt on failure.
  virtual std::optional<int64_t> Replay(const ReplayRequest& request) = 0;
  /// Deletes one dead letter. True if it existed, nullopt on failure.
  virtual std::optional<bool> PurgeDeadLetter(const std::string& id) = 0;
  /// Requests a prune pass now (it also runs periodically).
  virtual void PruneNow() = 0;

  /// Pending events due at `now`, oldest first, that are the earliest pending event of
  /// their shipment, for this process to deliver (a shared store leases them to this
  /// replica, so no other delivers them meanwhile). Empty on failure.
  virtual std::vector<StoredEvent> DuePending(EventTime now, size_t limit) = 0;
  /// When the earliest shipment-head pending event is due; nullopt = none (or failure).
  virtual std::optional<EventTime> NextDueAt() = 0;
  virtual std::optional<DeadLetterPage> DeadLetters(const DeadLetterQuery& query) = 0;
  virtual std::optional<StoredEvent> Get(const std::string& id) = 0;
  /// Which of `ids` the store holds, in any state and from any source (received or
  /// reconciled); nullopt on failure. Used by the reconciler to find missed events.
  virtual std::optional<std::set<std::string>> KnownIds(const std::vector<std::string>& ids) = 0;
  /// Last received_at per event type (for gauges and gap tracking after restart).
  virtual std::map<std::string, EventTime> LastReceivedByType() = 0;
  /// Up to `per_type` most recent arrival times per type, oldest first.
  virtual std::map<std::string, std::vector<EventTime>> RecentArrivals(size_t per_type) = 0;

  virtual StoreCounts Counts() const = 0;
  virtual StoreStats Stats() const = 0;
  /// False after a failed write or open, until a write (or the recheck) succeeds again.
  virtual bool Healthy() const = 0;
};

}  // namespace fxagent
