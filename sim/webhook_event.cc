#include "sim/webhook_event.h"

#include <array>
#include <cstdio>

namespace fxagent::sim {
namespace {

using nlohmann::json;

constexpr uint64_t kFirstNumericId = 354987;
constexpr std::array<const char*, 5> kMilestones = {"cargo_ready", "departed", "arrived",
                                                    "customs_cleared", "delivered"};

std::string RandomHex(std::mt19937_64& rng, int chars) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  for (int i = 0; i < chars; ++i) out.push_back(kHex[rng() & 0xF]);
  return out;
}

std::string ShipmentId(uint64_t seq) {
  char buf[32];
  std::snprintf(buf, sizeof(buf), "FLEX-%06llu",
                static_cast<unsigned long long>(100000 + seq % 42));
  return buf;
}

json ReferenceResource(std::string_view type, uint64_t seq) {
  const std::string kind(type.substr(0, type.find('#')));  // "/shipment_leg"
  const int64_t shipment = static_cast<int64_t>(100000 + seq % 42);
  json resource = {{"_object", kind}, {"id", static_cast<int64_t>(500000 + seq)}};
  if (kind == "/shipment") {
    resource["id"] = shipment;
    resource["name"] = "PO " + std::to_string(4500 + seq % 42);
  } else {
    resource["shipment"] = {{"_object", "/shipment"}, {"id", shipment}};
  }
  return resource;
}

json GuideData(std::string_view type, uint64_t seq, const std::string& occurred) {
  if (type == "shipment.milestone") {
    return {{"shipment_id", ShipmentId(seq)},
            {"milestone", kMilestones[seq % kMilestones.size()]},
            {"occurred_at", occurred}};
  }
  json data = {{"occurred_at", occurred}};
  const std::string t(type);
  if (t.rfind("booking", 0) == 0) {
    data["booking_id"] = "BKG-" + std::to_string(7000 + seq % 12);
  } else if (t.rfind("purchase_order", 0) == 0 || t.rfind("po", 0) == 0) {
    data["purchase_order_id"] = "PO-" + std::to_string(4500 + seq % 12);
  } else if (t.rfind("invoice", 0) == 0) {
    data["invoice_id"] = "INV-" + std::to_string(9100 + seq % 12);
  } else {
    data["shipment_id"] = ShipmentId(seq);
  }
  return data;
}

}  // namespace

const std::vector<std::string>& KnownEventTypes() {
  static const std::vector<std::string> kTypes = {
      "shipment.milestone",
      "shipment.transit",
      "booking.confirmed",
      "booking.amended",
      "purchase_order.created",
      "purchase_order.updated",
      "invoice.created",
      "document.uploaded",
      "container.loaded",
      "/shipment#schedule_confirmed",
      "/shipment_leg#departed",
      "/shipment_leg#arrived",
      "/shipment_leg#updated_estimated_time_of_arrival",
  };
  return kTypes;
}

WebhookEvent BuildEvent(std::string_view type, uint64_t seq, WallTime now, std::mt19937_64& rng) {
  WebhookEvent ev;
  ev.type = std::string(type);
  ev.created_at = now;
  const std::string ts = FormatIso8601(now);
  if (!type.empty() && type.front() == '/') {
    const uint64_t id = kFirstNumericId + seq;
    ev.id = std::to_string(id);
    ev.json = {{"_object", "/event"},
               {"id", id},
               {"version", 2},
               {"created_at", ts},
               {"occurred_at", ts},
               {"type", ev.type},
               {"data",
                {{"_object", "/shipment_event_data"}, {"resource", ReferenceResource(type, seq)}}}};
  } else {
    ev.id = "evt_" + RandomHex(rng, 20);
    ev.json = {
        {"id", ev.id}, {"type", ev.type}, {"created_at", ts}, {"data", GuideData(type, seq, ts)}};
  }
  ev.body = ev.json.dump();
  return ev;
}

}  // namespace fxagent::sim
