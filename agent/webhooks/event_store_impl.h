/// Internal to agent/webhooks: the parts of WebhookEventStore shared by its write path
/// (event_store.cc) and its queries (event_store_queries.cc).
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <future>
#include <mutex>
#include <string>

#include "agent/base/sqlite.h"
#include "agent/webhooks/event_store.h"

namespace fxagent {

/// Count and stat changes of one batch, applied only after its commit.
struct StoreDelta {
  int64_t pending = 0;
  int64_t dead = 0;
  uint64_t stored = 0;
  uint64_t duplicates = 0;
};

struct WebhookEventStore::WriteOp {
  std::function<bool(detail::SqliteDb&, StoreDelta&)> fn;  // false = SQLite error
  std::promise<bool> done;                                 // true = committed
};

struct WebhookEventStore::Impl {
  detail::SqliteDb writer;  // only the writer thread touches it
  std::mutex reader_mu;
  detail::SqliteDb reader;
};

namespace detail {

inline int64_t ToMillis(EventTime t) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(t.time_since_epoch()).count();
}
inline EventTime FromMillis(int64_t ms) { return EventTime(std::chrono::milliseconds(ms)); }

inline constexpr char kEventColumns[] =
    "seq, id, type, shipment_key, body, signature_256, signature, content_type, received_at, "
    "state, attempts, next_attempt_at, last_error, dead_reason, source, traceparent";

StoredEvent ReadEventRow(const SqliteStmt& stmt);

}  // namespace detail
}  // namespace fxagent
