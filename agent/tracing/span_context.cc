#include "agent/tracing/span_context.h"

#include <random>

namespace fxagent {
namespace {

constexpr char kHexDigits[] = "0123456789abcdef";

template <std::size_t N>
std::string HexOf(const std::array<std::uint8_t, N>& bytes) {
  std::string out(N * 2, '0');
  for (std::size_t i = 0; i < N; ++i) {
    out[2 * i] = kHexDigits[bytes[i] >> 4];
    out[2 * i + 1] = kHexDigits[bytes[i] & 0x0f];
  }
  return out;
}

int LowerHexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  return -1;
}

template <std::size_t N>
bool ParseHex(std::string_view s, std::array<std::uint8_t, N>* out) {
  if (s.size() != N * 2) return false;
  for (std::size_t i = 0; i < N; ++i) {
    int hi = LowerHexValue(s[2 * i]);
    int lo = LowerHexValue(s[2 * i + 1]);
    if (hi < 0 || lo < 0) return false;
    (*out)[i] = static_cast<std::uint8_t>(hi << 4 | lo);
  }
  return true;
}

template <std::size_t N>
bool AllZero(const std::array<std::uint8_t, N>& a) {
  for (auto b : a) {
    if (b != 0) return false;
  }
  return true;
}

std::mt19937_64& Generator() {
  thread_local std::mt19937_64 gen([] {
    std::random_device rd;
    std::seed_seq seq{rd(), rd(), rd(), rd(), rd(), rd(), rd(), rd()};
    return std::mt19937_64(seq);
  }());
  return gen;
}

template <std::size_t N>
void FillRandomNonZero(std::array<std::uint8_t, N>* out) {
  auto& gen = Generator();
  do {
    for (std::size_t i = 0; i < N; i += 8) {
      std::uint64_t v = gen();
      for (std::size_t j = 0; j < 8 && i + j < N; ++j) {
        (*out)[i + j] = static_cast<std::uint8_t>(v >> (8 * j));
      }
    }
  } while (AllZero(*out));
}

}  // namespace

bool SpanContext::IsValid() const { return !IsZero(trace_id) && !IsZero(span_id); }

bool IsZero(const TraceId& id) { return AllZero(id); }
bool IsZero(const SpanId& id) { return AllZero(id); }

std::string ToHex(const TraceId& id) { return HexOf(id); }
std::string ToHex(const SpanId& id) { return HexOf(id); }

TraceId NewTraceId() {
  TraceId id;
  FillRandomNonZero(&id);
  return id;
}

SpanId NewSpanId() {
  SpanId id;
  FillRandomNonZero(&id);
  return id;
}

std::optional<SpanContext> ParseTraceparent(std::string_view header) {
  // version "-" trace-id "-" parent-id "-" trace-flags: 2+1+32+1+16+1+2 = 55.
  constexpr std::size_t kLength = 55;
  if (header.size() < kLength) return std::nullopt;
  std::array<std::uint8_t, 1> version{};
  if (!ParseHex(header.substr(0, 2), &version) || version[0] == 0xff) return std::nullopt;
  if (version[0] == 0x00 && header.size() != kLength) return std::nullopt;
  if (header.size() > kLength && header[kLength] != '-') return std::nullopt;
  if (header[2] != '-' || header[35] != '-' || header[52] != '-') return std::nullopt;
  SpanContext ctx;
  std::array<std::uint8_t, 1> flags{};
  if (!ParseHex(header.substr(3, 32), &ctx.trace_id) ||
      !ParseHex(header.substr(36, 16), &ctx.span_id) || !ParseHex(header.substr(53, 2), &flags)) {
    return std::nullopt;
  }
  if (!ctx.IsValid()) return std::nullopt;
  ctx.trace_flags = flags[0];
  return ctx;
}

std::string FormatTraceparent(const SpanContext& context) {
  if (!context.IsValid()) return {};
  std::array<std::uint8_t, 1> flags{context.trace_flags};
  return "00-" + ToHex(context.trace_id) + "-" + ToHex(context.span_id) + "-" + HexOf(flags);
}

}  // namespace fxagent
