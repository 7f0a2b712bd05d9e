/// The agent's configuration (SPEC §3) as plain values, and the loader that turns a TOML
/// file into them. Loading throws ConfigError (start-up only); the result is immutable
/// and safe to share between threads.
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "agent/config/units.h"  // Duration, TimePoint, ListenAddress

namespace fxagent {

/// A configuration error with its source position; what() is "file:line:col: message".
class ConfigError : public std::runtime_error {
 public:
  ConfigError(std::string file, int line, int column, std::string message);
  const std::string& file() const { return file_; }
  int line() const { return line_; }
  int column() const { return column_; }
  const std::string& message() const { return message_; }

 private:
  std::string file_;
  int line_;
  int column_;
  std::string message_;
};

struct AgentSection {
  std::string instance;  // default: hostname
  std::string data_dir = "/var/lib/flexport-agent";
};

struct ListenSection {
  ListenAddress public_addr{"0.0.0.0", 8080};  // key "public"
  ListenAddress internal{"127.0.0.1", 9464};
  ListenAddress egress{"127.0.0.1", 9465};
  std::string admin_token;  // secret; empty = no auth on mutating calls
};

enum class AuthMode { kApiKey, kOAuth };

struct FlexportSection {
  std::string api_base = "https://api.flexport.com";  // no trailing slash
  std::string api_version = "2";
  AuthMode auth = AuthMode::kApiKey;                  // key "auth": "api_key" | "oauth"
  std::string api_key;                                // secret
  std::string client_id;                              // oauth
  std::string client_secret;                          // oauth, secret
  std::string token_url;                              // oauth; default "{api_base}/oauth/token"
  std::string audience = "https://api.flexport.com";  // oauth
  std::optional<TimePoint> api_key_expires_at;        // RFC 3339
  std::string status_page = "https://status.flexport.com";  // "" = no status page probe
};

struct ProbesSection {
  Duration interval = std::chrono::seconds(15);
  Duration timeout = std::chrono::seconds(10);
  std::vector<std::string> endpoints = {"/shipments?per=1", "/bookings?per=1",
                                        "/purchase_orders?per=1", "/invoices?per=1",
                                        "/products?per=1"};
  Duration status_page_interval = std::chrono::seconds(60);
  Duration subscription_interval = std::chrono::minutes(5);
  std::string connectivity_check;                     // optional URL other than Flexport
  Duration slow_threshold = std::chrono::seconds(2);  // "slow response" for check (P3)
};

struct WebhookExpect {
  std::vector<std::string> types;  // "*" = any
  Duration max_gap = std::chrono::minutes(30);
};

struct ReconcileSection {
  bool enabled = false;  // true when the [webhooks.reconcile] table is present
  Duration interval = std::chrono::minutes(10);
  Duration lookback = std::chrono::hours(6);
  int per = 100;  // 1..100
  bool replay_missed = true;
  /// Events younger than this are not compared yet: they may still be on their way.
  Duration settle = std::chrono::seconds(30);
};

struct WebhooksSection {
  std::string path = "/webhooks/flexport";
  std::vector<std::string> secrets;  // secrets; empty strings dropped
  bool allow_sha1 = false;
  std::string forward_to;  // "" = record only
  uint64_t max_body = uint64_t{1024} * 1024;
  Duration dedup_window = std::chrono::hours(72);
  int max_attempts = 12;
  int max_concurrency = 8;  // deliveries to the app in flight
  std::vector<std::string> shipment_key = {"data.shipment_id", "data.resource.shipment.id",
                                           "data.resource.id"};
  std::vector<WebhookExpect> expect;
  ReconcileSection reconcile;
};

struct BreakerSection {
  bool enabled = false;
  int failure_threshold = 5;  // consecutive 5xx/transport errors that open it
  Duration open_duration = std::chrono::seconds(30);
  int cache_entries = 1024;
  uint64_t cache_max_body = uint64_t{1024} * 1024;
};

struct ProxySection {
  int max_concurrency = 64;
  bool queue_on_429 = false;
  int queue_max = 256;
  Duration queue_max_wait = std::chrono::seconds(30);
  Duration timeout = std::chrono::seconds(30);
  BreakerSection breaker;
};

struct RulesSection {
  std::vector<std::string> files;  // resolved against the config file's directory
  Duration evaluation_interval = std::chrono::seconds(5);
};

struct SeveritySection {
  Duration p1 = std::chrono::minutes(15);
  Duration p2 = std::chrono::minutes(30);
  Duration p3 = std::chrono::hours(2);
  Duration p4 = std::chrono::hours(8);
};

struct ReceiverConfig {
  std::string name;
  std::string type;               // slack | alertmanager | pagerduty | webhook
  std::vector<std::string> urls;  // secret; key "url" (string) or "urls" (array)
  std::string routing_key;        // pagerduty, secret
  Duration timeout = std::chrono::seconds(10);
};

struct RouteConfig {
  std::vector<std::string> severities;  // empty = all
  std::vector<std::string> matchers;    // 'label="v"', 'label=~"re"', ...
  std::vector<std::string> receivers;
  std::vector<std::string> group_by = {"alertname", "severity"};
  Duration group_wait = std::chrono::seconds(10);
  Duration group_interval = std::chrono::minutes(5);
  std::optional<Duration> repeat_interval;  // default: the severity's response time
  std::vector<std::string> escalate_to;
  std::string fallback;
  bool continue_matching = false;  // key "continue"
};

struct InhibitConfig {
  std::vector<std::string> source_matchers;
  std::vector<std::string> target_matchers;
  std::vector<std::string> equal;
};

struct TracingSection {
  std::string otlp_endpoint;
};

/// Where the agent keeps its durable state. Empty url = embedded SQLite in data_dir; a
/// PostgreSQL URI or conninfo = a store shared by every agent with the same url + schema
/// (one cluster).
struct StorageSection {
  std::string url;  // secret (may carry a password)
  std::string schema = "flexport_agent";
  bool Shared() const { return !url.empty(); }
};

/// Cluster behaviour; only meaningful with a PostgreSQL [storage] url.
struct ClusterSection {
  Duration lease = std::chrono::seconds(15);  // leader and delivery lease
  int alert_quorum = 1;                       // live replicas that must report an alert
};

struct Config {
  std::string source;  // file path, or "<default>" for the embedded configuration
  AgentSection agent;
  ListenSection listen;
  FlexportSection flexport;
  ProbesSection probes;
  WebhooksSection webhooks;
  ProxySection proxy;
  RulesSection rules;
  SeveritySection severity;
  std::vector<ReceiverConfig> receivers;
  std::vector<RouteConfig> routes;
  std::vector<InhibitConfig> inhibit;
  TracingSection tracing;
  StorageSection storage;
  ClusterSection cluster;
};

/// Environment lookup, injectable for tests. Returns nullopt when unset.
using EnvLookup = std::optional<std::string> (*)(const std::string& name);
std::optional<std::string> ProcessEnv(const std::string& name);

/// Parses and validates a configuration file. Throws ConfigError.
Config LoadConfigFile(const std::string& path, EnvLookup env = ProcessEnv);
/// Parses TOML text; `source_name` is used in error positions and as the base for
/// relative paths (its directory). Throws ConfigError.
Config LoadConfigText(const std::string& text, const std::string& source_name,
                      EnvLookup env = ProcessEnv);
/// Every problem found (sorted by position, one per position), empty when valid. For
/// `flexport-agent validate`, which reports all of them; never throws.
std::vector<ConfigError> ValidateConfigFile(const std::string& path, EnvLookup env = ProcessEnv);
std::vector<ConfigError> ValidateConfigText(const std::string& text, const std::string& source_name,
                                            EnvLookup env = ProcessEnv);
/// The embedded default configuration (real Flexport, secrets from the environment).
const std::string& DefaultConfigText();
Config LoadDefaultConfig(EnvLookup env = ProcessEnv);

}  // namespace fxagent
