#include "agent/tracing/otlp_json.h"

#include <cmath>
#include <nlohmann/json.hpp>

namespace fxagent {
namespace {

using Json = nlohmann::ordered_json;

Json EncodeValue(const AttributeValue& value) {
  Json v = Json::object();
  if (const auto* s = std::get_if<std::string>(&value)) {
    v["stringValue"] = *s;
  } else if (const auto* i = std::get_if<std::int64_t>(&value)) {
    v["intValue"] = std::to_string(*i);
  } else if (const auto* d = std::get_if<double>(&value)) {
    // JSON has no NaN or infinities; proto3 JSON spells them as strings.
    if (std::isnan(*d)) {
      v["doubleValue"] = "NaN";
    } else if (std::isinf(*d)) {
      v["doubleValue"] = *d > 0 ? "Infinity" : "-Infinity";
    } else {
      v["doubleValue"] = *d;
    }
  } else {
    v["boolValue"] = std::get<bool>(value);
  }
  return v;
}

Json EncodeAttributes(const std::vector<SpanAttribute>& attributes) {
  Json out = Json::array();
  for (const auto& a : attributes) {
    out.push_back(Json{{"key", a.key}, {"value", EncodeValue(a.value)}});
  }
  return out;
}

Json StringAttribute(const char* key, const std::string& value) {
  return Json{{"key", key}, {"value", Json{{"stringValue", value}}}};
}

Json EncodeSpan(const SpanData& s) {
  Json span = Json::object();
  span["traceId"] = ToHex(s.trace_id);
  span["spanId"] = ToHex(s.span_id);
  if (!IsZero(s.parent_span_id)) span["parentSpanId"] = ToHex(s.parent_span_id);
  span["name"] = s.name;
  span["kind"] = static_cast<int>(s.kind);
  span["startTimeUnixNano"] = std::to_string(s.start_unix_ns);
  span["endTimeUnixNano"] = std::to_string(s.end_unix_ns);
  if (!s.attributes.empty()) span["attributes"] = EncodeAttributes(s.attributes);
  if (!s.events.empty()) {
    Json events = Json::array();
    for (const auto& e : s.events) {
      Json event{{"timeUnixNano", std::to_string(e.time_unix_ns)}, {"name", e.name}};
      if (!e.attributes.empty()) event["attributes"] = EncodeAttributes(e.attributes);
      events.push_back(std::move(event));
    }
    span["events"] = std::move(events);
  }
  Json status = Json::object();
  if (s.status != SpanStatusCode::kUnset) status["code"] = static_cast<int>(s.status);
  if (!s.status_message.empty()) status["message"] = s.status_message;
  span["status"] = std::move(status);
  return span;
}

}  // namespace

std::string EncodeOtlpJson(const OtlpResource& resource, const std::vector<SpanData>& spans) {
  Json resource_attributes = Json::array();
  resource_attributes.push_back(StringAttribute("service.name", resource.service_name));
  if (!resource.service_version.empty()) {
    resource_attributes.push_back(StringAttribute("service.version", resource.service_version));
  }
  if (!resource.service_instance_id.empty()) {
    resource_attributes.push_back(
        StringAttribute("service.instance.id", resource.service_instance_id));
  }
  Json encoded_spans = Json::array();
  for (const auto& s : spans) encoded_spans.push_back(EncodeSpan(s));

  Json scope_spans = Json::object();
  scope_spans["scope"] = Json{{"name", kTracingServiceName}, {"version", resource.service_version}};
  scope_spans["spans"] = std::move(encoded_spans);

  Json resource_spans = Json::object();
  resource_spans["resource"] = Json{{"attributes", std::move(resource_attributes)}};
  resource_spans["scopeSpans"] = Json::array({std::move(scope_spans)});

  Json request = Json::object();
  request["resourceSpans"] = Json::array({std::move(resource_spans)});
  return request.dump(-1, ' ', false, Json::error_handler_t::replace);
}

}  // namespace fxagent
