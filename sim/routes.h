/// Internal: registers the sim's HTTP routes (control API, status page, Flexport API) on
/// an httplib server. Handlers only read/write through SimState, WebhookSender and
/// EventLog, which are thread-safe.
#pragma once

#include <functional>
#include <string_view>

#include "sim/event_log.h"
#include "sim/sim_state.h"
#include "sim/webhook_sender.h"

namespace httplib {
class Server;
}

namespace fxagent::sim {

struct SimContext {
  SimState& state;
  WebhookSender& sender;
  EventLog& events;
  std::function<void(std::string_view)> log;  // control actions; may be empty
};

/// Order matters: control and status page routes must be registered before the API's
/// catch-all.
void RegisterControlRoutes(httplib::Server& server, SimContext& ctx);
void RegisterStatusPageRoutes(httplib::Server& server, SimContext& ctx);
void RegisterApiRoutes(httplib::Server& server, SimContext& ctx);

}  // namespace fxagent::sim
