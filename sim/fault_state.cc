#include "sim/fault_state.h"

namespace fxagent::sim {
namespace {

using nlohmann::json;

bool ParseFault(const json& in, const std::string& where, EndpointFault* out, std::string* error) {
  auto fail = [&](const std::string& msg) {
    *error = where + ": " + msg;
    return false;
  };
  if (!in.is_object()) return fail("expected an object");
  for (const auto& [key, value] : in.items()) {
    if (key == "status") {
      if (!value.is_number_integer()) return fail("status must be an integer");
      const int s = value.get<int>();
      if (s != 0 && (s < 100 || s > 599)) return fail("status must be 0 or 100..599");
      out->status = s;
    } else if (key == "error_ratio") {
      if (!value.is_number()) return fail("error_ratio must be a number");
      const double r = value.get<double>();
      if (r < 0 || r > 1) return fail("error_ratio must be within 0..1");
      out->error_ratio = r;
    } else if (key == "latency_ms") {
      if (!value.is_number_integer() || value.get<int64_t>() < 0) {
        return fail("latency_ms must be a non-negative integer");
      }
      out->latency_ms = value.get<int>();
    } else {
      return fail("unknown key '" + key + "'");
    }
  }
  return true;
}

json FaultJson(const EndpointFault& f) {
  return {{"status", f.status}, {"error_ratio", f.error_ratio}, {"latency_ms", f.latency_ms}};
}

}  // namespace

const EndpointFault* FaultTable::Find(std::string_view path) const {
  auto it = endpoints.find(FirstSegment(path));
  if (it != endpoints.end()) return &it->second;
  return default_fault ? &*default_fault : nullptr;
}

std::string FirstSegment(std::string_view path) {
  path = path.substr(0, path.find_first_of("?#"));
  if (path.empty() || path.front() != '/') return "/";
  const size_t end = path.find('/', 1);
  return std::string(path.substr(0, end));
}

std::string EndpointTemplate(std::string_view path) {
  path = path.substr(0, path.find_first_of("?#"));
  std::string first = FirstSegment(path);
  if (path.size() > first.size() + 1) return first + "/:id";
  return first;
}

bool ParseFaultTable(const json& in, FaultTable* out, std::string* error) {
  if (!in.is_object()) {
    *error = "expected a JSON object";
    return false;
  }
  FaultTable table;
  for (const auto& [key, value] : in.items()) {
    if (key == "endpoints") {
      if (!value.is_object()) {
        *error = "endpoints must be an object";
        return false;
      }
      for (const auto& [path, fault] : value.items()) {
        if (path.empty() || path.front() != '/') {
          *error = "endpoint '" + path + "' must start with '/'";
          return false;
        }
        EndpointFault f;
        if (!ParseFault(fault, path, &f, error)) return false;
        table.endpoints[FirstSegment(path)] = f;
      }
    } else if (key == "default") {
      if (value.is_null()) continue;
      EndpointFault f;
      if (!ParseFault(value, "default", &f, error)) return false;
      table.default_fault = f;
    } else {
      *error = "unknown key '" + key + "' (expected endpoints, default)";
      return false;
    }
  }
  *out = std::move(table);
  return true;
}

json FaultTableJson(const FaultTable& table) {
  json endpoints = json::object();
  for (const auto& [path, f] : table.endpoints) endpoints[path] = FaultJson(f);
  return {{"endpoints", endpoints},
          {"default", table.default_fault ? FaultJson(*table.default_fault) : json(nullptr)}};
}

}  // namespace fxagent::sim
