#include "agent/base/severity.h"

namespace fxagent {

std::string SeverityName(Severity s) {
  return s == Severity::kNone ? "none" : "P" + std::to_string(static_cast<int>(s));
}

std::optional<Severity> ParseSeverity(std::string_view s) {
  if (s == "P1") return Severity::kP1;
  if (s == "P2") return Severity::kP2;
  if (s == "P3") return Severity::kP3;
  if (s == "P4") return Severity::kP4;
  return std::nullopt;
}

int SeverityRank(std::string_view label) {
  std::optional<Severity> s = ParseSeverity(label);
  return s ? static_cast<int>(*s) : 5;
}

Severity MoreUrgent(Severity a, Severity b) {
  if (a == Severity::kNone) return b;
  if (b == Severity::kNone) return a;
  return static_cast<int>(a) <= static_cast<int>(b) ? a : b;
}

}  // namespace fxagent
