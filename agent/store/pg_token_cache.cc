#include "agent/store/pg_token_cache.h"

#include "agent/store/pg_connection.h"

namespace fxagent {

PgTokenCache::PgTokenCache(std::string conninfo, std::string schema, std::string client_id)
    : client_id_(std::move(client_id)),
      db_(std::make_unique<PgConnection>(std::move(conninfo), std::move(schema))) {}

PgTokenCache::~PgTokenCache() = default;

bool PgTokenCache::Update(
    const std::function<std::optional<std::string>(const std::string& cached)>& fn) {
  std::lock_guard<std::mutex> lock(mu_);
  return PgTransaction(*db_, [&] {
    if (!db_->Exec("INSERT INTO oauth_token(client_id) VALUES($1) ON CONFLICT DO NOTHING",
                   {client_id_})) {
      return false;
    }
    auto row =
        db_->Exec("SELECT cache FROM oauth_token WHERE client_id = $1 FOR UPDATE", {client_id_});
    if (!row || row->empty()) return false;
    std::optional<std::string> next = fn(row->Text(0, 0));
    if (!next) return true;
    return db_
        ->Exec(
            "UPDATE oauth_token SET cache = $2, updated_at = clock_timestamp() WHERE "
            "client_id = $1",
            {client_id_, *next})
        .has_value();
  });
}

}  // namespace fxagent
