#include "flexport/ratelimit.h"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cmath>
#include <cstring>

namespace fxagent {
namespace {

// Reset values above this are absolute Unix times rather than a number of seconds.
constexpr double kUnixTimeThreshold = 1e9;

std::string_view Trim(std::string_view s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
  return s;
}

std::optional<double> ParseNumber(std::string_view s) {
  s = Trim(s);
  // Some servers send "100, 100;w=60": the first number is the one that applies.
  s = s.substr(0, s.find_first_of(",;"));
  s = Trim(s);
  if (s.empty()) return std::nullopt;
  double v = 0;
  auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || ptr != s.data() + s.size() || !std::isfinite(v) || v < 0) {
    return std::nullopt;
  }
  return v;
}

const std::string* Find(const std::multimap<std::string, std::string>& h, const char* name) {
  auto it = h.find(name);
  return it == h.end() ? nullptr : &it->second;
}

double ResetToSeconds(double v, std::time_t now) {
  if (v > kUnixTimeThreshold) return std::max(0.0, v - static_cast<double>(now));
  return v;
}

// Structured fields: both the older draft ("limit=100, remaining=50, reset=5") and
// draft-ietf-httpapi-ratelimit-headers-07+ ('"default";r=50;t=30', policy '"default";q=100').
void ParseStructured(std::string_view v, RateLimitInfo& out) {
  size_t pos = 0;
  while (pos < v.size()) {
    size_t end = v.find_first_of(",;", pos);
    if (end == std::string_view::npos) end = v.size();
    std::string_view item = Trim(v.substr(pos, end - pos));
    pos = end + 1;
    const size_t eq = item.find('=');
    if (eq == std::string_view::npos) continue;
    std::string_view key = Trim(item.substr(0, eq));
    auto num = ParseNumber(item.substr(eq + 1));
    if (!num) continue;
    if (key == "limit" || key == "q") {
      out.limit = num;
    } else if (key == "remaining" || key == "r") {
      out.remaining = num;
    } else if (key == "reset" || key == "t") {
      out.reset_seconds = num;
    }
  }
}

}  // namespace

std::optional<double> RateLimitInfo::Headroom() const {
  if (!limit || !remaining || *limit <= 0) return std::nullopt;
  return std::clamp(*remaining / *limit, 0.0, 1.0);
}

std::optional<double> ParseRetryAfter(std::string_view value, std::time_t now) {
  value = Trim(value);
  if (value.empty()) return std::nullopt;
  if (std::isdigit(static_cast<unsigned char>(value.front()))) {
    double v = 0;
    auto [ptr, ec] = std::from_chars(value.data(), value.data() + value.size(), v);
    if (ec != std::errc() || ptr != value.data() + value.size() || v < 0) return std::nullopt;
    return v;
  }
  static constexpr const char* kFormats[] = {"%a, %d %b %Y %H:%M:%S GMT",
                                             "%A, %d-%b-%y %H:%M:%S GMT", "%a %b %d %H:%M:%S %Y"};
  const std::string text(value);
  for (const char* format : kFormats) {
    std::tm tm{};
    const char* end = strptime(text.c_str(), format, &tm);
    if (end == nullptr || *end != '\0') continue;
    const std::time_t when = timegm(&tm);
    if (when == static_cast<std::time_t>(-1)) continue;
    return std::max(0.0, static_cast<double>(when) - static_cast<double>(now));  // no overflow
  }
  return std::nullopt;
}

RateLimitInfo ParseRateLimit(const std::multimap<std::string, std::string>& headers,
                             std::time_t now) {
  RateLimitInfo out;
  for (const char* prefix : {"ratelimit-", "x-ratelimit-"}) {
    const std::string p(prefix);
    if (auto* v = Find(headers, (p + "limit").c_str())) out.limit = ParseNumber(*v);
    if (auto* v = Find(headers, (p + "remaining").c_str())) out.remaining = ParseNumber(*v);
    if (auto* v = Find(headers, (p + "reset").c_str())) {
      if (auto n = ParseNumber(*v)) out.reset_seconds = ResetToSeconds(*n, now);
    }
  }
  if (auto* v = Find(headers, "ratelimit-policy")) {
    RateLimitInfo policy;
    ParseStructured(*v, policy);
    if (policy.limit && !out.limit) out.limit = policy.limit;
  }
  if (auto* v = Find(headers, "ratelimit"); v != nullptr && v->find('=') != std::string::npos) {
    ParseStructured(*v, out);
  }
  if (auto* v = Find(headers, "retry-after")) {
    out.retry_after_seconds = ParseRetryAfter(*v, now);
    if (out.retry_after_seconds) out.reset_seconds = out.retry_after_seconds;
  }
  return out;
}

}  // namespace fxagent
