/// Builds the CredentialSource the configuration asks for (API key or OAuth).
#pragma once

#include <functional>
#include <memory>

#include "agent/base/logger.h"
#include "agent/config/config.h"
#include "flexport/credentials.h"

namespace fxagent {

std::unique_ptr<CredentialSource> MakeCredentialSource(
    const Config& config, Logger& log, std::function<void(double)> on_token_expiry = nullptr);

}  // namespace fxagent
