#include "agent/notify/dispatch/silence.h"

#include <nlohmann/json.hpp>

namespace fxagent {

std::string Silence::State(TimePoint now) const {
  if (now < starts_at) return "pending";
  if (now < ends_at) return "active";
  return "expired";
}

namespace {

std::string Quote(const std::string& v) {
  std::string out = "\"";
  for (char c : v) {
    if (c == '"' || c == '\\') out += '\\';
    out += c;
  }
  return out + "\"";
}

}  // namespace

std::optional<Silence> SilenceFromJson(const std::string& body, TimePoint now, std::string* error) {
  nlohmann::json j = nlohmann::json::parse(body, nullptr, /*allow_exceptions=*/false);
  auto fail = [error](std::string message) -> std::optional<Silence> {
    *error = std::move(message);
    return std::nullopt;
  };
  if (!j.is_object()) return fail("body must be a JSON object");
  if (!j.contains("matchers") || !j["matchers"].is_array() || j["matchers"].empty()) {
    return fail("matchers: a non-empty array is required");
  }
  Silence s;
  for (const nlohmann::json& m : j["matchers"]) {
    std::string text;
    if (m.is_string()) {
      text = m.get<std::string>();
    } else if (m.is_object() && m.contains("name") && m["name"].is_string() &&
               m.contains("value") && m["value"].is_string()) {
      bool regex = m.value("isRegex", false);
      bool equal = m.value("isEqual", true);
      const char* op = equal ? (regex ? "=~" : "=") : (regex ? "!~" : "!=");
      text = m["name"].get<std::string>() + op + Quote(m["value"].get<std::string>());
    } else {
      return fail("matchers: each must be a string or {name, value, isRegex}");
    }
    std::optional<LabelMatcher> compiled = LabelMatcher::Parse(text);
    if (!compiled) return fail("matchers: invalid matcher " + text);
    s.matchers.push_back(compiled->ToString());
    s.compiled.push_back(std::move(*compiled));
  }
  auto time_field = [&](const char* key, TimePoint def, TimePoint* out) -> bool {
    if (!j.contains(key)) {
      *out = def;
      return true;
    }
    if (!j[key].is_string()) return false;
    std::optional<TimePoint> t = ParseRfc3339(j[key].get<std::string>());
    if (!t) return false;
    *out = *t;
    return true;
  };
  if (!time_field("startsAt", now, &s.starts_at)) return fail("startsAt: expected RFC 3339 time");
  if (!j.contains("endsAt")) return fail("endsAt: required");
  if (!time_field("endsAt", now, &s.ends_at)) return fail("endsAt: expected RFC 3339 time");
  if (s.ends_at <= s.starts_at) return fail("endsAt must be after startsAt");
  if (s.ends_at <= now) return fail("endsAt is in the past");
  if (j.contains("comment") && !j["comment"].is_string()) return fail("comment: expected string");
  if (j.contains("createdBy") && !j["createdBy"].is_string()) {
    return fail("createdBy: expected string");
  }
  s.comment = j.value("comment", "");
  s.created_by = j.value("createdBy", "");
  s.updated_at = now;
  return s;
}

std::string SilenceToJson(const Silence& s, TimePoint now) {
  nlohmann::json j = {{"id", s.id},
                      {"matchers", s.matchers},
                      {"startsAt", FormatRfc3339(s.starts_at)},
                      {"endsAt", FormatRfc3339(s.ends_at)},
                      {"updatedAt", FormatRfc3339(s.updated_at)},
                      {"comment", s.comment},
                      {"createdBy", s.created_by},
                      {"status", {{"state", s.State(now)}}}};
  return j.dump();
}

}  // namespace fxagent
