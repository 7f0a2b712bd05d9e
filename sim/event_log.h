/// The events the webhook sender has sent (delivered or not), as Flexport's GET /events
/// lists them: newest first, filterable by creation time. Bounded (oldest dropped).
/// Thread-safe.
#pragma once

#include <cstddef>
#include <deque>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <vector>

#include "sim/iso_time.h"
#include "sim/webhook_event.h"

namespace fxagent::sim {

class EventLog {
 public:
  explicit EventLog(size_t capacity = 100000) : capacity_(capacity) {}

  void Add(const WebhookEvent& event);
  /// Event objects created strictly after `since` (all when nullopt), newest first.
  std::vector<nlohmann::json> Newest(std::optional<WallTime> since) const;
  size_t size() const;
  void Clear();

 private:
  struct Entry {
    WallTime created_at;
    nlohmann::json json;
  };
  const size_t capacity_;
  mutable std::mutex mu_;
  std::deque<Entry> entries_;  // oldest first
};

}  // namespace fxagent::sim
