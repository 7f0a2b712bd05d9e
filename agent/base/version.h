/// The version baked in at build time ("0.1.0+<git>").
#pragma once

namespace fxagent {
const char* AgentVersion();
}  // namespace fxagent
