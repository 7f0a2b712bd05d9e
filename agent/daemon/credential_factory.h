/// Builds the CredentialSource the configuration asks for (API key or OAuth). With a
/// registry, OAuth exports flexport_oauth_token_requests_refused_total; cap refusals are
/// logged at warn.
#pragma once

#include <functional>
#include <memory>

#include "agent/base/logger.h"
#include "agent/config/config.h"
#include "flexport/credentials.h"

namespace prometheus {
class Registry;
}  // namespace prometheus

namespace fxagent {

std::unique_ptr<CredentialSource> MakeCredentialSource(
    const Config& config, Logger& log, std::function<void(double)> on_token_expiry = nullptr,
    prometheus::Registry* registry = nullptr);

}  // namespace fxagent
