/// Internal to the config loader: one reader per top-level section of SPEC §3. Each reads
/// its table from `root` into `config`, recording problems in the reader's Diagnostics.
#pragma once

#include <string>
#include <string_view>

#include "agent/config/config.h"
#include "agent/config/toml_reader.h"

namespace fxagent::detail {

void ReadAgent(Diagnostics& diag, TableReader& root, AgentSection& out);
void ReadListen(Diagnostics& diag, TableReader& root, ListenSection& out);
void ReadFlexport(Diagnostics& diag, TableReader& root, FlexportSection& out);
void ReadProbes(Diagnostics& diag, TableReader& root, ProbesSection& out);
void ReadWebhooks(Diagnostics& diag, TableReader& root, WebhooksSection& out);
void ReadProxy(Diagnostics& diag, TableReader& root, ProxySection& out);
/// Relative rule files are resolved against `base_dir` (the config file's directory).
void ReadRules(Diagnostics& diag, TableReader& root, const std::string& base_dir,
               RulesSection& out);
void ReadSeverity(Diagnostics& diag, TableReader& root, SeveritySection& out);
void ReadTracing(Diagnostics& diag, TableReader& root, TracingSection& out);
/// [storage] and [cluster] ([cluster] needs a PostgreSQL url).
void ReadStorage(Diagnostics& diag, TableReader& root, StorageSection& storage,
                 ClusterSection& cluster);
/// [a-z_][a-z0-9_]{0,62}: safe to splice into SQL unquoted.
bool IsSqlIdentifier(std::string_view value);
/// [[receivers]], [[routes]] and [[inhibit]], with cross-references checked.
void ReadAlerting(Diagnostics& diag, TableReader& root, Config& out);

}  // namespace fxagent::detail
