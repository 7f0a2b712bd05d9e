/// Prober for the webhook subscription: `GET /webhooks` with the API prober's request,
/// succeeding only when at least one subscription is active. Thread-safe.
#pragma once

#include <string>

#include "probes/api_probe.h"

namespace fxagent {

/// `GET /webhooks`: succeeds only when at least one subscription is active.
class SubscriptionProbe : public ApiProbe {
 public:
  SubscriptionProbe(ApiProbeOptions options, CredentialSource& credentials);
  ProbeKind Kind() const override { return ProbeKind::kSubscription; }
  ProbeResult Interpret(const HttpResponse& response) const override;
};

/// Counts active subscriptions in a Flexport `/webhooks` response; -1 when the body is not
/// a recognisable collection.
int CountActiveSubscriptions(const std::string& body);

}  // namespace fxagent
