#include "rules/alerting/alert_state.h"

#include "rules/alerting/fingerprint.h"

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
  return FingerprintHex(LabelSetFingerprint(labels()));
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
