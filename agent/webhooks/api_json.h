/// JSON for the relay's internal API (/api/v1/webhooks/*, the gaps in /api/v1/status),
/// so the HTTP layer only moves strings. Pure functions, thread-safe.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "agent/config/units.h"
#include "agent/webhooks/event_store.h"
#include "agent/webhooks/gap_tracker.h"

namespace fxagent {

/// {"items":[{id,type,shipment_key,received_at,attempts,last_error,reason,source,body}],
///  "next_before": <seq or null>}; times are RFC 3339 UTC; body is text (invalid UTF-8
/// replaced). Signature headers are not included.
std::string DeadLetterPageJson(const DeadLetterPage& page);

/// [{"type","last_arrival","current_gap_seconds","expected_gap_seconds","configured"}].
std::string GapSnapshotJson(const std::vector<TypeGap>& gaps);

/// Parses {"ids":[...], "type":"...", "since":"RFC 3339", "include_delivered":bool}.
/// nullopt with `error` set when the body is not such an object.
std::optional<ReplayRequest> ParseReplayRequest(std::string_view body, std::string* error);

/// RFC 3339 UTC with seconds ("2024-01-02T03:04:05Z"). The parser is ParseRfc3339 in
/// agent/config/units.h.
std::string FormatEventTime(EventTime t);

}  // namespace fxagent
