#include "agent/notify/notify_api.h"

#include <charconv>
#include <nlohmann/json.hpp>

namespace fxagent {
namespace {

using nlohmann::json;

ApiResponse Json(int status, const json& body) { return {status, "application/json", body.dump()}; }
ApiResponse Error(int status, const std::string& message) {
  return Json(status, {{"error", message}});
}

std::vector<std::string> Split(const std::string& path) {
  std::vector<std::string> out;
  size_t i = 0;
  while (i < path.size()) {
    size_t j = path.find('/', i);
    if (j == std::string::npos) j = path.size();
    if (j > i) out.push_back(path.substr(i, j - i));
    i = j + 1;
  }
  return out;
}

std::optional<int64_t> ParseId(const std::string& s) {
  int64_t v = 0;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || p != s.data() + s.size() || v <= 0) return std::nullopt;
  return v;
}

json AlertJson(const AlertView& v) {
  const Alert& a = v.alert;
  json ack = nullptr;
  if (v.acknowledged_at) {
    ack = {{"at", FormatRfc3339(*v.acknowledged_at)}, {"by", v.acknowledged_by}};
  }
  return {
      {"fingerprint", v.fingerprint},
      {"labels", a.labels},
      {"annotations", a.annotations},
      {"startsAt", FormatRfc3339(a.starts_at)},
      {"endsAt", a.ends_at ? FormatRfc3339(*a.ends_at) : std::string(kZeroTime)},
      {"generatorURL", a.generator_url},
      {"status", {{"state", v.state}, {"silencedBy", v.silenced_by}, {"inhibited", v.inhibited}}},
      {"acknowledged", ack},
      {"receivers", v.receivers}};
}

json ParseBody(const std::string& body, bool* ok) {
  if (body.empty()) {
    *ok = true;
    return json::object();
  }
  json j = json::parse(body, nullptr, false);
  *ok = j.is_object();
  return j;
}

std::optional<std::string> OptString(const json& j, const char* a, const char* b, bool* ok) {
  for (const char* key : {a, b}) {
    if (key == nullptr || !j.contains(key)) continue;
    if (!j[key].is_string()) {
      *ok = false;
      return std::nullopt;
    }
    return j[key].get<std::string>();
  }
  return std::nullopt;
}

ApiResponse FromOp(OpResult r, const std::string& error, const json& ok_body) {
  if (r == OpResult::kNotFound) return Error(404, error);
  if (r == OpResult::kBadRequest) return Error(400, error);
  return Json(200, ok_body);
}

ApiResponse Alerts(NotifierOperations& n, const ApiRequest& req,
                   const std::vector<std::string>& parts) {
  TimePoint now = n.clock().Now();
  if (parts.size() == 3) {
    if (req.method != "GET") return Error(405, "method not allowed");
    json out = json::array();
    auto state = req.query.find("state");
    for (const AlertView& v : n.Alerts(now)) {
      if (state != req.query.end() && !state->second.empty() && state->second != v.state) continue;
      out.push_back(AlertJson(v));
    }
    return Json(200, out);
  }
  if (parts.size() == 5 && parts[4] == "ack") {
    if (req.method != "POST") return Error(405, "method not allowed");
    if (!req.authorized) return Error(401, "admin token required");
    bool ok = true;
    json body = ParseBody(req.body, &ok);
    if (!ok) return Error(400, "body must be a JSON object");
    std::optional<std::string> by = OptString(body, "by", "createdBy", &ok);
    std::optional<std::string> comment = OptString(body, "comment", nullptr, &ok);
    if (!ok) return Error(400, "by and comment must be strings");
    std::string error;
    OpResult r = n.Ack(parts[3], by.value_or(""), comment.value_or(""), now, &error);
    return FromOp(r, error, {{"fingerprint", parts[3]}, {"acknowledged", true}});
  }
  return Error(404, "not found");
}

ApiResponse Silences(NotifierOperations& n, const ApiRequest& req,
                     const std::vector<std::string>& parts) {
  TimePoint now = n.clock().Now();
  if (parts.size() == 3 && req.method == "GET") {
    json out = json::array();
    for (const Silence& s : n.Silences()) out.push_back(json::parse(SilenceToJson(s, now)));
    return Json(200, out);
  }
  if (parts.size() == 3 && req.method == "POST") {
    if (!req.authorized) return Error(401, "admin token required");
    std::string error;
    std::optional<Silence> s = SilenceFromJson(req.body, now, &error);
    if (!s) return Error(400, error);
    return Json(200, {{"silenceID", n.AddSilence(std::move(*s), now)}});
  }
  std::string id;
  if (parts.size() == 4) id = parts[3];
  if (parts.size() == 3 && req.query.contains("id")) id = req.query.at("id");
  if (!id.empty() && req.method == "GET") {
    for (const Silence& s : n.Silences()) {
      if (s.id == id) return Json(200, json::parse(SilenceToJson(s, now)));
    }
    return Error(404, "no silence " + id);
  }
  if (!id.empty() && req.method == "DELETE") {
    if (!req.authorized) return Error(401, "admin token required");
    return FromOp(n.ExpireSilence(id, now), "no silence " + id, {{"silenceID", id}});
  }
  if (parts.size() == 3 && req.method == "DELETE") return Error(400, "silence id required");
  return Error(405, "method not allowed");
}

json IncidentJson(const Incident& i) { return json::parse(IncidentToJson(i)); }

ApiResponse Incidents(NotifierOperations& n, const ApiRequest& req,
                      const std::vector<std::string>& parts) {
  TimePoint now = n.clock().Now();
  if (parts.size() == 3) {
    if (req.method != "GET") return Error(405, "method not allowed");
    json out = json::array();
    auto status = req.query.find("status");
    for (const Incident& i : n.Incidents()) {
      if (status != req.query.end() && !status->second.empty() &&
          ParseIncidentStatus(status->second) != i.status) {
        continue;
      }
      out.push_back(IncidentJson(i));
    }
    return Json(200, out);
  }
  std::optional<int64_t> id = ParseId(parts[3]);
  if (!id) return Error(400, "incident id must be a positive integer");
  if (parts.size() == 5 && parts[4] == "report") {
    if (req.method != "GET") return Error(405, "method not allowed");
    std::optional<std::string> md = n.IncidentReport(*id, now);
    if (!md) return Error(404, "no incident " + parts[3]);
    return {200, "text/markdown; charset=utf-8", *md};
  }
  if (parts.size() != 4) return Error(404, "not found");
  if (req.method == "GET") {
    std::optional<Incident> i = n.GetIncident(*id);
    if (!i) return Error(404, "no incident " + parts[3]);
    json out = IncidentJson(*i);
    out["timeline"] = json::parse(TimelineToJson(n.Timeline(*id)));
    return Json(200, out);
  }
  if (req.method != "PATCH") return Error(405, "method not allowed");
  if (!req.authorized) return Error(401, "admin token required");
  bool ok = true;
  json body = ParseBody(req.body, &ok);
  if (!ok) return Error(400, "body must be a JSON object");
  std::optional<std::string> status = OptString(body, "status", nullptr, &ok);
  std::optional<std::string> action = OptString(body, "currentAction", "current_action", &ok);
  std::optional<std::string> impact = OptString(body, "impact", nullptr, &ok);
  std::optional<std::string> by = OptString(body, "by", nullptr, &ok);
  if (!ok) return Error(400, "status, currentAction, impact and by must be strings");
  std::optional<IncidentStatus> parsed;
  if (status) {
    parsed = ParseIncidentStatus(*status);
    if (!parsed) return Error(400, "status must be Investigating, Identified or Mitigating");
  }
  if (!parsed && !action && !impact) {
    return Error(400, "nothing to change: set status, currentAction or impact");
  }
  std::string error;
  OpResult r = n.UpdateIncident(*id, parsed, action, impact, by.value_or(""), now, &error);
  if (r != OpResult::kOk) return FromOp(r, error, {});
  return Json(200, IncidentJson(*n.GetIncident(*id)));
}

}  // namespace

std::optional<ApiResponse> HandleNotifyApi(NotifierOperations& notifier, const ApiRequest& req) {
  std::vector<std::string> parts = Split(req.path);
  if (parts.size() < 3 || parts[0] != "api" || parts[1] != "v1") return std::nullopt;
  if (parts[2] == "alerts" && parts.size() <= 5) return Alerts(notifier, req, parts);
  if (parts[2] == "silences" && parts.size() <= 4) return Silences(notifier, req, parts);
  if (parts[2] == "incidents" && parts.size() <= 5) return Incidents(notifier, req, parts);
  return std::nullopt;
}

}  // namespace fxagent
