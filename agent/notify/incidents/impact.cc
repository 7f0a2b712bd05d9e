#include "agent/notify/incidents/impact.h"

#include <ctime>

namespace fxagent {
namespace {

std::string HourMinuteUtc(std::chrono::system_clock::time_point t) {
  const std::time_t secs = std::chrono::system_clock::to_time_t(t);
  std::tm tm{};
  gmtime_r(&secs, &tm);
  char buf[16];
  std::strftime(buf, sizeof(buf), "%H:%M UTC", &tm);
  return buf;
}

void Append(std::string& out, const std::string& part) {
  if (part.empty()) return;
  out += (out.empty() ? "" : "; ") + part;
}

}  // namespace

std::string DescribeImpact(const ImpactFacts& f) {
  std::string out;
  if (f.api_failing) {
    Append(out, f.last_api_success
                    ? "tracking data stale since " + HourMinuteUtc(*f.last_api_success) +
                          " (last successful API call)"
                    : "no successful API call since the agent started");
  }
  if (f.last_webhook && f.now - *f.last_webhook > std::chrono::minutes(30)) {
    Append(out, "no webhook since " + HourMinuteUtc(*f.last_webhook));
  }
  if (f.affected_shipments > 0) {
    Append(out, std::to_string(f.affected_shipments) + " shipment" +
                    (f.affected_shipments == 1 ? "" : "s") +
                    " affected (dead-lettered webhook events)");
  }
  if (f.rate_limited_calls > 0) {
    Append(out, std::to_string(f.rate_limited_calls) + " rate-limited API call" +
                    (f.rate_limited_calls == 1 ? "" : "s"));
  }
  return out;
}

}  // namespace fxagent
