// Fuzzes the rate-limit header parser (X-RateLimit-*, RateLimit-*, structured RateLimit /
// RateLimit-Policy, Retry-After as seconds or HTTP date). Input: 8 bytes of "now", then
// header lines "name: value".
#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <map>
#include <string>

#include "flexport/ratelimit.h"
#include "fuzz/fuzz_input.h"

namespace {

void CheckFinite(const std::optional<double>& v) {
  // Gauges exported as-is: NaN or infinity from a header would poison the rules.
  if (v && !std::isfinite(*v)) std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::time_t now = 1'714'550'400;  // 2024-05-01T08:00:00Z
  if (size >= 1) {
    // Mostly realistic clocks, sometimes extreme ones.
    int64_t raw = 0;
    std::memcpy(&raw, data + 1, std::min<size_t>(size - 1, sizeof(raw)));
    if (data[0] & 1) now = static_cast<std::time_t>(raw);
  }
  fxagent::fuzz::FuzzInput in(data, size);
  (void)in.Byte();
  std::multimap<std::string, std::string> headers;
  while (!in.empty()) {
    const std::string_view line = in.Line();
    const size_t colon = line.find(':');
    if (colon == std::string_view::npos) continue;
    std::string name(line.substr(0, colon));
    for (char& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    std::string_view value = line.substr(colon + 1);
    while (!value.empty() && value.front() == ' ') value.remove_prefix(1);
    (void)fxagent::ParseRetryAfter(value, now);
    headers.emplace(std::move(name), std::string(value));
  }
  const fxagent::RateLimitInfo info = fxagent::ParseRateLimit(headers, now);
  CheckFinite(info.limit);
  CheckFinite(info.remaining);
  CheckFinite(info.reset_seconds);
  CheckFinite(info.retry_after_seconds);
  (void)info.Headroom();
  return 0;
}
