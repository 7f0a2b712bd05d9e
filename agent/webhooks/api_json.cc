#include "agent/webhooks/api_json.h"

#include <time.h>

#include <cstdio>
#include <nlohmann/json.hpp>

namespace fxagent {

using Json = nlohmann::json;

std::string FormatRfc3339(EventTime t) {
  time_t secs = std::chrono::system_clock::to_time_t(t);
  struct tm tm_utc {};
  gmtime_r(&secs, &tm_utc);
  char buf[32];
  strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%SZ", &tm_utc);
  return buf;
}

std::optional<EventTime> ParseRfc3339(std::string_view text) {
  // Accepts "YYYY-MM-DDTHH:MM:SS" with optional fraction, then "Z" or "+HH:MM"/"-HH:MM".
  std::string s(text);
  int y, mo, d, h, mi, sec, consumed = 0;
  if (std::sscanf(s.c_str(), "%4d-%2d-%2d%*1[Tt ]%2d:%2d:%2d%n", &y, &mo, &d, &h, &mi, &sec,
                  &consumed) != 6 ||
      consumed == 0) {
    return std::nullopt;
  }
  size_t pos = static_cast<size_t>(consumed);
  if (pos < s.size() && s[pos] == '.') {
    ++pos;
    while (pos < s.size() && s[pos] >= '0' && s[pos] <= '9') ++pos;
  }
  int offset_minutes = 0;
  if (pos < s.size() && (s[pos] == 'Z' || s[pos] == 'z')) {
    ++pos;
  } else if (pos < s.size() && (s[pos] == '+' || s[pos] == '-')) {
    int oh, om;
    if (std::sscanf(s.c_str() + pos + 1, "%2d:%2d", &oh, &om) != 2) return std::nullopt;
    offset_minutes = (oh * 60 + om) * (s[pos] == '-' ? -1 : 1);
    pos += 6;
  } else {
    return std::nullopt;
  }
  if (pos != s.size()) return std::nullopt;
  if (mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || sec > 60) return std::nullopt;
  struct tm tm_utc {};
  tm_utc.tm_year = y - 1900;
  tm_utc.tm_mon = mo - 1;
  tm_utc.tm_mday = d;
  tm_utc.tm_hour = h;
  tm_utc.tm_min = mi;
  tm_utc.tm_sec = sec;
  time_t secs = timegm(&tm_utc);
  return std::chrono::system_clock::from_time_t(secs) - std::chrono::minutes(offset_minutes);
}

std::string DeadLetterPageJson(const DeadLetterPage& page) {
  Json items = Json::array();
  for (const StoredEvent& e : page.items) {
    items.push_back({{"id", e.id},
                     {"type", e.type},
                     {"shipment_key", e.shipment_key},
                     {"received_at", FormatRfc3339(e.received_at)},
                     {"attempts", e.attempts},
                     {"last_error", e.last_error},
                     {"reason", e.dead_reason},
                     {"source", ToString(e.source)},
                     {"body", e.body}});
  }
  Json doc = {{"items", std::move(items)}};
  doc["next_before"] = page.next_before_seq == 0 ? Json(nullptr) : Json(page.next_before_seq);
  return doc.dump(-1, ' ', false, Json::error_handler_t::replace);
}

std::string GapSnapshotJson(const std::vector<TypeGap>& gaps) {
  Json out = Json::array();
  auto seconds = [](std::chrono::milliseconds d) { return static_cast<double>(d.count()) / 1e3; };
  for (const TypeGap& g : gaps) {
    Json item = {{"type", g.type}, {"configured", g.configured}};
    item["last_arrival"] = g.last_arrival ? Json(FormatRfc3339(*g.last_arrival)) : Json(nullptr);
    item["current_gap_seconds"] = g.current_gap ? Json(seconds(*g.current_gap)) : Json(nullptr);
    item["expected_gap_seconds"] = g.expected_gap ? Json(seconds(*g.expected_gap)) : Json(nullptr);
    out.push_back(std::move(item));
  }
  return out.dump(-1, ' ', false, Json::error_handler_t::replace);
}

std::optional<ReplayRequest> ParseReplayRequest(std::string_view body, std::string* error) {
  auto fail = [error](const char* message) -> std::optional<ReplayRequest> {
    if (error != nullptr) *error = message;
    return std::nullopt;
  };
  Json doc = Json::parse(body.begin(), body.end(), nullptr, /*allow_exceptions=*/false);
  if (doc.is_discarded() || !doc.is_object()) return fail("body must be a JSON object");
  ReplayRequest request;
  for (const auto& [key, value] : doc.items()) {
    if (key == "ids") {
      if (!value.is_array()) return fail("\"ids\" must be an array of strings");
      for (const Json& id : value) {
        if (!id.is_string()) return fail("\"ids\" must be an array of strings");
        request.ids.push_back(id.get<std::string>());
      }
    } else if (key == "type") {
      if (!value.is_string()) return fail("\"type\" must be a string");
      request.type = value.get<std::string>();
    } else if (key == "since") {
      if (!value.is_string()) return fail("\"since\" must be an RFC 3339 time");
      request.since = ParseRfc3339(value.get<std::string>());
      if (!request.since) return fail("\"since\" must be an RFC 3339 time");
    } else if (key == "include_delivered") {
      if (!value.is_boolean()) return fail("\"include_delivered\" must be a boolean");
      request.include_delivered = value.get<bool>();
    } else {
      return fail("unknown field (expected ids, type, since, include_delivered)");
    }
  }
  return request;
}

}  // namespace fxagent
