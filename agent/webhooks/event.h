/// Parsing of Flexport webhook envelopes (both shapes in DOMAIN.md), event ids, shipment
/// keys, and a cardinality cap for the `type` metric label. ParseEvent is a pure
/// function; TypeLabelLimiter is thread-safe.
#pragma once

#include <cstddef>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_set>
#include <vector>

namespace fxagent {

struct ParsedEvent {
  std::string id;                 // envelope id as a string, else SHA-256 hex of the body
  bool id_from_envelope = false;  // false when the id is the body hash
  std::string type;               // any non-empty string; unknown types are fine
  std::string shipment_key;       // "" when no configured path exists
  std::string occurred_at;        // "" when absent (also looked up under data.)
  std::string created_at;         // "" when absent
};

struct ParseResult {
  std::optional<ParsedEvent> event;  // nullopt = malformed
  std::string error;                 // why it is malformed (never contains the body)
};

/// Parses an envelope. Not JSON, not an object, or no string `type` → malformed.
/// `shipment_key_paths` are dotted paths ("data.resource.shipment.id"); the first that
/// exists with a string or number value wins (numbers become their decimal text).
ParseResult ParseEvent(std::string_view body, const std::vector<std::string>& shipment_key_paths);

/// Lowercase hex SHA-256 of `data`.
std::string BodySha256Hex(std::string_view data);

/// Caps the number of distinct `type` label values: the first `max_types` distinct types
/// keep their name, later ones (and over-long ones) become "other".
class TypeLabelLimiter {
 public:
  static constexpr size_t kDefaultMaxTypes = 100;
  static constexpr size_t kMaxTypeLength = 200;

  explicit TypeLabelLimiter(size_t max_types = kDefaultMaxTypes) : max_types_(max_types) {}
  std::string Label(const std::string& type);
  size_t Size() const;

 private:
  const size_t max_types_;
  mutable std::mutex mu_;
  std::unordered_set<std::string> known_;
};

}  // namespace fxagent
