/// Structured logs to stderr: one JSON object per line (or `key=value` text with
/// --log-format text). Callers must never pass secrets or request bodies as fields.
/// Thread-safe.
#pragma once

#include <chrono>
#include <cstdio>
#include <initializer_list>
#include <mutex>
#include <string>
#include <string_view>
#include <utility>

namespace fxagent {

enum class LogLevel { kDebug, kInfo, kWarn, kError };
enum class LogFormat { kJson, kText };

class Logger {
 public:
  using Fields = std::initializer_list<std::pair<std::string_view, std::string>>;

  explicit Logger(LogFormat format = LogFormat::kJson, LogLevel min_level = LogLevel::kInfo,
                  std::FILE* out = stderr);

  void Log(LogLevel level, std::string_view message, Fields fields = {});
  void Info(std::string_view m, Fields f = {}) { Log(LogLevel::kInfo, m, f); }
  void Warn(std::string_view m, Fields f = {}) { Log(LogLevel::kWarn, m, f); }
  void Error(std::string_view m, Fields f = {}) { Log(LogLevel::kError, m, f); }

  /// Parses "json"/"text" and "debug"/"info"/"warn"/"error"; false when unknown.
  static bool ParseFormat(std::string_view s, LogFormat* out);
  static bool ParseLevel(std::string_view s, LogLevel* out);

 private:
  LogFormat format_;
  LogLevel min_level_;
  std::FILE* out_;
  std::mutex mu_;
};

/// RFC 3339 UTC with milliseconds: "2026-11-24T12:00:00.123Z".
std::string FormatTimestamp(std::chrono::system_clock::time_point t);

}  // namespace fxagent
