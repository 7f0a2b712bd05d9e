/// Internal to agent/: what the daemon's HTTP routes need, gathered in one place so the
/// route files stay small. Every pointer outlives the listeners; all pointees are
/// thread-safe.
#pragma once

#include <atomic>
#include <chrono>
#include <string>
#include <vector>

#include "agent/base/logger.h"
#include "agent/config/config.h"

namespace prometheus {
class Registry;
}  // namespace prometheus

namespace fxagent {

class ProbeBoard;
class ProcessCollector;
class WebhookRelay;
class Notifier;
class RuleLoop;

struct DaemonServices {
  const Config* config = nullptr;
  Logger* log = nullptr;
  prometheus::Registry* registry = nullptr;
  const ProcessCollector* process = nullptr;
  const ProbeBoard* board = nullptr;
  WebhookRelay* relay = nullptr;
  Notifier* notifier = nullptr;
  const RuleLoop* rule_loop = nullptr;
  const std::atomic<bool>* ready = nullptr;
  std::vector<std::string> probe_names;
  std::chrono::system_clock::time_point started_at;
};

/// True when no admin token is configured, or `authorization` is "Bearer <token>" with
/// the configured token (compared in constant time).
bool AdminAuthorized(const Config& config, const std::string& authorization);

}  // namespace fxagent
