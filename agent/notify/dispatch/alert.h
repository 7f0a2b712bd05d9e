/// The notifier's input: one alert as the rule engine produced it (labels, annotations,
/// firing or resolved), with its Alertmanager-compatible fingerprint. Plain value type.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>

#include "agent/config/units.h"

namespace fxagent {

using LabelSet = std::map<std::string, std::string>;

struct Alert {
  LabelSet labels;       // includes alertname, severity (P1..P4), instance, component...
  LabelSet annotations;  // summary, description, playbook, runbook_url...
  enum class State { kFiring, kResolved } state = State::kFiring;
  TimePoint starts_at{};
  std::optional<TimePoint> ends_at;
  std::string generator_url;

  /// Alertmanager's fingerprint of the labels as 16 lowercase hex digits.
  std::string Fingerprint() const;
  std::string Label(const std::string& name) const;
  std::string Annotation(const std::string& name) const;
  bool Firing() const { return state == State::kFiring; }
};

/// Alertmanager's fingerprint; rules/alerting/fingerprint.h has the one implementation.
uint64_t LabelSetFingerprint(const LabelSet& labels);
std::string FingerprintHex(uint64_t fingerprint);

/// RFC 3339 UTC as Go's time.Time marshals it: "2026-11-24T12:00:00Z", with fractional
/// seconds only when non-zero ("...:00.5Z"). The zero TimePoint{} gives the Unix epoch.
std::string FormatRfc3339(TimePoint t);
/// "2026-11-24 12:00 UTC" as in the incident communication template.
std::string FormatUtcMinute(TimePoint t);
/// "1h5m", "42s": a human duration rounded down to seconds.
std::string FormatHumanDuration(std::chrono::milliseconds d);

/// Go's zero time as Alertmanager prints it for a firing alert's endsAt.
inline constexpr const char* kZeroTime = "0001-01-01T00:00:00Z";

}  // namespace fxagent
