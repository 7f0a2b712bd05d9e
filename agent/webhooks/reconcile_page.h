/// Parsing of one page of Flexport's `GET /events` for the webhook reconciler: the
/// paginated collection (`{"data":{"data":[...],"next":...}}`, newest first) turned into
/// event ids, types, creation times and the serialized event objects. Pure functions;
/// thread-safe.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "agent/webhooks/event_store.h"

namespace fxagent {

/// One event as GET /events lists it.
struct ListedEvent {
  std::string id;  // as the receiver derives it from a delivered body (ParseEvent)
  std::string type;
  std::string shipment_key;
  std::optional<EventTime> created_at;  // created_at, else occurred_at; nullopt if absent
  std::string body;                     // the event object, serialized
};

struct EventsPage {
  std::vector<ListedEvent> events;  // in the page's order (newest first)
  bool has_next = false;            // `next` is a non-null link
  int skipped = 0;                  // entries without an id or a type (cannot be compared)
};

/// Parses a GET /events response body. Accepts the response envelope around a
/// paginated collection, or the bare collection. nullopt with `error` when the body is
/// not such a page (the error never contains the body).
std::optional<EventsPage> ParseEventsPage(std::string_view body,
                                          const std::vector<std::string>& shipment_key_paths,
                                          std::string* error);

}  // namespace fxagent
