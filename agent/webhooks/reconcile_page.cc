#include "agent/webhooks/reconcile_page.h"

#include <nlohmann/json.hpp>

#include "agent/config/units.h"
#include "agent/webhooks/event.h"

namespace fxagent {
namespace {

using Json = nlohmann::json;

// The collection object: the envelope's `data`, or the body itself.
const Json* FindCollection(const Json& doc) {
  if (!doc.is_object()) return nullptr;
  auto data = doc.find("data");
  if (data == doc.end()) return nullptr;
  if (data->is_array()) return &doc;  // a bare collection
  if (data->is_object()) {
    auto inner = data->find("data");
    if (inner != data->end() && inner->is_array()) return &*data;
  }
  return nullptr;
}

}  // namespace

std::optional<EventsPage> ParseEventsPage(std::string_view body,
                                          const std::vector<std::string>& shipment_key_paths,
                                          std::string* error) {
  Json doc = Json::parse(body.begin(), body.end(), nullptr, /*allow_exceptions=*/false);
  if (doc.is_discarded()) {
    if (error != nullptr) *error = "events page is not valid JSON";
    return std::nullopt;
  }
  const Json* collection = FindCollection(doc);
  if (collection == nullptr) {
    if (error != nullptr) *error = "events page has no data array";
    return std::nullopt;
  }
  EventsPage page;
  auto next = collection->find("next");
  page.has_next = next != collection->end() && !next->is_null() &&
                  !(next->is_string() && next->get<std::string>().empty());
  for (const Json& item : collection->at("data")) {
    if (!item.is_object() || !item.contains("id")) {
      ++page.skipped;  // without an envelope id there is nothing to match a delivery by
      continue;
    }
    std::string serialized = item.dump(-1, ' ', false, Json::error_handler_t::replace);
    ParseResult parsed = ParseEvent(serialized, shipment_key_paths);
    if (!parsed.event || !parsed.event->id_from_envelope) {
      ++page.skipped;
      continue;
    }
    ListedEvent event;
    event.id = parsed.event->id;
    event.type = parsed.event->type;
    event.shipment_key = parsed.event->shipment_key;
    const std::string& when =
        parsed.event->created_at.empty() ? parsed.event->occurred_at : parsed.event->created_at;
    if (!when.empty()) event.created_at = ParseRfc3339(when);
    event.body = std::move(serialized);
    page.events.push_back(std::move(event));
  }
  return page;
}

}  // namespace fxagent
