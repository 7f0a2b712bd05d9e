/// The incident runbook's short playbooks (DOMAIN.md) as data, keyed by the alert's
/// `playbook` annotation, and the post-incident checklist. Immutable static data:
/// safe from any thread.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace fxagent {

struct Playbook {
  std::string_view id;     // "api-outage", "auth-failure", "data-sync", ...
  std::string_view title;  // "API outage"
  std::vector<std::string_view> steps;
};

/// The playbook for an id (aliases: "webhook", "webhook-delivery" → data sync;
/// "key-expiry", "auth" → authentication failure); nullptr when unknown.
const Playbook* FindPlaybook(std::string_view id);
const std::vector<Playbook>& AllPlaybooks();

/// The runbook's post-incident steps, in order.
const std::vector<std::string_view>& PostIncidentChecklist();

}  // namespace fxagent
