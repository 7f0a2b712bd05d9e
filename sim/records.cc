#include "sim/records.h"

#include <algorithm>
#include <array>
#include <functional>
#include <map>

namespace fxagent::sim {
namespace {

using nlohmann::json;

constexpr std::array<const char*, 6> kPorts = {"CNSHA", "USLAX", "NLRTM",
                                               "SGSIN", "DEHAM", "USNYC"};
constexpr std::array<const char*, 4> kModes = {"ocean", "air", "ocean", "trucking"};
constexpr std::array<const char*, 5> kStatuses = {"booked", "in_transit", "arrived",
                                                  "customs_cleared", "delivered"};

std::string Date(int day_offset) {
  // Days into May 2024; good enough for canned data and always valid.
  const int month = 5 + day_offset / 28;
  const int day = 1 + day_offset % 28;
  std::string out = "2024-00-00T08:00:00.000Z";
  out[5] = static_cast<char>('0' + month / 10);
  out[6] = static_cast<char>('0' + month % 10);
  out[8] = static_cast<char>('0' + day / 10);
  out[9] = static_cast<char>('0' + day % 10);
  return out;
}

std::vector<json> Shipments() {
  std::vector<json> out;
  out.reserve(42);
  for (int i = 0; i < 42; ++i) {
    out.push_back({{"_object", "/shipment"},
                   {"id", 100000 + i},
                   {"name", "PO " + std::to_string(4500 + i)},
                   {"status", kStatuses[i % kStatuses.size()]},
                   {"transportation_mode", kModes[i % kModes.size()]},
                   {"freight_type", i % 3 == 0 ? "lcl" : "fcl"},
                   {"origin_port", kPorts[i % kPorts.size()]},
                   {"destination_port", kPorts[(i + 1) % kPorts.size()]},
                   {"estimated_departure_date", Date(i % 20)},
                   {"estimated_arrival_date", Date(i % 20 + 24)},
                   {"updated_at", Date(i % 28)},
                   {"legs",
                    {{"_object", "/api/refs/collection"},
                     {"ref_type", "/shipment_leg"},
                     {"link", "https://api.flexport.com/shipment_legs?f.shipment.id=" +
                                  std::to_string(100000 + i)}}}});
  }
  return out;
}

std::vector<json> Simple(const char* object, int first_id, int count,
                         const std::function<void(json&, int)>& fill) {
  std::vector<json> out;
  for (int i = 0; i < count; ++i) {
    json r = {{"_object", object}, {"id", first_id + i}, {"updated_at", Date(i % 28)}};
    fill(r, i);
    out.push_back(std::move(r));
  }
  return out;
}

const std::map<std::string, std::vector<json>, std::less<>>& AllRecords() {
  static const auto* kRecords = new std::map<std::string, std::vector<json>, std::less<>>{
      {"/shipments", Shipments()},
      {"/bookings", Simple("/booking", 7000, 12,
                           [](json& r, int i) {
                             r["name"] = "Booking " + std::to_string(7000 + i);
                             r["status"] = i % 4 == 0 ? "submitted" : "confirmed";
                             r["cargo_ready_date"] = Date(i);
                             r["shipment"] = {{"_object", "/shipment"}, {"id", 100000 + i}};
                           })},
      {"/purchase_orders", Simple("/purchase_order", 4500, 12,
                                  [](json& r, int i) {
                                    r["name"] = "PO-" + std::to_string(4500 + i);
                                    r["status"] = i % 5 == 4 ? "archived" : "open";
                                    r["buyer"] = "Acme Retail Inc.";
                                    r["seller"] = "Shenzhen Widget Co.";
                                    r["currency"] = "USD";
                                  })},
      {"/invoices", Simple("/invoice", 9100, 12,
                           [](json& r, int i) {
                             r["name"] = "INV-" + std::to_string(9100 + i);
                             r["status"] = i % 3 == 0 ? "paid" : "outstanding";
                             r["total"] = {{"amount", std::to_string(1250 + i * 75) + ".00"},
                                           {"currency_code", "USD"}};
                             r["due_date"] = Date(i + 10);
                           })},
      {"/products", Simple("/product", 300, 12,
                           [](json& r, int i) {
                             r["name"] = "Widget model " + std::string(1, char('A' + i));
                             r["sku"] = "WGT-" + std::to_string(300 + i);
                             r["hs_codes"] = {{{"country", "US"}, {"code", "8471.30.0100"}}};
                           })},
      {"/documents", Simple("/document", 800, 8,
                            [](json& r, int i) {
                              r["document_type"] =
                                  i % 2 == 0 ? "bill_of_lading" : "commercial_invoice";
                              r["shipment"] = {{"_object", "/shipment"}, {"id", 100000 + i}};
                            })},
      {"/customs_entries", Simple("/customs_entry", 600, 8,
                                  [](json& r, int i) {
                                    r["entry_number"] = "ENT-" + std::to_string(600 + i);
                                    r["status"] = i % 3 == 0 ? "released" : "filed";
                                    r["shipment"] = {{"_object", "/shipment"}, {"id", 100000 + i}};
                                  })},
      {"/containers", Simple("/container", 200, 8,
                             [](json& r, int i) {
                               r["container_number"] = "MSCU" + std::to_string(1234560 + i);
                               r["container_type"] = i % 2 == 0 ? "40HC" : "20GP";
                             })},
  };
  return *kRecords;
}

}  // namespace

const std::vector<std::string>& CollectionPaths() {
  static const auto* kPaths = [] {
    auto* v = new std::vector<std::string>();
    for (const auto& [path, records] : AllRecords()) v->push_back(path);
    return v;
  }();
  return *kPaths;
}

const std::vector<json>* CollectionRecords(std::string_view collection_path) {
  const auto& all = AllRecords();
  auto it = all.find(collection_path);
  return it == all.end() ? nullptr : &it->second;
}

std::optional<json> FindRecord(std::string_view collection_path, std::string_view id) {
  const auto* records = CollectionRecords(collection_path);
  if (records == nullptr) return std::nullopt;
  for (const auto& r : *records) {
    if (std::to_string(r["id"].get<int64_t>()) == id) return r;
  }
  return std::nullopt;
}

json ResponseEnvelope(std::string_view self, json data) {
  return {{"_object", "/api/response"},
          {"version", 2},
          {"self", std::string(self)},
          {"data", std::move(data)}};
}

json PaginatedCollection(const std::vector<json>& items, int page, int per,
                         std::string_view base_url, std::string_view path) {
  per = std::clamp(per, 1, kMaxPer);
  page = std::max(page, 1);
  const size_t begin = std::min(items.size(), static_cast<size_t>(page - 1) * per);
  const size_t end = std::min(items.size(), begin + per);
  auto link = [&](int p) {
    return std::string(base_url) + std::string(path) + "?page=" + std::to_string(p) +
           "&per=" + std::to_string(per);
  };
  json data = json::array();
  for (size_t i = begin; i < end; ++i) data.push_back(items[i]);
  return {{"_object", "/api/collections/paginated"},
          {"prev", page > 1 ? json(link(page - 1)) : json(nullptr)},
          {"next", end < items.size() ? json(link(page + 1)) : json(nullptr)},
          {"total_count", items.size()},
          {"data", std::move(data)}};
}

json ErrorEnvelope(std::string_view self, int status, std::string_view code,
                   std::string_view message) {
  json env = ResponseEnvelope(self, nullptr);
  env["error"] = {{"_object", "/api/error"},
                  {"status", status},
                  {"code", std::string(code)},
                  {"message", std::string(message)}};
  return env;
}

}  // namespace fxagent::sim
