// The playbooks of DOMAIN.md, short form. Edit the runbook and this table together.
#include "agent/notify/incidents/playbooks.h"

#include <utility>

namespace fxagent {

const std::vector<Playbook>& AllPlaybooks() {
  static const std::vector<Playbook> kPlaybooks = {
      {"api-outage",
       "API outage",
       {"Confirm on the Flexport status page and with `flexport-agent check`.",
        "Enable the circuit breaker to serve cached shipment data.",
        "Tell downstream consumers that tracking data is stale.",
        "Queue failed requests for replay.", "Watch the status page for resolution."}},
      {"auth-failure",
       "Authentication failure",
       {"Check the API key is set and not expired.",
        "Test a minimal request (`GET /shipments?per=1`).",
        "401: rotate the key in the Flexport portal and deploy it.", "403: check the key's scopes.",
        "Revoke the compromised key once the new one works."}},
      {"data-sync",
       "Data sync failure",
       {"Is the webhook receiver returning 200?", "Is the `/webhooks` subscription active?",
        "Find missed events by the last processed timestamp.",
        "Run a manual sync by polling `/shipments`.", "Replay the missed webhook events."}},
      {"rate-limit",
       "API rate limiting",
       {"Check 429 rates and `Retry-After` on the agent's dashboard.",
        "Reduce the integration's concurrency.", "Queue requests instead of retrying immediately.",
        "Confirm rate-limit headroom recovers."}},
      {"agent-storage",
       "Agent storage failure",
       {"Check free space and errors on the agent's data_dir (`df`, the agent's logs).",
        "Free space or grow the volume; the agent recovers by itself, no restart needed.",
        "Meanwhile webhooks get 503 and Flexport retries them; confirm they arrive again.",
        "Reconcile with Flexport's `GET /events` and replay anything missed."}},
      {"key-rotation",
       "API key rotation",
       {"Create a new key in the Flexport portal before the old one expires.",
        "Deploy the new key and test a minimal request.",
        "Revoke the old key once the new one works."}},
  };
  return kPlaybooks;
}

const Playbook* FindPlaybook(std::string_view id) {
  static const std::vector<std::pair<std::string_view, std::string_view>> kAliases = {
      {"webhook", "data-sync"},          {"webhooks", "data-sync"},
      {"webhook-delivery", "data-sync"}, {"data-sync-failure", "data-sync"},
      {"auth", "auth-failure"},          {"key-expiry", "key-rotation"},
      {"ratelimit", "rate-limit"},       {"outage", "api-outage"},
  };
  for (const auto& [alias, target] : kAliases) {
    if (alias == id) id = target;
  }
  for (const Playbook& p : AllPlaybooks()) {
    if (p.id == id) return &p;
  }
  return nullptr;
}

const std::vector<std::string_view>& PostIncidentChecklist() {
  static const std::vector<std::string_view> kChecklist = {
      "Write the timeline from detection to resolution.",
      "Name the root cause (Flexport outage / key expiry / webhook endpoint failure).",
      "Record the impact: affected shipments and how long data was stale.",
      "Note what monitoring missed or detected late.",
      "Replay missed webhook events and reconcile with Flexport's `GET /events`.",
  };
  return kChecklist;
}

}  // namespace fxagent
