#include "agent/config/config_sections.h"

#include <unistd.h>

#include <climits>
#include <filesystem>
#include <tuple>

namespace fxagent::detail {
namespace {

constexpr int kIntMax = INT_MAX;

std::string Hostname() {
  char buffer[256] = {};
  if (gethostname(buffer, sizeof(buffer) - 1) != 0 || buffer[0] == '\0') return "localhost";
  return buffer;
}

}  // namespace

void ReadAgent(Diagnostics& diag, TableReader& root, AgentSection& out) {
  TableReader t(diag, root.Table("agent"), "agent", "[agent]", {"instance", "data_dir"});
  t.String("instance", out.instance);
  t.String("data_dir", out.data_dir, CheckNotEmpty);
  if (out.instance.empty()) out.instance = Hostname();
}

void ReadListen(Diagnostics& diag, TableReader& root, ListenSection& out) {
  TableReader t(diag, root.Table("listen"), "listen", "[listen]",
                {"public", "internal", "egress", "admin_token"});
  t.Address("public", out.public_addr);
  t.Address("internal", out.internal);
  t.Address("egress", out.egress);
  t.String("admin_token", out.admin_token, {}, /*secret=*/true);
}

void ReadFlexport(Diagnostics& diag, TableReader& root, FlexportSection& out) {
  TableReader t(diag, root.Table("flexport"), "flexport", "[flexport]",
                {"api_base", "api_version", "auth", "api_key", "client_id", "client_secret",
                 "token_url", "audience", "api_key_expires_at", "status_page"});
  if (t.Url("api_base", out.api_base, /*allow_empty=*/false)) {
    while (out.api_base.ends_with("/")) out.api_base.pop_back();
  }
  t.String("api_version", out.api_version, CheckNotEmpty);
  std::string auth;
  if (t.String("auth", auth, [](const std::string& v, bool may_echo) -> std::optional<std::string> {
        if (v == "api_key" || v == "oauth") return std::nullopt;
        return "must be \"api_key\" or \"oauth\"" + Echo(", got ", v, may_echo);
      })) {
    out.auth = auth == "oauth" ? AuthMode::kOAuth : AuthMode::kApiKey;
  }
  bool has_key = t.String("api_key", out.api_key, {}, /*secret=*/true);
  bool has_id = t.String("client_id", out.client_id);
  bool has_secret = t.String("client_secret", out.client_secret, {}, /*secret=*/true);
  t.Url("token_url", out.token_url, /*allow_empty=*/true);
  t.String("audience", out.audience);
  t.Time("api_key_expires_at", out.api_key_expires_at);
  t.Url("status_page", out.status_page, /*allow_empty=*/true);
  while (out.status_page.ends_with("/")) out.status_page.pop_back();

  // A value that could not be read (wrong type, unset variable) is already reported.
  auto missing = [&t](std::string_view key, bool read, const std::string& value) {
    return !t.Has(key) || (read && value.empty());
  };
  if (out.auth == AuthMode::kOAuth) {
    for (auto [key, read, value] : {std::tuple{"client_id", has_id, &out.client_id},
                                    std::tuple{"client_secret", has_secret, &out.client_secret}}) {
      if (missing(key, read, *value)) {
        diag.Error(t.PosOf(t.Has(key) ? key : "auth"),
                   t.Path(key) + ": required when auth = \"oauth\"");
      }
    }
    if (out.token_url.empty()) out.token_url = out.api_base + "/oauth/token";
  } else if (missing("api_key", has_key, out.api_key)) {
    diag.Error(t.PosOf("api_key"),
               t.Path("api_key") +
                   ": required (or set auth = \"oauth\" with client_id and client_secret)");
  }
}

void ReadProbes(Diagnostics& diag, TableReader& root, ProbesSection& out) {
  TableReader t(diag, root.Table("probes"), "probes", "[probes]",
                {"interval", "timeout", "endpoints", "status_page_interval",
                 "subscription_interval", "connectivity_check", "slow_threshold"});
  t.Duration("interval", out.interval);
  t.Duration("timeout", out.timeout);
  t.StringArray("endpoints", out.endpoints, CheckAbsolutePath);
  t.Duration("status_page_interval", out.status_page_interval);
  t.Duration("subscription_interval", out.subscription_interval);
  t.Url("connectivity_check", out.connectivity_check, /*allow_empty=*/true);
  t.Duration("slow_threshold", out.slow_threshold);
}

void ReadWebhooks(Diagnostics& diag, TableReader& root, WebhooksSection& out) {
  TableReader t(diag, root.Table("webhooks"), "webhooks", "[webhooks]",
                {"path", "secrets", "allow_sha1", "forward_to", "max_body", "dedup_window",
                 "max_attempts", "max_concurrency", "shipment_key", "expect", "reconcile"});
  t.String("path", out.path, CheckAbsolutePath);
  if (t.StringArray("secrets", out.secrets, {}, /*secret=*/true)) {
    std::erase_if(out.secrets, [](const std::string& s) { return s.empty(); });
  }
  t.Bool("allow_sha1", out.allow_sha1);
  t.Url("forward_to", out.forward_to, /*allow_empty=*/true);
  t.Size("max_body", out.max_body);
  t.Duration("dedup_window", out.dedup_window);
  t.Int("max_attempts", out.max_attempts, 1, kIntMax);
  t.Int("max_concurrency", out.max_concurrency, 1, kIntMax);
  t.StringArray("shipment_key", out.shipment_key, CheckNotEmpty);

  std::vector<const toml::table*> expects = t.Tables("expect");
  for (size_t i = 0; i < expects.size(); ++i) {
    std::string path = "webhooks.expect[" + std::to_string(i) + "]";
    TableReader e(diag, expects[i], path, path, {"types", "max_gap"});
    WebhookExpect expect;
    if (!e.Has("types")) {
      diag.Error(e.PosOf("types"), e.Path("types") + ": required (use [\"*\"] for any type)");
    } else if (e.StringArray("types", expect.types, CheckNotEmpty) && expect.types.empty()) {
      diag.Error(e.PosOf("types"), e.Path("types") + ": must not be empty");
    }
    e.Duration("max_gap", expect.max_gap);
    out.expect.push_back(std::move(expect));
  }

  const toml::table* reconcile_table = t.Table("reconcile");
  TableReader r(diag, reconcile_table, "webhooks.reconcile", "[webhooks.reconcile]",
                {"enabled", "interval", "lookback", "per", "replay_missed", "settle"});
  out.reconcile.enabled = reconcile_table != nullptr;
  r.Bool("enabled", out.reconcile.enabled);
  r.Duration("interval", out.reconcile.interval);
  r.Duration("lookback", out.reconcile.lookback);
  r.Int("per", out.reconcile.per, 1, 100);
  r.Bool("replay_missed", out.reconcile.replay_missed);
  r.Duration("settle", out.reconcile.settle, /*allow_zero=*/true);
}

void ReadProxy(Diagnostics& diag, TableReader& root, ProxySection& out) {
  TableReader t(
      diag, root.Table("proxy"), "proxy", "[proxy]",
      {"max_concurrency", "queue_on_429", "queue_max", "queue_max_wait", "timeout", "breaker"});
  t.Int("max_concurrency", out.max_concurrency, 1, kIntMax);
  t.Bool("queue_on_429", out.queue_on_429);
  t.Int("queue_max", out.queue_max, 1, kIntMax);
  t.Duration("queue_max_wait", out.queue_max_wait);
  t.Duration("timeout", out.timeout);
  TableReader b(
      diag, t.Table("breaker"), "proxy.breaker", "[proxy.breaker]",
      {"enabled", "failure_threshold", "open_duration", "cache_entries", "cache_max_body"});
  b.Bool("enabled", out.breaker.enabled);
  b.Int("failure_threshold", out.breaker.failure_threshold, 1, kIntMax);
  b.Duration("open_duration", out.breaker.open_duration);
  b.Int("cache_entries", out.breaker.cache_entries, 0, kIntMax);
  b.Size("cache_max_body", out.breaker.cache_max_body);
}

void ReadRules(Diagnostics& diag, TableReader& root, const std::string& base_dir,
               RulesSection& out) {
  TableReader t(diag, root.Table("rules"), "rules", "[rules]", {"files", "evaluation_interval"});
  if (t.StringArray("files", out.files, CheckNotEmpty)) {
    for (std::string& file : out.files) {
      std::filesystem::path path(file);
      if (path.is_relative() && !base_dir.empty()) {
        file = (std::filesystem::path(base_dir) / path).lexically_normal().string();
      }
    }
  }
  t.Duration("evaluation_interval", out.evaluation_interval);
}

void ReadSeverity(Diagnostics& diag, TableReader& root, SeveritySection& out) {
  TableReader t(diag, root.Table("severity"), "severity", "[severity]", {"P1", "P2", "P3", "P4"});
  t.Duration("P1", out.p1);
  t.Duration("P2", out.p2);
  t.Duration("P3", out.p3);
  t.Duration("P4", out.p4);
}

void ReadTracing(Diagnostics& diag, TableReader& root, TracingSection& out) {
  TableReader t(diag, root.Table("tracing"), "tracing", "[tracing]", {"otlp_endpoint"});
  t.Url("otlp_endpoint", out.otlp_endpoint, /*allow_empty=*/true);
}

void ReadStorage(Diagnostics& diag, TableReader& root, StorageSection& storage,
                 ClusterSection& cluster) {
  TableReader s(diag, root.Table("storage"), "storage", "[storage]", {"url", "schema"});
  // The url may carry a password: never echoed in messages.
  s.String(
      "url", storage.url,
      [](const std::string& v, bool) -> std::optional<std::string> {
        if (v.empty() || v.starts_with("postgresql://") || v.starts_with("postgres://") ||
            v.find('=') != std::string::npos) {
          return std::nullopt;
        }
        return "expected \"\" (embedded SQLite), a postgresql:// URI or a libpq conninfo "
               "string (key=value ...)";
      },
      /*secret=*/true);
  s.String("schema", storage.schema, [](const std::string& v, bool may_echo) {
    return IsSqlIdentifier(v) ? std::nullopt
                              : std::optional<std::string>(
                                    "must be a lower-case SQL identifier ([a-z_][a-z0-9_]*, at "
                                    "most 63 characters)" +
                                    Echo(", got ", v, may_echo));
  });
  TableReader c(diag, root.Table("cluster"), "cluster", "[cluster]", {"lease", "alert_quorum"});
  if (c.present() && !storage.Shared()) {
    diag.Error(c.PosOf(""),
               "[cluster] needs a shared store: set [storage] url to a PostgreSQL database");
  }
  if (c.Duration("lease", cluster.lease) && cluster.lease < std::chrono::seconds(1)) {
    c.Error("lease", "must be at least 1s");
  }
  c.Int("alert_quorum", cluster.alert_quorum, 1, 1000);
}

bool IsSqlIdentifier(std::string_view v) {
  if (v.empty() || v.size() > 63) return false;
  if (!(v[0] == '_' || (v[0] >= 'a' && v[0] <= 'z'))) return false;
  for (char ch : v) {
    if (!(ch == '_' || (ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9'))) return false;
  }
  return true;
}

}  // namespace fxagent::detail
