#include <openssl/crypto.h>

#include "agent/daemon/daemon_services.h"

namespace fxagent {

bool AdminAuthorized(const Config& config, const std::string& authorization) {
  const std::string& token = config.listen.admin_token;
  if (token.empty()) return true;
  static constexpr std::string_view kPrefix = "Bearer ";
  if (authorization.size() != kPrefix.size() + token.size() ||
      authorization.compare(0, kPrefix.size(), kPrefix) != 0) {
    return false;
  }
  return CRYPTO_memcmp(authorization.data() + kPrefix.size(), token.data(), token.size()) == 0;
}

}  // namespace fxagent
