/// Internal to agent/webhooks: the spool-depth and dead-letter gauges, registered by both
/// the receiver and the forwarder (prometheus-cpp merges families of the same name).
#pragma once

#include <prometheus/gauge.h>
#include <prometheus/registry.h>

namespace fxagent::detail {

inline prometheus::Gauge& SpoolDepthGauge(prometheus::Registry& registry) {
  return prometheus::BuildGauge()
      .Name("flexport_webhook_spool_depth")
      .Help("Webhook events stored and not yet delivered to the application")
      .Register(registry)
      .Add({});
}

inline prometheus::Gauge& DeadLettersGauge(prometheus::Registry& registry) {
  return prometheus::BuildGauge()
      .Name("flexport_webhook_dead_letters")
      .Help("Webhook events in the dead-letter store")
      .Register(registry)
      .Add({});
}

}  // namespace fxagent::detail
