#include "agent/proxy/traceparent.h"

#include <algorithm>
#include <random>

namespace fxagent {
namespace {

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  return -1;  // upper case is invalid in traceparent
}

template <size_t N>
bool ParseHex(std::string_view s, std::array<uint8_t, N>& out) {
  if (s.size() != 2 * N) return false;
  for (size_t i = 0; i < N; ++i) {
    const int hi = HexValue(s[2 * i]);
    const int lo = HexValue(s[2 * i + 1]);
    if (hi < 0 || lo < 0) return false;
    out[i] = static_cast<uint8_t>(hi * 16 + lo);
  }
  return true;
}

template <size_t N>
bool AllZero(const std::array<uint8_t, N>& a) {
  return std::all_of(a.begin(), a.end(), [](uint8_t b) { return b == 0; });
}

void AppendHex(std::string& out, const uint8_t* bytes, size_t n) {
  static constexpr char kDigits[] = "0123456789abcdef";
  for (size_t i = 0; i < n; ++i) {
    out.push_back(kDigits[bytes[i] >> 4]);
    out.push_back(kDigits[bytes[i] & 0xf]);
  }
}

template <size_t N>
void FillRandom(std::mt19937_64& rng, std::array<uint8_t, N>& out) {
  do {
    for (size_t i = 0; i < N; i += 8) {
      uint64_t v = rng();
      for (size_t j = i; j < std::min(N, i + 8); ++j, v >>= 8) out[j] = static_cast<uint8_t>(v);
    }
  } while (AllZero(out));
}

}  // namespace

std::optional<TraceContext> ParseProxyTraceparent(std::string_view value) {
  // version(2) - trace(32) - span(16) - flags(2) = 55 characters.
  constexpr size_t kLength = 55;
  if (value.size() < kLength) return std::nullopt;
  std::array<uint8_t, 1> version{};
  if (!ParseHex(value.substr(0, 2), version) || version[0] == 0xff) return std::nullopt;
  if (version[0] == 0 && value.size() != kLength) return std::nullopt;
  if (value.size() > kLength && value[kLength] != '-') return std::nullopt;
  if (value[2] != '-' || value[35] != '-' || value[52] != '-') return std::nullopt;
  TraceContext c;
  std::array<uint8_t, 1> flags{};
  if (!ParseHex(value.substr(3, 32), c.trace_id) || !ParseHex(value.substr(36, 16), c.span_id) ||
      !ParseHex(value.substr(53, 2), flags)) {
    return std::nullopt;
  }
  if (AllZero(c.trace_id) || AllZero(c.span_id)) return std::nullopt;
  c.flags = flags[0];
  return c;
}

std::string FormatProxyTraceparent(const TraceContext& c) {
  std::string out = "00-";
  out.reserve(55);
  AppendHex(out, c.trace_id.data(), c.trace_id.size());
  out.push_back('-');
  AppendHex(out, c.span_id.data(), c.span_id.size());
  out.push_back('-');
  AppendHex(out, &c.flags, 1);
  return out;
}

TraceContext NewTraceContext() {
  thread_local std::mt19937_64 rng{[] {
    std::random_device rd;
    return (static_cast<uint64_t>(rd()) << 32) ^ rd();
  }()};
  TraceContext c;
  FillRandom(rng, c.trace_id);
  FillRandom(rng, c.span_id);
  c.flags = 0x01;
  return c;
}

}  // namespace fxagent
