/// Builds the webhook events the sim sends, in both envelope shapes from DOMAIN.md:
/// types starting with '/' (e.g. "/shipment_leg#departed") use Flexport's reference
/// Event object with a numeric id; any other type (e.g. "shipment.milestone") uses the
/// integration guides' shape with an "evt_..." id. Pure; thread-safe.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <random>
#include <string>
#include <string_view>
#include <vector>

#include "sim/iso_time.h"

namespace fxagent::sim {

inline constexpr std::string_view kDefaultEventType = "shipment.milestone";

struct WebhookEvent {
  std::string id;  // the event id as text ("354987" or "evt_...")
  std::string type;
  WallTime created_at;
  nlohmann::json json;  // the event object
  std::string body;     // json serialised once; these exact bytes are signed and sent
};

/// The types `/_sim/webhooks/send` knows well (others are accepted and sent generically).
const std::vector<std::string>& KnownEventTypes();

/// Builds event number `seq` (0-based, drives the numeric id and the milestone cycle).
WebhookEvent BuildEvent(std::string_view type, uint64_t seq, WallTime now, std::mt19937_64& rng);

}  // namespace fxagent::sim
