/// Internal to the demo: the egress proxy scenes — an app calling Flexport through the
/// agent, a 429 storm absorbed by queueing, and an outage where the circuit breaker opens
/// and the last good data is served stale.
#pragma once

#include <string>

namespace httplib {
class Client;
}  // namespace httplib

namespace fxagent {

struct ProxyScenes {
  httplib::Client* sim = nullptr;
  httplib::Client* egress = nullptr;  // the agent's egress listener
  const char* egress_host = "127.0.0.1";
  int egress_port = 0;
  httplib::Client* agent = nullptr;  // internal listener
  const char* api_key = "";
};

/// Returns 0 when every scene showed what it should, 1 otherwise.
int RunProxyScenes(const ProxyScenes& scenes);

}  // namespace fxagent
