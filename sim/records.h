/// The sim's canned Flexport data and the v2 response envelopes around it:
/// `{"_object":"/api/response","version":2,"self":..,"data":{"_object":
/// "/api/collections/paginated","prev":..,"next":..,"data":[...]}}`. Pure; thread-safe
/// (the records are built once, immutably).
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace fxagent::sim {

inline constexpr int kDefaultPer = 20;
inline constexpr int kMaxPer = 100;

/// "/shipments", "/bookings", ... : the collections GET serves.
const std::vector<std::string>& CollectionPaths();

/// The records of `collection_path` ("/shipments"), or nullptr if it is not one.
const std::vector<nlohmann::json>* CollectionRecords(std::string_view collection_path);

/// The record with this id ("/shipments", "100003"), or nullopt.
std::optional<nlohmann::json> FindRecord(std::string_view collection_path, std::string_view id);

/// `{"_object":"/api/response","version":2,"self":self,"data":data}`.
nlohmann::json ResponseEnvelope(std::string_view self, nlohmann::json data);

/// One page of `items` (page is 1-based; per is clamped to 1..kMaxPer) as a paginated
/// collection; prev/next are URLs built from `base_url` + `path` or null.
nlohmann::json PaginatedCollection(const std::vector<nlohmann::json>& items, int page, int per,
                                   std::string_view base_url, std::string_view path);

/// The error envelope: ResponseEnvelope with data null and an "error" object.
nlohmann::json ErrorEnvelope(std::string_view self, int status, std::string_view code,
                             std::string_view message);

}  // namespace fxagent::sim
