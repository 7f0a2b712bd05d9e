#include "agent/base/version.h"

namespace fxagent {
const char* AgentVersion() { return FXAGENT_VERSION; }
}  // namespace fxagent
