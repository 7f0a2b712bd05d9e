/// The notifier's part of the internal HTTP API, framework-agnostic: the daemon's HTTP
/// layer passes method, path, query, body and whether the admin token was presented
/// correctly, and writes back the status and body. Never exposes receiver URLs or keys.
/// Safe from any thread (it calls the thread-safe NotifierOperations).
///
///   GET    /api/v1/alerts                      alerts with silence/inhibit/ack state
///   POST   /api/v1/alerts/{fingerprint}/ack    body {"by", "comment"} (optional)
///   GET    /api/v1/silences
///   POST   /api/v1/silences                    body {matchers, startsAt, endsAt, comment,
///                                              createdBy} → {"silenceID": id}
///   DELETE /api/v1/silences/{id}               expires it
///   GET    /api/v1/incidents
///   GET    /api/v1/incidents/{id}              incident with its timeline
///   PATCH  /api/v1/incidents/{id}              body {status, currentAction, impact, by}
///   GET    /api/v1/incidents/{id}/report       text/markdown
#pragma once

#include <map>
#include <optional>
#include <string>

#include "agent/notify/operations.h"

namespace fxagent {

struct ApiRequest {
  std::string method;  // "GET", "POST", "PATCH", "DELETE"
  std::string path;    // "/api/v1/incidents/3/report" (no query string)
  std::map<std::string, std::string> query;
  std::string body;
  bool authorized = false;  // admin token correct, or none configured
};

struct ApiResponse {
  int status = 200;
  std::string content_type = "application/json";
  std::string body;
};

/// Nullopt when the path is not one of the notifier's (the caller answers 404 itself).
/// Mutating calls without `authorized` get 401; bad input 400; unknown ids 404; a known
/// path with the wrong method 405.
std::optional<ApiResponse> HandleNotifyApi(NotifierOperations& notifier, const ApiRequest& request);

}  // namespace fxagent
