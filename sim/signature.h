/// Webhook signing as Flexport does it: HMAC-SHA256 of the exact body bytes, hex encoded.
/// Pure functions; thread-safe.
#pragma once

#include <string>
#include <string_view>

namespace fxagent::sim {

/// Lower-case hex HMAC-SHA256 of `data` under `key`.
std::string HmacSha256Hex(std::string_view key, std::string_view data);

/// "sha256=<hex>", the value of X-Hub-Signature and X-Hub-Signature-256.
std::string SignatureHeaderValue(std::string_view secret, std::string_view body);

}  // namespace fxagent::sim
