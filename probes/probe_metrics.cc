#include "probes/probe_metrics.h"

#include <prometheus/counter.h>
#include <prometheus/family.h>
#include <prometheus/gauge.h>
#include <prometheus/registry.h>

namespace fxagent {

using prometheus::BuildCounter;
using prometheus::BuildGauge;
using prometheus::Counter;
using prometheus::Family;
using prometheus::Gauge;

struct ProbeMetrics::Families {
  explicit Families(prometheus::Registry& r)
      : success(BuildGauge()
                    .Name("flexport_probe_success")
                    .Help("Whether the last probe succeeded (1) or failed (0)")
                    .Register(r)),
        duration(BuildGauge()
                     .Name("flexport_probe_duration_seconds")
                     .Help("Duration of the last probe by phase")
                     .Register(r)),
        status(BuildGauge()
                   .Name("flexport_probe_http_status")
                   .Help("HTTP status of the last probe, 0 when there was no response")
                   .Register(r)),
        reason(BuildGauge()
                   .Name("flexport_probe_failure_reason")
                   .Help("1 for the reason the last probe failed; absent when it succeeded")
                   .Register(r)),
        skipped(BuildCounter()
                    .Name("flexport_probe_skipped_total")
                    .Help("Probe runs skipped because the previous run was still in flight")
                    .Register(r)),
        key_expiry(BuildGauge()
                       .Name("flexport_api_key_expiry_timestamp_seconds")
                       .Help("When the configured API key expires (Unix seconds)")
                       .Register(r)),
        token_expiry(BuildGauge()
                         .Name("flexport_api_token_expiry_timestamp_seconds")
                         .Help("When the cached OAuth access token expires (Unix seconds)")
                         .Register(r)),
        indicator(BuildGauge()
                      .Name("flexport_statuspage_indicator")
                      .Help("Status page indicator: 0 none, 1 minor, 2 major, 3 critical")
                      .Register(r)),
        component(BuildGauge()
                      .Name("flexport_statuspage_component_status")
                      .Help("Component status: 0 operational, 1 degraded, 2 partial outage, "
                            "3 major outage, 4 maintenance")
                      .Register(r)),
        incidents(BuildGauge()
                      .Name("flexport_statuspage_unresolved_incidents")
                      .Help("Unresolved incidents on the status page")
                      .Register(r)),
        maintenances(BuildGauge()
                         .Name("flexport_statuspage_active_maintenances")
                         .Help("Scheduled maintenances in progress on the status page")
                         .Register(r)),
        subscriptions(BuildGauge()
                          .Name("flexport_webhook_subscriptions_active")
                          .Help("Active webhook subscriptions listed by GET /webhooks")
                          .Register(r)),
        network(BuildGauge()
                    .Name("flexport_agent_network_up")
                    .Help("Whether the connectivity check outside Flexport succeeds")
                    .Register(r)) {}

  Family<Gauge>& success;
  Family<Gauge>& duration;
  Family<Gauge>& status;
  Family<Gauge>& reason;
  Family<Counter>& skipped;
  Family<Gauge>& key_expiry;
  Family<Gauge>& token_expiry;
  Family<Gauge>& indicator;
  Family<Gauge>& component;
  Family<Gauge>& incidents;
  Family<Gauge>& maintenances;
  Family<Gauge>& subscriptions;
  Family<Gauge>& network;
};

ProbeMetrics::ProbeMetrics(prometheus::Registry& registry, ApiMetrics& api)
    : f_(std::make_unique<Families>(registry)), api_(api) {}

ProbeMetrics::~ProbeMetrics() = default;

void ProbeMetrics::Record(const ProbeResult& r) {
  const std::string kind = ProbeKindName(r.kind);
  f_->success.Add({{"probe", r.probe}, {"kind", kind}}).Set(r.success ? 1 : 0);
  f_->status.Add({{"probe", r.probe}}).Set(r.http_status);
  const std::pair<const char*, double> phases[] = {
      {"dns", r.timings.dns},   {"connect", r.timings.connect},   {"tls", r.timings.tls},
      {"ttfb", r.timings.ttfb}, {"transfer", r.timings.transfer}, {"total", r.timings.total}};
  for (const auto& [phase, seconds] : phases) {
    f_->duration.Add({{"probe", r.probe}, {"phase", phase}}).Set(seconds);
  }
  if (r.kind == ProbeKind::kApi || r.kind == ProbeKind::kSubscription) {
    api_.RecordRequest(r.endpoint, "probe", r.http_status, r.timings.total);
    api_.RecordRateLimit(r.ratelimit);
  }
  if (r.kind == ProbeKind::kConnectivity) f_->network.Add({}).Set(r.success ? 1 : 0);
  if (r.kind == ProbeKind::kSubscription && r.active_subscriptions >= 0) {
    f_->subscriptions.Add({}).Set(r.active_subscriptions);
  }

  std::lock_guard<std::mutex> lock(mu_);
  auto& exported = current_reason_[r.probe];
  if (exported != r.reason) {
    if (!exported.empty()) {
      f_->reason.Remove(&f_->reason.Add({{"probe", r.probe}, {"reason", exported}}));
    }
    if (!r.reason.empty()) f_->reason.Add({{"probe", r.probe}, {"reason", r.reason}}).Set(1);
    exported = r.reason;
  }
  if (r.status_page) {
    const StatusPageReport& sp = *r.status_page;
    f_->indicator.Add({}).Set(sp.indicator);
    f_->incidents.Add({}).Set(static_cast<double>(sp.incidents.size()));
    f_->maintenances.Add({}).Set(static_cast<double>(sp.maintenances.size()));
    std::set<std::string> seen;
    for (const auto& c : sp.components) {
      f_->component.Add({{"component", c.name}}).Set(c.status);
      seen.insert(c.name);
    }
    for (const auto& old : components_) {
      if (seen.count(old) == 0) f_->component.Remove(&f_->component.Add({{"component", old}}));
    }
    components_ = std::move(seen);
  }
}

void ProbeMetrics::RecordSkipped(const std::string& probe) {
  f_->skipped.Add({{"probe", probe}}).Increment();
}

void ProbeMetrics::SetKeyExpiry(double unix_seconds) { f_->key_expiry.Add({}).Set(unix_seconds); }

void ProbeMetrics::SetTokenExpiry(double unix_seconds) {
  f_->token_expiry.Add({}).Set(unix_seconds);
}

}  // namespace fxagent
