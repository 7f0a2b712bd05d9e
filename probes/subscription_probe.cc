#include "probes/subscription_probe.h"

#include <nlohmann/json.hpp>

namespace fxagent {

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
