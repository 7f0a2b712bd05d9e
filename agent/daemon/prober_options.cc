#include "agent/daemon/prober_options.h"

namespace fxagent {

ProberTableOptions ProberOptionsFromConfig(const Config& config) {
  ProberTableOptions o;
  o.api_base = config.flexport.api_base;
  o.api_version = config.flexport.api_version;
  o.status_page = config.flexport.status_page;
  o.endpoints = config.probes.endpoints;
  o.interval = config.probes.interval;
  o.timeout = config.probes.timeout;
  o.status_page_interval = config.probes.status_page_interval;
  o.subscription_interval = config.probes.subscription_interval;
  o.connectivity_check = config.probes.connectivity_check;
  return o;
}

}  // namespace fxagent
