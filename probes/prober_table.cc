#include <set>

#include "flexport/endpoint_template.h"
#include "probes/api_probe.h"
#include "probes/connectivity_probe.h"
#include "probes/prober.h"
#include "probes/status_page_probe.h"
#include "probes/subscription_probe.h"

namespace fxagent {

std::vector<std::unique_ptr<Prober>> BuildProbers(const ProberTableOptions& options,
                                                  CredentialSource& credentials) {
  std::vector<std::unique_ptr<Prober>> probers;
  const auto& f = options;
  const auto& p = options;
  std::set<std::string> names;
  for (const std::string& endpoint : p.endpoints) {
    // The probe label is the templated path; two endpoints with the same template keep
    // distinct names so their series do not collide.
    std::string name = TemplateEndpoint(endpoint);
    for (int n = 2; names.count(name) != 0; ++n) {
      name = TemplateEndpoint(endpoint) + "#" + std::to_string(n);
    }
    names.insert(name);
    probers.push_back(std::make_unique<ApiProbe>(
        ApiProbeOptions{f.api_base, f.api_version, endpoint, p.interval, p.timeout}, credentials,
        name));
  }
  probers.push_back(std::make_unique<SubscriptionProbe>(
      ApiProbeOptions{f.api_base, f.api_version, "/webhooks", p.subscription_interval, p.timeout},
      credentials));
  if (!f.status_page.empty()) {
    probers.push_back(
        std::make_unique<StatusPageProbe>(f.status_page, p.status_page_interval, p.timeout));
  }
  if (!p.connectivity_check.empty()) {
    probers.push_back(
        std::make_unique<ConnectivityProbe>(p.connectivity_check, p.interval, p.timeout));
  }
  return probers;
}

}  // namespace fxagent
