/// Internal helpers shared by the route files: JSON responses and request bodies.
#pragma once

#include <httplib.h>

#include <nlohmann/json.hpp>
#include <optional>
#include <string>

namespace fxagent::sim {

inline void ReplyJson(httplib::Response& res, int status, const nlohmann::json& body) {
  res.status = status;
  res.set_content(body.dump(), "application/json");
}

inline void ReplyError(httplib::Response& res, int status, const std::string& message) {
  ReplyJson(res, status, {{"error", message}});
}

/// The request body as JSON ({} when empty); nullopt (with a 400 already written) when
/// the body is not valid JSON.
inline std::optional<nlohmann::json> BodyJson(const httplib::Request& req, httplib::Response& res) {
  if (req.body.empty()) return nlohmann::json::object();
  auto parsed = nlohmann::json::parse(req.body, nullptr, /*allow_exceptions=*/false);
  if (parsed.is_discarded()) {
    ReplyError(res, 400, "request body is not valid JSON");
    return std::nullopt;
  }
  return parsed;
}

}  // namespace fxagent::sim
