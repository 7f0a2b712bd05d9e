#include "rules/alerting/alert_state.h"

#include <cstdio>

namespace fxagent::alerting {

std::string_view AlertStatusName(AlertStatus s) {
  switch (s) {
    case AlertStatus::kPending:
      return "pending";
    case AlertStatus::kFiring:
      return "firing";
    case AlertStatus::kResolved:
      return "resolved";
  }
  return "unknown";
}

const SharedStringMap& EmptyStringMap() {
  static const SharedStringMap kEmpty = std::make_shared<const StringMap>();
  return kEmpty;
}

std::string AlertState::Fingerprint() const {
  // prometheus/common model.LabelSet.Fingerprint: FNV-1a over name, 0xff, value, 0xff.
  uint64_t h = 14695981039346656037ULL;
  auto add = [&h](std::string_view s) {
    for (unsigned char c : s) {
      h ^= c;
      h *= 1099511628211ULL;
    }
  };
  for (const auto& [name, value] : labels()) {
    add(name);
    add("\xff");
    add(value);
    add("\xff");
  }
  char buf[17];
  std::snprintf(buf, sizeof(buf), "%016llx", static_cast<unsigned long long>(h));
  return buf;
}

std::string HighestSeverity(const std::vector<AlertState>& alerts, bool include_pending) {
  std::string best;
  for (const AlertState& a : alerts) {
    bool counts =
        a.state == AlertStatus::kFiring || (include_pending && a.state == AlertStatus::kPending);
    if (counts && !a.severity.empty() && (best.empty() || a.severity < best)) best = a.severity;
  }
  return best;
}

}  // namespace fxagent::alerting
