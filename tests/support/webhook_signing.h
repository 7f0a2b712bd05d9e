/// Test support: signs webhook bodies the way Flexport does, independently of the agent's
/// own signature code (so a bug there cannot cancel itself out in end-to-end tests).
#pragma once

#include <string>
#include <string_view>

namespace fxagent::testing {

/// "sha256=<lowercase hex HMAC-SHA256 of body under secret>".
std::string SignSha256Header(std::string_view secret, std::string_view body);

}  // namespace fxagent::testing
