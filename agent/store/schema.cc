#include "agent/store/schema.h"

#include <iterator>
#include <string>

#include "agent/store/pg_connection.h"

namespace fxagent {
namespace {

struct Migration {
  int version;
  const char* sql;
};

// Append only: a released migration never changes, a new one gets the next version.
// Times are bigint Unix milliseconds from the agents' clocks, as in the embedded store;
// leases use the database's clock so that replicas' clocks need not agree.
constexpr Migration kMigrations[] = {
    {1, R"sql(
CREATE TABLE webhook_events(
  seq bigserial PRIMARY KEY,
  id text NOT NULL UNIQUE,
  type text NOT NULL,
  shipment_key text NOT NULL DEFAULT '',
  body bytea NOT NULL,
  signature_256 text NOT NULL DEFAULT '',
  signature text NOT NULL DEFAULT '',
  content_type text NOT NULL DEFAULT '',
  received_at bigint NOT NULL,
  state smallint NOT NULL,
  attempts integer NOT NULL DEFAULT 0,
  next_attempt_at bigint NOT NULL,
  last_error text NOT NULL DEFAULT '',
  dead_reason text NOT NULL DEFAULT '',
  source smallint NOT NULL DEFAULT 0,
  traceparent text NOT NULL DEFAULT '',
  received_by text NOT NULL DEFAULT '',
  lease_owner text NOT NULL DEFAULT '',
  lease_until timestamptz NOT NULL DEFAULT '-infinity');
CREATE INDEX webhook_events_state_received ON webhook_events(state, received_at);
CREATE INDEX webhook_events_pending_due ON webhook_events(next_attempt_at) WHERE state = 0;
CREATE INDEX webhook_events_shipment ON webhook_events(shipment_key, seq) WHERE state = 0;
CREATE INDEX webhook_events_type_received ON webhook_events(type, received_at);
CREATE TABLE cluster_replicas(
  instance text PRIMARY KEY,
  boot_id text NOT NULL,
  host text NOT NULL,
  pid integer NOT NULL,
  started_at timestamptz NOT NULL DEFAULT clock_timestamp(),
  last_seen timestamptz NOT NULL DEFAULT clock_timestamp());
CREATE TABLE cluster_leader(
  id integer PRIMARY KEY CHECK (id = 1),
  instance text NOT NULL,
  boot_id text NOT NULL,
  until timestamptz NOT NULL);
)sql"},
    {2, R"sql(
CREATE TABLE cluster_alerts(
  instance text NOT NULL,
  fingerprint text NOT NULL,
  alert text NOT NULL,
  updated_at timestamptz NOT NULL DEFAULT clock_timestamp(),
  PRIMARY KEY (instance, fingerprint));
CREATE TABLE cluster_operations(
  seq bigserial PRIMARY KEY,
  instance text NOT NULL,
  kind text NOT NULL,
  payload text NOT NULL,
  created_at timestamptz NOT NULL DEFAULT clock_timestamp());
)sql"},
    {3, R"sql(
CREATE TABLE oauth_token(
  client_id text PRIMARY KEY,
  cache text NOT NULL DEFAULT '',
  updated_at timestamptz NOT NULL DEFAULT clock_timestamp());
)sql"},
};

}  // namespace

int LatestSchemaVersion() { return std::prev(std::end(kMigrations))->version; }

MigrationOutcome MigrateSchema(PgConnection& db, const std::string& schema) {
  MigrationOutcome out;
  std::vector<int> applied;
  int version = 0;
  bool too_new = false;
  const bool ok = PgTransaction(db, [&] {
    // One lock per schema name: replicas of another cluster in the same database do not
    // wait for this one.
    if (!db.Exec("SELECT pg_advisory_xact_lock(hashtext('flexport-agent migrate ' || $1))",
                 {schema})) {
      return false;
    }
    if (!db.Run("CREATE SCHEMA IF NOT EXISTS " + schema)) return false;
    if (!db.Run("SET LOCAL search_path = " + schema)) return false;
    if (!db.Run("CREATE TABLE IF NOT EXISTS schema_migrations(version integer PRIMARY KEY, "
                "applied_at timestamptz NOT NULL DEFAULT clock_timestamp())")) {
      return false;
    }
    auto current = db.Exec("SELECT COALESCE(MAX(version), 0) FROM schema_migrations");
    if (!current) return false;
    version = static_cast<int>(current->Int(0, 0));
    if (version > LatestSchemaVersion()) {
      too_new = true;
      return false;
    }
    for (const Migration& m : kMigrations) {
      if (m.version <= version) continue;
      if (!db.Run(m.sql)) return false;
      if (!db.Exec("INSERT INTO schema_migrations(version) VALUES($1)", {m.version})) {
        return false;
      }
      applied.push_back(m.version);
      version = m.version;
    }
    return true;
  });
  out.ok = ok;
  if (ok) {
    out.applied = std::move(applied);
    out.version = version;
  } else if (too_new) {
    out.error = "the shared store's schema is version " + std::to_string(version) +
                ", newer than this agent knows (" + std::to_string(LatestSchemaVersion()) +
                "): upgrade this replica";
  } else {
    out.error = db.LastError();
  }
  return out;
}

}  // namespace fxagent
