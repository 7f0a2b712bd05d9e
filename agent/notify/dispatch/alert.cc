#include "agent/notify/dispatch/alert.h"

#include <cstdio>
#include <ctime>

#include "rules/alerting/fingerprint.h"

namespace fxagent {
namespace {

std::tm UtcTm(TimePoint t, int64_t* millis) {
  auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(t.time_since_epoch()).count();
  int64_t secs = ms / 1000;
  int64_t rem = ms % 1000;
  if (rem < 0) {
    rem += 1000;
    --secs;
  }
  if (millis != nullptr) *millis = rem;
  std::time_t tt = static_cast<std::time_t>(secs);
  std::tm tm{};
  gmtime_r(&tt, &tm);
  return tm;
}

}  // namespace

uint64_t LabelSetFingerprint(const LabelSet& labels) {
  return alerting::LabelSetFingerprint(labels);
}

std::string FingerprintHex(uint64_t fingerprint) { return alerting::FingerprintHex(fingerprint); }

std::string Alert::Fingerprint() const { return FingerprintHex(LabelSetFingerprint(labels)); }

std::string Alert::Label(const std::string& name) const {
  auto it = labels.find(name);
  return it == labels.end() ? std::string() : it->second;
}

std::string Alert::Annotation(const std::string& name) const {
  auto it = annotations.find(name);
  return it == annotations.end() ? std::string() : it->second;
}

std::string FormatRfc3339(TimePoint t) {
  int64_t millis = 0;
  std::tm tm = UtcTm(t, &millis);
  char buf[40];
  std::strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%S", &tm);
  std::string out = buf;
  if (millis != 0) {
    char frac[8];
    std::snprintf(frac, sizeof(frac), ".%03d", static_cast<int>(millis));
    std::string f = frac;
    while (f.back() == '0') f.pop_back();
    out += f;
  }
  return out + "Z";
}

std::string FormatUtcMinute(TimePoint t) {
  std::tm tm = UtcTm(t, nullptr);
  char buf[40];
  std::strftime(buf, sizeof(buf), "%Y-%m-%d %H:%M UTC", &tm);
  return buf;
}

std::string FormatHumanDuration(std::chrono::milliseconds d) {
  int64_t s = std::chrono::duration_cast<std::chrono::seconds>(d).count();
  if (s < 0) s = 0;
  int64_t days = s / 86400, hours = (s % 86400) / 3600, mins = (s % 3600) / 60, secs = s % 60;
  std::string out;
  if (days > 0) out += std::to_string(days) + "d";
  if (hours > 0) out += std::to_string(hours) + "h";
  if (mins > 0) out += std::to_string(mins) + "m";
  if (secs > 0 || out.empty()) out += std::to_string(secs) + "s";
  return out;
}

}  // namespace fxagent
