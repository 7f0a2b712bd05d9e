#include "rules/alerting/fingerprint.h"

#include <cstdio>

namespace fxagent::alerting {
namespace {

constexpr uint64_t kFnvOffset = 14695981039346656037ULL;
constexpr uint64_t kFnvPrime = 1099511628211ULL;
constexpr unsigned char kSeparator = 0xff;

uint64_t HashAdd(uint64_t h, const std::string& s) {
  for (unsigned char c : s) {
    h ^= c;
    h *= kFnvPrime;
  }
  return h;
}

uint64_t HashAddByte(uint64_t h, unsigned char b) {
  h ^= b;
  return h * kFnvPrime;
}

}  // namespace

uint64_t LabelSetFingerprint(const std::map<std::string, std::string>& labels) {
  uint64_t h = kFnvOffset;
  for (const auto& [name, value] : labels) {  // std::map iterates in sorted order
    h = HashAdd(h, name);
    h = HashAddByte(h, kSeparator);
    h = HashAdd(h, value);
    h = HashAddByte(h, kSeparator);
  }
  return h;
}

std::string FingerprintHex(uint64_t fingerprint) {
  char buf[17];
  std::snprintf(buf, sizeof(buf), "%016llx", static_cast<unsigned long long>(fingerprint));
  return buf;
}

}  // namespace fxagent::alerting
