/// Arrival-gap tracking per webhook event type: last arrival and the expected gap, either
/// configured (`[[webhooks.expect]]`, exact type before "*") or learned from recent
/// inter-arrival times. Exports `flexport_webhook_expected_gap_seconds{type}`; seeded from
/// the store at start-up so it survives restarts. Thread-safe.
#pragma once

#include <chrono>
#include <cstddef>
#include <deque>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "agent/base/clock.h"
#include "agent/config/config.h"
#include "agent/webhooks/event.h"

namespace prometheus {
class Registry;
class Gauge;
template <typename T>
class Family;
}  // namespace prometheus

namespace fxagent {

struct GapTrackerOptions {
  std::vector<WebhookExpect> expect;  // configured gaps
  size_t window = 100;                // inter-arrival times kept per type
  size_t min_observations = 10;       // before a learned gap is exported
  double quantile = 0.99;
  double factor = 2.0;  // learned gap = quantile × factor
  std::chrono::milliseconds min_learned_gap = std::chrono::minutes(1);
  size_t max_types = TypeLabelLimiter::kDefaultMaxTypes;
  std::shared_ptr<const Clock> clock = MakeSystemClock();
};

struct TypeGap {
  std::string type;
  std::optional<std::chrono::system_clock::time_point> last_arrival;
  std::optional<std::chrono::milliseconds> current_gap;   // now - last_arrival
  std::optional<std::chrono::milliseconds> expected_gap;  // nullopt = not yet learned
  bool configured = false;
  size_t observations = 0;  // inter-arrival times held
};

class GapTracker {
 public:
  GapTracker(GapTrackerOptions options, prometheus::Registry& registry);

  /// Arrival history per type (oldest first), e.g. WebhookEventStore::RecentArrivals.
  void Seed(
      const std::map<std::string, std::vector<std::chrono::system_clock::time_point>>& arrivals);
  void Observe(const std::string& type, std::chrono::system_clock::time_point at);
  /// Per type, sorted by type; configured types appear even before their first arrival.
  std::vector<TypeGap> Snapshot() const;
  std::optional<std::chrono::milliseconds> ExpectedGap(const std::string& type) const;

 private:
  struct TypeState {
    std::optional<std::chrono::system_clock::time_point> last;
    std::deque<std::chrono::milliseconds> intervals;
    prometheus::Gauge* gauge = nullptr;
  };
  std::optional<std::chrono::milliseconds> ConfiguredGap(const std::string& type) const;
  std::optional<std::chrono::milliseconds> ExpectedLocked(const std::string& type,
                                                          const TypeState& state) const;
  TypeState& StateLocked(const std::string& label);
  void ObserveLocked(const std::string& label, std::chrono::system_clock::time_point at);
  void ExportLocked(const std::string& label, TypeState& state);

  const GapTrackerOptions options_;
  TypeLabelLimiter limiter_;
  prometheus::Family<prometheus::Gauge>& family_;
  mutable std::mutex mu_;
  std::map<std::string, TypeState> types_;
};

}  // namespace fxagent
