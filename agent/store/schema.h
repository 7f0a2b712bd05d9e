/// The shared store's schema in PostgreSQL and its versioned migrations. Every replica
/// calls MigrateSchema() at start; the migrations run under a transaction-scoped
/// advisory lock keyed by the schema name, so replicas that start together apply each
/// version exactly once and the others wait, then see it applied. Safe to call again.
#pragma once

#include <string>
#include <vector>

namespace fxagent {

class PgConnection;

struct MigrationOutcome {
  bool ok = false;
  std::vector<int> applied;  // versions this call applied (empty when up to date)
  int version = 0;           // schema version after the call
  std::string error;         // on failure: PostgreSQL's message (no secrets)
};

/// Creates `schema` if needed and applies the missing migrations in one transaction.
MigrationOutcome MigrateSchema(PgConnection& db, const std::string& schema);

/// The newest schema version this build knows.
int LatestSchemaVersion();

}  // namespace fxagent
