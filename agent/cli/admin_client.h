/// Talks to a running agent's internal API for the CLI's admin commands (webhooks
/// dead-letters and replay, silences, acks, incidents). Finds the listener from the
/// configuration, or from {data_dir}/listen.json when the configured port is 0, and
/// sends the admin token when one is configured.
#pragma once

#include <string>

#include "agent/config/config.h"

namespace fxagent {

struct AdminResponse {
  int status = 0;  // 0 = the agent could not be reached
  std::string body;
  std::string error;
};

AdminResponse CallAgent(const Config& config, const std::string& method, const std::string& path,
                        const std::string& json_body = "");

/// Prints the response (pretty JSON when it is JSON) and returns an exit status:
/// 0 for 2xx, 1 otherwise.
int PrintAdminResponse(const AdminResponse& response);

}  // namespace fxagent
