/// The OAuth token cache of a cluster in PostgreSQL (table `oauth_token`, one row per
/// client id): Update() locks the row (`SELECT ... FOR UPDATE`) for the whole refresh, so
/// one replica at a time fetches a token and the others then find it. The row holds a
/// bearer token: the agent's schema should be readable by the agent's role only (see the
/// README). Thread-safe.
#pragma once

#include <memory>
#include <mutex>
#include <string>

#include "flexport/oauth_token.h"

namespace fxagent {

class PgConnection;

class PgTokenCache final : public SharedTokenCache {
 public:
  PgTokenCache(std::string conninfo, std::string schema, std::string client_id);
  ~PgTokenCache() override;
  bool Update(
      const std::function<std::optional<std::string>(const std::string& cached)>& fn) override;

 private:
  std::string client_id_;
  std::mutex mu_;
  std::unique_ptr<PgConnection> db_;
};

}  // namespace fxagent
