#include "sim/iso_time.h"

#include <charconv>
#include <cstdio>
#include <ctime>

namespace fxagent::sim {
namespace {

constexpr long long kMaxSeconds = 9'000'000'000LL;

bool ReadInt(std::string_view s, size_t pos, size_t len, int* out) {
  if (pos + len > s.size()) return false;
  for (size_t i = pos; i < pos + len; ++i) {
    if (s[i] < '0' || s[i] > '9') return false;
  }
  std::from_chars(s.data() + pos, s.data() + pos + len, *out);
  return true;
}

}  // namespace

std::string FormatIso8601(WallTime t) {
  const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(t.time_since_epoch());
  const std::time_t secs = static_cast<std::time_t>(ms.count() / 1000);
  std::tm tm{};
  gmtime_r(&secs, &tm);
  char buf[96];
  std::snprintf(buf, sizeof(buf), "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900,
                tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec,
                static_cast<int>(ms.count() % 1000));
  return buf;
}

std::optional<WallTime> ParseIso8601(std::string_view s) {
  if (s.empty()) return std::nullopt;
  if (s.find_first_not_of("0123456789") == std::string_view::npos) {
    long long secs = 0;
    auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), secs);
    if (ec != std::errc() || ptr != s.data() + s.size()) return std::nullopt;
    if (secs > kMaxSeconds) return WallTime::max();
    return WallTime(std::chrono::seconds(secs));
  }
  std::tm tm{};
  int year = 0, month = 0, day = 0, hour = 0, minute = 0, second = 0;
  if (!ReadInt(s, 0, 4, &year) || s.size() < 10 || s[4] != '-' || !ReadInt(s, 5, 2, &month) ||
      s[7] != '-' || !ReadInt(s, 8, 2, &day)) {
    return std::nullopt;
  }
  size_t pos = 10;
  long long millis = 0;
  long long offset_secs = 0;
  if (pos < s.size()) {
    if ((s[pos] != 'T' && s[pos] != 't' && s[pos] != ' ') || !ReadInt(s, pos + 1, 2, &hour) ||
        s.size() < pos + 9 || s[pos + 3] != ':' || !ReadInt(s, pos + 4, 2, &minute) ||
        s[pos + 6] != ':' || !ReadInt(s, pos + 7, 2, &second)) {
      return std::nullopt;
    }
    pos += 9;
    if (pos < s.size() && s[pos] == '.') {
      ++pos;
      int digits = 0;
      while (pos < s.size() && s[pos] >= '0' && s[pos] <= '9') {
        if (digits < 3) millis = millis * 10 + (s[pos] - '0');
        ++digits;
        ++pos;
      }
      if (digits == 0) return std::nullopt;
      for (int d = digits; d < 3; ++d) millis *= 10;
    }
    if (pos < s.size() && (s[pos] == 'Z' || s[pos] == 'z')) {
      ++pos;
    } else if (pos < s.size() && (s[pos] == '+' || s[pos] == '-')) {
      int oh = 0, om = 0;
      if (!ReadInt(s, pos + 1, 2, &oh) || s.size() < pos + 6 || s[pos + 3] != ':' ||
          !ReadInt(s, pos + 4, 2, &om)) {
        return std::nullopt;
      }
      offset_secs = (s[pos] == '+' ? 1 : -1) * (oh * 3600LL + om * 60LL);
      pos += 6;
    } else {
      return std::nullopt;
    }
  }
  if (pos != s.size() || month < 1 || month > 12 || day < 1 || day > 31 || hour > 23 ||
      minute > 59 || second > 60) {
    return std::nullopt;
  }
  tm.tm_year = year - 1900;
  tm.tm_mon = month - 1;
  tm.tm_mday = day;
  tm.tm_hour = hour;
  tm.tm_min = minute;
  tm.tm_sec = second;
  const long long secs = static_cast<long long>(timegm(&tm)) - offset_secs;
  // system_clock counts nanoseconds in 64 bits: beyond ~2262 saturate instead of wrapping.
  if (secs > kMaxSeconds) return WallTime::max();
  return WallTime(std::chrono::milliseconds(secs * 1000 + millis));
}

}  // namespace fxagent::sim
