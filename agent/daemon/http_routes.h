/// Internal to agent/: installs the daemon's routes on the cpp-httplib servers of the
/// internal and public listeners.
#pragma once

#include "agent/daemon/daemon_services.h"

namespace httplib {
class Server;
}  // namespace httplib

namespace fxagent {

/// /metrics, /healthz, /readyz, /api/v1/status, /api/v1/webhooks/*.
void InstallInternalRoutes(httplib::Server& server, const DaemonServices& services);
/// POST {webhooks.path} and /healthz.
void InstallPublicRoutes(httplib::Server& server, const DaemonServices& services);

}  // namespace fxagent
