#include "agent/webhooks/api_json.h"

#include <time.h>

#include <nlohmann/json.hpp>

#include "agent/config/units.h"

namespace fxagent {

using Json = nlohmann::json;

std::string FormatEventTime(EventTime t) {
  time_t secs = std::chrono::system_clock::to_time_t(t);
  struct tm tm_utc {};
  gmtime_r(&secs, &tm_utc);
  char buf[32];
  strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%SZ", &tm_utc);
  return buf;
}

std::string DeadLetterPageJson(const DeadLetterPage& page) {
  Json items = Json::array();
  for (const StoredEvent& e : page.items) {
    items.push_back({{"id", e.id},
                     {"type", e.type},
                     {"shipment_key", e.shipment_key},
                     {"received_at", FormatEventTime(e.received_at)},
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
    item["last_arrival"] = g.last_arrival ? Json(FormatEventTime(*g.last_arrival)) : Json(nullptr);
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
