/// AlertState: one alert instance as the rule engine reports it (labels, annotations,
/// pending/firing/resolved, timestamps), plus Alertmanager's fingerprint of its labels.
/// Thread-safety: plain values.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace fxagent::alerting {

enum class AlertStatus { kPending, kFiring, kResolved };
/// "pending", "firing", "resolved".
std::string_view AlertStatusName(AlertStatus s);

using StringMap = std::map<std::string, std::string>;
/// Immutable, shared label or annotation set: an alert's state at every tick points to
/// the same maps instead of copying them.
using SharedStringMap = std::shared_ptr<const StringMap>;
/// The empty map (never null).
const SharedStringMap& EmptyStringMap();

struct AlertState {
  std::string alertname;
  std::string severity;                               ///< "P1".."P4"
  SharedStringMap label_set = EmptyStringMap();       ///< incl. alertname and severity
  SharedStringMap annotation_set = EmptyStringMap();  ///< templates expanded
  AlertStatus state = AlertStatus::kPending;
  int64_t active_at_ms = 0;    ///< first evaluation where the expression matched
  int64_t fired_at_ms = 0;     ///< when it became firing; 0 = never
  int64_t resolved_at_ms = 0;  ///< resolved only
  /// Set while the expression is empty but keep_firing_for keeps the alert firing.
  std::optional<int64_t> keep_firing_since_ms;
  double value = 0;  ///< the expression's value at the last evaluation

  const StringMap& labels() const { return *label_set; }
  const StringMap& annotations() const { return *annotation_set; }

  /// Alertmanager's label-set fingerprint (FNV-1a 64 over sorted labels), 16 hex digits.
  std::string Fingerprint() const;
};

/// The most urgent severity among firing (or, with include_pending, pending) alerts:
/// "P1".."P4", or "" when none.
std::string HighestSeverity(const std::vector<AlertState>& alerts, bool include_pending = false);

}  // namespace fxagent::alerting
