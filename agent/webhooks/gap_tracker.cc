#include "agent/webhooks/gap_tracker.h"

#include <prometheus/gauge.h>
#include <prometheus/registry.h>

#include <algorithm>
#include <cmath>

namespace fxagent {

using std::chrono::milliseconds;
using TimePointT = std::chrono::system_clock::time_point;

GapTracker::GapTracker(GapTrackerOptions options, prometheus::Registry& registry)
    : options_(std::move(options)),
      limiter_(options_.max_types),
      family_(prometheus::BuildGauge()
                  .Name("flexport_webhook_expected_gap_seconds")
                  .Help("Expected maximum gap between two webhook events of a type: configured "
                        "max_gap or learned from recent inter-arrival times")
                  .Register(registry)) {
  std::lock_guard<std::mutex> lock(mu_);
  for (const WebhookExpect& expect : options_.expect) {
    for (const std::string& type : expect.types) {
      if (type == "*") continue;
      std::string label = limiter_.Label(type);
      ExportLocked(label, StateLocked(label));
    }
  }
}

std::optional<milliseconds> GapTracker::ConfiguredGap(const std::string& type) const {
  for (const WebhookExpect& expect : options_.expect) {
    if (std::find(expect.types.begin(), expect.types.end(), type) != expect.types.end()) {
      return expect.max_gap;
    }
  }
  for (const WebhookExpect& expect : options_.expect) {
    if (std::find(expect.types.begin(), expect.types.end(), "*") != expect.types.end()) {
      return expect.max_gap;
    }
  }
  return std::nullopt;
}

std::optional<milliseconds> GapTracker::ExpectedLocked(const std::string& type,
                                                       const TypeState& state) const {
  if (std::optional<milliseconds> configured = ConfiguredGap(type)) return configured;
  if (state.intervals.size() < std::max<size_t>(options_.min_observations, 1)) {
    return std::nullopt;
  }
  std::vector<milliseconds> sorted(state.intervals.begin(), state.intervals.end());
  std::sort(sorted.begin(), sorted.end());
  // Nearest-rank quantile.
  auto rank =
      static_cast<size_t>(std::ceil(options_.quantile * static_cast<double>(sorted.size())));
  rank = std::clamp<size_t>(rank, 1, sorted.size());
  auto learned = milliseconds(
      static_cast<int64_t>(static_cast<double>(sorted[rank - 1].count()) * options_.factor));
  return std::max(learned, options_.min_learned_gap);
}

GapTracker::TypeState& GapTracker::StateLocked(const std::string& label) { return types_[label]; }

void GapTracker::ExportLocked(const std::string& label, TypeState& state) {
  // The series exists only once a gap is known (configured or learned): a gauge at 0
  // would make "silent longer than expected" true on a type's first event.
  if (std::optional<milliseconds> gap = ExpectedLocked(label, state)) {
    if (state.gauge == nullptr) state.gauge = &family_.Add({{"type", label}});
    state.gauge->Set(static_cast<double>(gap->count()) / 1000.0);
  }
}

void GapTracker::ObserveLocked(const std::string& label, TimePointT at) {
  TypeState& state = StateLocked(label);
  if (state.last && at < *state.last) return;  // late report of an older arrival
  if (state.last) {
    state.intervals.push_back(std::chrono::duration_cast<milliseconds>(at - *state.last));
    while (state.intervals.size() > options_.window) state.intervals.pop_front();
  }
  state.last = at;
}

void GapTracker::Seed(const std::map<std::string, std::vector<TimePointT>>& arrivals) {
  std::lock_guard<std::mutex> lock(mu_);
  for (const auto& [type, times] : arrivals) {
    std::string label = limiter_.Label(type);
    for (TimePointT at : times) ObserveLocked(label, at);
    ExportLocked(label, StateLocked(label));
  }
}

void GapTracker::Observe(const std::string& type, TimePointT at) {
  std::string label = limiter_.Label(type);
  std::lock_guard<std::mutex> lock(mu_);
  ObserveLocked(label, at);
  ExportLocked(label, StateLocked(label));
}

std::vector<TypeGap> GapTracker::Snapshot() const {
  const TimePointT now = options_.clock->Now();
  std::lock_guard<std::mutex> lock(mu_);
  std::vector<TypeGap> out;
  for (const auto& [type, state] : types_) {
    TypeGap gap;
    gap.type = type;
    gap.last_arrival = state.last;
    if (state.last) {
      gap.current_gap =
          std::max(milliseconds(0), std::chrono::duration_cast<milliseconds>(now - *state.last));
    }
    gap.expected_gap = ExpectedLocked(type, state);
    gap.configured = ConfiguredGap(type).has_value();
    gap.observations = state.intervals.size();
    out.push_back(std::move(gap));
  }
  return out;
}

std::optional<milliseconds> GapTracker::ExpectedGap(const std::string& type) const {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = types_.find(type);
  if (it == types_.end()) return ConfiguredGap(type);
  return ExpectedLocked(type, it->second);
}

}  // namespace fxagent
