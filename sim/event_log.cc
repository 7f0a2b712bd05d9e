#include "sim/event_log.h"

namespace fxagent::sim {

void EventLog::Add(const WebhookEvent& event) {
  std::lock_guard lock(mu_);
  entries_.push_back({event.created_at, event.json});
  while (entries_.size() > capacity_) entries_.pop_front();
}

std::vector<nlohmann::json> EventLog::Newest(std::optional<WallTime> since) const {
  std::lock_guard lock(mu_);
  std::vector<nlohmann::json> out;
  for (auto it = entries_.rbegin(); it != entries_.rend(); ++it) {
    if (since && it->created_at <= *since) continue;
    out.push_back(it->json);
  }
  return out;
}

size_t EventLog::size() const {
  std::lock_guard lock(mu_);
  return entries_.size();
}

void EventLog::Clear() {
  std::lock_guard lock(mu_);
  entries_.clear();
}

}  // namespace fxagent::sim
