#include "agent/daemon/credential_factory.h"

#include <filesystem>

#include "agent/store/pg_token_cache.h"
#include "flexport/oauth_token.h"

namespace fxagent {

std::unique_ptr<CredentialSource> MakeCredentialSource(const Config& config, Logger& log,
                                                       std::function<void(double)> on_expiry,
                                                       prometheus::Registry* registry) {
  const auto& f = config.flexport;
  if (f.auth == AuthMode::kOAuth) {
    OAuthOptions o;
    o.token_url = f.token_url;
    o.client_id = f.client_id;
    o.client_secret = f.client_secret;
    o.audience = f.audience;
    // `check` runs without the daemon: the cache directory may not exist yet.
    std::error_code ec;
    std::filesystem::create_directories(config.agent.data_dir, ec);
    if (ec) {
      log.Warn("cannot create data_dir: the OAuth token will not be cached",
               {{"data_dir", config.agent.data_dir}, {"error", ec.message()}});
    } else {
      std::filesystem::permissions(config.agent.data_dir, std::filesystem::perms::owner_all,
                                   std::filesystem::perm_options::replace, ec);
    }
    o.cache_file = config.agent.data_dir + "/oauth_token.json";
    o.timeout = config.probes.timeout;
    o.registry = registry;
    o.on_warn = [&log](const std::string& message) { log.Warn(message); };
    if (config.storage.Shared()) {
      // One token and one daily cap for the whole cluster.
      o.shared_cache =
          std::make_shared<PgTokenCache>(config.storage.url, config.storage.schema, f.client_id);
    }
    log.Info("using OAuth client credentials", {{"token_url", f.token_url}});
    return std::make_unique<OAuthTokenSource>(std::move(o), std::move(on_expiry));
  }
  if (f.api_key.empty()) log.Warn("no Flexport API key configured: API probes will fail");
  return std::make_unique<StaticApiKey>(f.api_key);
}

}  // namespace fxagent
