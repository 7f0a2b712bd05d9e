#include "agent/base/logger.h"

#include <ctime>
#include <nlohmann/json.hpp>

namespace fxagent {
namespace {

const char* LevelName(LogLevel level) {
  switch (level) {
    case LogLevel::kDebug:
      return "debug";
    case LogLevel::kInfo:
      return "info";
    case LogLevel::kWarn:
      return "warn";
    case LogLevel::kError:
      return "error";
  }
  return "info";
}

}  // namespace

std::string FormatTimestamp(std::chrono::system_clock::time_point t) {
  using namespace std::chrono;
  const auto ms = duration_cast<milliseconds>(t.time_since_epoch()).count();
  const std::time_t secs = static_cast<std::time_t>(ms / 1000);
  std::tm tm{};
  gmtime_r(&secs, &tm);
  char buf[40];
  std::strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%S", &tm);
  char out[48];
  std::snprintf(out, sizeof(out), "%s.%03dZ", buf, static_cast<int>(ms % 1000));
  return out;
}

Logger::Logger(LogFormat format, LogLevel min_level, std::FILE* out)
    : format_(format), min_level_(min_level), out_(out) {}

void Logger::Log(LogLevel level, std::string_view message, Fields fields) {
  if (level < min_level_) return;
  const std::string ts = FormatTimestamp(std::chrono::system_clock::now());
  std::string line;
  if (format_ == LogFormat::kJson) {
    nlohmann::ordered_json j;
    j["ts"] = ts;
    j["level"] = LevelName(level);
    j["msg"] = message;
    for (const auto& [k, v] : fields) j[std::string(k)] = v;
    line = j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  } else {
    line = ts + " " + LevelName(level) + " " + std::string(message);
    for (const auto& [k, v] : fields) {
      const bool quote = v.find_first_of(" \t\"=") != std::string::npos || v.empty();
      line += " " + std::string(k) + "=" + (quote ? nlohmann::json(v).dump() : v);
    }
  }
  line += '\n';
  std::lock_guard<std::mutex> lock(mu_);
  std::fwrite(line.data(), 1, line.size(), out_);
  std::fflush(out_);
}

bool Logger::ParseFormat(std::string_view s, LogFormat* out) {
  if (s == "json") {
    *out = LogFormat::kJson;
  } else if (s == "text") {
    *out = LogFormat::kText;
  } else {
    return false;
  }
  return true;
}

bool Logger::ParseLevel(std::string_view s, LogLevel* out) {
  if (s == "debug") {
    *out = LogLevel::kDebug;
  } else if (s == "info") {
    *out = LogLevel::kInfo;
  } else if (s == "warn") {
    *out = LogLevel::kWarn;
  } else if (s == "error") {
    *out = LogLevel::kError;
  } else {
    return false;
  }
  return true;
}

}  // namespace fxagent
