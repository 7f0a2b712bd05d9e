/// AlertState: one alert instance as the rule engine reports it (labels, annotations,
/// pending/firing/resolved, timestamps), plus Alertmanager's fingerprint of its labels.
/// Thread-safety: plain values.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace fxagent::alerting {

enum class AlertStatus { kPending, kFiring, kResolved };
/// "pending", "firing", "resolved".
std::string_view AlertStatusName(AlertStatus s);

struct AlertState {
  std::string alertname;
  std::string severity;                            ///< "P1".."P4"
  std::map<std::string, std::string> labels;       ///< incl. alertname and severity
  std::map<std::string, std::string> annotations;  ///< templates expanded
  AlertStatus state = AlertStatus::kPending;
  int64_t active_at_ms = 0;    ///< first evaluation where the expression matched
  int64_t fired_at_ms = 0;     ///< when it became firing; 0 = never
  int64_t resolved_at_ms = 0;  ///< resolved only
  /// Set while the expression is empty but keep_firing_for keeps the alert firing.
  std::optional<int64_t> keep_firing_since_ms;
  double value = 0;  ///< the expression's value at the last evaluation

  /// Alertmanager's label-set fingerprint (FNV-1a 64 over sorted labels), 16 hex digits.
  std::string Fingerprint() const;
};

/// The most urgent severity among firing (or, with include_pending, pending) alerts:
/// "P1".."P4", or "" when none.
std::string HighestSeverity(const std::vector<AlertState>& alerts, bool include_pending = false);

}  // namespace fxagent::alerting
