#include "probes/api_probe.h"

#include <nlohmann/json.hpp>

#include "flexport/endpoint_template.h"

namespace fxagent {

ApiProbe::ApiProbe(ApiProbeOptions options, CredentialSource& credentials, std::string name)
    : options_(std::move(options)), credentials_(credentials), name_(std::move(name)) {}

std::optional<HttpRequest> ApiProbe::BuildRequest(ProbeResult* failure) const {
  std::string error;
  auto token = credentials_.BearerToken(&error);
  if (!token) {
    if (failure != nullptr) {
      failure->reason = "auth";
      failure->detail = "no credential: " + error;
    }
    return std::nullopt;
  }
  HttpRequest req;
  req.url = options_.api_base + options_.endpoint;
  req.timeout = options_.timeout;
  req.headers = {{"Authorization", "Bearer " + *token},
                 {"Flexport-Version", options_.api_version},
                 {"Accept", "application/json"}};
  return req;
}

ProbeResult ApiProbe::Interpret(const HttpResponse& response) const {
  ProbeResult r = ResultFromResponse(response);
  r.probe = name_;
  r.kind = Kind();
  r.endpoint = TemplateEndpoint(options_.endpoint);
  if (response.status == 401) credentials_.Invalidate();
  return r;
}

SubscriptionProbe::SubscriptionProbe(ApiProbeOptions options, CredentialSource& credentials)
    : ApiProbe(std::move(options), credentials, "subscription") {}

ProbeResult SubscriptionProbe::Interpret(const HttpResponse& response) const {
  ProbeResult r = ApiProbe::Interpret(response);
  if (!r.success) return r;
  r.active_subscriptions = CountActiveSubscriptions(response.body);
  if (r.active_subscriptions < 0) {
    r.success = false;
    r.reason = "body";
    r.detail = "GET /webhooks did not return a webhook collection";
  } else if (r.active_subscriptions == 0) {
    r.success = false;
    r.reason = "inactive";
    r.detail = "no active webhook subscription";
  }
  return r;
}

int CountActiveSubscriptions(const std::string& body) {
  using nlohmann::json;
  json doc = json::parse(body, nullptr, false);
  if (doc.is_discarded() || !doc.is_object()) return -1;
  // Flexport wraps collections: {"data": {"data": [...]}}; accept a bare list too.
  const json* list = nullptr;
  if (auto d = doc.find("data"); d != doc.end()) {
    if (d->is_array()) {
      list = &*d;
    } else if (d->is_object()) {
      if (auto inner = d->find("data"); inner != d->end() && inner->is_array()) list = &*inner;
    }
  }
  if (list == nullptr) return -1;
  int active = 0;
  for (const json& hook : *list) {
    if (!hook.is_object()) continue;
    auto a = hook.find("active");
    // A subscription without an explicit flag is active (Flexport lists live ones).
    if (a == hook.end() || (a->is_boolean() && a->get<bool>())) ++active;
  }
  return active;
}

}  // namespace fxagent
