/// When to retry an OTLP export and how long to wait: pure decisions split from the
/// HTTP sender so they can be tested alone. Thread-safe (no state).
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>

namespace fxagent {

enum class ExportOutcome { kSuccess, kRetryable, kPermanent };

struct ExportResult {
  ExportOutcome outcome = ExportOutcome::kPermanent;
  int http_status = 0;  // 0 = no response (transport error)
  std::optional<std::chrono::milliseconds> retry_after;
  std::string error;  // short, secret-free: "503", "timeout", "connect", ...
};

/// 2xx success; 429, 5xx and transport errors (status 0) retryable; anything else
/// (400 bad payload, 401, 404 wrong path...) permanent.
ExportOutcome ClassifyExportStatus(int http_status);

/// `Retry-After` as delta-seconds or an HTTP date relative to `now`; nullopt if
/// unparseable. A date in the past gives zero.
std::optional<std::chrono::milliseconds> ParseRetryAfter(std::string_view value,
                                                         std::chrono::system_clock::time_point now);

/// Exponential backoff before retry number `retry` (1-based): initial * 2^(retry-1),
/// capped at `max`.
std::chrono::milliseconds BackoffDelay(int retry, std::chrono::milliseconds initial,
                                       std::chrono::milliseconds max);

}  // namespace fxagent
