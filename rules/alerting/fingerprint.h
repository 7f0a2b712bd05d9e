/// Alertmanager's alert fingerprint (prometheus/common model.LabelSet.Fingerprint): FNV-1a
/// 64 over the label names in sorted order, each name and value followed by the 0xff
/// separator byte; shown as 16 lowercase hex digits. The one implementation: alert states
/// (rules/alerting) and the notifier (agent/notify) both use it. Pure functions.
#pragma once

#include <cstdint>
#include <map>
#include <string>

namespace fxagent::alerting {

uint64_t LabelSetFingerprint(const std::map<std::string, std::string>& labels);
/// `%016x`, as Alertmanager's API and webhook payloads print it.
std::string FingerprintHex(uint64_t fingerprint);

}  // namespace fxagent::alerting
