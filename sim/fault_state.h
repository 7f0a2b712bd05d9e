/// Injected API faults: a status code returned with some probability and extra latency,
/// per endpoint (matched by the path's first segment: "/shipments" covers
/// "/shipments/123") with a default for every other endpoint. Pure value types;
/// thread-safe as values (SimState guards the live copy).
#pragma once

#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>

namespace fxagent::sim {

struct EndpointFault {
  int status = 0;            // 0 = no error injected, only latency
  double error_ratio = 1.0;  // probability that a request gets `status`
  int latency_ms = 0;        // added to the base latency
};

struct FaultTable {
  std::map<std::string, EndpointFault, std::less<>> endpoints;  // "/shipments" -> fault
  std::optional<EndpointFault> default_fault;                   // every other endpoint

  /// The fault for a request path, or nullptr.
  const EndpointFault* Find(std::string_view path) const;
  bool empty() const { return endpoints.empty() && !default_fault; }
};

/// "/shipments/123?x" -> "/shipments"; "/" -> "/".
std::string FirstSegment(std::string_view path);

/// "/shipments/123" -> "/shipments/:id"; "/shipments" -> "/shipments".
std::string EndpointTemplate(std::string_view path);

/// Parses `{"endpoints": {"/shipments": {"status": 503, "error_ratio": 1.0,
/// "latency_ms": 0}}, "default": {...}}` (both keys optional). False with a message on
/// error.
bool ParseFaultTable(const nlohmann::json& in, FaultTable* out, std::string* error);

nlohmann::json FaultTableJson(const FaultTable& table);

}  // namespace fxagent::sim
