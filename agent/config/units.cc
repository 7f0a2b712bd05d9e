#include "agent/config/units.h"

#include <arpa/inet.h>

#include <array>
#include <cstdint>
#include <limits>

namespace fxagent {
namespace {

bool IsDigit(char c) { return c >= '0' && c <= '9'; }

// Reads a run of decimal digits into `out`; false when empty or out of range.
bool ReadUnsigned(std::string_view text, size_t& pos, uint64_t max, uint64_t& out) {
  size_t start = pos;
  out = 0;
  while (pos < text.size() && IsDigit(text[pos])) {
    uint64_t digit = static_cast<uint64_t>(text[pos] - '0');
    if (out > (max - digit) / 10) return false;
    out = out * 10 + digit;
    ++pos;
  }
  return pos > start;
}

// Fixed-width decimal field, for RFC 3339.
bool ReadFixed(std::string_view text, size_t& pos, size_t width, int& out) {
  if (pos + width > text.size()) return false;
  out = 0;
  for (size_t i = 0; i < width; ++i) {
    char c = text[pos + i];
    if (!IsDigit(c)) return false;
    out = out * 10 + (c - '0');
  }
  pos += width;
  return true;
}

struct DurationUnit {
  std::string_view name;
  int64_t millis;
};

// Longest first where one unit is a prefix of another ("ms" before "m").
constexpr std::array<DurationUnit, 5> kDurationUnits = {{
    {"d", 86400000},
    {"h", 3600000},
    {"ms", 1},
    {"m", 60000},
    {"s", 1000},
}};

// Rank in decreasing order of magnitude, so "1h30m" is accepted and "30m1h" is not.
int UnitRank(int64_t millis) {
  switch (millis) {
    case 86400000:
      return 0;
    case 3600000:
      return 1;
    case 60000:
      return 2;
    case 1000:
      return 3;
    default:
      return 4;
  }
}

bool IsHostnameChar(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || IsDigit(c) || c == '-' || c == '.' ||
         c == '_';
}

bool ValidHost(const std::string& host) {
  if (host.empty() || host.size() > 253) return false;
  bool all_numeric = true;
  for (char c : host) {
    if (!IsHostnameChar(c)) return false;
    if (!IsDigit(c) && c != '.') all_numeric = false;
  }
  if (host.front() == '-' || host.front() == '.' || host.back() == '-') return false;
  if (all_numeric) {
    in_addr addr{};
    return inet_pton(AF_INET, host.c_str(), &addr) == 1;
  }
  return true;
}

}  // namespace

std::string ListenAddress::ToString() const {
  std::string port_text = std::to_string(port);
  if (host.find(':') != std::string::npos) return "[" + host + "]:" + port_text;
  return host + ":" + port_text;
}

std::optional<Duration> ParseDuration(std::string_view text) {
  if (text == "0") return Duration::zero();
  if (text.empty()) return std::nullopt;
  constexpr uint64_t kMax = static_cast<uint64_t>(std::numeric_limits<int64_t>::max());
  size_t pos = 0;
  int last_rank = -1;
  uint64_t total = 0;
  while (pos < text.size()) {
    uint64_t value = 0;
    if (!ReadUnsigned(text, pos, kMax, value)) return std::nullopt;
    const DurationUnit* unit = nullptr;
    for (const DurationUnit& u : kDurationUnits) {
      if (text.substr(pos, u.name.size()) == u.name) {
        unit = &u;
        break;
      }
    }
    if (unit == nullptr) return std::nullopt;
    pos += unit->name.size();
    int rank = UnitRank(unit->millis);
    if (rank <= last_rank) return std::nullopt;
    last_rank = rank;
    uint64_t millis = static_cast<uint64_t>(unit->millis);
    if (value > kMax / millis) return std::nullopt;
    uint64_t part = value * millis;
    if (total > kMax - part) return std::nullopt;
    total += part;
  }
  return Duration(static_cast<int64_t>(total));
}

std::string FormatDuration(Duration d) {
  int64_t ms = d.count();
  if (ms == 0) return "0s";
  std::string out;
  uint64_t rest;
  if (ms < 0) {
    out = "-";
    rest = static_cast<uint64_t>(-(ms + 1)) + 1;
  } else {
    rest = static_cast<uint64_t>(ms);
  }
  constexpr std::array<DurationUnit, 5> kOrder = {{
      {"d", 86400000},
      {"h", 3600000},
      {"m", 60000},
      {"s", 1000},
      {"ms", 1},
  }};
  for (const DurationUnit& u : kOrder) {
    uint64_t per = static_cast<uint64_t>(u.millis);
    if (rest >= per) {
      out += std::to_string(rest / per);
      out += u.name;
      rest %= per;
    }
  }
  return out;
}

std::optional<uint64_t> ParseSize(std::string_view text) {
  struct SizeUnit {
    std::string_view name;
    uint64_t factor;
  };
  constexpr std::array<SizeUnit, 10> kUnits = {{
      {"", 1},
      {"B", 1},
      {"KB", 1000},
      {"MB", uint64_t{1000} * 1000},
      {"GB", uint64_t{1000} * 1000 * 1000},
      {"TB", 1000ULL * 1000 * 1000 * 1000},
      {"KiB", 1024},
      {"MiB", uint64_t{1024} * 1024},
      {"GiB", uint64_t{1024} * 1024 * 1024},
      {"TiB", 1024ULL * 1024 * 1024 * 1024},
  }};
  size_t pos = 0;
  uint64_t value = 0;
  if (!ReadUnsigned(text, pos, std::numeric_limits<uint64_t>::max(), value)) {
    return std::nullopt;
  }
  std::string_view suffix = text.substr(pos);
  for (const SizeUnit& u : kUnits) {
    if (suffix != u.name) continue;
    if (value > std::numeric_limits<uint64_t>::max() / u.factor) return std::nullopt;
    return value * u.factor;
  }
  return std::nullopt;
}

std::optional<ListenAddress> ParseListenAddress(std::string_view text) {
  ListenAddress out;
  size_t colon;
  if (!text.empty() && text.front() == '[') {
    size_t close = text.find(']');
    if (close == std::string_view::npos || close + 1 >= text.size() || text[close + 1] != ':') {
      return std::nullopt;
    }
    out.host = std::string(text.substr(1, close - 1));
    in6_addr addr{};
    if (inet_pton(AF_INET6, out.host.c_str(), &addr) != 1) return std::nullopt;
    colon = close + 1;
  } else {
    colon = text.rfind(':');
    if (colon == std::string_view::npos) return std::nullopt;
    out.host = std::string(text.substr(0, colon));
    if (!ValidHost(out.host)) return std::nullopt;
  }
  std::string_view port_text = text.substr(colon + 1);
  size_t pos = 0;
  uint64_t port = 0;
  if (port_text.size() > 5 || !ReadUnsigned(port_text, pos, 65535, port) ||
      pos != port_text.size()) {
    return std::nullopt;
  }
  out.port = static_cast<uint16_t>(port);
  return out;
}

std::optional<TimePoint> ParseRfc3339(std::string_view text) {
  using namespace std::chrono;
  size_t pos = 0;
  int year, month, day, hour, minute, second;
  auto expect = [&](char c) {
    if (pos < text.size() && text[pos] == c) {
      ++pos;
      return true;
    }
    return false;
  };
  if (!ReadFixed(text, pos, 4, year) || !expect('-') || !ReadFixed(text, pos, 2, month) ||
      !expect('-') || !ReadFixed(text, pos, 2, day)) {
    return std::nullopt;
  }
  if (!(expect('T') || expect('t') || expect(' '))) return std::nullopt;
  if (!ReadFixed(text, pos, 2, hour) || !expect(':') || !ReadFixed(text, pos, 2, minute) ||
      !expect(':') || !ReadFixed(text, pos, 2, second)) {
    return std::nullopt;
  }
  year_month_day ymd{std::chrono::year{year}, std::chrono::month{static_cast<unsigned>(month)},
                     std::chrono::day{static_cast<unsigned>(day)}};
  // Nanosecond time points cover 1678..2261: outside that the sum below would overflow.
  if (!ymd.ok() || year < 1678 || year > 2261 || hour > 23 || minute > 59 || second > 60) {
    return std::nullopt;
  }
  nanoseconds fraction{0};
  if (expect('.')) {
    size_t start = pos;
    int64_t nanos = 0;
    while (pos < text.size() && IsDigit(text[pos])) {
      if (pos - start < 9) nanos = nanos * 10 + (text[pos] - '0');
      ++pos;
    }
    if (pos == start) return std::nullopt;
    for (size_t n = pos - start; n < 9; ++n) nanos *= 10;
    fraction = nanoseconds(nanos);
  }
  seconds offset{0};
  if (expect('Z') || expect('z')) {
    // UTC.
  } else if (pos < text.size() && (text[pos] == '+' || text[pos] == '-')) {
    int sign = text[pos] == '-' ? -1 : 1;
    ++pos;
    int off_hour, off_minute;
    if (!ReadFixed(text, pos, 2, off_hour) || !expect(':') ||
        !ReadFixed(text, pos, 2, off_minute) || off_hour > 23 || off_minute > 59) {
      return std::nullopt;
    }
    offset = seconds(sign * (off_hour * 3600 + off_minute * 60));
  } else {
    return std::nullopt;
  }
  if (pos != text.size()) return std::nullopt;
  sys_time<nanoseconds> utc =
      sys_days(ymd) + hours(hour) + minutes(minute) + seconds(second) + fraction - offset;
  return time_point_cast<TimePoint::duration>(utc);
}

}  // namespace fxagent
