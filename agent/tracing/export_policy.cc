#include "agent/tracing/export_policy.h"

#include <curl/curl.h>

#include <charconv>
#include <string>

namespace fxagent {

ExportOutcome ClassifyExportStatus(int http_status) {
  if (http_status >= 200 && http_status < 300) return ExportOutcome::kSuccess;
  if (http_status == 0 || http_status == 429 || (http_status >= 500 && http_status < 600)) {
    return ExportOutcome::kRetryable;
  }
  return ExportOutcome::kPermanent;
}

std::optional<std::chrono::milliseconds> ParseRetryAfter(
    std::string_view value, std::chrono::system_clock::time_point now) {
  while (!value.empty() && (value.front() == ' ' || value.front() == '\t')) value.remove_prefix(1);
  while (!value.empty() && (value.back() == ' ' || value.back() == '\t' || value.back() == '\r' ||
                            value.back() == '\n')) {
    value.remove_suffix(1);
  }
  if (value.empty()) return std::nullopt;
  long long seconds = 0;
  auto [ptr, ec] = std::from_chars(value.data(), value.data() + value.size(), seconds);
  if (ec == std::errc() && ptr == value.data() + value.size()) {
    if (seconds < 0) return std::nullopt;
    constexpr long long kMaxSeconds = 24LL * 3600;
    return std::chrono::seconds(seconds < kMaxSeconds ? seconds : kMaxSeconds);
  }
  if (ec == std::errc::result_out_of_range) return std::nullopt;
  std::string date(value);
  time_t when = curl_getdate(date.c_str(), nullptr);
  if (when < 0) return std::nullopt;
  auto delta = std::chrono::system_clock::from_time_t(when) - now;
  if (delta < std::chrono::system_clock::duration::zero()) return std::chrono::milliseconds(0);
  return std::chrono::duration_cast<std::chrono::milliseconds>(delta);
}

std::chrono::milliseconds BackoffDelay(int retry, std::chrono::milliseconds initial,
                                       std::chrono::milliseconds max) {
  if (retry < 1) retry = 1;
  auto delay = initial;
  for (int i = 1; i < retry && delay < max; ++i) delay *= 2;
  return delay < max ? delay : max;
}

}  // namespace fxagent
